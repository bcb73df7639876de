import type { PriceColumns } from "./types.ts";

/**
 * Indices of at most ~`maxPoints` points that keep the shape of a long line: the series is cut
 * into maxPoints/2 buckets and each bucket keeps its lowest and highest point (in time order), so
 * every peak and trough, including the deepest drawdown, stays visible. The first and last points
 * are always kept. Returns every index when the series is short enough.
 */
export function minMaxIndices(values: ArrayLike<number>, maxPoints: number): number[] {
  const n = values.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const size = Math.ceil(n / buckets);
  const out: number[] = [0];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i]! < values[lo]!) lo = i;
      if (values[i]! > values[hi]!) hi = i;
    }
    const [a, b] = lo < hi ? [lo, hi] : [hi, lo];
    if (a > out[out.length - 1]!) out.push(a);
    if (b > out[out.length - 1]!) out.push(b);
  }
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

/** OHLC bars for display: `[tsMs, open, high, low, close]`. */
export type Bar = [number, number, number, number, number];

/**
 * Candles merged `groupSize` at a time (first open, highest high, lowest low, last close, ts of the
 * first) so that at most `maxBars` remain. The group size is returned so that markers can be put
 * on the bar that contains them.
 */
export function aggregateBars(candles: PriceColumns, maxBars: number): { bars: Bar[]; groupSize: number } {
  const n = candles.ts.length;
  const groupSize = Math.max(1, Math.ceil(n / maxBars));
  const bars: Bar[] = [];
  for (let start = 0; start < n; start += groupSize) {
    const end = Math.min(n, start + groupSize);
    let high = candles.high[start]!;
    let low = candles.low[start]!;
    for (let i = start + 1; i < end; i++) {
      if (candles.high[i]! > high) high = candles.high[i]!;
      if (candles.low[i]! < low) low = candles.low[i]!;
    }
    bars.push([candles.ts[start]!, candles.open[start]!, high, low, candles.close[end - 1]!]);
  }
  return { bars, groupSize };
}

/** Index of the last element of ascending `ts` that is <= t (0 when t precedes them all). */
export function indexAtOrBefore(ts: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ts[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
