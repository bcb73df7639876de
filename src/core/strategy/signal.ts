import type { EmaCrossParams } from "./params.ts";

/**
 * The entry rule of the EMA-cross strategy as pure functions over indicator values, so the
 * strategy, the docs and an independent check can all point at the same few lines.
 */

/**
 * Golden cross on the signal candle: `prevFast <= prevSlow` and `fast > slow`. Any NaN (warm-up)
 * makes it false.
 */
export function crossedAbove(prevFast: number, prevSlow: number, fast: number, slow: number): boolean {
  return prevFast <= prevSlow && fast > slow;
}

/** Dead cross, the mirror: `prevFast >= prevSlow` and `fast < slow`. Any NaN makes it false. */
export function crossedBelow(prevFast: number, prevSlow: number, fast: number, slow: number): boolean {
  return prevFast >= prevSlow && fast < slow;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/**
 * Signal strength in [0, 1]: the mean of three components, each clamped to [0, 1]:
 * - cross margin: `(fast - slow) / (crossAtr x ATR)`;
 * - RSI position: 1 at the middle of [rsiMin, rsiMax], falling linearly to 0 at either edge (1 when
 *   the band is a single value) — room to run without being overbought;
 * - volume: `(ratio - volumeRatioMin) / (volumeRatioFull - volumeRatioMin)` (1 when the two are equal).
 */
export function signalStrength(params: EmaCrossParams, fast: number, slow: number, atr: number, rsi: number, volumeRatio: number): number {
  const cross = atr > 0 ? clamp01((fast - slow) / (params.strength.crossAtr * atr)) : 0;
  const half = (params.rsiMax - params.rsiMin) / 2;
  const rsiPart = half > 0 ? clamp01(1 - Math.abs(rsi - (params.rsiMin + half)) / half) : 1;
  const span = params.strength.volumeRatioFull - params.volumeRatioMin;
  const volume = span > 0 ? clamp01((volumeRatio - params.volumeRatioMin) / span) : 1;
  return (cross + rsiPart + volume) / 3;
}

/** Distance of the initial stop below `entryPrice` under the params' stop mode. */
export function stopDistance(params: EmaCrossParams, entryPrice: number, atr: number): number {
  return params.stopLoss.mode === "atr" ? params.stopLoss.atrMultiple * atr : entryPrice * params.stopLoss.percent;
}
