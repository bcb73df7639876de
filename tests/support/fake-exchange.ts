import { RejectedError, RetryableError } from "../../src/core/errors.ts";
import type { Balance, Candle, ExchangeOrder, Market, MarketInfo, OrderAck, OrderChance, Orderbook, OrderRef, OrderRequest, Ticker, Trade } from "../../src/core/model.ts";
import type { BatchCancelResult, CancelResult, CandleQuery, Exchange, OrderListQuery, OrderPage } from "../../src/ports/exchange.ts";
import type { MarketStream, StreamEvent, StreamSubscription } from "../../src/ports/market-stream.ts";
import type { Clock } from "../../src/ports/clock.ts";
import { INTERVAL_MS } from "../../src/core/model.ts";

/**
 * In-process fakes for actor tests: an exchange that fills market orders at the price the test
 * sets (and reports through a fake private stream, like Bithumb's myOrder), and streams the test
 * pushes events into. Deterministic and synchronous enough to run on a SimulatedClock.
 */

export class FakeStream implements MarketStream {
  private listeners = new Set<(e: StreamEvent) => void>();
  connected = false;
  subscription: StreamSubscription = {};
  subscribe(subscription: StreamSubscription): void {
    this.subscription = subscription;
  }
  onEvent(listener: (e: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  start(): void {
    this.connected = true;
  }
  async stop(): Promise<void> {
    this.connected = false;
  }
  emit(event: StreamEvent): void {
    for (const l of [...this.listeners]) l(event);
  }
}

export interface FakeOrder extends ExchangeOrder {
  readonly request: OrderRequest;
}

export interface FakeExchangeOptions {
  readonly clock: Clock;
  readonly markets: readonly Market[];
  readonly krw?: number;
  readonly feeRate?: number;
  /** Private stream to report order events on. */
  readonly privateStream?: FakeStream;
  /** Market orders fill at price x (1 + s) (buys) or x (1 - s) (sells). */
  readonly slippage?: number;
}

let orderSeq = 1;

export class FakeExchange implements Exchange {
  readonly orders = new Map<string, FakeOrder>();
  readonly balances = new Map<string, Balance>();
  readonly prices = new Map<Market, number>();
  readonly history = new Map<Market, Candle[]>();
  readonly calls: string[] = [];
  /** What `listMarkets` answers (tests list, delist and flag markets here). */
  listed: MarketInfo[];
  /** Make the next placeOrder calls fail this way (after creating the order when `created`). */
  failNextPlace: { error: Error; created: boolean }[] = [];
  private readonly feeRate: number;

  constructor(private readonly options: FakeExchangeOptions) {
    this.feeRate = options.feeRate ?? 0.0025;
    this.listed = options.markets.map((m) => ({ market: m, koreanName: m, englishName: m, warning: "NONE" as const }));
    this.balances.set("KRW", { currency: "KRW", balance: options.krw ?? 10_000_000, locked: 0, avgBuyPrice: 0 });
  }

  setPrice(market: Market, price: number): void {
    this.prices.set(market, price);
  }

  async listMarkets(): Promise<MarketInfo[]> {
    return this.listed.map((m) => ({ ...m }));
  }
  async getTickers(markets: readonly Market[]): Promise<Ticker[]> {
    return markets.map((m) => {
      const p = this.prices.get(m) ?? 1000;
      return { market: m, tradePrice: p, openingPrice: p, highPrice: p, lowPrice: p, prevClosingPrice: p, change: "EVEN" as const, changeRate: 0, signedChangeRate: 0, tradeVolume: 0, accTradeVolume24h: 0, accTradePrice24h: 0, tradeTimestamp: this.options.clock.now(), timestamp: this.options.clock.now() };
    });
  }
  async getOrderbooks(_markets: readonly Market[]): Promise<Orderbook[]> {
    return [];
  }
  async getRecentTrades(_market: Market): Promise<Trade[]> {
    return [];
  }
  async getCandles(q: CandleQuery): Promise<Candle[]> {
    const all = this.history.get(q.market) ?? [];
    const to = q.to ?? Number.POSITIVE_INFINITY;
    const before = all.filter((c) => c.ts < to && c.ts + INTERVAL_MS[q.interval] <= this.options.clock.now() + INTERVAL_MS[q.interval]);
    return before.slice(-(q.count ?? 200));
  }
  async getAccounts(): Promise<Balance[]> {
    this.calls.push("getAccounts");
    return [...this.balances.values()];
  }
  async getOrderChance(market: Market): Promise<OrderChance> {
    return { rules: { market, bidFee: this.feeRate, askFee: this.feeRate, makerBidFee: this.feeRate, makerAskFee: this.feeRate, minTotalBid: 5_000, minTotalAsk: 5_000, state: "active" } };
  }

  async placeOrder(request: OrderRequest): Promise<OrderAck> {
    this.calls.push(`placeOrder:${request.clientOrderId}`);
    const existing = [...this.orders.values()].find((o) => o.clientOrderId === request.clientOrderId);
    if (existing) return this.ack(existing);
    const failure = this.failNextPlace.shift();
    if (failure && !failure.created) throw failure.error;
    const order = this.create(request);
    if (failure) throw failure.error;
    return this.ack(order);
  }
  async placeOrders(requests: readonly OrderRequest[]): Promise<OrderAck[]> {
    return Promise.all(requests.map((r) => this.placeOrder(r)));
  }
  async cancelOrder(ref: OrderRef): Promise<CancelResult> {
    const o = this.find(ref);
    if (!o) throw new RejectedError({ code: "order_not_found", message: "no such order", status: 404 });
    if (o.state === "wait") this.update(o.orderId, { state: "cancel" });
    return { orderId: o.orderId, clientOrderId: o.clientOrderId };
  }
  async cancelOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }): Promise<BatchCancelResult> {
    const ids = "orderIds" in refs ? refs.orderIds.map((orderId) => ({ orderId })) : refs.clientOrderIds.map((clientOrderId) => ({ clientOrderId }));
    const success: CancelResult[] = [];
    for (const r of ids) success.push(await this.cancelOrder(r));
    return { success, failed: [] };
  }
  async getOrder(ref: OrderRef): Promise<ExchangeOrder | null> {
    this.calls.push("getOrder");
    return this.find(ref) ?? null;
  }
  async searchOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }): Promise<ExchangeOrder[]> {
    const out: ExchangeOrder[] = [];
    for (const id of "orderIds" in refs ? refs.orderIds : refs.clientOrderIds) {
      const o = "orderIds" in refs ? this.orders.get(id) : [...this.orders.values()].find((x) => x.clientOrderId === id);
      if (o) out.push(o);
    }
    return out;
  }
  async listOpenOrders(_q?: OrderListQuery): Promise<OrderPage> {
    return { orders: [...this.orders.values()].filter((o) => o.state === "wait") };
  }
  async listClosedOrders(_q?: OrderListQuery): Promise<OrderPage> {
    return { orders: [...this.orders.values()].filter((o) => o.state !== "wait") };
  }

  /** Orders the exchange holds for a client order id (a duplicate would show up as 2). */
  countByClientId(clientOrderId: string): number {
    return [...this.orders.values()].filter((o) => o.clientOrderId === clientOrderId).length;
  }

  private find(ref: OrderRef): FakeOrder | undefined {
    if ("orderId" in ref) return this.orders.get(ref.orderId);
    return [...this.orders.values()].find((o) => o.clientOrderId === ref.clientOrderId);
  }

  private ack(o: FakeOrder): OrderAck {
    return { orderId: o.orderId, clientOrderId: o.clientOrderId, market: o.market, side: o.side, type: o.type, createdAt: o.createdAt };
  }

  private balance(currency: string): Balance {
    return this.balances.get(currency) ?? { currency, balance: 0, locked: 0, avgBuyPrice: 0 };
  }

  /** Market orders fill at once at the set price; limits rest (tests fill them with `fillLimit`). */
  private create(request: OrderRequest): FakeOrder {
    const orderId = `C${String(orderSeq++).padStart(19, "0")}`;
    const now = this.options.clock.now();
    const price = this.prices.get(request.market);
    if (price === undefined) throw new RetryableError({ code: "no_price", message: `no price set for ${request.market}` });
    const base = request.market.slice(4);
    const order: FakeOrder = {
      request,
      orderId,
      clientOrderId: request.clientOrderId,
      market: request.market,
      side: request.side,
      type: request.type,
      state: "wait",
      price: request.price,
      volume: request.volume,
      remainingVolume: request.volume ?? 0,
      executedVolume: 0,
      executedFunds: 0,
      paidFee: 0,
      reservedFee: 0,
      remainingFee: 0,
      locked: 0,
      createdAt: now,
    };
    this.orders.set(orderId, order);
    if (request.type === "price" && request.side === "bid") {
      const krw = this.balance("KRW");
      const fee = request.price! * this.feeRate;
      if (krw.balance + 1e-6 < request.price! + fee) {
        this.orders.delete(orderId);
        throw new RejectedError({ code: "insufficient_funds_bid", message: "not enough KRW", status: 400 });
      }
      const buyPrice = price * (1 + (this.options.slippage ?? 0));
      // Like Bithumb, executed volumes have 8 decimals.
      this.fill(orderId, Math.floor((request.price! / buyPrice) * 1e8) / 1e8, buyPrice, true);
    } else if (request.type === "market" && request.side === "ask") {
      const coin = this.balance(base);
      if (coin.balance + 1e-12 < request.volume!) {
        this.orders.delete(orderId);
        throw new RejectedError({ code: "insufficient_funds_ask", message: `not enough ${base}`, status: 400 });
      }
      this.fill(orderId, request.volume!, price * (1 - (this.options.slippage ?? 0)), true);
    } else {
      this.emitOrder(this.orders.get(orderId)!, "wait");
    }
    return this.orders.get(orderId)!;
  }

  /** Fill `volume` of an order at `price` (tests call this for limits; market orders fill at once). */
  fill(orderId: string, volume: number, price: number, final: boolean): void {
    const o = this.orders.get(orderId)!;
    const base = o.market.slice(4);
    const funds = volume * price;
    const fee = funds * this.feeRate;
    const krw = this.balance("KRW");
    const coin = this.balance(base);
    if (o.side === "bid") {
      this.balances.set("KRW", { ...krw, balance: krw.balance - funds - fee });
      const newVol = coin.balance + volume;
      this.balances.set(base, { currency: base, balance: newVol, locked: coin.locked, avgBuyPrice: (coin.avgBuyPrice * coin.balance + funds) / newVol });
    } else {
      this.balances.set("KRW", { ...krw, balance: krw.balance + funds - fee });
      this.balances.set(base, { ...coin, balance: Math.max(0, coin.balance - volume) });
    }
    const next = this.update(orderId, {
      executedVolume: o.executedVolume + volume,
      executedFunds: o.executedFunds + funds,
      paidFee: o.paidFee + fee,
      remainingVolume: Math.max(0, (o.volume ?? 0) - o.executedVolume - volume),
      state: final ? "done" : "wait",
    });
    this.emitOrder(next, "trade");
    if (final) this.emitOrder(next, "done");
  }

  private update(orderId: string, patch: Partial<FakeOrder>): FakeOrder {
    const next = { ...this.orders.get(orderId)!, ...patch } as FakeOrder;
    this.orders.set(orderId, next);
    if (patch.state === "cancel") this.emitOrder(next, "cancel");
    return next;
  }

  private emitOrder(o: FakeOrder, state: "wait" | "trade" | "done" | "cancel"): void {
    this.options.privateStream?.emit({
      type: "myOrder",
      order: {
        market: o.market,
        orderId: o.orderId,
        clientOrderId: o.clientOrderId,
        side: o.side,
        type: o.type,
        state,
        remainingVolume: o.remainingVolume,
        executedVolume: o.executedVolume,
        executedFunds: o.executedFunds,
        paidFee: o.paidFee,
        timestamp: this.options.clock.now(),
      },
    });
  }
}

