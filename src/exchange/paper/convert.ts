import type { Balance, ExchangeOrder, Fill, OrderAck } from "../../core/model.ts";
import type { MyAssetEvent, MyOrderEvent } from "../../ports/market-stream.ts";
import { type AccountBalance, type EngineEvent, isAmountOrder, type ReadonlyOrder, type SimFill } from "../sim/engine/types.ts";
import { fixedToNumber } from "../sim/fixed.ts";

/**
 * The matching engine's exact ledger in the shapes the runtime reads from the real exchange: the
 * same values the simulator writes on the wire and the Bithumb client parses back, without the
 * wire in between (REST order objects, `orders/chance` accounts, private WebSocket v2 events).
 */

const num = fixedToNumber;

type OrderEvent = Extract<EngineEvent, { type: "order" }>;

function toFill(o: ReadonlyOrder, f: SimFill): Fill {
  return { orderId: o.id, tradeId: f.tradeId, market: o.market, side: o.side, price: num(f.price), volume: num(f.volume), funds: num(f.funds), fee: num(f.fee), ts: f.ts };
}

/**
 * An order as `GET /v1/order` reports it. Market buys (by KRW amount) carry the amount in `price`
 * and no `volume`, market sells no `price` (API.md 4.3); `trades` only on single lookups.
 */
export function toExchangeOrder(o: ReadonlyOrder, withTrades: boolean): ExchangeOrder {
  const byAmount = isAmountOrder(o);
  return {
    orderId: o.id,
    ...(o.clientOrderId !== undefined ? { clientOrderId: o.clientOrderId } : {}),
    market: o.market,
    side: o.side,
    type: o.type,
    state: o.state,
    ...(o.price !== undefined ? { price: num(o.price) } : {}),
    ...(!byAmount && o.volume !== undefined ? { volume: num(o.volume) } : {}),
    remainingVolume: byAmount ? 0 : num(o.remainingVolume),
    executedVolume: num(o.executedVolume),
    executedFunds: num(o.executedFunds),
    paidFee: num(o.paidFee),
    reservedFee: num(o.reservedFee),
    remainingFee: num(o.remainingFee),
    locked: num(o.locked),
    ...(o.timeInForce !== undefined ? { timeInForce: o.timeInForce } : {}),
    ...(o.cancelType !== undefined ? { cancelType: o.cancelType } : {}),
    createdAt: o.createdAt,
    ...(withTrades ? { trades: o.fills.map((f) => toFill(o, f)) } : {}),
  };
}

/** The v2 create response for an order (also what a repeated `client_order_id` answers). */
export function toAck(o: ReadonlyOrder): OrderAck {
  return { orderId: o.id, ...(o.clientOrderId !== undefined ? { clientOrderId: o.clientOrderId } : {}), market: o.market, side: o.side, type: o.type, createdAt: o.createdAt };
}

export function toBalance(a: AccountBalance): Balance {
  return { currency: a.currency, balance: num(a.balance), locked: num(a.locked), avgBuyPrice: num(a.avgBuyPrice) };
}

/**
 * A `myOrder` event as the Bithumb WebSocket client delivers it: cumulative executed volume, funds
 * and fee after this event, the fill's own figures on `trade` events, `cancelType` on cancels,
 * `remainingVolume` only for volume-based orders.
 */
export function toMyOrderEvent(event: OrderEvent): MyOrderEvent {
  const o = event.order;
  const fill = event.fill;
  return {
    market: o.market,
    orderId: o.id,
    ...(o.clientOrderId !== undefined ? { clientOrderId: o.clientOrderId } : {}),
    side: o.side,
    type: o.type,
    state: event.state,
    ...(o.timeInForce !== undefined ? { timeInForce: o.timeInForce } : {}),
    ...(fill ? { tradeId: fill.tradeId, tradePrice: num(fill.price), tradeVolume: num(fill.volume), tradeFunds: num(fill.funds), tradeTimestamp: fill.ts } : {}),
    ...(isAmountOrder(o) ? {} : { remainingVolume: num(o.remainingVolume) }),
    executedVolume: num(o.executedVolume),
    executedFunds: num(o.executedFunds),
    paidFee: num(o.paidFee),
    ...(event.state === "cancel" && o.cancelType !== undefined ? { cancelType: o.cancelType } : {}),
    timestamp: event.ts,
  };
}

/** A `myAsset` event: the currencies one operation changed. */
export function toMyAssetEvent(assets: readonly AccountBalance[], ts: number): MyAssetEvent {
  return { assets: assets.map((a) => ({ currency: a.currency, balance: num(a.balance), locked: num(a.locked) })), timestamp: ts };
}
