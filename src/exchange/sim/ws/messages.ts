import type { Market } from "../../../core/model.ts";
import { type AccountBalance, type EngineEvent, isAmountOrder } from "../engine/types.ts";
import { fixedToNumber, mulFixed } from "../fixed.ts";
import type { RevealedTrade } from "../market/replay.ts";
import { changeOf, type OrderbookData, round, type TickerData, units } from "../market/views.ts";
import { colonTime, compactDate, compactTime, dashedDate, KST_OFFSET_MS } from "../time.ts";
import type { StreamType, WsFormat } from "./protocol.ts";

/**
 * WebSocket message bodies (API.md 8.2-8.6; fixtures ws-ticker.json, ws-trade.json,
 * ws-orderbook.json). Built once per event in the DEFAULT form; the SIMPLE form renames keys
 * with the abbreviations below. Dates and times on the WebSocket are KST.
 */

export type StreamKind = "SNAPSHOT" | "REALTIME";
type Message = Record<string, unknown>;

const TICKER_KEYS: Record<string, string> = {
  type: "ty",
  code: "cd",
  opening_price: "op",
  high_price: "hp",
  low_price: "lp",
  trade_price: "tp",
  prev_closing_price: "pcp",
  change: "c",
  change_price: "cp",
  signed_change_price: "scp",
  change_rate: "cr",
  signed_change_rate: "scr",
  trade_volume: "tv",
  acc_trade_volume: "atv",
  acc_trade_volume_24h: "atv24h",
  acc_trade_price: "atp",
  acc_trade_price_24h: "atp24h",
  trade_date: "tdt",
  trade_time: "ttm",
  trade_timestamp: "ttms",
  ask_bid: "ab",
  acc_ask_volume: "aav",
  acc_bid_volume: "abv",
  highest_52_week_price: "h52wp",
  highest_52_week_date: "h52wdt",
  lowest_52_week_price: "l52wp",
  lowest_52_week_date: "l52wdt",
  market_state: "ms",
  is_trading_suspended: "its",
  delisting_date: "dd",
  market_warning: "mw",
  timestamp: "tms",
  stream_type: "st",
};

const TRADE_KEYS: Record<string, string> = {
  type: "ty",
  code: "cd",
  trade_price: "tp",
  trade_volume: "tv",
  ask_bid: "ab",
  prev_closing_price: "pcp",
  change: "c",
  change_price: "cp",
  trade_date: "tdt",
  trade_time: "ttm",
  trade_timestamp: "ttms",
  timestamp: "tms",
  sequential_id: "sid",
  stream_type: "st",
};

const ORDERBOOK_KEYS: Record<string, string> = {
  type: "ty",
  code: "cd",
  total_ask_size: "tas",
  total_bid_size: "tbs",
  orderbook_units: "obu",
  ask_price: "ap",
  bid_price: "bp",
  ask_size: "as",
  bid_size: "bs",
  timestamp: "tms",
  level: "lv",
  stream_type: "st",
};

const MY_ORDER_KEYS: Record<string, string> = {
  type: "ty",
  stream_type: "st",
  code: "cd",
  order_id: "oid",
  client_order_id: "coid",
  side: "sd",
  order_type: "ot",
  state: "s",
  time_in_force: "tif",
  order_price: "op",
  order_quantity: "oq",
  order_amount: "oa",
  trade_id: "tid",
  trade_price: "tp",
  trade_quantity: "tq",
  trade_amount: "ta",
  remaining_quantity: "rq",
  executed_quantity: "eq",
  executed_amount: "ea",
  reserved_fee: "rsf",
  remaining_fee: "rmf",
  paid_fee: "pf",
  cancel_type: "ct",
  canceling_order_id: "cnoid",
  trade_timestamp: "ttms",
  order_timestamp: "otms",
  timestamp: "tms",
};

const MY_ASSET_KEYS: Record<string, string> = {
  type: "ty",
  assets: "ast",
  currency: "cu",
  balance: "b",
  locked: "l",
  asset_timestamp: "asttms",
  timestamp: "tms",
  stream_type: "st",
};

const ABBREVIATIONS: Record<StreamType, Record<string, string>> = {
  ticker: TICKER_KEYS,
  trade: TRADE_KEYS,
  orderbook: ORDERBOOK_KEYS,
  myOrder: MY_ORDER_KEYS,
  myAsset: MY_ASSET_KEYS,
};

function rename(value: unknown, keys: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rename(v, keys));
  if (typeof value !== "object" || value === null) return value;
  const out: Message = {};
  for (const [k, v] of Object.entries(value)) out[keys[k] ?? k] = rename(v, keys);
  return out;
}

/** The SIMPLE form of a DEFAULT message. */
export function toSimple(type: StreamType, message: Message): Message {
  return rename(message, ABBREVIATIONS[type]) as Message;
}

/** A message serialised lazily, once per format, however many connections receive it. */
export class Outgoing {
  private readonly type: StreamType;
  private readonly build: () => Message;
  private built: Message | undefined;
  private readonly texts = new Map<WsFormat, string>();

  constructor(type: StreamType, build: () => Message) {
    this.type = type;
    this.build = build;
  }

  text(format: WsFormat): string {
    let t = this.texts.get(format);
    if (t === undefined) {
      this.built ??= this.build();
      t = JSON.stringify(format === "SIMPLE" ? toSimple(this.type, this.built) : this.built);
      this.texts.set(format, t);
    }
    return t;
  }
}

