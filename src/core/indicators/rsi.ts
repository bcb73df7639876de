import { downMove, rsiOf, upMove, wilderNext } from "./kernels.ts";
import { assertPeriod, outputBuffer } from "./period.ts";

/**
 * Wilder's Relative Strength Index, TA-Lib's arithmetic: the first value is at index `period`, from
 * the simple means of the first `period` close-to-close gains and losses; afterwards each average is
 * `(avg * (period - 1) + current) / period`, and `RSI = 100 * avgGain / (avgGain + avgLoss)`. A
 * window with no movement gives 0 (see `rsiOf` in kernels.ts for the one deviation from TA-Lib).
 *
 * State ownership: see ema.ts (plain JSON, updated in place by `rsiStep`).
 */
export interface RsiState {
  readonly period: number;
  /** Inputs absorbed so far, saturating at `period + 1` (ready). */
  count: number;
  /** Previous close. */
  prev: number;
  /** Sum of gains during warm-up, then Wilder's average gain. */
  gain: number;
  /** Sum of losses (positive) during warm-up, then Wilder's average loss. */
  loss: number;
  value: number;
}

export function rsiInit(period: number): RsiState {
  assertPeriod("RSI", period);
  return { period, count: 0, prev: 0, gain: 0, loss: 0, value: 0 };
}

/** Absorb one close (in place; returns `state`). */
export function rsiStep(state: RsiState, close: number): RsiState {
  const period = state.period;
  if (state.count === 0) {
    state.prev = close;
    state.count = 1;
    return state;
  }
  const change = close - state.prev;
  state.prev = close;
  if (state.count > period) {
    state.gain = wilderNext(state.gain, upMove(change), period);
    state.loss = wilderNext(state.loss, downMove(change), period);
    state.value = rsiOf(state.gain, state.loss);
    return state;
  }
  state.gain += upMove(change);
  state.loss += downMove(change);
  state.count++;
  if (state.count > period) {
    state.gain /= period;
    state.loss /= period;
    state.value = rsiOf(state.gain, state.loss);
  }
  return state;
}

export function rsiReady(state: RsiState): boolean {
  return state.count > state.period;
}

/** The current RSI in [0, 100], or NaN during warm-up. */
export function rsiValue(state: RsiState): number {
  return state.count > state.period ? state.value : Number.NaN;
}

/**
 * RSI over a whole series: as long as `closes`, NaN for indexes below `period`. Warm-up through
 * `rsiStep`; then the same kernels with the averages in locals.
 */
export function rsi(closes: ArrayLike<number>, period: number, out?: Float64Array): Float64Array {
  const state = rsiInit(period);
  const n = closes.length;
  const series = outputBuffer(out, n);
  let i = 0;
  for (; i < n && state.count <= period; i++) series[i] = rsiValue(rsiStep(state, closes[i]!));
  let prev = state.prev;
  let gain = state.gain;
  let loss = state.loss;
  for (; i < n; i++) {
    const close = closes[i]!;
    const change = close - prev;
    prev = close;
    gain = wilderNext(gain, upMove(change), period);
    loss = wilderNext(loss, downMove(change), period);
    series[i] = rsiOf(gain, loss);
  }
  return series;
}
