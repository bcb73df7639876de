export { type EmaCrossState, type EmaCrossStrategy, emaCross, type PendingEntry } from "./ema-cross.ts";
export {
  type EmaCrossParams,
  type EmaCrossParamsInput,
  emaCrossParamsSchema,
  resolveStrategyParams,
  STRATEGY_PRESET_NAMES,
  STRATEGY_PRESETS,
  type StrategyPresetName,
  warmupCandles,
} from "./params.ts";
export { checkProtectiveExits, initialRisk, openTradePlan, raiseStop, riskPerUnit, type TakeProfitLevel, takeProfitReason, type TradePlan, type TradePlanInit } from "./plan.ts";
export { crossedAbove, crossedBelow, signalStrength, stopDistance } from "./signal.ts";
export type {
  AdjustStopIntent,
  Bar,
  EnterIntent,
  EntryReason,
  ExitIntent,
  ExitReason,
  Intent,
  ProtectiveExit,
  Strategy,
  StrategyFill,
  StrategyPosition,
  StrategyStep,
  StrategyView,
} from "./types.ts";
