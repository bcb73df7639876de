import type { MarketRules } from "../../../../src/core/model.ts";
import type { EntryContext, PortfolioSnapshot } from "../../../../src/core/risk/index.ts";
import { RISK_PRESETS, type RiskParams } from "../../../../src/core/risk/index.ts";

export const RULES: MarketRules = {
  market: "KRW-BTC",
  bidFee: 0.0025,
  askFee: 0.0025,
  makerBidFee: 0.0025,
  makerAskFee: 0.0025,
  minTotalBid: 5_000,
  minTotalAsk: 5_000,
  state: "active",
};

export const TEN_MILLION: PortfolioSnapshot = { equity: 10_000_000, availableKrw: 10_000_000, positions: [], dayStartEquity: 10_000_000, peakEquity: 10_000_000 };

export function context(overrides: { params?: Partial<RiskParams>; portfolio?: Partial<PortfolioSnapshot>; rules?: Partial<MarketRules> } & Omit<Partial<EntryContext>, "params" | "portfolio" | "rules"> = {}): EntryContext {
  const { params, portfolio, rules, ...rest } = overrides;
  return {
    params: { ...RISK_PRESETS.default, ...params },
    rules: { ...RULES, ...rules },
    portfolio: { ...TEN_MILLION, ...portfolio },
    ...rest,
  };
}
