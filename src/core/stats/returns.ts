import { equityCurve } from "./curve.ts";
import type { EquityInput } from "./types.ts";

/** Milliseconds in the 365-day year every annualisation uses. */
export const YEAR_MS = 365 * 86_400_000;

/** Candles per 365-day year for an interval: 8,760 for 1h, 525,600 for 1m. */
export function candlesPerYear(intervalMs: number): number {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  return YEAR_MS / intervalMs;
}

/**
 * Simple return of one step. A non-positive starting value has nothing left to lose or gain, so
 * its return is 0 (instead of a division by zero).
 */
export function stepReturn(from: number, to: number): number {
  return from > 0 ? to / from - 1 : 0;
}

/** Per-candle returns `e[i] / e[i-1] - 1` from consecutive equity marks (length n - 1). */
export function equityReturns(equity: EquityInput): Float64Array {
  return valueReturns(equityCurve(equity).value);
}

/** Per-step returns of a value series (e.g. a benchmark), same rule as `equityReturns`. */
export function valueReturns(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) out[i - 1] = stepReturn(values[i - 1]!, values[i]!);
  return out;
}

/** Mean and sample standard deviation (n - 1), two-pass for accuracy. `std` is null when n < 2. */
export function meanAndSampleStd(xs: ArrayLike<number>): { mean: number | null; std: number | null } {
  const n = xs.length;
  if (n === 0) return { mean: null, std: null };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i]!;
  const mean = sum / n;
  if (n < 2) return { mean, std: null };
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i]! - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

/**
 * Sharpe ratio as the project defines it: mean of per-candle returns / their sample standard
 * deviation x sqrt(candles per year), no risk-free rate. Null with fewer than two returns or a
 * zero standard deviation.
 */
export function sharpeRatio(returns: ArrayLike<number>, periodsPerYear: number): number | null {
  const { mean, std } = meanAndSampleStd(returns);
  return annualisedRatio(mean, std, Math.sqrt(periodsPerYear));
}

/** mean / deviation x sqrtPeriodsPerYear: the shape of Sharpe and Sortino. Null when either is missing or the deviation is 0. */
export function annualisedRatio(mean: number | null, deviation: number | null, sqrtPeriodsPerYear: number): number | null {
  if (mean === null || deviation === null || deviation === 0) return null;
  return (mean / deviation) * sqrtPeriodsPerYear;
}

/** Per-candle downside deviation: sqrt(sum(min(r, 0)^2) / n), target 0. Null when n = 0. */
export function downsideDeviation(returns: ArrayLike<number>): number | null {
  const n = returns.length;
  if (n === 0) return null;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const r = returns[i]!;
    if (r < 0) ss += r * r;
  }
  return Math.sqrt(ss / n);
}

/** Sortino ratio: mean per-candle return / per-candle downside deviation x sqrt(periods per year). */
export function sortinoRatio(returns: ArrayLike<number>, periodsPerYear: number): number | null {
  return annualisedRatio(meanAndSampleStd(returns).mean, downsideDeviation(returns), Math.sqrt(periodsPerYear));
}

/**
 * Compound annual growth rate over `spanMs`: (final / initial)^(1 / years) - 1 with 365-day
 * years. -1 when the final value is not positive; null for a non-positive initial value or span.
 */
export function cagr(initial: number, final: number, spanMs: number): number | null {
  if (!(initial > 0) || !(spanMs > 0)) return null;
  if (!(final > 0)) return -1;
  return (final / initial) ** (YEAR_MS / spanMs) - 1;
}
