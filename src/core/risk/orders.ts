import type { Market, MarketRules, OrderRequest } from "../model.ts";
import { floorKrw, floorVolume, isOnTick, VOLUME_DECIMALS } from "../orders/krw.ts";

/**
 * Orders as the core emits them: everything but the client order id, which the order manager
 * assigns (and stores) before sending. Built only through the functions here, so each is on
 * Bithumb's grids: limit prices on the tick grid, volumes floored to 8 decimals, market-buy amounts
 * in whole KRW.
 */
export type OrderDraft = Omit<OrderRequest, "clientOrderId">;

/** Market buy spending `amountKrw` (floored to whole KRW; the fee is charged on top). */
export function marketBuyDraft(market: Market, amountKrw: number): OrderDraft {
  return { market, side: "bid", type: "price", price: floorKrw(amountKrw) };
}

/** Limit buy; `price` must already be on the tick grid, the volume is floored to 8 decimals. */
export function limitBuyDraft(market: Market, price: number, volume: number): OrderDraft {
  return { market, side: "bid", type: "limit", price, volume: floorVolume(volume) };
}

/** Market sell of `volume` (floored to 8 decimals). */
export function marketSellDraft(market: Market, volume: number): OrderDraft {
  return { market, side: "ask", type: "market", volume: floorVolume(volume) };
}

/** True when the market accepts orders (`orders/chance` `market.state`; `active` is the documented value). */
export function isMarketActive(rules: Pick<MarketRules, "state">): boolean {
  return rules.state.toLowerCase() === "active";
}

/**
 * KRW a market sell of `volume` is expected to fetch at `price`, discounted by `margin` for the
 * price moving before it executes.
 */
export function conservativeSellNotional(volume: number, price: number, margin: number): number {
  return floorVolume(volume) * price * (1 - margin);
}

/**
 * A holding the exchange will not let us sell: even all of it, valued conservatively, is under the
 * sell minimum. It is tracked as dust (not a position: no exits, no slot in `maxPositions`) until it
 * grows or the exchange's dust conversion takes it.
 */
export function isDust(volume: number, price: number, rules: Pick<MarketRules, "minTotalAsk">, margin = 0): boolean {
  return conservativeSellNotional(volume, price, margin) < rules.minTotalAsk;
}

/**
 * Everything Bithumb would refuse about `draft` (empty when it is valid), as sentences: the last
 * check before sending. `referencePrice` values market orders (required for market sells).
 */
export function orderProblems(draft: OrderDraft, rules: MarketRules, referencePrice?: number): string[] {
  const problems: string[] = [];
  if (draft.market !== rules.market) problems.push(`rules are for ${rules.market}, the order for ${draft.market}`);
  if (!isMarketActive(rules)) problems.push(`market state is ${rules.state}, not active`);
  const min = draft.side === "bid" ? rules.minTotalBid : rules.minTotalAsk;
  let notional: number | undefined;
  switch (draft.type) {
    case "price":
      if (draft.side !== "bid") problems.push("type price (market buy by amount) is for bids only");
      if (draft.price === undefined || !Number.isInteger(draft.price) || draft.price <= 0) problems.push(`amount ${draft.price} is not a positive whole KRW`);
      if (draft.volume !== undefined) problems.push("a market buy by amount has no volume");
      notional = draft.price;
      break;
    case "market":
      if (draft.side !== "ask") problems.push("type market (market sell by volume) is for asks only");
      if (draft.price !== undefined) problems.push("a market sell has no price");
      if (referencePrice === undefined) problems.push("a market sell needs a reference price to check the minimum");
      else notional = (draft.volume ?? 0) * referencePrice;
      break;
    case "limit":
    case "best":
      if (draft.type === "limit" && (draft.price === undefined || !isOnTick(draft.price))) problems.push(`price ${draft.price} is not on the KRW tick grid`);
      notional = (draft.volume ?? 0) * (draft.price ?? referencePrice ?? 0);
      break;
  }
  if (draft.type !== "price") {
    const v = draft.volume;
    if (v === undefined || !(v > 0)) problems.push(`volume ${v} is not positive`);
    else if (floorVolume(v) !== v) problems.push(`volume ${v} has more than ${VOLUME_DECIMALS} decimals`);
  }
  if (notional !== undefined) {
    if (!(notional >= min)) problems.push(`notional ${notional} KRW is under the minimum ${min} KRW`);
    if (rules.maxTotal !== undefined && notional > rules.maxTotal) problems.push(`notional ${notional} KRW is over the maximum ${rules.maxTotal} KRW`);
  }
  return problems;
}
