import type { Market, MarketRules } from "../model.ts";
import { floorVolume } from "../orders/krw.ts";
import { type Decision, deny } from "./decision.ts";
import { conservativeSellNotional, marketSellDraft, type OrderDraft } from "./orders.ts";
import type { RiskParams } from "./params.ts";

/**
 * Turn an exit (a fraction of a position) into a market sell Bithumb will accept, handling the
 * exchange minimum explicitly so no order is ever sent to be refused, and no position is ever left
 * as an unsellable remainder by our own partial exit:
 *
 * - the whole position is under the sell minimum -> `deny("dust")`: it cannot be sold at all; the
 *   caller marks it as dust (no longer a position, see `isDust`);
 * - the requested part would leave a remainder under the minimum -> sell everything instead
 *   (`sell_all_to_avoid_dust`);
 * - the requested part itself is under the minimum (the whole is not) -> sell everything instead
 *   (`sell_all_too_small_to_split`): the position is too small to split;
 * - otherwise sell the requested part, floored to 8 decimals.
 *
 * Notionals are valued at `price` less `sellMinimumMargin` (the price may slip before the sell runs).
 */
export interface ExitRequest {
  readonly market: Market;
  /** Volume held. */
  readonly volume: number;
  /** Share to sell, in (0, 1]; 1 = all. */
  readonly fraction: number;
  /** Reference price (last close or trigger price). */
  readonly price: number;
}

export type ExitAdjustment = "as_requested" | "sell_all_to_avoid_dust" | "sell_all_too_small_to_split";

export interface ExitApproval {
  readonly order: OrderDraft;
  readonly volume: number;
  /** True when the order sells the whole position. */
  readonly closesPosition: boolean;
  readonly adjustment: ExitAdjustment;
}

export function planExit(request: ExitRequest, rules: MarketRules, params: Pick<RiskParams, "sellMinimumMargin">): Decision<ExitApproval> {
  const held = floorVolume(request.volume);
  if (!(held > 0)) return deny("no_position", `no ${request.market} to sell (volume ${request.volume})`);
  if (!(request.price > 0)) return deny("invalid_price", `reference price ${request.price} is not positive`);
  const margin = params.sellMinimumMargin;
  const min = rules.minTotalAsk;
  const worth = (v: number) => conservativeSellNotional(v, request.price, margin);
  if (worth(held) < min) return deny("dust", `${held} ${request.market} is worth about ${worth(held).toFixed(0)} KRW, under the ${min} KRW minimum`);

  const sellAll = (adjustment: ExitAdjustment): Decision<ExitApproval> => ({
    kind: "approve",
    order: marketSellDraft(request.market, held),
    volume: held,
    closesPosition: true,
    adjustment,
  });
  const want = request.fraction >= 1 ? held : floorVolume(held * request.fraction);
  if (want >= held) return sellAll("as_requested");
  const remainder = floorVolume(held - want);
  if (worth(remainder) < min) return sellAll("sell_all_to_avoid_dust");
  if (!(want > 0) || worth(want) < min) return sellAll("sell_all_too_small_to_split");
  return { kind: "approve", order: marketSellDraft(request.market, want), volume: want, closesPosition: false, adjustment: "as_requested" };
}
