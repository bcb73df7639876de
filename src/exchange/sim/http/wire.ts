import { baseCurrency, type Market } from "../../../core/model.ts";
import { QUOTE } from "../engine/engine.ts";
import { type AccountBalance, isAmountOrder, type ReadonlyOrder } from "../engine/types.ts";
import { type Fixed, formatFixed } from "../fixed.ts";
import type { CandleBar, CandlePeriod } from "../market/candles.ts";
import { marketNames } from "../market/names.ts";
import type { RevealedTrade } from "../market/replay.ts";
import { changeOf, type OrderbookData, round, type TickerData, units } from "../market/views.ts";
import { colonTime, compactDate, compactTime, dashedDate, KST_OFFSET_MS, kstDateTime, kstIso, utcDateTime } from "../time.ts";

/**
 * REST response bodies, field for field as API.md and the recorded fixtures show them: market data
 * as JSON numbers, account and order amounts as NumberStrings, times in the stated zones.
 */

const n = formatFixed;
/** Self-trade prevention mode reported on every order (API.md 4.7.1). */
export const STP_TYPE = "cancel_taker";

export function marketEntry(market: Market, warning: string, details: boolean): Record<string, unknown> {
  const names = marketNames(market);
  return { market, korean_name: names.korean, english_name: names.english, ...(details ? { market_warning: warning } : {}) };
}

/** `GET /v1/ticker` element (API.md 3.3, fixture v1-ticker.json). */
export function restTicker(t: TickerData, now: number): Record<string, unknown> {
  return {
    market: t.market,
    trade_date: compactDate(t.tradeTimestamp, 0),
    trade_time: compactTime(t.tradeTimestamp, 0),
    trade_date_kst: compactDate(t.tradeTimestamp, KST_OFFSET_MS),
    trade_time_kst: compactTime(t.tradeTimestamp, KST_OFFSET_MS),
    trade_timestamp: t.tradeTimestamp,
    opening_price: t.openingPrice,
    high_price: t.highPrice,
    low_price: t.lowPrice,
    trade_price: t.tradePrice,
    prev_closing_price: t.prevClosingPrice,
    change: t.change,
    change_price: t.changePrice,
    change_rate: round(t.changeRate, 10),
    signed_change_price: t.change === "FALL" ? -t.changePrice : t.changePrice,
    signed_change_rate: round(t.change === "FALL" ? -t.changeRate : t.changeRate, 10),
    trade_volume: t.tradeVolume,
    acc_trade_price: t.accTradePrice,
    acc_trade_price_24h: t.accTradePrice24h,
    acc_trade_volume: t.accTradeVolume,
    acc_trade_volume_24h: t.accTradeVolume24h,
    highest_52_week_price: t.highest52WeekPrice,
    highest_52_week_date: t.highest52WeekDate,
    lowest_52_week_price: t.lowest52WeekPrice,
    lowest_52_week_date: t.lowest52WeekDate,
    timestamp: now,
  };
}

/** `GET /v1/orderbook` element (API.md 3.4). */
export function restOrderbook(ob: OrderbookData, now: number): Record<string, unknown> {
  return {
    market: ob.market,
    timestamp: now,
    total_ask_size: ob.totalAskSize,
    total_bid_size: ob.totalBidSize,
    orderbook_units: ob.units.map((u) => ({ ask_price: u.askPrice, bid_price: u.bidPrice, ask_size: u.askSize, bid_size: u.bidSize })),
  };
}

/** `GET /v1/trades/ticks` element (API.md 3.5); `prevClose` is on the UTC-midnight basis. */
export function restTrade(t: RevealedTrade, prevClose: number): Record<string, unknown> {
  return {
    market: t.market,
    trade_date_utc: dashedDate(t.ts, 0),
    trade_time_utc: colonTime(t.ts, 0),
    timestamp: t.ts,
    trade_price: t.price,
    trade_volume: units(t.volumeUnits),
    prev_closing_price: prevClose,
    change_price: round(t.price - prevClose, 4),
    ask_bid: t.side,
    sequential_id: t.sequentialId,
  };
}

/** Candle element (API.md 3.6); days add change fields, weeks and months `first_day_of_period`. */
export function restCandle(market: Market, period: CandlePeriod, bar: CandleBar): Record<string, unknown> {
  const base: Record<string, unknown> = {
    market,
    candle_date_time_utc: utcDateTime(bar.start),
    candle_date_time_kst: kstDateTime(bar.start),
    opening_price: bar.open,
    high_price: bar.high,
    low_price: bar.low,
    trade_price: bar.close,
    timestamp: bar.lastTs,
    candle_acc_trade_price: round(bar.turnover, 8),
    candle_acc_trade_volume: units(bar.volumeUnits),
  };
  switch (period.kind) {
    case "minutes":
      return { ...base, unit: period.minutes };
    case "days": {
      const move = changeOf(bar.close, bar.prevClose);
      return { ...base, prev_closing_price: bar.prevClose, change_price: round(bar.close - bar.prevClose, 4), change_rate: round(move.change === "FALL" ? -move.changeRate : move.changeRate, 10) };
    }
    default:
      return { ...base, first_day_of_period: dashedDate(bar.start, KST_OFFSET_MS) };
  }
}

