import { z } from "zod";
import { ParseError } from "../../../core/errors.ts";
import {
  type Balance,
  type Candle,
  DEFAULT_FEE_RATE,
  DEFAULT_MIN_TOTAL_KRW,
  type ExchangeOrder,
  type Fill,
  type Market,
  type MarketInfo,
  type MarketRules,
  type OrderAck,
  type OrderChance,
  type Orderbook,
  type Ticker,
  type Trade,
} from "../../../core/model.ts";
import type { BatchCancelResult, CancelResult, OrderPage } from "../../../ports/exchange.ts";
import { epochMs, idText, krwMarket, num, optNum, optText, parseWith, text, utcLocalTime, zonedTime } from "../wire.ts";

/**
 * Bithumb REST payloads -> core types, validated at the edge (ARCHITECTURE rule 10). Each
 * `parseX(json)` takes the decoded JSON of one response and returns core data or throws a
 * `ParseError` with the path of the first bad field. Field lists follow API.md 3-4; fields the
 * API documents as sometimes absent (e.g. `remaining_volume` on market orders) are optional.
 */

// ---------------------------------------------------------------------------------------------
// Shared pieces

const side = z.enum(["bid", "ask"]);
const orderType = z.enum(["limit", "price", "market", "best"]);
const orderState = z.enum(["wait", "watch", "done", "cancel"]);
const timeInForce = z.enum(["ioc", "fok", "post_only"]);
const change = z.enum(["RISE", "EVEN", "FALL"]);
const marketWarning = z.enum(["NONE", "CAUTION"]);

/** Any well-formed market code (`KRW-BTC`, `BTC-ETH`): the list endpoint serves every quote. */
const anyMarketCode = z.string().regex(/^[A-Z0-9]{1,15}-[A-Z0-9]{1,15}$/, "expected a market code like KRW-BTC");

/** A fee rate. Above 5% it is taken as a unit mismatch (a percentage sent as a fraction). */
const optFeeRate = optNum("nonNegative").refine((n) => n === undefined || n < 0.05, { message: "fee rate above 5% (unit mismatch?)" });

// ---------------------------------------------------------------------------------------------
// Public market data

const marketAllItem = z.object({
  market: anyMarketCode,
  korean_name: z.string(),
  english_name: z.string(),
  market_warning: marketWarning.optional(),
});

/**
 * `GET /v1/market/all?isDetails=true`. The list includes BTC-quoted markets; only KRW markets are
 * returned (this bot trades KRW), but every code must be well-formed.
 */
export function parseMarkets(json: unknown): MarketInfo[] {
  const items = parseWith(z.array(marketAllItem), json, "market/all");
  return items
    .filter((m) => m.market.startsWith("KRW-"))
    .map((m) => ({
      market: m.market as Market,
      koreanName: m.korean_name,
      englishName: m.english_name,
      warning: m.market_warning ?? "NONE",
    }));
}

/** The price and volume fields a ticker carries over REST and over the WebSocket alike. */
export const tickerFields = {
  opening_price: num("positive"),
  high_price: num("positive"),
  low_price: num("positive"),
  trade_price: num("positive"),
  prev_closing_price: num("positive"),
  change,
  change_rate: num("nonNegative"),
  signed_change_rate: num("any"),
  trade_volume: num("nonNegative"),
  acc_trade_volume_24h: num("nonNegative"),
  acc_trade_price_24h: num("nonNegative"),
  trade_timestamp: epochMs,
  timestamp: epochMs,
};

const tickerFieldsSchema = z.object(tickerFields);

/** The shared ticker fields as the core's `Ticker` (REST keys the market `market`, the WebSocket `code`). */
export function tickerFromWire(market: Market, t: z.output<typeof tickerFieldsSchema>): Ticker {
  return {
    market,
    tradePrice: t.trade_price,
    openingPrice: t.opening_price,
    highPrice: t.high_price,
    lowPrice: t.low_price,
    prevClosingPrice: t.prev_closing_price,
    change: t.change,
    changeRate: t.change_rate,
    signedChangeRate: t.signed_change_rate,
    tradeVolume: t.trade_volume,
    accTradeVolume24h: t.acc_trade_volume_24h,
    accTradePrice24h: t.acc_trade_price_24h,
    tradeTimestamp: t.trade_timestamp,
    timestamp: t.timestamp,
  };
}

const tickerItem = z.object({ market: krwMarket, ...tickerFields });

/** `GET /v1/ticker`. */
export function parseTickers(json: unknown): Ticker[] {
  return parseWith(z.array(tickerItem), json, "ticker").map((t) => tickerFromWire(t.market, t));
}

