import { isMarket, type Market } from "../../../core/model.ts";
import { invalidParameter, SimApiError } from "../errors.ts";
import { type Fixed, fractionDigits, parseFixed, VOLUME_DECIMALS } from "../fixed.ts";
import type { OrderInput, OrderSide, SimOrderType, SimTimeInForce } from "./types.ts";

/** API.md 4.7.1: 1-36 characters of `A-Z a-z 0-9 - _`. */
export const CLIENT_ORDER_ID_RE = /^[A-Za-z0-9_-]{1,36}$/;

const ORDER_TYPES: readonly SimOrderType[] = ["limit", "price", "market", "best"];
const TIME_IN_FORCE: readonly SimTimeInForce[] = ["ioc", "fok", "post_only"];
/** KRW amounts of market buys: up to 8 decimals. */
const AMOUNT_DECIMALS = 8;

/** Which endpoint the body came from: v1 names the type `ord_type`, v2 `order_type`. */
export type OrderApi = "v1" | "v2";

/** A decimal field sent as a NumberString (or, leniently, a JSON number). */
function decimalField(body: Record<string, unknown>, key: string, maxDecimals: number): Fixed | undefined {
  const raw = body[key];
  if (raw === undefined || raw === null || raw === "") return undefined;
  const text = typeof raw === "number" && Number.isFinite(raw) ? String(raw) : raw;
  if (typeof text !== "string") throw invalidParameter(`${key} must be a number string`);
  const digits = fractionDigits(text);
  const value = parseFixed(text);
  if (value === undefined || digits < 0) throw invalidParameter(`${key} must be a plain decimal number, got ${JSON.stringify(raw)}`);
  if (value <= 0n) throw invalidParameter(`${key} must be greater than 0`);
  if (digits > maxDecimals) throw invalidParameter(`${key} allows at most ${maxDecimals} decimals`);
  return value;
}

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const raw = body[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string") throw invalidParameter(`${key} must be a string`);
  return raw;
}

/** Validate a client order id; throws `invalid_parameter` when malformed. */
export function checkClientOrderId(id: string): string {
  if (!CLIENT_ORDER_ID_RE.test(id)) throw invalidParameter("client_order_id must be 1-36 characters of A-Z a-z 0-9 - _");
  return id;
}

/**
 * Check an order body's shape (fields present for the order type, values well-formed) and turn it
 * into an `OrderInput`. Market rules that need prices or balances (tick, minimum, funds) are the
 * engine's. Every refusal is a `SimApiError` with Bithumb's name.
 */
export function parseOrderBody(body: unknown, api: OrderApi, knownMarket: (m: Market) => boolean): OrderInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidParameter("the body must be a JSON object");
  const b = body as Record<string, unknown>;
  const market = stringField(b, "market");
  if (market === undefined) throw invalidParameter("market is required");
  if (!isMarket(market) || !knownMarket(market)) throw new SimApiError(400, "invalid_parameter", `market does not have a valid value: ${market}`);
  const side = stringField(b, "side");
  if (side !== "bid" && side !== "ask") throw invalidParameter("side must be bid or ask");
  const typeKey = api === "v1" ? "ord_type" : "order_type";
  const type = stringField(b, typeKey);
  if (type === undefined) throw invalidParameter(`${typeKey} is required`);
  if (!ORDER_TYPES.includes(type as SimOrderType)) throw invalidParameter(`${typeKey} must be one of ${ORDER_TYPES.join(", ")}`);
  const tif = stringField(b, "time_in_force");
  if (tif !== undefined && !TIME_IN_FORCE.includes(tif as SimTimeInForce)) throw invalidParameter(`time_in_force must be one of ${TIME_IN_FORCE.join(", ")}`);
  const clientOrderId = stringField(b, "client_order_id");
  if (clientOrderId !== undefined) checkClientOrderId(clientOrderId);

  const orderType = type as SimOrderType;
  const orderSide = side as OrderSide;
  const timeInForce = tif as SimTimeInForce | undefined;
  const byAmount = orderType === "price" || (orderType === "best" && orderSide === "bid");
  const price = decimalField(b, "price", byAmount ? AMOUNT_DECIMALS : 12);
  const volume = decimalField(b, "volume", VOLUME_DECIMALS);

  switch (orderType) {
    case "limit":
      if (price === undefined || volume === undefined) throw invalidParameter("limit orders need price and volume");
      break;
    case "price":
      if (orderSide !== "bid") throw invalidParameter("ord_type price (market buy) is bid only");
      if (price === undefined) throw invalidParameter("price (KRW amount) is required for a market buy");
      if (volume !== undefined) throw invalidParameter("a market buy takes price (KRW amount), not volume");
      break;
    case "market":
      if (orderSide !== "ask") throw invalidParameter("ord_type market (market sell) is ask only");
      if (volume === undefined) throw invalidParameter("volume is required for a market sell");
      if (price !== undefined) throw invalidParameter("a market sell takes volume, not price");
      break;
    case "best":
      if (timeInForce !== "ioc" && timeInForce !== "fok") throw invalidParameter("order_type best requires time_in_force ioc or fok");
      if (orderSide === "bid" && (price === undefined || volume !== undefined)) throw invalidParameter("a best bid takes price (KRW amount), not volume");
      if (orderSide === "ask" && (volume === undefined || price !== undefined)) throw invalidParameter("a best ask takes volume, not price");
      break;
  }
  if (timeInForce !== undefined && orderType !== "limit" && orderType !== "best") throw invalidParameter("time_in_force is only allowed with limit or best orders");

  return {
    market: market as Market,
    side: orderSide,
    type: orderType,
    ...(price !== undefined ? { price } : {}),
    ...(volume !== undefined ? { volume } : {}),
    ...(timeInForce !== undefined ? { timeInForce } : {}),
    ...(clientOrderId !== undefined ? { clientOrderId } : {}),
  };
}
