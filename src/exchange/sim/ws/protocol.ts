import { isMarket, type Market } from "../../../core/model.ts";

/**
 * The WebSocket subscription request of API.md 8.1: one JSON array
 * `[{ticket}, {type, codes?, isOnlySnapshot?, isOnlyRealtime?, level?}, ..., {format?}]`.
 * A new request replaces the connection's previous subscriptions (Upbit behaviour).
 */

export const PUBLIC_TYPES = ["ticker", "trade", "orderbook"] as const;
export const PRIVATE_TYPES = ["myOrder", "myAsset"] as const;
export type PublicType = (typeof PUBLIC_TYPES)[number];
export type PrivateType = (typeof PRIVATE_TYPES)[number];
export type StreamType = PublicType | PrivateType;
export type WsFormat = "DEFAULT" | "SIMPLE";

export interface TypeRequest {
  readonly type: StreamType;
  /** Upper-case market codes; null = every market (myOrder without codes, myAsset). */
  readonly codes: readonly Market[] | null;
  readonly isOnlySnapshot: boolean;
  readonly isOnlyRealtime: boolean;
  /** orderbook price grouping, echoed back (grouping itself is not simulated). */
  readonly level: number;
}

export interface SubscriptionRequest {
  readonly ticket: string;
  readonly types: readonly TypeRequest[];
  readonly format: WsFormat;
}

/**
 * A refused request, answered with an Upbit-style error frame (Bithumb's shape is unpublished):
 * WRONG_FORMAT, NO_TICKET, NO_TYPE, NO_CODES, INVALID_PARAM, INVALID_AUTH.
 */
export class WsRequestError extends Error {
  readonly errorName: string;
  constructor(errorName: string, message: string) {
    super(message);
    this.name = "WsRequestError";
    this.errorName = errorName;
  }

  frame(): string {
    return JSON.stringify({ error: { name: this.errorName, message: this.message } });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parse one request for the `public` (ticker/trade/orderbook) or `private` (myOrder/myAsset) endpoint. */
export function parseSubscription(text: string, endpoint: "public" | "private", knownMarket: (m: Market) => boolean): SubscriptionRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WsRequestError("WRONG_FORMAT", "the request must be a JSON array");
  }
  if (!Array.isArray(parsed) || !parsed.every(isObject)) throw new WsRequestError("WRONG_FORMAT", "the request must be a JSON array of objects");
  const items = parsed as Record<string, unknown>[];

  const ticketItem = items.find((i) => "ticket" in i);
  if (!ticketItem || typeof ticketItem.ticket !== "string" || ticketItem.ticket === "") throw new WsRequestError("NO_TICKET", "a {\"ticket\": \"...\"} object is required");

  let format: WsFormat = "DEFAULT";
  const formatItem = items.find((i) => "format" in i);
  if (formatItem) {
    if (formatItem.format !== "DEFAULT" && formatItem.format !== "SIMPLE") throw new WsRequestError("INVALID_PARAM", "format must be DEFAULT or SIMPLE");
    format = formatItem.format;
  }

  const typeItems = items.filter((i) => "type" in i);
  if (typeItems.length === 0) throw new WsRequestError("NO_TYPE", "at least one {\"type\": ...} object is required");
  const types = typeItems.map((item) => parseType(item, endpoint, knownMarket));
  return { ticket: ticketItem.ticket, types, format };
}

function parseType(item: Record<string, unknown>, endpoint: "public" | "private", knownMarket: (m: Market) => boolean): TypeRequest {
  const type = item.type;
  const isPublic = (PUBLIC_TYPES as readonly unknown[]).includes(type);
  const isPrivate = (PRIVATE_TYPES as readonly unknown[]).includes(type);
  if (!isPublic && !isPrivate) throw new WsRequestError("INVALID_PARAM", `unknown type ${JSON.stringify(type)}`);
  if (endpoint === "public" && isPrivate) throw new WsRequestError("INVALID_AUTH", `${String(type)} needs the private endpoint /websocket/v2/private with a JWT`);
  if (endpoint === "private" && isPublic) throw new WsRequestError("INVALID_PARAM", `${String(type)} is served on /websocket/v1`);

  let codes: Market[] | null = null;
  if (item.codes !== undefined && type !== "myAsset") {
    if (!Array.isArray(item.codes) || !item.codes.every((c) => typeof c === "string")) throw new WsRequestError("INVALID_PARAM", "codes must be an array of market codes");
    for (const code of item.codes as string[]) {
      if (!isMarket(code) || !knownMarket(code)) throw new WsRequestError("INVALID_PARAM", `unknown code ${code} (codes are upper-case, e.g. KRW-BTC)`);
    }
    codes = [...new Set(item.codes as Market[])];
  }
  if (isPublic && (codes === null || codes.length === 0)) throw new WsRequestError("NO_CODES", `${String(type)} needs a non-empty codes list`);

  const flag = (name: string) => {
    const v = item[name];
    if (v === undefined) return false;
    if (typeof v !== "boolean") throw new WsRequestError("INVALID_PARAM", `${name} must be true or false`);
    return v;
  };
  const isOnlySnapshot = flag("isOnlySnapshot");
  const isOnlyRealtime = flag("isOnlyRealtime");
  if (isOnlySnapshot && isOnlyRealtime) throw new WsRequestError("INVALID_PARAM", "isOnlySnapshot and isOnlyRealtime cannot both be true");
  const level = item.level === undefined ? 1 : item.level;
  if (typeof level !== "number" || !Number.isFinite(level) || level < 0) throw new WsRequestError("INVALID_PARAM", "level must be a non-negative number");
  return { type: type as StreamType, codes, isOnlySnapshot, isOnlyRealtime, level };
}
