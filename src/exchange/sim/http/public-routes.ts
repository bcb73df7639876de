import type { Hono } from "hono";
import { invalidParameter } from "../errors.ts";
import { type CandlePeriod, candleBars, MINUTE_UNITS } from "../market/candles.ts";
import { BOOK_DEPTH, type MarketReplay, type RevealedTrade } from "../market/replay.ts";
import { orderbookData, tickerData } from "../market/views.ts";
import { parseDateTime, utcDayStart } from "../time.ts";
import { intParam, publicMarket, publicMarkets, type SimServices } from "./services.ts";
import { marketEntry, restCandle, restOrderbook, restTicker, restTrade } from "./wire.ts";

/** Max candles per call (API.md 3.6). */
export const MAX_CANDLES = 200;
/** Max recent trades per call: unconfirmed for Bithumb; 500 like third-party clients assume. */
export const MAX_TRADES = 500;
const DEFAULT_DEPTH = 15;

/** The public (no auth) market-data endpoints of API.md 3. */
export function registerPublicRoutes(app: Hono, s: SimServices): void {
  app.get("/v1/market/all", (c) => {
    const details = c.req.query("isDetails") === "true";
    return c.json([...s.replay.markets.values()].map((mr) => marketEntry(mr.market, mr.warning, details)));
  });

  app.get("/v1/ticker", (c) => {
    const now = s.clock.now();
    return c.json(publicMarkets(s, c.req.query("markets")).map((mr) => restTicker(tickerData(mr, now), now)));
  });

  app.get("/v1/orderbook", (c) => {
    const markets = publicMarkets(s, c.req.query("markets"));
    const depth = markets.length === 1 ? BOOK_DEPTH : DEFAULT_DEPTH;
    const now = s.clock.now();
    return c.json(markets.map((mr) => restOrderbook(orderbookData(mr, s.engine, depth), now)));
  });

  app.get("/v1/trades/ticks", (c) => {
    const mr = publicMarket(s, c.req.query("market"));
    const count = intParam(c.req.query("count"), "count", 1, 1, MAX_TRADES);
    const cursorText = c.req.query("cursor");
    if (cursorText !== undefined && !/^\d+$/.test(cursorText)) throw invalidParameter("cursor must be a sequential_id");
    const trades = recentTrades(mr, count, cursorText === undefined ? undefined : Number(cursorText));
    const prevCloseByDay = new Map<number, number>();
    return c.json(trades.map((t) => restTrade(t, prevCloseAtUtcDay(mr, t.ts, prevCloseByDay))));
  });

  app.get("/v1/candles/minutes/:unit", (c) => {
    const unit = Number(c.req.param("unit"));
    if (!MINUTE_UNITS.includes(unit as (typeof MINUTE_UNITS)[number])) throw invalidParameter(`unit must be one of ${MINUTE_UNITS.join(", ")}`);
    return c.json(candles(s, { kind: "minutes", minutes: unit }, c.req.query()));
  });
  for (const kind of ["days", "weeks", "months"] as const) {
    app.get(`/v1/candles/${kind}`, (c) => c.json(candles(s, { kind }, c.req.query())));
  }
}

function candles(s: SimServices, period: CandlePeriod, query: Record<string, string>): Record<string, unknown>[] {
  const mr = publicMarket(s, query.market);
  const count = intParam(query.count, "count", 1, 1, MAX_CANDLES);
  let to: number | undefined;
  if (query.to !== undefined && query.to !== "") {
    to = parseDateTime(query.to);
    if (to === undefined) throw invalidParameter("to must be yyyy-MM-dd'T'HH:mm:ss'Z' or yyyy-MM-dd HH:mm:ss (KST)");
  }
  return candleBars(mr, period, count, to).map((bar) => restCandle(mr.market, period, bar));
}

/** The newest public trades, newest first; with `cursor`, only those older than that trade. */
function recentTrades(mr: MarketReplay, count: number, cursor?: number): RevealedTrade[] {
  const out: RevealedTrade[] = [];
  const take = (trades: RevealedTrade[]) => {
    for (let i = trades.length - 1; i >= 0 && out.length < count; i--) {
      if (cursor === undefined || trades[i]!.sequentialId < cursor) out.push(trades[i]!);
    }
  };
  take(mr.revealedTrades());
  for (let g = mr.slot - 1; g >= 0 && out.length < count; g--) take(mr.slotTradesOf(g));
  return out;
}

/** Close of the last candle before 00:00 UTC of the trade's day (API.md 3.5: UTC-midnight basis). */
function prevCloseAtUtcDay(mr: MarketReplay, ts: number, cache: Map<number, number>): number {
  const day = utcDayStart(ts);
  const hit = cache.get(day);
  if (hit !== undefined) return hit;
  const g = mr.timeline.indexAtOrBefore(day - 1);
  const close = g >= 0 ? mr.timeline.candle(g).close : mr.timeline.candle(0).open;
  cache.set(day, close);
  return close;
}
