import type { Market } from "../../../core/model.ts";
import type { Fixed } from "../fixed.ts";

export type OrderSide = "bid" | "ask";
export type SimOrderType = "limit" | "price" | "market" | "best";
export type SimTimeInForce = "ioc" | "fok" | "post_only";
/** REST states; `watch` (conditional orders) is never produced by the simulator. */
export type SimOrderState = "wait" | "done" | "cancel";

/**
 * Why an order was cancelled (the `cancel_type` field). `tif_cancel` is Bithumb's (API.md 4.7.1);
 * the other two names are the simulator's own (Bithumb's other values are not published).
 */
export type CancelType = "user_cancel" | "tif_cancel" | "system_cancel";

/** A syntactically valid order request (see validate.ts); business rules are checked by the engine. */
export interface OrderInput {
  readonly market: Market;
  readonly side: OrderSide;
  readonly type: SimOrderType;
  /** limit: unit price; price / best-bid: KRW amount to spend. */
  readonly price?: Fixed;
  /** limit / market / best-ask: coin quantity. */
  readonly volume?: Fixed;
  readonly timeInForce?: SimTimeInForce;
  readonly clientOrderId?: string;
}

/** One execution of an order. */
export interface SimFill {
  readonly tradeId: string;
  readonly price: Fixed;
  readonly volume: Fixed;
  /** price x volume, exact. */
  readonly funds: Fixed;
  readonly fee: Fixed;
  readonly ts: number;
  /** True when the order was resting (filled by the replayed tape). */
  readonly maker: boolean;
}

/** An order in the ledger. Mutated only by the engine; everyone else reads it. */
export interface SimOrder {
  readonly id: string;
  readonly seq: number;
  readonly clientOrderId?: string;
  readonly market: Market;
  readonly side: OrderSide;
  readonly type: SimOrderType;
  readonly timeInForce?: SimTimeInForce;
  readonly price?: Fixed;
  readonly volume?: Fixed;
  readonly createdAt: number;
  state: SimOrderState;
  /** Coin quantity still to fill (volume-based orders). */
  remainingVolume: Fixed;
  /** KRW still to spend (amount-based orders: price, best bid). */
  remainingFunds: Fixed;
  executedVolume: Fixed;
  executedFunds: Fixed;
  reservedFee: Fixed;
  remainingFee: Fixed;
  paidFee: Fixed;
  /** What the order still holds: KRW for bids, coin for asks. */
  locked: Fixed;
  cancelType?: CancelType;
  finishedAt?: number;
  readonly fills: SimFill[];
}

export type ReadonlyOrder = Readonly<SimOrder> & { readonly fills: readonly SimFill[] };

/** True when the order is priced by a KRW amount (market buy, best buy) instead of a volume. */
export function isAmountOrder(o: { type: SimOrderType; side: OrderSide }): boolean {
  return o.type === "price" || (o.type === "best" && o.side === "bid");
}

export interface AccountBalance {
  readonly currency: string;
  readonly balance: Fixed;
  readonly locked: Fixed;
  readonly avgBuyPrice: Fixed;
}

/** What the engine reports to listeners (the private WebSocket, logs). */
export type EngineEvent =
  | {
      readonly type: "order";
      /** `wait` accepted and resting, `trade` one fill, `done`/`cancel` final. */
      readonly state: "wait" | "trade" | "done" | "cancel";
      readonly order: ReadonlyOrder;
      readonly fill?: SimFill;
      readonly ts: number;
    }
  | { readonly type: "assets"; readonly assets: readonly AccountBalance[]; readonly ts: number };

/**
 * A ledger to start from instead of an empty account (the paper exchange reloads its account from
 * disk). Orders oldest first; their `locked` amounts must add up to each currency's lock.
 */
export interface EngineState {
  readonly accounts: readonly AccountBalance[];
  readonly orders: readonly SimOrder[];
  /** Last order and fill sequence numbers handed out (new ones continue after them). */
  readonly orderSeq: number;
  readonly tradeSeq: number;
}

/** How order and fill ids are written from their sequence numbers (`C` + 19 digits by default). */
export interface EngineIds {
  order(seq: number): string;
  trade(seq: number): string;
}
