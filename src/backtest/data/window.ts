import { type CandleSeries, sliceSeries } from "./series.ts";

/** A time window [fromTs, toTs): candles whose open time is in it are traded. */
export interface TimeWindow {
  readonly fromTs: number;
  readonly toTs: number;
}

/** Binary search: index of the first value >= `t` in an ascending array (within [from, to)). */
export function lowerBound(values: ArrayLike<number>, t: number, from = 0, to = values.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The series for one window: candles of [fromTs, toTs) plus up to `warmup` candles before it
 * (they only warm the strategy's indicators up; pass `fromTs` to the engine as `startTs`). Markets
 * with no candle in the window are left out. No copying: the slices share the columns.
 */
export function windowSeries(series: readonly CandleSeries[], window: TimeWindow, warmup: number): CandleSeries[] {
  const out: CandleSeries[] = [];
  for (const s of series) {
    const from = lowerBound(s.ts, window.fromTs);
    const to = lowerBound(s.ts, window.toTs);
    if (to <= from) continue;
    out.push(sliceSeries(s, Math.max(0, from - warmup), to));
  }
  return out;
}
