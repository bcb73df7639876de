import { DAY_MS, kstDayStart, kstMonthStart, kstWeekStart, MINUTE_MS, nextKstMonthStart, WEEK_MS } from "../time.ts";
import type { MarketReplay, TradeAggregate } from "./replay.ts";

/** Candle periods Bithumb serves (API.md 3.6). Days, weeks and months follow the KST calendar. */
export type CandlePeriod = { readonly kind: "minutes"; readonly minutes: number } | { readonly kind: "days" } | { readonly kind: "weeks" } | { readonly kind: "months" };

export const MINUTE_UNITS = [1, 3, 5, 10, 15, 30, 60, 240] as const;

/** One candle as served: a period with at least one trade. */
export interface CandleBar extends TradeAggregate {
  /** Period start, epoch ms. */
  readonly start: number;
  /** Close of the last trade before the period (days candles report it). */
  readonly prevClose: number;
}

/** Start of the period containing `t`. Minute periods are aligned to the UTC epoch. */
export function periodStart(period: CandlePeriod, t: number): number {
  switch (period.kind) {
    case "minutes": {
      const len = period.minutes * MINUTE_MS;
      return Math.floor(t / len) * len;
    }
    case "days":
      return kstDayStart(t);
    case "weeks":
      return kstWeekStart(t);
    case "months":
      return kstMonthStart(t);
  }
}

/** Start of the period after the one starting at `start`. */
export function periodEnd(period: CandlePeriod, start: number): number {
  switch (period.kind) {
    case "minutes":
      return start + period.minutes * MINUTE_MS;
    case "days":
      return start + DAY_MS;
    case "weeks":
      return start + WEEK_MS;
    case "months":
      return nextKstMonthStart(start);
  }
}

/**
 * Up to `count` candles, newest first, as the exchange shows them at the replay's current
 * position: history from the recording plus the still-forming period built from the trades
 * revealed so far. `to` (exclusive) keeps only periods that start before it. Periods without
 * trades are skipped, as exchanges do.
 */
export function candleBars(mr: MarketReplay, period: CandlePeriod, count: number, to?: number): CandleBar[] {
  const tl = mr.timeline;
  const partial = mr.partial();
  // Newest slot with public trades: the playing slot once it has one, else the one before.
  let g = partial ? mr.slot : mr.slot - 1;
  if (to !== undefined) {
    const lastPeriod = periodStart(period, to - 1);
    g = Math.min(g, tl.indexAtOrBefore(periodEnd(period, lastPeriod) - 1));
  }
  const bars: CandleBar[] = [];
  while (bars.length < count && g >= 0) {
    const start = periodStart(period, tl.slotTs(g));
    const first = tl.indexAtOrAfter(start);
    bars.push(aggregate(mr, start, first, g, g === mr.slot ? partial : undefined));
    g = first - 1;
  }
  return bars;
}

/** Fold completed slots `first..last` (and the playing slot's public trades when `partial`). */
function aggregate(mr: MarketReplay, start: number, first: number, last: number, partial: TradeAggregate | undefined): CandleBar {
  const tl = mr.timeline;
  const lastCompleted = partial ? last - 1 : last;
  const prevClose = first > 0 ? tl.candle(first - 1).close : tl.candle(0).open;
  if (lastCompleted < first) return { ...partial!, start, prevClose };
  const e = tl.extremes(first, lastCompleted);
  const sums = tl.sums(first, lastCompleted);
  const done = {
    open: tl.candle(first).open,
    high: e.high,
    low: e.low,
    close: tl.candle(lastCompleted).close,
    volumeUnits: sums.volumeUnits,
    turnover: sums.turnover,
    askUnits: sums.askUnits,
    bidUnits: sums.bidUnits,
    firstTs: tl.trades(first)[0]!.ts,
    lastTs: tl.trades(lastCompleted).at(-1)!.ts,
  };
  if (!partial) return { ...done, start, prevClose };
  return {
    ...done,
    start,
    prevClose,
    high: Math.max(done.high, partial.high),
    low: Math.min(done.low, partial.low),
    close: partial.close,
    volumeUnits: done.volumeUnits + partial.volumeUnits,
    turnover: done.turnover + partial.turnover,
    askUnits: done.askUnits + partial.askUnits,
    bidUnits: done.bidUnits + partial.bidUnits,
    lastTs: partial.lastTs,
  };
}
