/**
 * Order statistics without a full sort: Floyd and Rivest's selection partitions a Float64Array in
 * place in O(n), where sorting costs O(n log n). Used for medians (data validation) and the
 * historical VaR (the k smallest returns) on 525,600-value series.
 */

/**
 * Median of `xs`, reordering `xs` in place. For an even count, the mean of the two middle values.
 */
export function medianInPlace(xs: Float64Array): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const upper = selectInPlace(xs, n >> 1);
  if (n % 2 === 1) return upper;
  // After selection everything left of n/2 is <= upper: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (xs[i]! > lower) lower = xs[i]!;
  return (lower + upper) / 2;
}

/** Above this many elements a range is first narrowed on a sample (Floyd and Rivest's constant). */
const SAMPLE_ABOVE = 600;

/**
 * The k-th smallest value (0-based), partitioning `xs` around it: afterwards `xs[k]` is that value,
 * everything before it is <= it and everything after >= it.
 *
 * Floyd and Rivest's SELECT: on a long range it first selects recursively within a small sample
 * range around where the k-th value should fall, so that range's value is an excellent pivot and
 * one partition of the whole range leaves little to do (about n + min(k, n - k) comparisons in
 * all, against about 3.4 n for quickselect with a middle pivot). The value returned, and with it
 * every median and VaR, is the same whatever the algorithm: only the order of the other elements
 * differs.
 */
export function selectInPlace(xs: Float64Array, k: number): number {
  selectRange(xs, 0, xs.length - 1, k);
  return xs[k]!;
}

function selectRange(xs: Float64Array, left: number, right: number, k: number): void {
  while (right > left) {
    if (right - left > SAMPLE_ABOVE) {
      const n = right - left + 1;
      const i = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (i - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(left, Math.floor(k - (i * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - i) * s) / n + sd));
      selectRange(xs, newLeft, newRight, k);
    }
    const t = xs[k]!;
    let i = left;
    let j = right;
    swap(xs, left, k);
    if (xs[right]! > t) swap(xs, right, left);
    while (i < j) {
      swap(xs, i, j);
      i++;
      j--;
      while (xs[i]! < t) i++;
      while (xs[j]! > t) j--;
    }
    if (xs[left] === t) swap(xs, left, j);
    else {
      j++;
      swap(xs, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(xs: Float64Array, a: number, b: number): void {
  const t = xs[a]!;
  xs[a] = xs[b]!;
  xs[b] = t;
}
