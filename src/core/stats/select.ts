/**
 * Order statistics without a full sort: Hoare's selection (quickselect) partitions a Float64Array
 * in place in O(n) on average, where sorting costs O(n log n). Used for medians (data validation)
 * and the historical VaR (the k smallest returns) on 525,600-value series.
 */

/**
 * Median of `xs`, reordering `xs` in place: Hoare's selection (quickselect) with a middle pivot,
 * O(n) on average, where sorting would be O(n log n). For an even count, the mean of the two
 * middle values.
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

/** The k-th smallest value (0-based), partitioning `xs` around it. */
export function selectInPlace(xs: Float64Array, k: number): number {
  let left = 0;
  let right = xs.length - 1;
  while (left < right) {
    const pivot = xs[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) {
        const tmp = xs[i]!;
        xs[i] = xs[j]!;
        xs[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return xs[k]!;
}
