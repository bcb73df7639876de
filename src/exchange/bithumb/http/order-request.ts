import { RejectedError } from "../../../core/errors.ts";
import type { MarketRules, OrderRequest } from "../../../core/model.ts";
import { isValidClientOrderId } from "../../../core/orders/client-order-id.ts";
import { floorKrw, floorVolume, formatDecimal, formatPrice, isOnTick, notional } from "../../../core/orders/krw.ts";

/**
 * Order requests -> Bithumb order bodies, refusing locally what the exchange would refuse
 * (API.md 4.3, 4.7.1, 9): wrong type/side/time-in-force combinations, off-tick prices, orders
 * below the market minimum. A local refusal is a `RejectedError` with the exchange's own error
 * name where one exists, and nothing is sent.
 *
 * Amounts: prices must already sit on the tick grid (callers round with `roundPrice`; rounding
 * here would silently change the order); volumes are floored to 8 decimals and KRW amounts to
 * whole won, so the order never exceeds what was meant.
 */

function refuse(code: string, message: string): never {
  throw new RejectedError({ code, message: `order refused locally: ${message}` });
}

/** The price/volume fields an order type needs, checked against its side and time in force. */
function checkShape(request: Pick<OrderRequest, "type" | "side" | "price" | "volume" | "timeInForce">): void {
  const { type, side, price, volume, timeInForce } = request;
  const needs = (field: "price" | "volume", value: number | undefined) => {
    if (value === undefined) refuse("invalid_parameter", `${type} ${side} order needs ${field}`);
    if (!Number.isFinite(value) || value <= 0) refuse("invalid_parameter", `${field} must be a positive number, got ${value}`);
  };
  const forbids = (field: "price" | "volume", value: number | undefined) => {
    if (value !== undefined) refuse("invalid_parameter", `${type} ${side} order takes no ${field}`);
  };
  switch (type) {
    case "limit":
      needs("price", price);
      needs("volume", volume);
      return;
    case "price":
      // Market buy by KRW amount: bid only, no time in force (API.md 4.3, 4.7.1).
      if (side !== "bid") refuse("invalid_parameter", "order_type price (market buy by amount) is bid only");
      if (timeInForce !== undefined) refuse("invalid_parameter", "time_in_force applies only to limit and best orders");
      needs("price", price);
      forbids("volume", volume);
      return;
    case "market":
      if (side !== "ask") refuse("invalid_parameter", "order_type market (market sell by volume) is ask only");
      if (timeInForce !== undefined) refuse("invalid_parameter", "time_in_force applies only to limit and best orders");
      needs("volume", volume);
      forbids("price", price);
      return;
    case "best":
      // Best-price order: must be ioc or fok; buys by KRW amount, sells by volume.
      if (timeInForce !== "ioc" && timeInForce !== "fok") refuse("invalid_parameter", "order_type best needs time_in_force ioc or fok");
      if (side === "bid") {
        needs("price", price);
        forbids("volume", volume);
      } else {
        needs("volume", volume);
        forbids("price", price);
      }
      return;
  }
}

/** `value` is a whole number of `step`s, allowing for float noise in the division. */
function isMultipleOf(value: number, step: number): boolean {
  const q = value / step;
  return Math.abs(q - Math.round(q)) <= 1e-9 * Math.max(1, Math.abs(q));
}

/** The limit price as Bithumb must receive it, or a local `invalid_price` refusal. */
function limitPriceText(price: number, rules: MarketRules | undefined): string {
  if (!isOnTick(price)) refuse("invalid_price", `price ${price} is not on the KRW tick grid (round it with roundPrice first)`);
  if (rules?.priceUnit !== undefined && !isMultipleOf(price, rules.priceUnit)) {
    refuse("invalid_price", `price ${price} is not a multiple of the market's price unit ${rules.priceUnit}`);
  }
  return formatPrice(price);
}

