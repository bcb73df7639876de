import type { Candle, Market, MarketRules, MarketWarning, OrderRequest, Ticker, Trade } from "../src/core/model.ts";
import type { Origin, Priority } from "../src/core/messages.ts";
import type { Holding } from "../src/core/portfolio/position.ts";
import type { EnterIntent, ExitReason } from "../src/core/strategy/index.ts";
import type { MyAssetEvent, MyOrderEvent } from "../src/ports/market-stream.ts";

/**
 * The events the actors exchange. Names follow the one vocabulary of src/core/messages.ts
 * (commands imperative, events past tense, `ts` from the runtime clock); the payloads here carry
 * the runtime's richer types (holdings, rules) that the pure core does not need to know about.
 */

/** What a trader asks the risk actor to size and approve. */
export interface EntryRequestEvent {
  readonly type: "risk.evaluate";
  readonly ts: number;
  readonly market: Market;
  readonly intent: EnterIntent;
  readonly rules: MarketRules;
  /** Recent closes of the market (for the correlation filter), oldest first. */
  readonly closes: readonly number[];
}

/** Signal details stored with the order intent (the same transaction). */
export interface SignalInfo {
  readonly kind: "enter" | "exit" | "flatten";
  readonly strength?: number;
  readonly reasons: readonly string[];
  readonly candleTs?: number;
  readonly details?: unknown;
}

export interface OrderSubmitEvent {
  readonly type: "order.submit";
  readonly ts: number;
  readonly request: OrderRequest;
  readonly priority: Priority;
  readonly reason: string;
  readonly intentKey?: string;
  readonly signal?: SignalInfo;
  /** Market-data arrival time of the tick that caused it (tick-to-order latency). */
  readonly causedAt?: number;
}

export type TraderEvent =
  | { readonly type: "market.traded"; readonly ts: number; readonly trade: Trade }
  | { readonly type: "market.ticked"; readonly ts: number; readonly ticker: Ticker }
  | { readonly type: "market.stale"; readonly ts: number; readonly market: Market; readonly silentMs: number }
  | { readonly type: "market.resyncNeeded"; readonly ts: number; readonly reason: string }
  | { readonly type: "market.warningChanged"; readonly ts: number; readonly market: Market; readonly warning: MarketWarning }
  | { readonly type: "candle.closed"; readonly ts: number; readonly candle: Candle }
  | { readonly type: "candle.due" }
  | { readonly type: "risk.approved"; readonly ts: number; readonly clientOrderId: string }
  | { readonly type: "risk.denied"; readonly ts: number; readonly reason: string }
  | {
      readonly type: "order.filled";
      readonly ts: number;
      readonly clientOrderId: string;
      readonly side: "bid" | "ask";
      readonly price: number;
      readonly volume: number;
      readonly fee: number;
      readonly final: boolean;
      readonly reason: string;
      readonly holding: Holding | null;
    }
  | { readonly type: "order.finished"; readonly ts: number; readonly clientOrderId: string; readonly state: "filled" | "cancelled" | "rejected"; readonly holding: Holding | null; readonly code?: string }
  | { readonly type: "order.unknown"; readonly ts: number; readonly clientOrderId: string; readonly message: string }
  /** A timed-out limit order's rest was resubmitted under a new client id. */
  | { readonly type: "order.replaced"; readonly ts: number; readonly from: string; readonly to: string }
  | { readonly type: "trader.pause"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "trader.resume"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "trader.flatten"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "trading.blocked"; readonly ts: number; readonly blocked: boolean; readonly reason: string }
  | { readonly type: "trader.stop"; readonly ts: number; readonly reason: string };

export type OrderManagerEvent =
  | OrderSubmitEvent
  | { readonly type: "order.cancel"; readonly ts: number; readonly clientOrderId: string; readonly reason: string }
  | { readonly type: "orders.cancelAll"; readonly ts: number; readonly market?: Market; readonly reason: string }
  | { readonly type: "orders.resume"; readonly ts: number }
  | { readonly type: "orders.halt"; readonly ts: number; readonly reason: string }
  | { readonly type: "stream.myOrder"; readonly order: MyOrderEvent }
  | { readonly type: "stream.connected"; readonly ts: number }
  | { readonly type: "stream.disconnected"; readonly ts: number; readonly reason: string }
  | { readonly type: "stream.resync"; readonly ts: number; readonly reason: string }
  | { readonly type: "stream.other" }
  /** An order actor reached an end state (filled, cancelled, rejected or abandoned). */
  | { readonly type: "child.final"; readonly clientOrderId: string };

export type RiskEvent =
  | EntryRequestEvent
  | { readonly type: "risk.mark"; readonly ts: number; readonly market: Market; readonly price: number }
  | { readonly type: "risk.balancesChanged"; readonly ts: number }
  | { readonly type: "stream.myAsset"; readonly asset: MyAssetEvent }
  | { readonly type: "risk.entryFinished"; readonly ts: number; readonly clientOrderId: string }
  | { readonly type: "risk.refresh" };

/** The exit reasons the runtime adds to the strategy's. */
export type RuntimeExitReason = ExitReason | "flatten" | "delisted";
