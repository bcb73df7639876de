import { buyCost, feeOf, takerFeeRates } from "../fees.ts";
import type { Market, MarketRules } from "../model.ts";
import { floorVolume, roundPrice } from "../orders/krw.ts";
import { returnsCorrelation } from "./correlation.ts";
import { type Decision, deny } from "./decision.ts";
import { dailyLossFraction, drawdownFraction } from "./equity.ts";
import { kellyEstimate, type TradeOutcome } from "./kelly.ts";
import { isMarketActive, limitBuyDraft, marketBuyDraft, type OrderDraft } from "./orders.ts";
import type { RiskParams } from "./params.ts";
import { type Sizing, sizeEntry } from "./sizing.ts";

/**
 * The portfolio-wide entry check: every rule that can stop a new position, then the size, then an
 * order Bithumb will accept. Rules, in the order they are checked (the first failing one answers):
 *
 * 1. price and stop are usable (`invalid_price`, `invalid_stop`: the stop must be below the price);
 * 2. equity after the reserve is positive (`zero_equity`); the market is active (`market_inactive`);
 * 3. no position already open in this market (`position_open`), fewer than `maxPositions` open
 *    (`max_positions`; dust holdings count for neither);
 * 4. today's loss (KST day) under `dailyLossLimit`, drawdown from the peak under `maxDrawdown`;
 * 5. correlation of returns with every held market under `correlation.denyAbove` (`correlated`);
 *    between `reduceAbove` and `denyAbove` the size shrinks linearly to zero;
 * 6. the size (sizing.ts): Kelly below the probe -> the probe size (kelly.ts; with the probe off, zero
 *    Kelly -> `no_edge`), no cash -> `insufficient_krw`, under the exchange minimum ->
 *    `below_minimum`; above the exchange maximum it is cut to the maximum.
 */
export interface EntryRequest {
  readonly market: Market;
  /** Reference price: the signal candle's close (an `EnterIntent` fits this shape). */
  readonly price: number;
  /** The protective stop the position will have. */
  readonly stop: number;
}

export interface HeldPosition {
  readonly market: Market;
  readonly volume: number;
  /** Mark price (last close). */
  readonly price: number;
  /** Unsellable remainder (risk `isDust`): not counted as a position. */
  readonly dust?: boolean;
}

export interface PortfolioSnapshot {
  /** KRW (free and locked) plus every holding at its mark price. */
  readonly equity: number;
  /** Free KRW (not locked by open orders). */
  readonly availableKrw: number;
  readonly positions: readonly HeldPosition[];
  /** Equity at the start of the KST day and the highest equity seen (see equity.ts). */
  readonly dayStartEquity: number;
  readonly peakEquity: number;
}

/** Recent closes per market for the correlation filter, each series aligned on its last element. */
export interface CloseHistory {
  readonly candidate: ArrayLike<number>;
  readonly held: ReadonlyMap<Market, ArrayLike<number>>;
}

export interface EntryContext {
  readonly params: RiskParams;
  readonly rules: MarketRules;
  readonly portfolio: PortfolioSnapshot;
  /** Closed trades of this strategy, oldest first (for Kelly). */
  readonly trades?: readonly TradeOutcome[];
  /** Without it the correlation filter cannot measure anything and lets the entry through. */
  readonly closes?: CloseHistory;
}

export interface EntryApproval {
  readonly order: OrderDraft;
  /** KRW the order spends before its fee. */
  readonly notional: number;
  /** Expected fee (bid rate on `notional`). */
  readonly fee: number;
  /** Volume: exact for a limit order; for a market buy, the expectation `notional / reference price`. */
  readonly volume: number;
  readonly sizing: Sizing;
  /** Highest correlation with a held market that was measured, or null. */
  readonly correlation: number | null;
  /** Sized as a Kelly probe: the estimate is under `kelly.probeRiskFraction` (kelly.ts). */
  readonly kellyProbe: boolean;
}

function highestCorrelation(closes: CloseHistory | undefined, positions: readonly HeldPosition[], params: RiskParams): number | null {
  if (!params.correlation.enabled || closes === undefined) return null;
  let highest: number | null = null;
  for (const p of positions) {
    const series = closes.held.get(p.market);
    if (p.dust || series === undefined) continue;
    const { correlation, observations } = returnsCorrelation(closes.candidate, series, params.correlation.lookback);
    if (observations < params.correlation.minObservations || Number.isNaN(correlation)) continue;
    if (highest === null || correlation > highest) highest = correlation;
  }
  return highest;
}

