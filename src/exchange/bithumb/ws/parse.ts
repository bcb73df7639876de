import { z } from "zod";
import type { Orderbook, Ticker, Trade } from "../../../core/model.ts";
import type { MyAssetEvent, MyOrderEvent } from "../../../ports/market-stream.ts";
import { orderbookUnit, tickerFields, tickerFromWire, toLevels } from "../http/parse.ts";
import { epochMs, idText, krwMarket, num, optNum, optText, parseJsonText, parseWith, text } from "../wire.ts";

/**
 * Bithumb WebSocket frames -> core events (API.md 8). Frames may be text or binary UTF-8 JSON,
 * with full field names (`format: DEFAULT`) or abbreviated ones (`SIMPLE`); both are accepted.
 * `{"status":"UP"}` is the server's keep-alive (liveness only). A data frame that does not
 * validate is a `ParseError`: the stream reports it and carries on, but never emits garbage.
 */

export type WsMessage =
  | { readonly kind: "status" }
  | { readonly kind: "ticker"; readonly ticker: Ticker }
  | { readonly kind: "trade"; readonly trade: Trade }
  | { readonly kind: "orderbook"; readonly orderbook: Orderbook }
  | { readonly kind: "myOrder"; readonly order: MyOrderEvent }
  | { readonly kind: "myAsset"; readonly asset: MyAssetEvent }
  | { readonly kind: "error"; readonly name: string; readonly message: string }
  | { readonly kind: "ignored"; readonly reason: string };

/** Text of a frame, whatever container it came in. */
export function decodeFrame(data: unknown): string {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data);
  throw new TypeError(`unsupported frame type ${typeof data}`);
}

// SIMPLE-format abbreviations per message type (API.md 8.2-8.6).
const COMMON_KEYS: Readonly<Record<string, string>> = { ty: "type", cd: "code", tms: "timestamp", st: "stream_type" };
const SIMPLE_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ticker: {
    op: "opening_price", hp: "high_price", lp: "low_price", tp: "trade_price", pcp: "prev_closing_price", c: "change",
    cp: "change_price", scp: "signed_change_price", cr: "change_rate", scr: "signed_change_rate", tv: "trade_volume",
    atv: "acc_trade_volume", atv24h: "acc_trade_volume_24h", atp: "acc_trade_price", atp24h: "acc_trade_price_24h",
    tdt: "trade_date", ttm: "trade_time", ttms: "trade_timestamp", ab: "ask_bid", aav: "acc_ask_volume", abv: "acc_bid_volume",
    h52wp: "highest_52_week_price", h52wdt: "highest_52_week_date", l52wp: "lowest_52_week_price", l52wdt: "lowest_52_week_date",
    ms: "market_state", its: "is_trading_suspended", dd: "delisting_date", mw: "market_warning",
  },
  trade: {
    tp: "trade_price", tv: "trade_volume", ab: "ask_bid", pcp: "prev_closing_price", c: "change", cp: "change_price",
    tdt: "trade_date", ttm: "trade_time", ttms: "trade_timestamp", sid: "sequential_id",
  },
  orderbook: { tas: "total_ask_size", tbs: "total_bid_size", obu: "orderbook_units", lv: "level" },
  myOrder: {
    oid: "order_id", coid: "client_order_id", sd: "side", ot: "order_type", s: "state", tif: "time_in_force",
    op: "order_price", oq: "order_quantity", oa: "order_amount", tid: "trade_id", tp: "trade_price", tq: "trade_quantity",
    ta: "trade_amount", rq: "remaining_quantity", eq: "executed_quantity", ea: "executed_amount", rsf: "reserved_fee",
    rmf: "remaining_fee", pf: "paid_fee", ct: "cancel_type", cnoid: "canceling_order_id", ttms: "trade_timestamp",
    otms: "order_timestamp",
  },
  myAsset: { ast: "assets", asttms: "asset_timestamp" },
};
const NESTED_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  orderbook_units: { ap: "ask_price", bp: "bid_price", as: "ask_size", bs: "bid_size" },
  assets: { cu: "currency", b: "balance", l: "locked" },
};

function renameKeys(obj: Record<string, unknown>, names: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[names[k] ?? k] = v;
  return out;
}

/** A SIMPLE frame (`ty`, `cd`, ...) rewritten with DEFAULT names; DEFAULT frames pass through. */
export function expandSimpleKeys(frame: Record<string, unknown>): Record<string, unknown> {
  if (!("ty" in frame) || "type" in frame) return frame;
  const type = String(frame.ty);
  const out = renameKeys(frame, { ...COMMON_KEYS, ...SIMPLE_KEYS[type] });
  for (const [key, names] of Object.entries(NESTED_KEYS)) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map((item) => (typeof item === "object" && item !== null ? renameKeys(item as Record<string, unknown>, names) : item));
  }
  return out;
}

const wsTicker = z.object({
  code: krwMarket,
  ...tickerFields,
  market_warning: z.enum(["NONE", "CAUTION"]).nullish(),
  is_trading_suspended: z.boolean().nullish(),
  market_state: optText,
});

function toTicker(t: z.output<typeof wsTicker>): Ticker {
  return {
    ...tickerFromWire(t.code, t),
    ...(t.market_warning ? { warning: t.market_warning } : {}),
    ...(typeof t.is_trading_suspended === "boolean" ? { suspended: t.is_trading_suspended } : {}),
    ...(t.market_state !== undefined ? { marketState: t.market_state } : {}),
  };
}

