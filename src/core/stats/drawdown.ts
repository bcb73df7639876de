import { equityCurve } from "./curve.ts";
import type { EquityInput } from "./types.ts";

export interface DrawdownSummary {
  /** Largest (peak - value) / peak over the marks, >= 0. */
  readonly maxDrawdown: number;
  /** ts of the peak and trough of that largest drawdown (equal when there is none). */
  readonly peakTs: number;
  readonly troughTs: number;
  /**
   * Longest underwater spell in ms: from a peak's ts to the first later mark at or above it, or
   * to the last mark when equity never recovers.
   */
  readonly maxDurationMs: number;
}

/** Max drawdown and the longest underwater duration, one pass over the equity marks. */
export function drawdownSummary(equity: EquityInput): DrawdownSummary {
  const { ts: times, value: values } = equityCurve(equity);
  const n = times.length;
  if (n === 0) return { maxDrawdown: 0, peakTs: 0, troughTs: 0, maxDurationMs: 0 };
  let peak = values[0]!;
  let peakTs = times[0]!;
  let maxDd = 0;
  let maxPeakTs = peakTs;
  let maxTroughTs = peakTs;
  let maxDuration = 0;
  for (let i = 1; i < n; i++) {
    const ts = times[i]!;
    const v = values[i]!;
    if (v >= peak) {
      // Back at (or above) the peak: an underwater spell, if any, ends here.
      if (values[i - 1]! < peak && ts - peakTs > maxDuration) maxDuration = ts - peakTs;
      peak = v;
      peakTs = ts;
      continue;
    }
    const dd = peak > 0 ? (peak - v) / peak : 0;
    if (dd > maxDd) {
      maxDd = dd;
      maxPeakTs = peakTs;
      maxTroughTs = ts;
    }
  }
  const lastTs = times[n - 1]!;
  if (values[n - 1]! < peak && lastTs - peakTs > maxDuration) maxDuration = lastTs - peakTs;
  return { maxDrawdown: maxDd, peakTs: maxPeakTs, troughTs: maxTroughTs, maxDurationMs: maxDuration };
}

/** Drawdown at every mark, (value - running peak) / running peak (<= 0), for charts. */
export function drawdownSeries(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let peak = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v > peak) peak = v;
    out[i] = peak > 0 ? v / peak - 1 : 0;
  }
  return out;
}
