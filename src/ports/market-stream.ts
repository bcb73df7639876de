import type { Balance, Market, Orderbook, Side, Ticker, TimeInForce, OrderType, Trade } from "../core/model.ts";

/** A `myOrder` event (private WebSocket v2), normalised to REST side names. */
export interface MyOrderEvent {
  readonly market: Market;
  readonly orderId: string;
  readonly clientOrderId?: string;
  readonly side: Side;
  readonly type: OrderType;
  /** `trade` marks one fill; `done`/`cancel` are final. */
  readonly state: "wait" | "trade" | "done" | "cancel";
  readonly timeInForce?: TimeInForce;
  readonly tradeId?: string;
  readonly tradePrice?: number;
  readonly tradeVolume?: number;
  readonly tradeFunds?: number;
  readonly remainingVolume?: number;
  readonly executedVolume?: number;
  readonly executedFunds?: number;
  readonly paidFee?: number;
  readonly cancelType?: string;
  readonly tradeTimestamp?: number;
  readonly timestamp: number;
}

export interface MyAssetEvent {
  readonly assets: readonly Pick<Balance, "currency" | "balance" | "locked">[];
  readonly timestamp: number;
}

/** Everything a stream can tell its consumers, as one discriminated union. */
export type StreamEvent =
  | { readonly type: "ticker"; readonly ticker: Ticker }
  | { readonly type: "trade"; readonly trade: Trade }
  | { readonly type: "orderbook"; readonly orderbook: Orderbook }
  | { readonly type: "myOrder"; readonly order: MyOrderEvent }
  | { readonly type: "myAsset"; readonly asset: MyAssetEvent }
  | { readonly type: "connected"; readonly ts: number }
  | { readonly type: "disconnected"; readonly ts: number; readonly reason: string }
  /**
   * Data may have been missed (a reconnect, a stale market): consumers must resynchronise over
   * REST. `markets` empty = every market on this stream.
   */
  | { readonly type: "resync"; readonly ts: number; readonly reason: string; readonly markets: readonly Market[] }
  | { readonly type: "stale"; readonly ts: number; readonly market: Market; readonly silentMs: number }
  | { readonly type: "error"; readonly ts: number; readonly message: string };

export interface StreamSubscription {
  readonly ticker?: readonly Market[];
  readonly trade?: readonly Market[];
  readonly orderbook?: readonly Market[];
}

/** A live feed with reconnects handled inside; consumers only see events. */
export interface MarketStream {
  /** Replace the public subscription set (re-sent on every reconnect). */
  subscribe(subscription: StreamSubscription): void;
  onEvent(listener: (event: StreamEvent) => void): () => void;
  start(): void;
  stop(): Promise<void>;
  readonly connected: boolean;
}
