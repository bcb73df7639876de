import type { Candle, ExchangeOrder, Market, MarketWarning, OrderRequest, Ticker, Trade } from "./model.ts";

/**
 * The ONE message vocabulary of the runtime (ARCHITECTURE rule 3, after NautilusTrader): every
 * event an actor sends or receives is one of these. Commands are imperative (`trader.pause`),
 * events past tense (`order.filled`). Each carries `ts` from the injected clock and is readonly.
 * The HTTP API, Telegram commands and tests speak this vocabulary too, so there is one path into
 * each behaviour.
 */

export type Priority = 0 | 1 | 2 | 3;
export const PRIORITY = { URGENT: 0, HIGH: 1, NORMAL: 2, LOW: 3 } as const satisfies Record<string, Priority>;

/** Who asked for an operator command (audit trail). */
export interface Origin {
  readonly by: string;
  readonly source?: string;
}

// ---- commands -------------------------------------------------------------------------------

export type TraderCommand =
  | { readonly type: "trader.pause"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "trader.resume"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "trader.flatten"; readonly ts: number; readonly origin: Origin };

export type TradingCommand =
  | { readonly type: "trading.pause"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "trading.resume"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "trading.flattenAll"; readonly ts: number; readonly origin: Origin };

/** Ask the order manager to place an order (the request already carries its client order id). */
export interface OrderSubmit {
  readonly type: "order.submit";
  readonly ts: number;
  readonly request: OrderRequest;
  readonly priority: Priority;
  readonly reason: string;
  /** Limit orders: cancel (or reprice) when not filled after this long. */
  readonly timeoutMs?: number;
}

export interface OrderCancel {
  readonly type: "order.cancel";
  readonly ts: number;
  readonly clientOrderId: string;
  readonly reason: string;
}

/** Cancel every open order of a market (flatten) or of all markets. */
export interface OrdersCancelAll {
  readonly type: "orders.cancelAll";
  readonly ts: number;
  readonly market?: Market;
  readonly reason: string;
}

// ---- events ---------------------------------------------------------------------------------

export type MarketDataEvent =
  | { readonly type: "market.traded"; readonly ts: number; readonly trade: Trade }
  | { readonly type: "market.ticked"; readonly ts: number; readonly ticker: Ticker }
  | { readonly type: "market.candleClosed"; readonly ts: number; readonly market: Market; readonly candle: Candle }
  | { readonly type: "market.resyncNeeded"; readonly ts: number; readonly reason: string }
  | { readonly type: "market.stale"; readonly ts: number; readonly market: Market; readonly silentMs: number }
  | { readonly type: "market.warningChanged"; readonly ts: number; readonly market: Market; readonly warning: MarketWarning };

export type OrderEvent =
  | { readonly type: "order.accepted"; readonly ts: number; readonly clientOrderId: string; readonly orderId: string; readonly market: Market }
  | { readonly type: "order.updated"; readonly ts: number; readonly clientOrderId: string; readonly report: ExchangeOrder }
  | {
      readonly type: "order.filled";
      readonly ts: number;
      readonly clientOrderId: string;
      readonly market: Market;
      readonly side: "bid" | "ask";
      readonly price: number;
      readonly volume: number;
      readonly fee: number;
      /** True when the order has nothing left to fill. */
      readonly final: boolean;
    }
  | { readonly type: "order.cancelled"; readonly ts: number; readonly clientOrderId: string; readonly market: Market; readonly executedVolume: number }
  | { readonly type: "order.rejected"; readonly ts: number; readonly clientOrderId: string; readonly market: Market; readonly code: string; readonly message: string }
  | { readonly type: "order.unknown"; readonly ts: number; readonly clientOrderId: string; readonly market: Market; readonly message: string };

export type RiskEvent =
  | { readonly type: "risk.approved"; readonly ts: number; readonly market: Market; readonly request: OrderRequest; readonly reason: string }
  | { readonly type: "risk.denied"; readonly ts: number; readonly market: Market; readonly reason: string };

export type SupervisionEvent =
  | { readonly type: "actor.failed"; readonly ts: number; readonly actorId: string; readonly error: string }
  | { readonly type: "actor.restarted"; readonly ts: number; readonly actorId: string; readonly restarts: number }
  | { readonly type: "actor.halted"; readonly ts: number; readonly actorId: string; readonly reason: string }
  | { readonly type: "trading.halted"; readonly ts: number; readonly reason: string };

export type AlertSeverity = "info" | "warning" | "critical";

export interface AlertRaised {
  readonly type: "alert.raised";
  readonly ts: number;
  readonly severity: AlertSeverity;
  /** Stable key for de-duplication, e.g. `restart_storm:trader:KRW-BTC`. */
  readonly key: string;
  readonly title: string;
  readonly text: string;
}

export type Message =
  | TraderCommand
  | TradingCommand
  | OrderSubmit
  | OrderCancel
  | OrdersCancelAll
  | MarketDataEvent
  | OrderEvent
  | RiskEvent
  | SupervisionEvent
  | AlertRaised;

export type MessageType = Message["type"];
