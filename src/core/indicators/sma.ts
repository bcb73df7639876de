import { slideSum } from "./kernels.ts";
import { assertPeriod, outputBuffer } from "./period.ts";

/**
 * Simple moving average over the last `period` inputs (the current one included), first value at
 * index `period - 1`. Kept as a running sum over a ring of the window, updated in TA-Lib's order
 * (`(sum - oldest) + newest`), so each step is O(1).
 *
 * State ownership: see ema.ts (plain JSON, updated in place by `smaStep`).
 */
export interface SmaState {
  readonly period: number;
  /** Inputs absorbed so far, saturating at `period`. */
  count: number;
  sum: number;
  /** Ring slot the next input overwrites (the oldest input once the window is full). */
  next: number;
  /** The last `period` inputs, as a ring. */
  readonly window: number[];
}

export function smaInit(period: number): SmaState {
  assertPeriod("SMA", period);
  return { period, count: 0, sum: 0, next: 0, window: new Array<number>(period).fill(0) };
}

/** Absorb one input (in place; returns `state`). */
export function smaStep(state: SmaState, x: number): SmaState {
  const slot = state.next;
  if (state.count === state.period) {
    state.sum = slideSum(state.sum, state.window[slot]!, x);
  } else {
    state.sum += x;
    state.count++;
  }
  state.window[slot] = x;
  state.next = slot + 1 === state.period ? 0 : slot + 1;
  return state;
}

export function smaReady(state: SmaState): boolean {
  return state.count === state.period;
}

/** The current mean, or NaN during warm-up. */
export function smaValue(state: SmaState): number {
  return state.count === state.period ? state.sum / state.period : Number.NaN;
}

/**
 * SMA over a whole series: as long as `values`, NaN for indexes below `period - 1`. Warm-up through
 * `smaStep`; then the same `slideSum` with the sum in a local (the input array is the ring).
 */
export function sma(values: ArrayLike<number>, period: number, out?: Float64Array): Float64Array {
  const state = smaInit(period);
  const n = values.length;
  const series = outputBuffer(out, n);
  let i = 0;
  for (; i < n && state.count < period; i++) series[i] = smaValue(smaStep(state, values[i]!));
  let sum = state.sum;
  for (; i < n; i++) {
    sum = slideSum(sum, values[i - period]!, values[i]!);
    series[i] = sum / period;
  }
  return series;
}
