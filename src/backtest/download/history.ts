import type { Candle, Interval, Market } from "../../core/model.ts";
import type { CandleQuery } from "../../ports/exchange.ts";
import { CANDLES_PER_REQUEST } from "./plan.ts";
import { candleEnd } from "./periods.ts";

/** Fetches one candle page (the downloader's counted, retried request). */
export type CandlePageFetcher = (query: CandleQuery) => Promise<Candle[]>;

/**
 * Open time of the first day (as the exchange's day candles divide time) that ends after `after`
 * and has trades, before `until`; undefined when the exchange has no trades in [after, until).
 *
 * Why: minute candles without trades are simply absent (API.md 3.6), so an empty minute page
 * cannot tell "nothing yet" (before a listing, a long halt) from "history starts here". Month and
 * day candles can, in two or three requests, whichever way the server reads `count`:
 * 1. month candles, newest first back from `until`, until a page reaches `after`'s month (a full
 *    page of 200 months is 16 years, so one page is the norm);
 * 2. for each month that ends after `after`, oldest first: the day candles of that month; the
 *    first day that ends after `after` is the answer.
 */
export async function firstTradingDayAfter(fetch: CandlePageFetcher, market: Market, after: number, until: number): Promise<number | undefined> {
  const months = await monthsEndingAfter(fetch, market, after, until);
  for (const month of months) {
    const monthEnd = Math.min(candleEnd("1M", month.ts), until);
    const days = await fetch({ market, interval: "1d", to: monthEnd, count: CANDLES_PER_REQUEST });
    const first = days.find((d) => d.ts >= month.ts && candleEnd("1d", d.ts) > after);
    if (first !== undefined) return first.ts;
  }
  return undefined;
}

/** Month candles (oldest first) that end after `after` and open before `until`. */
async function monthsEndingAfter(fetch: CandlePageFetcher, market: Market, after: number, until: number): Promise<Candle[]> {
  const found: Candle[] = [];
  let to = until;
  for (;;) {
    const page = await fetch({ market, interval: "1M" satisfies Interval, to, count: CANDLES_PER_REQUEST });
    found.unshift(...page.filter((m) => candleEnd("1M", m.ts) > after));
    const oldest = page[0];
    if (oldest === undefined || page.length < CANDLES_PER_REQUEST || candleEnd("1M", oldest.ts) <= after) return found;
    to = oldest.ts;
  }
}
