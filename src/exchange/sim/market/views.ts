import type { Change, Market, MarketWarning, TakerSide } from "../../../core/model.ts";
import type { MatchingEngine } from "../engine/engine.ts";
import { fixedToNumber } from "../fixed.ts";
import { dashedDate, KST_OFFSET_MS } from "../time.ts";
import type { MarketReplay } from "./replay.ts";

/**
 * Wire-neutral snapshots of one market at the replay's current position, shared by the REST and
 * WebSocket formatters so both always tell the same story.
 */

/** Round a float for display (volumes to 8 decimals, rates to 8 or 10). */
export function round(x: number, decimals: number): number {
  return Number(x.toFixed(decimals));
}

export function units(volumeUnits: number): number {
  return round(volumeUnits / 1e8, 8);
}

export interface TickerData {
  readonly market: Market;
  readonly tradePrice: number;
  readonly tradeVolume: number;
  readonly askBid: TakerSide;
  readonly tradeTimestamp: number;
  readonly openingPrice: number;
  readonly highPrice: number;
  readonly lowPrice: number;
  readonly prevClosingPrice: number;
  readonly change: Change;
  readonly changePrice: number;
  /** Unsigned ratio of the change to the previous close. */
  readonly changeRate: number;
  readonly accTradeVolume: number;
  readonly accTradePrice: number;
  readonly accTradeVolume24h: number;
  readonly accTradePrice24h: number;
  readonly accAskVolume: number;
  readonly accBidVolume: number;
  readonly highest52WeekPrice: number;
  readonly highest52WeekDate: string;
  readonly lowest52WeekPrice: number;
  readonly lowest52WeekDate: string;
  readonly warning: MarketWarning;
}

/** The direction and size of a move from `prev` to `price`. */
export function changeOf(price: number, prev: number): { change: Change; changePrice: number; changeRate: number } {
  const diff = price - prev;
  const change: Change = diff > 0 ? "RISE" : diff < 0 ? "FALL" : "EVEN";
  const changePrice = Math.abs(diff) < 1e-12 ? 0 : round(Math.abs(diff), 4);
  return { change, changePrice, changeRate: prev > 0 ? Math.abs(diff) / prev : 0 };
}

/**
 * The ticker at time `now`: last trade, today's (KST) figures, rolling 24 h totals and 52-week
 * extremes. Accumulations reset at 00:00 KST (API.md 8.2).
 */
export function tickerData(mr: MarketReplay, now: number): TickerData {
  const last = mr.lastTrade;
  const day = mr.dayStats();
  const today = day.today;
  const rolling = mr.rolling24h(now);
  const move = changeOf(last.price, day.prevClose);
  return {
    market: mr.market,
    tradePrice: last.price,
    tradeVolume: units(last.volumeUnits),
    askBid: last.side,
    tradeTimestamp: last.ts,
    openingPrice: today?.open ?? day.prevClose,
    highPrice: today?.high ?? day.prevClose,
    lowPrice: today?.low ?? day.prevClose,
    prevClosingPrice: day.prevClose,
    ...move,
    accTradeVolume: units(today?.volumeUnits ?? 0),
    accTradePrice: round(today?.turnover ?? 0, 8),
    accTradeVolume24h: units(rolling.volumeUnits),
    accTradePrice24h: round(rolling.turnover, 8),
    accAskVolume: units(today?.askUnits ?? 0),
    accBidVolume: units(today?.bidUnits ?? 0),
    highest52WeekPrice: day.high52.price,
    highest52WeekDate: dashedDate(day.high52.ts, KST_OFFSET_MS),
    lowest52WeekPrice: day.low52.price,
    lowest52WeekDate: dashedDate(day.low52.ts, KST_OFFSET_MS),
    warning: mr.warning,
  };
}

export interface OrderbookUnit {
  readonly askPrice: number;
  readonly bidPrice: number;
  readonly askSize: number;
  readonly bidSize: number;
}

export interface OrderbookData {
  readonly market: Market;
  readonly totalAskSize: number;
  readonly totalBidSize: number;
  readonly units: readonly OrderbookUnit[];
}

/**
 * The public book: the live synthetic levels plus the account's own resting orders at those
 * prices (as on a real exchange, your orders are part of the book). A side with fewer levels is
 * padded with zero price and size.
 */
export function orderbookData(mr: MarketReplay, engine: MatchingEngine, depth: number): OrderbookData {
  const book = mr.liveBook();
  const asks = book.asks.slice(0, depth);
  const bids = book.bids.slice(0, depth);
  const out: OrderbookUnit[] = [];
  let totalAsk = 0;
  let totalBid = 0;
  for (let i = 0; i < Math.max(asks.length, bids.length); i++) {
    const a = asks[i];
    const b = bids[i];
    const askSize = a ? units(a.sizeUnits) + fixedToNumber(engine.restingVolumeAt(mr.market, "ask", a.price)) : 0;
    const bidSize = b ? units(b.sizeUnits) + fixedToNumber(engine.restingVolumeAt(mr.market, "bid", b.price)) : 0;
    totalAsk += askSize;
    totalBid += bidSize;
    out.push({ askPrice: a?.price ?? 0, bidPrice: b?.price ?? 0, askSize: round(askSize, 8), bidSize: round(bidSize, 8) });
  }
  return { market: mr.market, totalAskSize: round(totalAsk, 8), totalBidSize: round(totalBid, 8), units: out };
}
