import type { Candle } from "../model.ts";

/**
 * Builds candles of one interval from a trade stream. Pure: the caller feeds trades and time
 * ticks; the state is plain JSON so a restarted actor can carry on.
 *
 * A candle closes when a trade of a later interval arrives, or when `closeDue` is called at or
 * after the interval end plus a grace period (trades can arrive a little late). An interval with
 * no trades produces no candle, as on the exchange (API.md 3.6): gaps are normal.
 */
export interface CandleBuilderState {
  readonly intervalMs: number;
  /** The candle being built, or null between trades. */
  readonly current: Candle | null;
  /** Open time of the last candle emitted; trades for it or earlier are late and ignored. */
  readonly lastClosedTs: number | null;
}

export interface TradeTick {
  readonly price: number;
  readonly volume: number;
  readonly timestamp: number;
}

export interface CandleStep {
  readonly state: CandleBuilderState;
  /** Candles closed by this step, oldest first (at most one per step). */
  readonly closed: readonly Candle[];
  /** True when the trade was older than the last emitted candle and was dropped. */
  readonly late: boolean;
}

export function initCandleBuilder(intervalMs: number, lastClosedTs: number | null = null): CandleBuilderState {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  return { intervalMs, current: null, lastClosedTs };
}

/** Open time of the interval containing `ts`. */
export function bucketStart(ts: number, intervalMs: number): number {
  return Math.floor(ts / intervalMs) * intervalMs;
}

export function onTrade(state: CandleBuilderState, trade: TradeTick): CandleStep {
  const start = bucketStart(trade.timestamp, state.intervalMs);
  if (state.lastClosedTs !== null && start <= state.lastClosedTs) return { state, closed: [], late: true };
  const cur = state.current;
  if (cur === null || start > cur.ts) {
    const fresh: Candle = { ts: start, open: trade.price, high: trade.price, low: trade.price, close: trade.price, volume: trade.volume };
    if (cur === null) return { state: { ...state, current: fresh }, closed: [], late: false };
    return { state: { ...state, current: fresh, lastClosedTs: cur.ts }, closed: [cur], late: false };
  }
  if (start < cur.ts) return { state, closed: [], late: true };
  const next: Candle = {
    ts: cur.ts,
    open: cur.open,
    high: trade.price > cur.high ? trade.price : cur.high,
    low: trade.price < cur.low ? trade.price : cur.low,
    close: trade.price,
    volume: cur.volume + trade.volume,
  };
  return { state: { ...state, current: next }, closed: [], late: false };
}

/** Close the current candle if its interval ended at least `graceMs` before `now`. */
export function closeDue(state: CandleBuilderState, now: number, graceMs: number): CandleStep {
  const cur = state.current;
  if (cur === null || now < cur.ts + state.intervalMs + graceMs) return { state, closed: [], late: false };
  return { state: { ...state, current: null, lastClosedTs: cur.ts }, closed: [cur], late: false };
}

/**
 * Compare a candle built from trades with the exchange's REST candle for the same interval.
 * Returns the fields that differ beyond a relative tolerance (volume is compared loosely because
 * trades missed during a gap lower it). An empty list means they agree.
 */
export function candleMismatches(built: Candle, official: Candle, volumeTolerance = 1e-6): string[] {
  const diffs: string[] = [];
  if (built.ts !== official.ts) diffs.push("ts");
  for (const k of ["open", "high", "low", "close"] as const) if (built[k] !== official[k]) diffs.push(k);
  const vDiff = Math.abs(built.volume - official.volume);
  if (vDiff > volumeTolerance * Math.max(1, Math.abs(official.volume))) diffs.push("volume");
  return diffs;
}
