/**
 * A/B comparison of two equity curves marked on the same candles: the difference in total return,
 * with a paired moving-block bootstrap confidence interval (docs/optimization.md "A/B comparison").
 *
 * Why paired and in blocks: both runs see the same market, so their returns on one candle are
 * strongly related, and resampling candle indices (the same ones for A and B) keeps that pairing;
 * positions last many candles and volatility clusters, so indices are drawn in contiguous blocks,
 * which keeps that dependence inside each block. Returns are compounded through log growth and
 * prefix sums, so one resample costs one addition per block, not per candle.
 *
 * Pure: the randomness is injected (`random`, uniform in [0, 1)), so a seed gives the same interval.
 */
export interface BootstrapOptions {
  /** Number of bootstrap resamples (default 2,000). */
  readonly resamples?: number;
  /** Candles per block (default ceil(sqrt(n)), n = returns). */
  readonly blockLength?: number;
  /** Two-sided confidence level (default 0.95). */
  readonly confidence?: number;
  readonly random: () => number;
}

export interface ReturnDifference {
  /** Total return of A and of B over the whole curve (from the initial capital). */
  readonly returnA: number;
  readonly returnB: number;
  /** returnA - returnB as observed. */
  readonly difference: number;
  /** Percentile interval of the bootstrapped differences. */
  readonly low: number;
  readonly high: number;
  readonly confidence: number;
  /** Share of resamples in which A's total return beat B's. */
  readonly probabilityABetter: number;
  readonly resamples: number;
  readonly blockLength: number;
  /** Per-candle returns used (the curve length: the first is measured from the initial capital). */
  readonly returns: number;
}

/** Log growth per step, from the initial capital: g[0] = ln(e0 / C), g[i] = ln(e_i / e_{i-1}). */
function logGrowth(values: ArrayLike<number>, initialCapital: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let prev = initialCapital;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    // A curve that reached zero has lost everything: keep it finite but hopeless.
    out[i] = prev > 0 && v > 0 ? Math.log(v / prev) : prev > 0 ? -745 : 0;
    prev = v;
  }
  return out;
}

function prefixSums(xs: Float64Array): Float64Array {
  const out = new Float64Array(xs.length + 1);
  for (let i = 0; i < xs.length; i++) out[i + 1] = out[i]! + xs[i]!;
  return out;
}

/** Quantile with linear interpolation between order statistics (Hyndman-Fan type 7) of sorted data. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Bootstrap the difference in total return between two equity curves `a` and `b` (values marked on
 * the same candles, same length) that both started from `initialCapital`.
 */
export function bootstrapReturnDifference(a: ArrayLike<number>, b: ArrayLike<number>, initialCapital: number, options: BootstrapOptions): ReturnDifference {
  const n = a.length;
  if (n !== b.length) throw new RangeError(`curves differ in length: ${n} vs ${b.length} (not the same candles)`);
  if (n === 0) throw new RangeError("empty equity curves");
  if (!(initialCapital > 0)) throw new RangeError(`initial capital must be > 0, got ${initialCapital}`);
  const resamples = options.resamples ?? 2_000;
  const confidence = options.confidence ?? 0.95;
  if (!(resamples >= 1) || !Number.isInteger(resamples)) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const blockLength = Math.min(n, Math.max(1, Math.round(options.blockLength ?? Math.ceil(Math.sqrt(n)))));

  const sumA = prefixSums(logGrowth(a, initialCapital));
  const sumB = prefixSums(logGrowth(b, initialCapital));
  const returnA = a[n - 1]! / initialCapital - 1;
  const returnB = b[n - 1]! / initialCapital - 1;

  const blocks = Math.ceil(n / blockLength);
  const lastLength = n - (blocks - 1) * blockLength;
  const starts = n - blockLength + 1;
  const diffs = new Float64Array(resamples);
  let aBetter = 0;
  for (let r = 0; r < resamples; r++) {
    let ga = 0;
    let gb = 0;
    for (let k = 0; k < blocks; k++) {
      const start = Math.min(starts - 1, Math.floor(options.random() * starts));
      const end = start + (k === blocks - 1 ? lastLength : blockLength);
      ga += sumA[end]! - sumA[start]!;
      gb += sumB[end]! - sumB[start]!;
    }
    const d = Math.expm1(ga) - Math.expm1(gb);
    diffs[r] = d;
    if (d > 0) aBetter++;
  }
  diffs.sort();
  const tail = (1 - confidence) / 2;
  return {
    returnA,
    returnB,
    difference: returnA - returnB,
    low: quantileSorted(diffs, tail),
    high: quantileSorted(diffs, 1 - tail),
    confidence,
    probabilityABetter: aBetter / resamples,
    resamples,
    blockLength,
    returns: n,
  };
}
