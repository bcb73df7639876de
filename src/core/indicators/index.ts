export { type AtrFirstBar, type AtrOptions, type AtrState, atr, atrInit, atrReady, atrStep, atrValue } from "./atr.ts";
export { type EmaOptions, type EmaSeed, type EmaState, ema, emaInit, emaReady, emaStep, emaValue } from "./ema.ts";
export { downMove, emaNext, rsiOf, slideSum, trueRange, upMove, wilderNext } from "./kernels.ts";
export { type RsiState, rsi, rsiInit, rsiReady, rsiStep, rsiValue } from "./rsi.ts";
export { type CandleColumns, type IndicatorPeriods, type IndicatorSeries, indicatorSet } from "./set.ts";
export { type SmaState, sma, smaInit, smaReady, smaStep, smaValue } from "./sma.ts";
export { type VolumeRatioState, ratioToMean, volumeRatio, volumeRatioInit, volumeRatioStep, volumeRatioValue } from "./volume.ts";
