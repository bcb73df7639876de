import type {
  Balance,
  Candle,
  ExchangeOrder,
  ExchangeOrderState,
  Interval,
  Market,
  MarketInfo,
  OrderAck,
  OrderChance,
  Orderbook,
  OrderRef,
  OrderRequest,
  Ticker,
  Trade,
} from "../core/model.ts";

/** Candle query: up to `count` (max 200) candles ending before `to` (exclusive, epoch ms), oldest first. */
export interface CandleQuery {
  readonly market: Market;
  readonly interval: Interval;
  readonly count?: number;
  readonly to?: number;
}

export interface OrderListQuery {
  readonly market?: Market;
  readonly states?: readonly ExchangeOrderState[];
  readonly limit?: number;
  /** Cursor from a previous page (`GET /v2/orders/pending|history`). */
  readonly nextKey?: string;
  /** history only: window (epoch ms), at most 7 days wide. */
  readonly startTime?: number;
  readonly endTime?: number;
}

export interface OrderPage {
  readonly orders: readonly ExchangeOrder[];
  readonly nextKey?: string;
}

export interface CancelResult {
  readonly orderId: string;
  readonly clientOrderId?: string;
}

export interface BatchCancelResult {
  readonly success: readonly CancelResult[];
  readonly failed: readonly { readonly id: string; readonly code: string; readonly message: string }[];
}

/** The market-data half of an exchange: what paper mode takes from the real Bithumb. */
export interface MarketDataSource {
  listMarkets(): Promise<MarketInfo[]>;
  getTickers(markets: readonly Market[]): Promise<Ticker[]>;
  getOrderbooks(markets: readonly Market[]): Promise<Orderbook[]>;
  getRecentTrades(market: Market, count?: number): Promise<Trade[]>;
  /** Oldest first, whatever order the wire uses. */
  getCandles(query: CandleQuery): Promise<Candle[]>;
}

/**
 * Everything the bot needs from an exchange. Implemented by the Bithumb REST client (live and
 * sim, which speaks the same protocol) and by the paper exchange (real data, local fills).
 * Errors are `ExchangeError`s classed by what the caller must do (core/errors.ts).
 */
export interface Exchange extends MarketDataSource {
  getAccounts(): Promise<Balance[]>;
  getOrderChance(market: Market): Promise<OrderChance>;
  /**
   * Place one order (`POST /v2/orders`). Never retried blind: on an ambiguous failure the
   * implementation looks the order up by `clientOrderId` and resends with the same id only when
   * the exchange has no such order.
   */
  placeOrder(request: OrderRequest): Promise<OrderAck>;
  placeOrders(requests: readonly OrderRequest[]): Promise<OrderAck[]>;
  cancelOrder(ref: OrderRef): Promise<CancelResult>;
  cancelOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }): Promise<BatchCancelResult>;
  /** `GET /v1/order`; resolves `null` when the exchange has no such order (404 order_not_found). */
  getOrder(ref: OrderRef): Promise<ExchangeOrder | null>;
  /** `POST /v2/orders/search`; ids the exchange does not know are simply absent. */
  searchOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }, market?: Market): Promise<ExchangeOrder[]>;
  listOpenOrders(query?: OrderListQuery): Promise<OrderPage>;
  listClosedOrders(query?: OrderListQuery): Promise<OrderPage>;
}