export const orderbookUnit = z.object({
  ask_price: num("nonNegative"),
  bid_price: num("nonNegative"),
  ask_size: num("nonNegative"),
  bid_size: num("nonNegative"),
});

const orderbookItem = z.object({
  market: krwMarket,
  timestamp: epochMs,
  total_ask_size: num("nonNegative"),
  total_bid_size: num("nonNegative"),
  orderbook_units: z.array(orderbookUnit),
});

/** Wire orderbook units -> core levels (best first, as sent). */
export function toLevels(units: readonly z.output<typeof orderbookUnit>[]): Orderbook["levels"] {
  return units.map((u) => ({ askPrice: u.ask_price, bidPrice: u.bid_price, askSize: u.ask_size, bidSize: u.bid_size }));
}

/** `GET /v1/orderbook`. */
export function parseOrderbooks(json: unknown): Orderbook[] {
  return parseWith(z.array(orderbookItem), json, "orderbook").map((o) => ({
    market: o.market,
    timestamp: o.timestamp,
    totalAskSize: o.total_ask_size,
    totalBidSize: o.total_bid_size,
    levels: toLevels(o.orderbook_units),
  }));
}

const tradeItem = z.object({
  market: krwMarket,
  timestamp: epochMs,
  trade_price: num("positive"),
  trade_volume: num("nonNegative"),
  ask_bid: z.enum(["ASK", "BID"]),
  sequential_id: idText,
});

/** Integer id fields to keep as text when decoding trade payloads (they exceed 2^53). */
export const TRADE_BIG_ID_KEYS = ["sequential_id"] as const;

/** `GET /v1/trades/ticks`. Order as sent; `sequential_id` is unique but not ordered (API.md 3.5). */
export function parseTrades(json: unknown): Trade[] {
  return parseWith(z.array(tradeItem), json, "trades/ticks").map((t) => ({
    market: t.market,
    timestamp: t.timestamp,
    price: t.trade_price,
    volume: t.trade_volume,
    side: t.ask_bid,
    sequentialId: t.sequential_id,
  }));
}

const candleItem = z
  .object({
    market: krwMarket,
    candle_date_time_utc: utcLocalTime,
    opening_price: num("positive"),
    high_price: num("positive"),
    low_price: num("positive"),
    trade_price: num("positive"),
    candle_acc_trade_volume: num("nonNegative"),
  })
  .refine((c) => c.low_price <= Math.min(c.opening_price, c.trade_price) && c.high_price >= Math.max(c.opening_price, c.trade_price), {
    message: "inconsistent OHLC (low/high do not bound open/close)",
  });

/**
 * `GET /v1/candles/...`. Bithumb sends newest first; the result is oldest first with duplicates
 * (same open time) removed. `ts` is the candle OPEN time from `candle_date_time_utc`, not the
 * `timestamp` field (which the docs call the candle's last-trade time).
 */
export function parseCandles(json: unknown, market: Market): Candle[] {
  const items = parseWith(z.array(candleItem), json, "candles");
  const byTs = new Map<number, Candle>();
  items.forEach((c, i) => {
    if (c.market !== market) throw new ParseError(`candles: expected ${market}, got ${c.market}`, `[${i}].market`, c.market);
    if (!byTs.has(c.candle_date_time_utc)) {
      byTs.set(c.candle_date_time_utc, {
        ts: c.candle_date_time_utc,
        open: c.opening_price,
        high: c.high_price,
        low: c.low_price,
        close: c.trade_price,
        volume: c.candle_acc_trade_volume,
      });
    }
  });
  return [...byTs.values()].sort((a, b) => a.ts - b.ts);
}

// ---------------------------------------------------------------------------------------------
// Accounts and order chance

const accountItem = z.object({
  currency: text,
  balance: num("nonNegative"),
  locked: num("nonNegative"),
  // KRW rows carry "0"; absent is read as 0 (it only feeds display and PnL estimates).
  avg_buy_price: optNum("nonNegative"),
});

function toBalance(a: z.output<typeof accountItem>): Balance {
  return { currency: a.currency.toUpperCase(), balance: a.balance, locked: a.locked, avgBuyPrice: a.avg_buy_price ?? 0 };
}

/** `GET /v1/accounts`. */
export function parseAccounts(json: unknown): Balance[] {
  return parseWith(z.array(accountItem), json, "accounts").map(toBalance);
}

const chanceSide = z
  .object({
    currency: optText,
    price_unit: optNum("positive"),
    min_total: optNum("positive"),
  })
  .nullish();

