import { type FeeRates, lossFractionAt, maxBuyNotional } from "../fees.ts";
import type { RiskParams } from "./params.ts";

/**
 * Position size in KRW of notional (what the buy spends before its fee):
 *
 *   notional = min(kelly, risk, weight, cash) x correlationFactor
 *
 * - kelly:  kellyRiskFraction x equity / lossFraction
 * - risk:   maxRiskPerTrade x equity / lossFraction   (hitting the stop loses at most that share)
 * - weight: maxMarketWeight x equity - what is already held in this market
 * - cash:   available KRW / (1 + bid fee)               (the buy fee is charged on top)
 *
 * `lossFraction` is the share of the notional lost if the stop fills exactly at the stop, both fees
 * included: `(price - stop) / price + bidFee + askFee x stop / price`. Equity and cash here are
 * already net of the reserved KRW. With `sizing: "all_available"` only the cash cap applies.
 */
export type SizingCap = "kelly" | "risk" | "weight" | "cash";

export interface SizingInput {
  /** Tradable equity (after the reserve). */
  readonly equity: number;
  /** Tradable KRW (available after the reserve). */
  readonly cash: number;
  /** Reference entry price. */
  readonly price: number;
  /** Protective stop (below `price`); a stop at or below 0 counts as losing everything. */
  readonly stop: number;
  readonly fees: FeeRates;
  readonly params: RiskParams;
  /** Kelly risk fraction to size with, the probe floor applied (Infinity when Kelly is off or unbounded). */
  readonly kellyRiskFraction: number;
  /** KRW notional already held in this market (0 for a new position). */
  readonly heldNotional?: number;
  /** In [0, 1], from the correlation filter. */
  readonly correlationFactor?: number;
}

export interface Sizing {
  readonly notional: number;
  /** The cap that set the size. */
  readonly binding: SizingCap;
  readonly caps: Readonly<Record<SizingCap, number>>;
  readonly lossFraction: number;
  readonly correlationFactor: number;
}

export function sizeEntry(input: SizingInput): Sizing {
  const { equity, params, fees } = input;
  const stop = Math.max(0, input.stop);
  const lossFraction = lossFractionAt(input.price, stop, fees);
  const riskBased = params.sizing === "risk_based";
  const caps: Record<SizingCap, number> = {
    kelly: riskBased && Number.isFinite(input.kellyRiskFraction) ? (input.kellyRiskFraction * equity) / lossFraction : Number.POSITIVE_INFINITY,
    risk: riskBased ? (params.maxRiskPerTrade * equity) / lossFraction : Number.POSITIVE_INFINITY,
    weight: riskBased ? Math.max(0, params.maxMarketWeight * equity - (input.heldNotional ?? 0)) : Number.POSITIVE_INFINITY,
    cash: maxBuyNotional(input.cash, fees.bid),
  };
  let binding: SizingCap = "cash";
  for (const cap of ["kelly", "risk", "weight"] as const) if (caps[cap] < caps[binding]) binding = cap;
  const correlationFactor = input.correlationFactor ?? 1;
  return { notional: Math.max(0, caps[binding] * correlationFactor), binding, caps, lossFraction, correlationFactor };
}
