export { returnsCorrelation, type CorrelationResult } from "./correlation.ts";
export { type Decision, type Deny, type DenyReason, deny } from "./decision.ts";
export { type CloseHistory, checkEntry, type EntryApproval, type EntryContext, type EntryRequest, type HeldPosition, type PortfolioSnapshot } from "./entry.ts";
export { dailyLossFraction, drawdownFraction, type EquityMarks, equityMarksInit, kstDay, markEquity } from "./equity.ts";
export { type ExitAdjustment, type ExitApproval, type ExitRequest, planExit } from "./exit.ts";
export { type KellyEstimate, kellyEstimate, type TradeOutcome } from "./kelly.ts";
export {
  conservativeSellNotional,
  isDust,
  isMarketActive,
  limitBuyDraft,
  marketBuyDraft,
  marketSellDraft,
  type OrderDraft,
  orderProblems,
} from "./orders.ts";
export { type CorrelationParams, type KellyParams, RISK_PRESETS, type RiskParams, type RiskParamsInput, resolveRiskParams, riskParamsSchema } from "./params.ts";
export { type Sizing, type SizingCap, type SizingInput, sizeEntry } from "./sizing.ts";