const orderChance = z.object({
  bid_fee: optFeeRate,
  ask_fee: optFeeRate,
  maker_bid_fee: optFeeRate,
  maker_ask_fee: optFeeRate,
  market: z.object({
    id: krwMarket.optional(),
    order_types: z.array(z.string()).nullish(),
    bid: chanceSide,
    ask: chanceSide,
    max_total: optNum("positive"),
    state: optText,
  }),
  bid_account: accountItem.nullish(),
  ask_account: accountItem.nullish(),
});

/**
 * `GET /v1/orders/chance` (API.md 4.2). Missing fee or minimum fields fall back to
 * `DEFAULT_FEE_RATE` / `DEFAULT_MIN_TOTAL_KRW` (maker fees to the taker fee of that side);
 * a present but malformed value is still a `ParseError`. `state` defaults to `unknown`.
 */
export function parseOrderChance(json: unknown, market: Market): OrderChance {
  const c = parseWith(orderChance, json, "orders/chance");
  if (c.market.id !== undefined && c.market.id !== market) {
    throw new ParseError(`orders/chance: expected ${market}, got ${c.market.id}`, "market.id", c.market.id);
  }
  const bidFee = c.bid_fee ?? DEFAULT_FEE_RATE;
  const askFee = c.ask_fee ?? DEFAULT_FEE_RATE;
  const priceUnit = c.market.bid?.price_unit ?? c.market.ask?.price_unit;
  const rules: MarketRules = {
    market,
    bidFee,
    askFee,
    makerBidFee: c.maker_bid_fee ?? bidFee,
    makerAskFee: c.maker_ask_fee ?? askFee,
    minTotalBid: c.market.bid?.min_total ?? DEFAULT_MIN_TOTAL_KRW,
    minTotalAsk: c.market.ask?.min_total ?? DEFAULT_MIN_TOTAL_KRW,
    ...(c.market.max_total !== undefined ? { maxTotal: c.market.max_total } : {}),
    state: c.market.state ?? "unknown",
    ...(c.market.order_types ? { orderTypes: c.market.order_types } : {}),
    ...(priceUnit !== undefined ? { priceUnit } : {}),
  };
  return {
    rules,
    ...(c.bid_account ? { bidAccount: toBalance(c.bid_account) } : {}),
    ...(c.ask_account ? { askAccount: toBalance(c.ask_account) } : {}),
  };
}

/** Rules to use when `orders/chance` cannot be read: the documented common values (model.ts). */
export function fallbackRules(market: Market): MarketRules {
  return {
    market,
    bidFee: DEFAULT_FEE_RATE,
    askFee: DEFAULT_FEE_RATE,
    makerBidFee: DEFAULT_FEE_RATE,
    makerAskFee: DEFAULT_FEE_RATE,
    minTotalBid: DEFAULT_MIN_TOTAL_KRW,
    minTotalAsk: DEFAULT_MIN_TOTAL_KRW,
    state: "unknown",
  };
}

// ---------------------------------------------------------------------------------------------
// Orders

/** The create acknowledgement of `POST /v2/orders` and each batch item (API.md 4.7.1). */
const orderAck = z.object({
  order_id: text,
  client_order_id: optText,
  market: krwMarket,
  side,
  order_type: orderType.optional(),
  ord_type: orderType.optional(),
  created_at: zonedTime,
});

function toAck(a: z.output<typeof orderAck>, path: string): OrderAck {
  const type = a.order_type ?? a.ord_type;
  if (type === undefined) throw new ParseError("order ack: expected order_type", `${path}order_type`);
  return {
    orderId: a.order_id,
    ...(a.client_order_id !== undefined ? { clientOrderId: a.client_order_id } : {}),
    market: a.market,
    side: a.side,
    type,
    createdAt: a.created_at,
  };
}

/** `POST /v2/orders` response. */
export function parseOrderAck(json: unknown): OrderAck {
  return toAck(parseWith(orderAck, json, "POST /v2/orders"), "");
}

/** One item of a batch response: an ack, or a failure whose shape is UNCONFIRMED (API.md 4.7.2). */
export type BatchItem = { readonly ok: true; readonly ack: OrderAck } | { readonly ok: false; readonly code: string; readonly message: string; readonly clientOrderId?: string };

const batchFailure = z
  .object({
    client_order_id: optText,
    error: z.object({ name: z.union([z.string(), z.number()]).optional(), message: z.string().optional() }).optional(),
    name: z.union([z.string(), z.number()]).optional(),
    message: z.string().optional(),
  })
  .loose();

