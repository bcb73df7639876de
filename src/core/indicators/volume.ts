import { slideSum } from "./kernels.ts";
import { outputBuffer } from "./period.ts";
import { type SmaState, smaInit, smaStep, smaValue } from "./sma.ts";

/**
 * Volume ratio: the candle's volume divided by the simple mean of the last `period` volumes, the
 * current candle INCLUDED (so 1.0 means "as busy as the recent average, this candle counted"). NaN
 * during the SMA warm-up (first value at index `period - 1`). A window whose volumes are all zero
 * gives 0 (nothing traded is never "above average").
 *
 * State ownership: see ema.ts (plain JSON, updated in place by `volumeRatioStep`).
 */
export interface VolumeRatioState {
  readonly sma: SmaState;
  /** Volume of the last absorbed candle. */
  last: number;
}

export function volumeRatioInit(period: number): VolumeRatioState {
  return { sma: smaInit(period), last: 0 };
}

/** Absorb one candle's volume (in place; returns `state`). */
export function volumeRatioStep(state: VolumeRatioState, volume: number): VolumeRatioState {
  smaStep(state.sma, volume);
  state.last = volume;
  return state;
}

/** `volume / mean`; 0 when the mean is 0; NaN when the mean is NaN (warm-up). */
export function ratioToMean(volume: number, mean: number): number {
  return mean > 0 ? volume / mean : mean === 0 ? 0 : Number.NaN;
}

/** The current ratio, or NaN during warm-up. */
export function volumeRatioValue(state: VolumeRatioState): number {
  return ratioToMean(state.last, smaValue(state.sma));
}

/** Volume ratio over a whole series: as long as `volumes`, NaN during warm-up (same split as `sma`). */
export function volumeRatio(volumes: ArrayLike<number>, period: number, out?: Float64Array): Float64Array {
  const state = volumeRatioInit(period);
  const n = volumes.length;
  const series = outputBuffer(out, n);
  let i = 0;
  for (; i < n && state.sma.count < period; i++) series[i] = volumeRatioValue(volumeRatioStep(state, volumes[i]!));
  let sum = state.sma.sum;
  for (; i < n; i++) {
    const volume = volumes[i]!;
    sum = slideSum(sum, volumes[i - period]!, volume);
    series[i] = ratioToMean(volume, sum / period);
  }
  return series;
}
