import { trueRange, wilderNext } from "./kernels.ts";
import { assertPeriod, outputBuffer } from "./period.ts";

/**
 * Wilder's Average True Range.
 * `TR[i] = max(high[i] - low[i], |close[i-1] - high[i]|, |close[i-1] - low[i]|)`, smoothed with
 * `ATR[i] = (ATR[i-1] * (period - 1) + TR[i]) / period` (TA-Lib's operation order).
 *
 * First bar (tests/fixtures/indicators/SOURCES.md):
 * - `"skip"` (default; TA-Lib): bar 0 has no previous close, so its range is not used; the first
 *   value is the mean of TR[1..period], at index `period`.
 * - `"include"` (Achelis): TR[0] = high[0] - low[0] counts; the first value is the mean of
 *   TR[0..period-1], at index `period - 1`.
 *
 * State ownership: see ema.ts (plain JSON, updated in place by `atrStep`).
 */
export type AtrFirstBar = "skip" | "include";

export interface AtrOptions {
  readonly firstBar?: AtrFirstBar;
}

export interface AtrState {
  readonly period: number;
  readonly firstBar: AtrFirstBar;
  /** Bars needed before the first value: `period + 1` (skip) or `period` (include). */
  readonly warmup: number;
  /** Bars absorbed so far, saturating at `warmup`. */
  count: number;
  prevClose: number;
  /** Sum of warm-up true ranges. */
  sum: number;
  value: number;
}

export function atrInit(period: number, options: AtrOptions = {}): AtrState {
  assertPeriod("ATR", period);
  const firstBar = options.firstBar ?? "skip";
  return { period, firstBar, warmup: firstBar === "skip" ? period + 1 : period, count: 0, prevClose: 0, sum: 0, value: 0 };
}

/** Absorb one bar (in place; returns `state`). */
export function atrStep(state: AtrState, high: number, low: number, close: number): AtrState {
  if (state.count >= state.warmup) {
    state.value = wilderNext(state.value, trueRange(high, low, state.prevClose), state.period);
    state.prevClose = close;
    return state;
  }
  if (state.count > 0) state.sum += trueRange(high, low, state.prevClose);
  else if (state.firstBar === "include") state.sum += high - low;
  state.prevClose = close;
  state.count++;
  if (state.count === state.warmup) state.value = state.sum / state.period;
  return state;
}

export function atrReady(state: AtrState): boolean {
  return state.count >= state.warmup;
}

/** The current ATR, or NaN during warm-up. */
export function atrValue(state: AtrState): number {
  return state.count >= state.warmup ? state.value : Number.NaN;
}

/**
 * ATR over a whole series: as long as the inputs (which must have equal lengths), NaN during
 * warm-up. Warm-up through `atrStep`; then the same kernels with the average in a local.
 */
export function atr(
  highs: ArrayLike<number>,
  lows: ArrayLike<number>,
  closes: ArrayLike<number>,
  period: number,
  options?: AtrOptions,
  out?: Float64Array,
): Float64Array {
  const n = closes.length;
  if (highs.length !== n || lows.length !== n) {
    throw new RangeError(`ATR inputs differ in length: ${highs.length} highs, ${lows.length} lows, ${n} closes`);
  }
  const state = atrInit(period, options);
  const series = outputBuffer(out, n);
  let i = 0;
  for (; i < n && state.count < state.warmup; i++) series[i] = atrValue(atrStep(state, highs[i]!, lows[i]!, closes[i]!));
  let value = state.value;
  let prevClose = state.prevClose;
  for (; i < n; i++) {
    series[i] = value = wilderNext(value, trueRange(highs[i]!, lows[i]!, prevClose), period);
    prevClose = closes[i]!;
  }
  return series;
}