/** `POST /v2/orders/batch` response: `{batch_orders_response: [...]}`, one entry per item. */
export function parseBatchAcks(json: unknown): BatchItem[] {
  const { batch_orders_response: items } = parseWith(z.object({ batch_orders_response: z.array(z.unknown()) }), json, "POST /v2/orders/batch");
  return items.map((item, i): BatchItem => {
    if (typeof item === "object" && item !== null && "order_id" in item) {
      return { ok: true, ack: toAck(parseWith(orderAck, item, `batch_orders_response[${i}]`), `batch_orders_response[${i}].`) };
    }
    const f = parseWith(batchFailure, item, `batch_orders_response[${i}]`);
    const code = String(f.error?.name ?? f.name ?? "unknown");
    return { ok: false, code, message: f.error?.message ?? f.message ?? "item refused", ...(f.client_order_id ? { clientOrderId: f.client_order_id } : {}) };
  });
}

const orderTrade = z.object({
  market: krwMarket.optional(),
  uuid: idText,
  price: num("positive"),
  volume: num("nonNegative"),
  funds: num("nonNegative"),
  side: side.optional(),
  created_at: zonedTime.optional(),
  timestamp: epochMs.optional(),
});

const orderObject = z.object({
  uuid: text,
  client_order_id: optText,
  side,
  ord_type: orderType.optional(),
  order_type: orderType.optional(),
  price: optNum("nonNegative"),
  state: orderState,
  market: krwMarket,
  created_at: zonedTime,
  volume: optNum("nonNegative"),
  remaining_volume: optNum("nonNegative"),
  executed_volume: num("nonNegative"),
  executed_funds: optNum("nonNegative"),
  reserved_fee: num("nonNegative"),
  remaining_fee: num("nonNegative"),
  paid_fee: num("nonNegative"),
  locked: num("nonNegative"),
  time_in_force: timeInForce.nullish(),
  cancel_type: optText,
  trades: z.array(orderTrade).nullish(),
});

type WireOrder = z.output<typeof orderObject>;

/**
 * Per-fill detail. Bithumb does not report a fee per fill, so the order's `paid_fee` is shared
 * across its fills in proportion to their KRW value (the shares sum to `paid_fee` exactly enough
 * for accounting; the exact split is the exchange's secret).
 */
function toFills(o: WireOrder, path: string): Fill[] | undefined {
  if (!o.trades) return undefined;
  const totalFunds = o.trades.reduce((sum, t) => sum + t.funds, 0);
  return o.trades.map((t, i) => {
    const ts = t.created_at ?? t.timestamp;
    if (ts === undefined) throw new ParseError("order trade: expected created_at or timestamp", `${path}trades[${i}]`);
    if (t.market !== undefined && t.market !== o.market) throw new ParseError(`order trade: market ${t.market} differs from the order's ${o.market}`, `${path}trades[${i}].market`);
    return {
      orderId: o.uuid,
      tradeId: t.uuid,
      market: o.market,
      side: t.side ?? o.side,
      price: t.price,
      volume: t.volume,
      funds: t.funds,
      fee: totalFunds > 0 ? (o.paid_fee * t.funds) / totalFunds : 0,
      ts,
    };
  });
}

/**
 * KRW exchanged so far: `executed_funds` when sent (v2-era orders), else the sum of the fills,
 * else nothing executed = 0. An executed order with neither cannot be valued: `ParseError`.
 */
function executedFunds(o: WireOrder, fills: readonly Fill[] | undefined, path: string): number {
  if (o.executed_funds !== undefined) return o.executed_funds;
  if (fills && fills.length > 0) return fills.reduce((sum, f) => sum + f.funds, 0);
  if (o.executed_volume === 0) return 0;
  throw new ParseError("order: executed_volume > 0 but no executed_funds or trades to value it", `${path}executed_funds`);
}

function toExchangeOrder(o: WireOrder, path: string): ExchangeOrder {
  const type = o.ord_type ?? o.order_type;
  if (type === undefined) throw new ParseError("order: expected ord_type", `${path}ord_type`);
  const fills = toFills(o, path);
  // `remaining_volume` is absent on market orders (API.md 4.6): derive it from what is known.
  const remaining = o.remaining_volume ?? (o.volume !== undefined ? Math.max(0, o.volume - o.executed_volume) : 0);
  return {
    orderId: o.uuid,
    ...(o.client_order_id !== undefined ? { clientOrderId: o.client_order_id } : {}),
    market: o.market,
    side: o.side,
    type,
    state: o.state,
    ...(o.price !== undefined ? { price: o.price } : {}),
    ...(o.volume !== undefined ? { volume: o.volume } : {}),
    remainingVolume: remaining,
    executedVolume: o.executed_volume,
    executedFunds: executedFunds(o, fills, path),
    paidFee: o.paid_fee,
    reservedFee: o.reserved_fee,
    remainingFee: o.remaining_fee,
    locked: o.locked,
    ...(o.time_in_force ? { timeInForce: o.time_in_force } : {}),
    ...(o.cancel_type !== undefined ? { cancelType: o.cancel_type } : {}),
    createdAt: o.created_at,
    ...(fills ? { trades: fills } : {}),
  };
}