/** 1 up to `reduceAbove`, falling linearly to 0 at `denyAbove`. */
function correlationFactor(correlation: number | null, params: RiskParams): number {
  const { reduceAbove, denyAbove } = params.correlation;
  if (correlation === null || correlation <= reduceAbove) return 1;
  return Math.max(0, (denyAbove - correlation) / (denyAbove - reduceAbove));
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)} %`;
}

export function checkEntry(request: EntryRequest, context: EntryContext): Decision<EntryApproval> {
  const { params, rules, portfolio } = context;
  const { market, price, stop } = request;
  if (!(Number.isFinite(price) && price > 0)) return deny("invalid_price", `reference price ${price} is not a positive number`);
  if (!Number.isFinite(stop) || stop >= price) return deny("invalid_stop", `stop ${stop} is not below the price ${price}`);

  const equity = Math.max(0, portfolio.equity - params.reservedKrw);
  const cash = Math.max(0, portfolio.availableKrw - params.reservedKrw);
  if (!(equity > 0)) return deny("zero_equity", `equity ${portfolio.equity} KRW leaves nothing above the reserve of ${params.reservedKrw} KRW`);
  if (!isMarketActive(rules)) return deny("market_inactive", `${market} market state is ${rules.state}`);

  const open = portfolio.positions.filter((p) => !p.dust && p.volume > 0);
  if (open.some((p) => p.market === market)) return deny("position_open", `already holding ${market}`);
  if (open.length >= params.maxPositions) return deny("max_positions", `${open.length} positions open, the limit is ${params.maxPositions}`);

  const dayLoss = dailyLossFraction(portfolio.dayStartEquity, portfolio.equity);
  if (params.dailyLossLimit !== null && dayLoss >= params.dailyLossLimit) {
    return deny("daily_loss_limit", `down ${pct(dayLoss)} today, the limit is ${pct(params.dailyLossLimit)}`);
  }
  const drawdown = drawdownFraction(portfolio.peakEquity, portfolio.equity);
  if (params.maxDrawdown !== null && drawdown >= params.maxDrawdown) {
    return deny("max_drawdown", `${pct(drawdown)} below the equity peak, the limit is ${pct(params.maxDrawdown)}`);
  }

  const correlation = highestCorrelation(context.closes, open, params);
  const factor = correlationFactor(correlation, params);
  if (factor <= 0) return deny("correlated", `return correlation ${correlation!.toFixed(3)} with a held market reaches ${params.correlation.denyAbove}`);

  const fees = takerFeeRates(rules);
  const kelly = params.kelly.enabled ? kellyEstimate(context.trades ?? [], params.kelly) : null;
  const riskBased = params.sizing === "risk_based";
  if (riskBased && kelly !== null && kelly.sizingFraction <= 0) {
    return deny("no_edge", `half-Kelly of the last ${kelly.trades} trades is 0 (win rate ${pct(kelly.winRate)}, ${kelly.averageWinR.toFixed(2)} R won vs ${kelly.averageLossR.toFixed(2)} R lost) and probing is off`);
  }
  if (!(cash > 0)) return deny("insufficient_krw", `${portfolio.availableKrw} KRW available, ${params.reservedKrw} KRW reserved`);
  let sizing = sizeEntry({ equity, cash, price, stop, fees, params, kellyRiskFraction: kelly?.sizingFraction ?? Number.POSITIVE_INFINITY, correlationFactor: factor });
  if (rules.maxTotal !== undefined && sizing.notional > rules.maxTotal) sizing = { ...sizing, notional: rules.maxTotal };

  const order = params.entryOrder.type === "limit" ? limitEntry(market, price, sizing.notional, params) : marketEntry(market, price, sizing.notional);
  // Float safety: never spend more than the cash the size was computed from.
  if (buyCost(order.notional, fees.bid) > cash) return deny("insufficient_krw", `${cash} KRW cannot pay ${order.notional} KRW plus its fee`);
  if (!(order.notional >= rules.minTotalBid)) {
    return deny("below_minimum", `size ${order.notional} KRW (bound by ${sizing.binding}) is under the minimum ${rules.minTotalBid} KRW`);
  }
  return {
    kind: "approve",
    order: order.draft,
    notional: order.notional,
    fee: feeOf(order.notional, fees.bid),
    volume: order.volume,
    sizing,
    correlation,
    kellyProbe: riskBased && kelly !== null && kelly.probe,
  };
}

interface PlannedBuy {
  readonly draft: OrderDraft;
  readonly notional: number;
  readonly volume: number;
}

function marketEntry(market: Market, reference: number, notional: number): PlannedBuy {
  const draft = marketBuyDraft(market, notional);
  return { draft, notional: draft.price!, volume: draft.price! / reference };
}

/** A marketable limit: a little above the reference, rounded DOWN onto the tick grid. */
function limitEntry(market: Market, reference: number, notional: number, params: RiskParams): PlannedBuy {
  const price = roundPrice(reference * (1 + params.entryOrder.limitOffset), "down");
  const draft = limitBuyDraft(market, price, floorVolume(notional / price));
  return { draft, notional: price * draft.volume!, volume: draft.volume! };
}
