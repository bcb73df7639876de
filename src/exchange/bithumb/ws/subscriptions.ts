import type { Market } from "../../../core/model.ts";
import type { StreamSubscription } from "../../../ports/market-stream.ts";

/**
 * Bithumb WebSocket request frames (API.md 8.1): one JSON array
 * `[{ticket}, {type, codes}, ..., {format}]` sent after connecting, and again after every
 * reconnect. A new frame on a live connection replaces the previous subscription set.
 */

export type WsFormat = "DEFAULT" | "SIMPLE";

/** Private types (v2 private endpoint, API.md 8.6). `myOrder: "all"` omits `codes` = every market. */
export interface PrivateSubscription {
  readonly myOrder?: readonly Market[] | "all";
  readonly myAsset?: boolean;
}

type TypeObject = { readonly type: string; readonly codes?: readonly string[] };

function publicTypes(sub: StreamSubscription): TypeObject[] {
  const types: TypeObject[] = [];
  for (const type of ["ticker", "trade", "orderbook"] as const) {
    const codes = sub[type];
    if (codes && codes.length > 0) types.push({ type, codes: [...new Set(codes)] });
  }
  return types;
}

function privateTypes(sub: PrivateSubscription): TypeObject[] {
  const types: TypeObject[] = [];
  if (sub.myOrder === "all") types.push({ type: "myOrder" });
  else if (sub.myOrder && sub.myOrder.length > 0) types.push({ type: "myOrder", codes: [...new Set(sub.myOrder)] });
  if (sub.myAsset) types.push({ type: "myAsset" });
  return types;
}

/** The request frame, or `undefined` when there is nothing to subscribe to. */
export function buildRequestFrame(ticket: string, pub: StreamSubscription, priv: PrivateSubscription, format: WsFormat = "DEFAULT"): string | undefined {
  const types = [...publicTypes(pub), ...privateTypes(priv)];
  if (types.length === 0) return undefined;
  return JSON.stringify([{ ticket }, ...types, { format }]);
}

/** Every market with a public subscription: the ones the staleness watchdog follows. */
export function watchedMarkets(sub: StreamSubscription): Market[] {
  return [...new Set([...(sub.ticker ?? []), ...(sub.trade ?? []), ...(sub.orderbook ?? [])])];
}