/** The order object of `GET /v1/order`, `POST /v1/orders`, `DELETE /v1/order`. */
export function parseOrder(json: unknown, what = "order"): ExchangeOrder {
  return toExchangeOrder(parseWith(orderObject, json, what), "");
}

/** A bare array of order objects (`GET /v1/orders`). */
export function parseOrderList(json: unknown, what = "orders"): ExchangeOrder[] {
  return parseWith(z.array(orderObject), json, what).map((o, i) => toExchangeOrder(o, `[${i}].`));
}

const pageEnvelope = z
  .object({
    orders: z.array(z.unknown()).optional(),
    data: z.array(z.unknown()).optional(),
    next_key: optText,
    has_next: z.boolean().optional(),
  })
  .refine((e) => e.orders !== undefined || e.data !== undefined, { message: "expected an orders array" });

/**
 * The v2 list responses (`search`, `pending`, `history`). Their envelope is UNCONFIRMED
 * (API.md 4.7.5-6): a bare array or `{orders|data: [...], next_key?, has_next?}` are accepted.
 * A `next_key` with `has_next: false` is ignored so paging stops.
 */
export function parseOrderPage(json: unknown, what: string): OrderPage {
  if (Array.isArray(json)) return { orders: parseOrderList(json, what) };
  const envelope = parseWith(pageEnvelope, json, what);
  const key = envelope.orders !== undefined ? "orders" : "data";
  const orders = parseWith(z.array(orderObject), envelope[key], `${what}.${key}`).map((o, i) => toExchangeOrder(o, `${key}[${i}].`));
  const nextKey = envelope.has_next === false ? undefined : envelope.next_key;
  return { orders, ...(nextKey !== undefined ? { nextKey } : {}) };
}

const cancelAck = z.object({ order_id: text, client_order_id: optText, created_at: zonedTime.optional() });

function toCancelResult(c: z.output<typeof cancelAck>): CancelResult {
  return { orderId: c.order_id, ...(c.client_order_id !== undefined ? { clientOrderId: c.client_order_id } : {}) };
}

/** `DELETE /v2/order` response: `{order_id, created_at, client_order_id?}`. */
export function parseCancelAck(json: unknown): CancelResult {
  return toCancelResult(parseWith(cancelAck, json, "DELETE /v2/order"));
}

const cancelFailure = z
  .object({
    order_id: optText,
    client_order_id: optText,
    uuid: optText,
    error: z.object({ name: z.union([z.string(), z.number()]).optional(), message: z.string().optional() }).optional(),
    name: z.union([z.string(), z.number()]).optional(),
    message: z.string().optional(),
  })
  .loose();

/**
 * `POST /v2/orders/cancel` response: `{success: [...], fail: [...]}`. The shape of a `fail` item is
 * UNCONFIRMED (API.md 4.7.3): its id and error are read from the likely fields, defaulting to
 * `unknown` rather than failing the whole (already executed) batch.
 */
export function parseBatchCancel(json: unknown): BatchCancelResult {
  const r = parseWith(z.object({ success: z.array(cancelAck), fail: z.array(cancelFailure).optional() }), json, "POST /v2/orders/cancel");
  return {
    success: r.success.map(toCancelResult),
    failed: (r.fail ?? []).map((f) => ({
      id: f.order_id ?? f.client_order_id ?? f.uuid ?? "unknown",
      code: String(f.error?.name ?? f.name ?? "unknown"),
      message: f.error?.message ?? f.message ?? "",
    })),
  };
}

/** What `placeOrder` returns when it found the order instead of getting a create response. */
export function ackFromOrder(order: ExchangeOrder): OrderAck {
  return {
    orderId: order.orderId,
    ...(order.clientOrderId !== undefined ? { clientOrderId: order.clientOrderId } : {}),
    market: order.market,
    side: order.side,
    type: order.type,
    createdAt: order.createdAt,
  };
}
