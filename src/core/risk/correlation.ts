/**
 * Pearson correlation of two markets' candle-to-candle simple returns (`close[i] / close[i-1] - 1`)
 * over the most recent `lookback` returns. The two close series must be aligned on their LAST
 * element (same candle time): the caller keeps per-market closes on one time grid.
 */
export interface CorrelationResult {
  /** In [-1, 1]; NaN when fewer than 2 returns or a series did not move. */
  readonly correlation: number;
  /** Returns used. */
  readonly observations: number;
}

export function returnsCorrelation(closesA: ArrayLike<number>, closesB: ArrayLike<number>, lookback: number): CorrelationResult {
  const closes = Math.min(closesA.length, closesB.length, lookback + 1);
  const n = closes - 1;
  if (n < 2) return { correlation: Number.NaN, observations: Math.max(0, n) };
  const offA = closesA.length - closes;
  const offB = closesB.length - closes;
  let meanA = 0;
  let meanB = 0;
  for (let i = 1; i < closes; i++) {
    meanA += closesA[offA + i]! / closesA[offA + i - 1]! - 1;
    meanB += closesB[offB + i]! / closesB[offB + i - 1]! - 1;
  }
  meanA /= n;
  meanB /= n;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 1; i < closes; i++) {
    const a = closesA[offA + i]! / closesA[offA + i - 1]! - 1 - meanA;
    const b = closesB[offB + i]! / closesB[offB + i - 1]! - 1 - meanB;
    cov += a * b;
    varA += a * a;
    varB += b * b;
  }
  const correlation = varA > 0 && varB > 0 ? Math.max(-1, Math.min(1, cov / Math.sqrt(varA * varB))) : Number.NaN;
  return { correlation, observations: n };
}
