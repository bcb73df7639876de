import { DEFAULT_FEE_RATE, type MarketRules } from "./model.ts";

/**
 * Trading fees as rates of notional (0.0025 = 0.25 %), shared by risk sizing, the backtester and
 * the runtime so all three charge the same amounts.
 *
 * Bithumb reports fee rates per market and side in `GET /v1/orders/chance` (`bid_fee`, `ask_fee`,
 * `maker_*`; API.md 4.2). The buy fee is charged ON TOP of a market buy's KRW amount (the exchange
 * locks amount + fee), the sell fee comes out of the proceeds (Upbit-style API 2.0 behaviour;
 * UNCONFIRMED for Bithumb, so sizing always leaves room for the fee on top). Amounts are not
 * rounded here: how Bithumb rounds fees (UNCONFIRMED) is applied by whoever records real fills.
 */
export interface FeeRates {
  /** Rate on buys (bid side). */
  readonly bid: number;
  /** Rate on sells (ask side). */
  readonly ask: number;
}

/** The fallback when the exchange has not told us (API.md 9: 0.25 % is commonly cited). */
export const DEFAULT_FEE_RATES: FeeRates = Object.freeze({ bid: DEFAULT_FEE_RATE, ask: DEFAULT_FEE_RATE });

function rateOr(rate: number | undefined, fallback: number): number {
  return rate !== undefined && Number.isFinite(rate) && rate >= 0 && rate < 1 ? rate : fallback;
}

/**
 * Taker rates (market orders, and limit orders that cross) from a market's rules, falling back to
 * the default for any missing or nonsensical value.
 */
export function takerFeeRates(rules?: Pick<MarketRules, "bidFee" | "askFee">): FeeRates {
  return { bid: rateOr(rules?.bidFee, DEFAULT_FEE_RATE), ask: rateOr(rules?.askFee, DEFAULT_FEE_RATE) };
}

/** Maker rates (resting limit orders), falling back to the taker rates. */
export function makerFeeRates(rules?: Pick<MarketRules, "bidFee" | "askFee" | "makerBidFee" | "makerAskFee">): FeeRates {
  const taker = takerFeeRates(rules);
  return { bid: rateOr(rules?.makerBidFee, taker.bid), ask: rateOr(rules?.makerAskFee, taker.ask) };
}

/** The fee on a trade of `notional` KRW. */
export function feeOf(notional: number, rate: number): number {
  return notional * rate;
}

/** KRW a buy of `notional` takes from the account, fee included. */
export function buyCost(notional: number, rate: number): number {
  return notional * (1 + rate);
}

/** KRW a sell of `notional` brings in, fee deducted. */
export function sellProceeds(notional: number, rate: number): number {
  return notional * (1 - rate);
}

/** The largest notional `budget` KRW can buy once the fee on top is paid: `budget / (1 + rate)`. */
export function maxBuyNotional(budget: number, rate: number): number {
  return budget > 0 ? budget / (1 + rate) : 0;
}

/** The sell price at which a position bought at `entryPrice` breaks even after both fees. */
export function breakEvenPrice(entryPrice: number, fees: FeeRates): number {
  return (entryPrice * (1 + fees.bid)) / (1 - fees.ask);
}

/**
 * KRW lost per unit of notional when a position bought at `entryPrice` is sold at `exitPrice`,
 * both fees included: `(entry - exit) / entry + bid + ask x exit / entry`.
 */
export function lossFractionAt(entryPrice: number, exitPrice: number, fees: FeeRates): number {
  return (entryPrice - exitPrice) / entryPrice + fees.bid + (fees.ask * exitPrice) / entryPrice;
}