/** `GET /v1/accounts` element (API.md 4.1). */
export function restAccount(b: AccountBalance): Record<string, unknown> {
  return { currency: b.currency, balance: n(b.balance), locked: n(b.locked), avg_buy_price: n(b.avgBuyPrice), avg_buy_price_modified: false, unit_currency: QUOTE };
}

/** `GET /v1/orders/chance` body (API.md 4.2). */
export function restChance(market: Market, feeRate: Fixed, minTotal: Fixed, bid: AccountBalance, ask: AccountBalance, state: string): Record<string, unknown> {
  const fee = n(feeRate);
  return {
    bid_fee: fee,
    ask_fee: fee,
    maker_bid_fee: fee,
    maker_ask_fee: fee,
    market: {
      id: market,
      name: `${baseCurrency(market)}/${QUOTE}`,
      order_types: ["limit", "price", "market", "best"],
      ask_types: ["limit", "market", "best"],
      bid_types: ["limit", "price", "best"],
      order_sides: ["ask", "bid"],
      bid: { currency: QUOTE, price_unit: null, min_total: n(minTotal) },
      ask: { currency: baseCurrency(market), price_unit: null, min_total: n(minTotal) },
      max_total: "1000000000",
      state,
    },
    bid_account: restAccount(bid),
    ask_account: restAccount(ask),
  };
}

/**
 * The order object of `GET /v1/order(s)`, `POST /v1/orders`, `DELETE /v1/order` and the v2 lists
 * (API.md 4.6, fixtures v1-order-get.json and v2-order-get.json). `volume`/`remaining_volume` are
 * null for market buys and `price` is null for market sells; `client_order_id`, `time_in_force`,
 * `cancel_type` appear only when they have a value; `trades` only on the single-order lookup.
 */
export function restOrder(o: ReadonlyOrder, withTrades = false): Record<string, unknown> {
  const byAmount = isAmountOrder(o);
  const out: Record<string, unknown> = {
    uuid: o.id,
    side: o.side,
    ord_type: o.type,
    price: o.price === undefined ? null : n(o.price),
    state: o.state,
    market: o.market,
    created_at: kstIso(o.createdAt),
    volume: byAmount || o.volume === undefined ? null : n(o.volume),
    remaining_volume: byAmount ? null : n(o.remainingVolume),
    reserved_fee: n(o.reservedFee),
    remaining_fee: n(o.remainingFee),
    paid_fee: n(o.paidFee),
    locked: n(o.locked),
    executed_volume: n(o.executedVolume),
    executed_funds: n(o.executedFunds),
    trades_count: o.fills.length,
    stp_type: STP_TYPE,
  };
  if (o.clientOrderId !== undefined) out.client_order_id = o.clientOrderId;
  if (o.timeInForce !== undefined) out.time_in_force = o.timeInForce;
  if (o.cancelType !== undefined) out.cancel_type = o.cancelType;
  if (withTrades) {
    out.trades = o.fills.map((f) => ({
      market: o.market,
      uuid: f.tradeId,
      price: n(f.price),
      volume: n(f.volume),
      funds: n(f.funds),
      side: o.side,
      created_at: kstIso(f.ts),
    }));
  }
  return out;
}

/** `POST /v2/orders` response and `batch_orders_response` item (API.md 4.7.1, fixture v2-orders-post.json). */
export function restOrderCreated(o: ReadonlyOrder): Record<string, unknown> {
  return {
    order_id: o.id,
    market: o.market,
    side: o.side,
    order_type: o.type,
    created_at: kstIso(o.createdAt),
    stp_type: STP_TYPE,
    ...(o.clientOrderId !== undefined ? { client_order_id: o.clientOrderId } : {}),
  };
}

/** `DELETE /v2/order` response and a `success` item of `POST /v2/orders/cancel` (API.md 4.7.3). */
export function restOrderCancelled(o: ReadonlyOrder): Record<string, unknown> {
  return { order_id: o.id, created_at: kstIso(o.createdAt), ...(o.clientOrderId !== undefined ? { client_order_id: o.clientOrderId } : {}) };
}
