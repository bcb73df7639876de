export { activeRisk, activeRiskOfValues, buyAndHoldValues, type ActiveRisk } from "./benchmark.ts";
export { periodReturns, type CalendarPeriod } from "./calendar.ts";
export { drawdownSeries, drawdownSummary, type DrawdownSummary } from "./drawdown.ts";
export { computeMetrics } from "./metrics.ts";
export { equityCurve } from "./curve.ts";
export {
  annualisedRatio,
  cagr,
  candlesPerYear,
  downsideDeviation,
  equityReturns,
  meanAndSampleStd,
  sharpeRatio,
  sortinoRatio,
  stepReturn,
  valueReturns,
  YEAR_MS,
} from "./returns.ts";
export { medianInPlace, selectInPlace } from "./select.ts";
export { historicalTailRisk, parametricTailRisk, TAIL_ALPHA, type TailRisk } from "./tail.ts";
export { exposure, tradeStats, type TradeStats } from "./trades.ts";
export type { BacktestMetrics, ClosePrices, EquityCurve, EquityInput, EquityPoint, ExitReason, MetricsInput, PeriodReturn, TradeRecord } from "./types.ts";
