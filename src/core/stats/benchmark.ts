import { meanAndSampleStd, stepReturn } from "./returns.ts";
import type { ClosePrices } from "./types.ts";

/**
 * Equal-weight buy-and-hold of the given markets, marked at `timestamps` (the strategy's equity
 * timestamps, ascending): `initialCapital / N` goes into each market at its first close at or
 * before the mark, and is held without rebalancing, fees or slippage (a price benchmark, not a
 * tradable one). A market's value uses its last close at or before each mark; before its first
 * candle its share is held as cash. One pass per market.
 */
export function buyAndHoldValues(markets: readonly ClosePrices[], timestamps: ArrayLike<number>, initialCapital: number): Float64Array {
  const n = timestamps.length;
  const values = new Float64Array(n);
  if (markets.length === 0) return values.fill(initialCapital);
  const share = initialCapital / markets.length;
  for (const m of markets) addHolding(values, timestamps, m.ts, m.close, share);
  return values;
}

/** Add one market's buy-and-hold value of `share` KRW at every mark to `values` (one merge pass). */
function addHolding(values: Float64Array, timestamps: ArrayLike<number>, ts: ArrayLike<number>, close: ArrayLike<number>, share: number): void {
  const n = timestamps.length;
  const m = ts.length;
  let j = 0;
  let units = 0;
  let lastClose = NaN;
  for (let i = 0; i < n; i++) {
    const t = timestamps[i]!;
    while (j < m && ts[j]! <= t) {
      lastClose = close[j]!;
      j++;
    }
    if (units === 0 && lastClose > 0) units = share / lastClose;
    values[i] = values[i]! + (units > 0 ? units * lastClose : share);
  }
}

export interface ActiveRisk {
  /** Annualised sample standard deviation of active returns (strategy - benchmark, per candle). */
  readonly trackingError: number | null;
  /** Mean active return / its sample standard deviation x sqrt(periods per year). */
  readonly informationRatio: number | null;
}

/** Tracking error and information ratio of `returns` against `benchmarkReturns` (same length). */
export function activeRisk(returns: ArrayLike<number>, benchmarkReturns: ArrayLike<number>, periodsPerYear: number): ActiveRisk {
  if (returns.length !== benchmarkReturns.length) {
    throw new RangeError(`benchmark has ${benchmarkReturns.length} returns, strategy ${returns.length}`);
  }
  const active = new Float64Array(returns.length);
  for (let i = 0; i < active.length; i++) active[i] = returns[i]! - benchmarkReturns[i]!;
  return annualisedActiveRisk(meanAndSampleStd(active), periodsPerYear);
}

/**
 * `activeRisk` of an equity curve against a benchmark curve (values marked together, same length),
 * with each active return `stepReturn(equity) - stepReturn(benchmark)` computed as it is used: no
 * array of returns per candle. Same arithmetic, same results, as `activeRisk` on their returns.
 */
export function activeRiskOfValues(equity: ArrayLike<number>, benchmark: ArrayLike<number>, periodsPerYear: number): ActiveRisk {
  const n = equity.length;
  if (benchmark.length !== n) throw new RangeError(`benchmark has ${benchmark.length} points, equity ${n}`);
  const count = n - 1;
  if (count < 1) return { trackingError: null, informationRatio: null };
  const mean = activeSum(equity, benchmark) / count;
  if (count < 2) return annualisedActiveRisk({ mean, std: null }, periodsPerYear);
  return annualisedActiveRisk({ mean, std: Math.sqrt(activeSquaredDeviations(equity, benchmark, mean) / (count - 1)) }, periodsPerYear);
}

// Two loops with the active return written out in each: the hot loops of a one-shot pass, kept
// free of a per-element call.

function activeSum(equity: ArrayLike<number>, benchmark: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 1; i < equity.length; i++) sum += stepReturn(equity[i - 1]!, equity[i]!) - stepReturn(benchmark[i - 1]!, benchmark[i]!);
  return sum;
}

function activeSquaredDeviations(equity: ArrayLike<number>, benchmark: ArrayLike<number>, mean: number): number {
  let ss = 0;
  for (let i = 1; i < equity.length; i++) {
    const d = stepReturn(equity[i - 1]!, equity[i]!) - stepReturn(benchmark[i - 1]!, benchmark[i]!) - mean;
    ss += d * d;
  }
  return ss;
}

function annualisedActiveRisk({ mean, std }: { mean: number | null; std: number | null }, periodsPerYear: number): ActiveRisk {
  if (mean === null || std === null) return { trackingError: null, informationRatio: null };
  const root = Math.sqrt(periodsPerYear);
  return { trackingError: std * root, informationRatio: std === 0 ? null : (mean / std) * root };
}
