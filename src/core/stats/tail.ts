/**
 * Tail risk at 95%: Value at Risk and Conditional VaR (expected shortfall) of per-candle returns,
 * as positive loss fractions (0.02 = a 2% loss). Not annualised: they describe one candle.
 */

import { selectInPlace } from "./select.ts";

// Losses are written `0 - x`, not `-x`: a zero loss must be +0, since -0 and 0 are distinct values.

/** Tail probability of the 95% level. */
export const TAIL_ALPHA = 0.05;

/** Standard normal quantile at 5% (z such that P(Z <= z) = 0.05). */
const Z_05 = -1.6448536269514722;

/** phi(z) / alpha for the normal at alpha = 5%: the CVaR multiplier of sigma. */
const NORMAL_CVAR_FACTOR = Math.exp(-(Z_05 * Z_05) / 2) / Math.sqrt(2 * Math.PI) / TAIL_ALPHA;

export interface TailRisk {
  readonly var95: number | null;
  readonly cvar95: number | null;
}

/**
 * Historical VaR/CVaR: with the n returns sorted ascending and k = ceil(0.05 n), VaR = -r(k) (the
 * k-th smallest, the lower empirical 5% quantile) and CVaR = -mean of the k smallest. Null when
 * there are no returns. Selection, not a full sort: O(n) plus sorting the k tail values.
 */
export function historicalTailRisk(returns: ArrayLike<number>): TailRisk {
  const n = returns.length;
  if (n === 0) return { var95: null, cvar95: null };
  const k = Math.max(1, Math.ceil(TAIL_ALPHA * n));
  // After selecting the k-th smallest, the k - 1 values before it are the smaller ones (in some
  // order): their sum is order-independent only up to rounding, so sort just those k for a
  // deterministic CVaR.
  const xs = returns instanceof Float64Array ? returns.slice() : Float64Array.from(returns);
  const kth = selectInPlace(xs, k - 1);
  const tail = xs.subarray(0, k).sort();
  let sum = 0;
  for (let i = 0; i < k; i++) sum += tail[i]!;
  return { var95: 0 - kth, cvar95: 0 - sum / k };
}

/**
 * Parametric (normal) VaR/CVaR from the mean and sample standard deviation:
 * VaR = -(mu + z sigma) with z = -1.6449, CVaR = -(mu - sigma phi(z) / 0.05). Null when std is.
 */
export function parametricTailRisk(mean: number | null, std: number | null): TailRisk {
  if (mean === null || std === null) return { var95: null, cvar95: null };
  return { var95: 0 - (mean + Z_05 * std), cvar95: 0 - (mean - std * NORMAL_CVAR_FACTOR) };
}
