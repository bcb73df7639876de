/**
 * Shared argument checks for indicator constructors and batch forms. Only `*Init` functions and
 * batch entry points call them: the per-candle step functions trust their state and stay branch-light.
 */
export function assertPeriod(name: string, period: number): void {
  if (!Number.isInteger(period) || period < 1) throw new RangeError(`${name} period must be an integer >= 1, got ${period}`);
}

/**
 * The array a batch form writes into: the caller's `out` when given (reused across runs, e.g. by an
 * optimiser; it must be exactly `length` long), else a fresh one. Reuse matters: touching fresh
 * memory costs about as much as computing an EMA.
 */
export function outputBuffer(out: Float64Array | undefined, length: number): Float64Array {
  if (out === undefined) return new Float64Array(length);
  if (out.length !== length) throw new RangeError(`output buffer holds ${out.length} values, the input ${length}`);
  return out;
}
