// store.ts (recording runs in SQLite) is re-exported from src/backtest/index.ts only: the engine and
// the optimizer's worker threads import this index and must not load the database layer.
export { runBacktest, type BacktestRunOptions } from "./backtest.ts";
export {
  ENGINE_PRESETS,
  type BacktestConfig,
  type EngineSettings,
  engineSettingsSchema,
  FILL_PRECISIONS,
  type FillPrecision,
  type ParamsFile,
  paramsFileSchema,
  resolveBacktestConfig,
  simulatedRules,
  windowWarmup,
} from "./config.ts";
export { runEngine } from "./engine.ts";
export { type EndReason, resultExitReason } from "./reasons.ts";
export { backtestJson, type BacktestJson, buildResult, equityPoints, type ResultInput, runEquity } from "./result.ts";
export type { EngineDecision, EngineInput, EngineRun } from "./types.ts";
export { dataSummaryLines, type LoadedData, type LoadOptions, loadCandleFiles, selectWindow, type WindowedData } from "./load.ts";
export { exitReasonCounts, summaryLines } from "./summary.ts";
