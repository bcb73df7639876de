/**
 * The arithmetic of every indicator update, as tiny scalar functions. Both forms of an indicator
 * call these: the step function (state in an object, for live use) and the batch loop (state in
 * local variables, which is about twice as fast because nothing round-trips through memory). Same
 * function, same operands, same operation order: the two forms are bit-identical by construction,
 * and tests/unit/core/indicators/incremental-vs-batch.test.ts checks it on random series.
 */

/** One EMA update, TA-Lib's expression: `(x - prev) * k + prev`. */
export function emaNext(prev: number, x: number, k: number): number {
  return (x - prev) * k + prev;
}

/**
 * Wilder's smoothing, TA-Lib's operation order: `(average * (period - 1) + x) / period`. (TA-Lib's
 * RSI multiplies both averages, adds the move to one of them and divides; adding an exact 0 to the
 * other changes no bit, so this single form reproduces it.)
 */
export function wilderNext(average: number, x: number, period: number): number {
  return (average * (period - 1) + x) / period;
}

/**
 * The upward part of a close-to-close change (0 when it fell), written without a branch: the sign
 * of a price change is a coin flip, and a mispredicted branch per candle doubled the RSI's cost.
 * Exact for every finite input: `c + |c|` is `2c` or exactly 0, and halving `2c` is exact.
 */
export function upMove(change: number): number {
  return (change + Math.abs(change)) * 0.5;
}

/** The downward part of a close-to-close change, as a positive number (0 when it rose); branch-free like `upMove`. */
export function downMove(change: number): number {
  return (Math.abs(change) - change) * 0.5;
}

/**
 * RSI from the two averages: `100 * gain / (gain + loss)`, TA-Lib's form of `100 - 100 / (1 + RS)`.
 * A window with no movement at all gives 0, as in TA-Lib (which tests zero with a 1e-8 tolerance;
 * we test exact zero: a KRW coin below 1 won has a 0.0001 tick, and a long-decayed average can
 * legitimately sit near 1e-8).
 */
export function rsiOf(gain: number, loss: number): number {
  const total = gain + loss;
  return total === 0 ? 0 : 100 * (gain / total);
}

/** True range of a bar given the previous close, in TA-Lib's comparison order. */
export function trueRange(high: number, low: number, prevClose: number): number {
  let greatest = high - low;
  const toHigh = Math.abs(prevClose - high);
  if (toHigh > greatest) greatest = toHigh;
  const toLow = Math.abs(prevClose - low);
  if (toLow > greatest) greatest = toLow;
  return greatest;
}

/** Slide a window sum by one input, TA-Lib's order: `(sum - leaving) + entering`. */
export function slideSum(sum: number, leaving: number, entering: number): number {
  return sum - leaving + entering;
}