/** A KRW amount for price/best buys: whole won, positive. */
function amountText(amount: number): { text: string; value: number } {
  const value = floorKrw(amount);
  if (value <= 0) refuse("invalid_parameter", `KRW amount ${amount} is below 1 won`);
  return { text: formatDecimal(value, 0), value };
}

function volumeText(volume: number): { text: string; value: number } {
  const value = floorVolume(volume);
  if (value <= 0) refuse("invalid_parameter", `volume ${volume} is below the 8-decimal precision`);
  return { text: formatDecimal(value), value };
}

/** Market state, minimum and maximum notional from `orders/chance` (API.md 4.2, 9). */
function checkRules(request: OrderRequest, rules: MarketRules, orderNotional: number | undefined): void {
  const state = rules.state.toLowerCase();
  if (state !== "active" && state !== "unknown") refuse("market_not_active", `${request.market} is ${rules.state}`);
  if (orderNotional === undefined) return; // market sells and best sells: value known only at fill time
  const minTotal = request.side === "bid" ? rules.minTotalBid : rules.minTotalAsk;
  if (orderNotional < minTotal) refuse("under_min_total", `${request.market} ${request.side} of ${orderNotional} KRW is below the minimum ${minTotal} KRW`);
  if (rules.maxTotal !== undefined && orderNotional > rules.maxTotal) {
    refuse("over_max_total", `${request.market} order of ${orderNotional} KRW is above the maximum ${rules.maxTotal} KRW`);
  }
}

interface OrderFields {
  readonly price?: string;
  readonly volume?: string;
  /** KRW value when known before the fill (limit: price x volume; price/best buys: the amount). */
  readonly notional?: number;
}

function orderFields(request: OrderRequest | V1OrderRequest, rules: MarketRules | undefined): OrderFields {
  const { type, side, price, volume } = request;
  if (type === "limit") {
    const priceText = limitPriceText(price!, rules);
    const vol = volumeText(volume!);
    return { price: priceText, volume: vol.text, notional: notional(price!, vol.value) };
  }
  if (type === "price" || (type === "best" && side === "bid")) {
    const amount = amountText(price!);
    return { price: amount.text, notional: amount.value };
  }
  return { volume: volumeText(volume!).text };
}

/**
 * Body of `POST /v2/orders` (and of each `batch_orders` item). `rules` enables the minimum /
 * maximum / market-state checks; without them only the shape and the tick grid are checked.
 */
export function buildV2OrderBody(request: OrderRequest, rules?: MarketRules): Record<string, string> {
  if (!isValidClientOrderId(request.clientOrderId)) {
    refuse("invalid_parameter", `client_order_id ${JSON.stringify(request.clientOrderId)} must be 1-36 of A-Z a-z 0-9 - _`);
  }
  checkShape(request);
  const fields = orderFields(request, rules);
  if (rules) checkRules(request, rules, fields.notional);
  return {
    market: request.market,
    side: request.side,
    order_type: request.type,
    ...(fields.price !== undefined ? { price: fields.price } : {}),
    ...(fields.volume !== undefined ? { volume: fields.volume } : {}),
    ...(request.timeInForce !== undefined ? { time_in_force: request.timeInForce } : {}),
    client_order_id: request.clientOrderId,
  };
}

/** A v1 order (`POST /v1/orders`): no client id, no time in force, no `best` (API.md 4.3). */
export type V1OrderRequest = Omit<OrderRequest, "clientOrderId" | "timeInForce" | "type"> & { readonly type: "limit" | "price" | "market" };

/** Body of `POST /v1/orders` (field `ord_type`). */
export function buildV1OrderBody(request: V1OrderRequest, rules?: MarketRules): Record<string, string> {
  checkShape(request);
  const fields = orderFields(request, rules);
  if (rules) checkRules({ ...request, clientOrderId: "v1" }, rules, fields.notional);
  return {
    market: request.market,
    side: request.side,
    ...(fields.volume !== undefined ? { volume: fields.volume } : {}),
    ...(fields.price !== undefined ? { price: fields.price } : {}),
    ord_type: request.type,
  };
}