const wsTrade = z.object({
  code: krwMarket,
  trade_price: num("positive"),
  trade_volume: num("nonNegative"),
  ask_bid: z.enum(["ASK", "BID"]),
  trade_timestamp: epochMs,
  sequential_id: idText,
});

const wsOrderbook = z.object({
  code: krwMarket,
  timestamp: epochMs,
  total_ask_size: num("nonNegative"),
  total_bid_size: num("nonNegative"),
  orderbook_units: z.array(orderbookUnit),
});

/** myOrder v2 (API.md 8.6): `side` is buy/sell on the wire, normalised to REST's bid/ask. */
const wsMyOrder = z.object({
  code: krwMarket,
  order_id: text,
  client_order_id: optText,
  side: z.enum(["buy", "sell"]).transform((s) => (s === "buy" ? ("bid" as const) : ("ask" as const))),
  order_type: z.enum(["limit", "price", "market", "best"]),
  state: z.enum(["wait", "trade", "done", "cancel"]),
  time_in_force: z.enum(["ioc", "fok", "post_only"]).nullish(),
  trade_id: idText.nullish(),
  trade_price: optNum("nonNegative"),
  trade_quantity: optNum("nonNegative"),
  trade_amount: optNum("nonNegative"),
  remaining_quantity: optNum("nonNegative"),
  executed_quantity: optNum("nonNegative"),
  executed_amount: optNum("nonNegative"),
  paid_fee: optNum("nonNegative"),
  cancel_type: optText,
  trade_timestamp: epochMs.nullish(),
  timestamp: epochMs,
});

function definedFields<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v;
  return out;
}

function toMyOrder(o: z.output<typeof wsMyOrder>): MyOrderEvent {
  return {
    market: o.code,
    orderId: o.order_id,
    side: o.side,
    type: o.order_type,
    state: o.state,
    timestamp: o.timestamp,
    ...definedFields({
      clientOrderId: o.client_order_id,
      timeInForce: o.time_in_force ?? undefined,
      tradeId: o.trade_id ?? undefined,
      tradePrice: o.trade_price,
      tradeVolume: o.trade_quantity,
      tradeFunds: o.trade_amount,
      remainingVolume: o.remaining_quantity,
      executedVolume: o.executed_quantity,
      executedFunds: o.executed_amount,
      paidFee: o.paid_fee,
      cancelType: o.cancel_type,
      tradeTimestamp: o.trade_timestamp ?? undefined,
    }),
  };
}

const wsMyAsset = z.object({
  assets: z.array(z.object({ currency: text, balance: num("nonNegative"), locked: num("nonNegative") })),
  timestamp: epochMs,
});

const errorFrame = z.object({ error: z.object({ name: z.union([z.string(), z.number()]).optional(), message: z.string().optional() }) });

/** Integer ids that may exceed 2^53 and must keep every digit. */
const WS_BIG_ID_KEYS = ["sequential_id", "sid", "trade_id", "tid"];

/**
 * One frame's text -> a typed message. Malformed JSON and invalid data frames throw `ParseError`;
 * frames of other types (or non-object JSON) come back as `ignored`.
 */
export function parseWsMessage(frameText: string): WsMessage {
  const trimmed = frameText.trim();
  // Some servers answer a text PING with a bare PONG; it only proves liveness.
  if (trimmed === "PONG" || trimmed === "PING") return { kind: "status" };
  const raw = parseJsonText(trimmed, "websocket frame", WS_BIG_ID_KEYS);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { kind: "ignored", reason: "not a JSON object" };
  const frame = expandSimpleKeys(raw as Record<string, unknown>);
  if ("status" in frame && !("type" in frame)) return { kind: "status" };
  if ("error" in frame) {
    const e = parseWith(errorFrame, frame, "websocket error frame").error;
    return { kind: "error", name: String(e.name ?? "unknown"), message: e.message ?? "" };
  }
  switch (frame.type) {
    case "ticker":
      return { kind: "ticker", ticker: toTicker(parseWith(wsTicker, frame, "ws ticker")) };
    case "trade": {
      const t = parseWith(wsTrade, frame, "ws trade");
      return { kind: "trade", trade: { market: t.code, timestamp: t.trade_timestamp, price: t.trade_price, volume: t.trade_volume, side: t.ask_bid, sequentialId: t.sequential_id } };
    }
    case "orderbook": {
      const o = parseWith(wsOrderbook, frame, "ws orderbook");
      return { kind: "orderbook", orderbook: { market: o.code, timestamp: o.timestamp, totalAskSize: o.total_ask_size, totalBidSize: o.total_bid_size, levels: toLevels(o.orderbook_units) } };
    }
    case "myOrder":
      return { kind: "myOrder", order: toMyOrder(parseWith(wsMyOrder, frame, "ws myOrder")) };
    case "myAsset": {
      const a = parseWith(wsMyAsset, frame, "ws myAsset");
      return { kind: "myAsset", asset: { assets: a.assets.map((x) => ({ currency: x.currency.toUpperCase(), balance: x.balance, locked: x.locked })), timestamp: a.timestamp } };
    }
    default:
      return { kind: "ignored", reason: `type ${String(frame.type)}` };
  }
}