/** `ticker` (API.md 8.2): today's figures from 00:00 KST. */
export function tickerMessage(t: TickerData, stream: StreamKind, ts: number): Message {
  const signed = t.change === "FALL" ? -1 : 1;
  return {
    type: "ticker",
    code: t.market,
    opening_price: t.openingPrice,
    high_price: t.highPrice,
    low_price: t.lowPrice,
    trade_price: t.tradePrice,
    prev_closing_price: t.prevClosingPrice,
    change: t.change,
    change_price: t.changePrice,
    signed_change_price: signed * t.changePrice,
    change_rate: round(t.changeRate, 8),
    signed_change_rate: round(signed * t.changeRate, 8),
    trade_volume: t.tradeVolume,
    acc_trade_volume: t.accTradeVolume,
    acc_trade_volume_24h: t.accTradeVolume24h,
    acc_trade_price: t.accTradePrice,
    acc_trade_price_24h: t.accTradePrice24h,
    trade_date: compactDate(t.tradeTimestamp, KST_OFFSET_MS),
    trade_time: compactTime(t.tradeTimestamp, KST_OFFSET_MS),
    trade_timestamp: t.tradeTimestamp,
    ask_bid: t.askBid,
    acc_ask_volume: t.accAskVolume,
    acc_bid_volume: t.accBidVolume,
    highest_52_week_price: t.highest52WeekPrice,
    highest_52_week_date: t.highest52WeekDate,
    lowest_52_week_price: t.lowest52WeekPrice,
    lowest_52_week_date: t.lowest52WeekDate,
    market_state: "ACTIVE",
    is_trading_suspended: false,
    delisting_date: null,
    market_warning: t.warning,
    timestamp: ts,
    stream_type: stream,
  };
}

/** `trade` (API.md 8.3); `prevClose` is the ticker's (00:00 KST) previous close. */
export function tradeMessage(trade: RevealedTrade, prevClose: number, stream: StreamKind, ts: number): Message {
  const move = changeOf(trade.price, prevClose);
  return {
    type: "trade",
    code: trade.market,
    trade_price: trade.price,
    trade_volume: units(trade.volumeUnits),
    ask_bid: trade.side,
    prev_closing_price: prevClose,
    change: move.change,
    change_price: move.changePrice,
    trade_date: dashedDate(trade.ts, KST_OFFSET_MS),
    trade_time: colonTime(trade.ts, KST_OFFSET_MS),
    trade_timestamp: trade.ts,
    sequential_id: trade.sequentialId,
    timestamp: ts,
    stream_type: stream,
  };
}

/** `orderbook` (API.md 8.4). */
export function orderbookMessage(ob: OrderbookData, level: number, stream: StreamKind, ts: number): Message {
  return {
    type: "orderbook",
    code: ob.market,
    total_ask_size: ob.totalAskSize,
    total_bid_size: ob.totalBidSize,
    orderbook_units: ob.units.map((u) => ({ ask_price: u.askPrice, bid_price: u.bidPrice, ask_size: u.askSize, bid_size: u.bidSize })),
    level,
    timestamp: ts,
    stream_type: stream,
  };
}

/**
 * `myOrder` v2 (API.md 8.6): `side` buy/sell, amounts as JSON numbers, fields without a value
 * omitted (trade fields only on `trade` events, `client_order_id` only when set).
 */
export function myOrderMessage(event: Extract<EngineEvent, { type: "order" }>): Message {
  const o = event.order;
  const byAmount = isAmountOrder(o);
  const num = fixedToNumber;
  const msg: Message = {
    type: "myOrder",
    code: o.market as Market,
    order_id: o.id,
  };
  if (o.clientOrderId !== undefined) msg.client_order_id = o.clientOrderId;
  msg.side = o.side === "bid" ? "buy" : "sell";
  msg.order_type = o.type;
  msg.state = event.state;
  if (o.timeInForce !== undefined) msg.time_in_force = o.timeInForce;
  msg.order_price = o.type === "limit" ? num(o.price!) : 0;
  msg.order_quantity = byAmount ? 0 : num(o.volume!);
  if (byAmount) msg.order_amount = num(o.price!);
  else if (o.type === "limit") msg.order_amount = num(mulFixed(o.price!, o.volume!));
  if (event.fill) {
    msg.trade_id = event.fill.tradeId;
    msg.trade_price = num(event.fill.price);
    msg.trade_quantity = num(event.fill.volume);
    msg.trade_amount = num(event.fill.funds);
  }
  if (!byAmount) msg.remaining_quantity = num(o.remainingVolume);
  msg.executed_quantity = num(o.executedVolume);
  msg.executed_amount = num(o.executedFunds);
  msg.reserved_fee = num(o.reservedFee);
  msg.remaining_fee = num(o.remainingFee);
  msg.paid_fee = num(o.paidFee);
  if (event.state === "cancel" && o.cancelType !== undefined) msg.cancel_type = o.cancelType;
  if (event.fill) msg.trade_timestamp = event.fill.ts;
  msg.order_timestamp = o.createdAt;
  msg.timestamp = event.ts;
  msg.stream_type = "REALTIME";
  return msg;
}

/** `myAsset` (API.md 8.6): the currencies an operation changed. */
export function myAssetMessage(assets: readonly AccountBalance[], ts: number): Message {
  return {
    type: "myAsset",
    assets: assets.map((a) => ({ currency: a.currency, balance: fixedToNumber(a.balance), locked: fixedToNumber(a.locked) })),
    asset_timestamp: ts,
    timestamp: ts,
    stream_type: "REALTIME",
  };
}

export const STATUS_UP = JSON.stringify({ status: "UP" });
