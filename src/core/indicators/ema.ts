import { emaNext } from "./kernels.ts";
import { assertPeriod, outputBuffer } from "./period.ts";

/**
 * Exponential moving average with multiplier `k = 2 / (period + 1)`:
 * `EMA[i] = (x[i] - EMA[i-1]) * k + EMA[i-1]` (TA-Lib's exact expression and operation order).
 *
 * Seeds (tests/fixtures/indicators/SOURCES.md):
 * - `"sma"` (default; TA-Lib, StockCharts): the first value is the simple mean of the first `period`
 *   inputs (summed left to right), at index `period - 1`; earlier outputs are NaN.
 * - `"first"` (Achelis, *Technical Analysis from A to Z*): `EMA[0] = x[0]`, no warm-up.
 *
 * State ownership (all indicators): the state is plain JSON data owned by the caller. `emaStep`
 * updates it IN PLACE and returns the same object, so a loop over a million candles allocates
 * nothing. Keep a copy (`structuredClone`, or `JSON.parse(JSON.stringify(s))`) when an older version
 * is needed. The state never holds NaN (JSON would turn it into null): readiness is `count >= warmup`.
 * Inputs must be finite numbers (parse at the edge): one NaN poisons every later value, as in TA-Lib.
 */
export type EmaSeed = "sma" | "first";

export interface EmaOptions {
  readonly seed?: EmaSeed;
}

export interface EmaState {
  readonly period: number;
  readonly k: number;
  readonly seed: EmaSeed;
  /** Inputs needed before the first value: `period` for the SMA seed, 1 for the first-value seed. */
  readonly warmup: number;
  /** Inputs absorbed so far, saturating at `warmup`. */
  count: number;
  /** Sum of the warm-up inputs, kept so the seed can be built one input at a time. */
  sum: number;
  /** Current average; meaningful only when `count >= warmup`. */
  value: number;
}

export function emaInit(period: number, options: EmaOptions = {}): EmaState {
  assertPeriod("EMA", period);
  const seed = options.seed ?? "sma";
  return { period, k: 2 / (period + 1), seed, warmup: seed === "sma" ? period : 1, count: 0, sum: 0, value: 0 };
}

/** Absorb one input (in place; returns `state`). */
export function emaStep(state: EmaState, x: number): EmaState {
  if (state.count >= state.warmup) {
    state.value = emaNext(state.value, x, state.k);
    return state;
  }
  state.sum += x;
  state.count++;
  if (state.count === state.warmup) state.value = state.sum / state.warmup;
  return state;
}

export function emaReady(state: EmaState): boolean {
  return state.count >= state.warmup;
}

/** The current EMA, or NaN during warm-up. */
export function emaValue(state: EmaState): number {
  return state.count >= state.warmup ? state.value : Number.NaN;
}

/**
 * EMA over a whole series: as long as `values`, NaN during warm-up. The warm-up runs through
 * `emaStep` itself; after it, the same `emaNext` update continues with the value in a local.
 */
export function ema(values: ArrayLike<number>, period: number, options?: EmaOptions, out?: Float64Array): Float64Array {
  const state = emaInit(period, options);
  const n = values.length;
  const series = outputBuffer(out, n);
  let i = 0;
  for (; i < n && state.count < state.warmup; i++) series[i] = emaValue(emaStep(state, values[i]!));
  let value = state.value;
  const k = state.k;
  for (; i < n; i++) series[i] = value = emaNext(value, values[i]!, k);
  return series;
}
