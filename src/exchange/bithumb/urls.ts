import type { Interval } from "../../core/model.ts";

/**
 * Bithumb API 2.0 addresses (API.md 1) and the REST paths the client calls. Base URLs are only
 * defaults: the runtime passes its configured URLs (the simulator, a proxy) in.
 */

export const BITHUMB_REST_BASE_URL = "https://api.bithumb.com";
export const BITHUMB_WS_PUBLIC_URL = "wss://ws-api.bithumb.com/websocket/v1";
/** Private stream with the v2 `myOrder` fields; the v1 private stream ends 2026-10-30 (API.md 1). */
export const BITHUMB_WS_PRIVATE_URL = "wss://ws-api.bithumb.com/websocket/v2/private";

export const PATHS = {
  marketAll: "/v1/market/all",
  ticker: "/v1/ticker",
  orderbook: "/v1/orderbook",
  tradesTicks: "/v1/trades/ticks",
  accounts: "/v1/accounts",
  orderChance: "/v1/orders/chance",
  /** Single-order lookup for v1 and v2 orders alike (there is no `GET /v2/order`, API.md 4.7.4). */
  order: "/v1/order",
  ordersV1: "/v1/orders",
  ordersV2: "/v2/orders",
  ordersBatch: "/v2/orders/batch",
  cancelV2: "/v2/order",
  cancelBatch: "/v2/orders/cancel",
  search: "/v2/orders/search",
  pending: "/v2/orders/pending",
  history: "/v2/orders/history",
} as const;

/** Candle path per core interval (API.md 3.6: minute units 1/3/5/10/15/30/60/240, days, weeks, months). */
export const CANDLE_PATHS: Readonly<Record<Interval, string>> = {
  "1m": "/v1/candles/minutes/1",
  "3m": "/v1/candles/minutes/3",
  "5m": "/v1/candles/minutes/5",
  "10m": "/v1/candles/minutes/10",
  "15m": "/v1/candles/minutes/15",
  "30m": "/v1/candles/minutes/30",
  "1h": "/v1/candles/minutes/60",
  "4h": "/v1/candles/minutes/240",
  "1d": "/v1/candles/days",
  "1w": "/v1/candles/weeks",
  "1M": "/v1/candles/months",
};

/** Most candles one request may ask for (API.md 3.6). */
export const MAX_CANDLES_PER_REQUEST = 200;

/** Join a base URL and a path without doubling or dropping the slash. */
export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
}
