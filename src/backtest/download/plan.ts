import { INTERVAL_MS, type Interval } from "../../core/model.ts";
import { candleEnd } from "./periods.ts";

/** Most candles one request returns (API.md 3.6 `count` maximum). */
export const CANDLES_PER_REQUEST = 200;

/**
 * - `range`: nothing stored in the requested range; fetch all of it.
 * - `head`: before the first stored candle.
 * - `hole`: a stored gap of at least `CANDLES_PER_REQUEST` missing candles, fetched again because
 *   it may be a stretch no run ever downloaded (two runs with separate ranges) rather than a
 *   period without trades.
 * - `tail`: after the last stored candle.
 */
export type SegmentKind = "range" | "head" | "hole" | "tail";

/** A time range [start, end) to fetch, with the stored candles on either side of it. */
export interface Segment {
  readonly kind: SegmentKind;
  readonly start: number;
  readonly end: number;
  /** Open time of the stored candle just before `start` (gaps are measured from it). */
  readonly before?: number;
  /** Open time of the stored candle at `end` (gaps are measured up to it). */
  readonly after?: number;
}

/** The time one request covers: `CANDLES_PER_REQUEST` periods. */
export function requestSpanMs(interval: Interval): number {
  return CANDLES_PER_REQUEST * INTERVAL_MS[interval];
}

/** Requests needed to walk [start, end) one window at a time. */
export function windowsIn(start: number, end: number, interval: Interval): number {
  return end > start ? Math.ceil((end - start) / requestSpanMs(interval)) : 0;
}

/**
 * What is left to fetch of [start, end) given the open times already stored there (ascending):
 * everything when nothing is stored, else the head before the first stored candle, the long
 * holes, and the tail after the last one. Candles between the first and last stored candle are
 * otherwise trusted: every run stores each request window whole, so a run never leaves a hole
 * that the exchange had candles for.
 */
export function planSegments(stored: ArrayLike<number>, start: number, end: number, interval: Interval): Segment[] {
  if (!(start < end)) return [];
  const n = stored.length;
  if (n === 0) return [{ kind: "range", start, end }];
  const segments: Segment[] = [];
  const first = stored[0]!;
  const last = stored[n - 1]!;
  if (start < first) segments.push({ kind: "head", start, end: first, after: first });
  const longHole = requestSpanMs(interval);
  for (let i = 1; i < n; i++) {
    const prev = stored[i - 1]!;
    const next = stored[i]!;
    if (next - prev > longHole) segments.push({ kind: "hole", start: candleEnd(interval, prev), end: next, before: prev, after: next });
  }
  const tailStart = candleEnd(interval, last);
  if (tailStart < end) segments.push({ kind: "tail", start: tailStart, end, before: last });
  return segments;
}
