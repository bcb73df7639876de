import { RejectedError } from "../../src/core/errors.ts";
import type { Balance, Candle, ExchangeOrder, Market, MarketRules, OrderAck, OrderChance, OrderRef, OrderRequest } from "../../src/core/model.ts";
import { baseCurrency, INTERVAL_MS } from "../../src/core/model.ts";
import { floorVolume } from "../../src/core/orders/krw.ts";
import type { Clock } from "../../src/ports/clock.ts";
import type { BatchCancelResult, CancelResult, CandleQuery, Exchange, OrderListQuery, OrderPage } from "../../src/ports/exchange.ts";
import type { MyOrderEvent } from "../../src/ports/market-stream.ts";
import type { TracedPrivateStream } from "./causes.ts";
import { historyCandles, type PriceWalks, type SyntheticMarket } from "./synthetic-market.ts";

/**
 * An in-process `Exchange` for the runtime benchmark: every call answers at once, and every order
 * fills completely, right away, at the market's last synthetic price. The fill is reported the
 * way Bithumb reports it, on the private stream (`myOrder` trade then done, then `myAsset`), which
 * delivers after the acknowledgement, so the runtime's whole order path runs: intent recorded,
 * submitted, acknowledged, filled, position updated, strategy told.
 *
 * `onPlace` is called first thing in `placeOrder` (before any of the fake's own work) with
 * `performance.now()`: that instant is "order request out" for tick-to-order latency.
 */

export interface FakeExchangeOptions {
  readonly markets: readonly SyntheticMarket[];
  readonly walks: PriceWalks;
  readonly seed: number;
  /** The runtime clock: order times and history candles are on it. */
  readonly clock: Clock;
  readonly initialKrw: number;
  readonly feeRate: number;
  /** Where fills are reported (each event in its own macrotask, like a socket). */
  readonly privateStream: TracedPrivateStream;
  readonly onPlace?: (request: OrderRequest, at: number) => void;
}

interface Account {
  balance: number;
  avgBuyPrice: number;
}

/** Oldest orders are forgotten past this many (the runtime only looks up orders it just placed). */
const ORDERS_KEPT = 1_000;

export class FakeExchange implements Exchange {
  /** Calls per method, for the report. */
  readonly calls: Record<string, number> = {};
  private readonly options: FakeExchangeOptions;
  private readonly index = new Map<Market, number>();
  private readonly accounts = new Map<string, Account>();
  private readonly orders = new Map<string, ExchangeOrder>();
  private readonly byClientId = new Map<string, string>();
  private nextId = 1;

  constructor(options: FakeExchangeOptions) {
    this.options = options;
    options.markets.forEach((m, i) => this.index.set(m.info.market, i));
    this.accounts.set("KRW", { balance: options.initialKrw, avgBuyPrice: 0 });
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }

  private marketIndex(market: Market): number {
    const i = this.index.get(market);
    if (i === undefined) throw new RejectedError({ code: "invalid_market", message: `unknown market ${market}` });
    return i;
  }

  async listMarkets() {
    this.count("listMarkets");
    return this.options.markets.map((m) => m.info);
  }

  async getTickers() {
    this.count("getTickers");
    return [];
  }

  async getOrderbooks() {
    this.count("getOrderbooks");
    return [];
  }

  async getRecentTrades() {
    this.count("getRecentTrades");
    return [];
  }

  /** Closed candles only (no forming one): up to `count` ending before `to` (or now). */
  async getCandles(query: CandleQuery): Promise<Candle[]> {
    this.count("getCandles");
    const intervalMs = INTERVAL_MS[query.interval];
    const end = Math.floor((query.to ?? this.options.clock.now()) / intervalMs) * intervalMs;
    const count = Math.min(200, query.count ?? 200);
    return historyCandles(this.options.markets[this.marketIndex(query.market)]!, this.options.seed, intervalMs, end - count * intervalMs, end);
  }

  async getAccounts(): Promise<Balance[]> {
    this.count("getAccounts");
    return [...this.accounts].map(([currency, a]) => ({ currency, balance: a.balance, locked: 0, avgBuyPrice: a.avgBuyPrice }));
  }

  async getOrderChance(market: Market): Promise<OrderChance> {
    this.count("getOrderChance");
    this.marketIndex(market);
    const fee = this.options.feeRate;
    const rules: MarketRules = { market, bidFee: fee, askFee: fee, makerBidFee: fee, makerAskFee: fee, minTotalBid: 5_000, minTotalAsk: 5_000, state: "active" };
    return { rules };
  }

  async placeOrder(request: OrderRequest): Promise<OrderAck> {
    this.options.onPlace?.(request, performance.now());
    this.count("placeOrder");
    const now = this.options.clock.now();
    const order = this.fill(request, now);
    this.remember(order);
    // Bithumb acknowledges over REST and reports over the socket, which usually arrives later.
    this.report(order, now);
    return { orderId: order.orderId, clientOrderId: request.clientOrderId, market: request.market, side: request.side, type: request.type, createdAt: now };
  }

  async placeOrders(requests: readonly OrderRequest[]): Promise<OrderAck[]> {
    const out: OrderAck[] = [];
    for (const r of requests) out.push(await this.placeOrder(r));
    return out;
  }

  /** Orders fill at once, so there is never anything to cancel. */
  async cancelOrder(ref: OrderRef): Promise<CancelResult> {
    this.count("cancelOrder");
    throw new RejectedError({ code: "order_not_found", message: `nothing to cancel: ${JSON.stringify(ref)}` });
  }

  async cancelOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }): Promise<BatchCancelResult> {
    this.count("cancelOrders");
    const ids = "orderIds" in refs ? refs.orderIds : refs.clientOrderIds;
    return { success: [], failed: ids.map((id) => ({ id, code: "order_not_found", message: "already final" })) };
  }

  async getOrder(ref: OrderRef): Promise<ExchangeOrder | null> {
    this.count("getOrder");
    const id = "orderId" in ref ? ref.orderId : this.byClientId.get(ref.clientOrderId);
    return (id !== undefined && this.orders.get(id)) || null;
  }

  async searchOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }): Promise<ExchangeOrder[]> {
    this.count("searchOrders");
    const ids = "orderIds" in refs ? refs.orderIds : refs.clientOrderIds.map((c) => this.byClientId.get(c));
    return ids.flatMap((id) => (id !== undefined && this.orders.get(id)) || []);
  }

  async listOpenOrders(_query?: OrderListQuery): Promise<OrderPage> {
    this.count("listOpenOrders");
    return { orders: [] };
  }

  async listClosedOrders(_query?: OrderListQuery): Promise<OrderPage> {
    this.count("listClosedOrders");
    return { orders: [...this.orders.values()].slice(-100) };
  }

  /** Execute the whole order at the last price, or refuse it as Bithumb would (funds, volume). */
  private fill(request: OrderRequest, now: number): ExchangeOrder {
    const price = this.options.walks.last(this.marketIndex(request.market));
    const currency = baseCurrency(request.market);
    const krw = this.accounts.get("KRW")!;
    const coin = this.accounts.get(currency) ?? { balance: 0, avgBuyPrice: 0 };
    const feeRate = this.options.feeRate;
    let volume: number;
    let funds: number;
    if (request.side === "bid") {
      funds = request.type === "price" ? request.price! : request.price! * request.volume!;
      volume = floorVolume(funds / price);
      funds = volume * price;
      const fee = funds * feeRate;
      if (!(volume > 0) || funds + fee > krw.balance) throw new RejectedError({ code: "insufficient_funds_bid", message: `need ${funds + fee} KRW, have ${krw.balance}` });
      krw.balance -= funds + fee;
      coin.avgBuyPrice = (coin.avgBuyPrice * coin.balance + funds) / (coin.balance + volume);
      coin.balance += volume;
    } else {
      volume = request.volume ?? 0;
      if (!(volume > 0) || volume > coin.balance + 1e-12) throw new RejectedError({ code: "insufficient_funds_ask", message: `sell ${volume} ${currency}, have ${coin.balance}` });
      funds = volume * price;
      krw.balance += funds - funds * feeRate;
      coin.balance = Math.max(0, floorVolume(coin.balance - volume));
      if (coin.balance === 0) coin.avgBuyPrice = 0;
    }
    this.accounts.set(currency, coin);
    const orderId = `B${String(this.nextId++).padStart(10, "0")}`;
    return {
      orderId,
      clientOrderId: request.clientOrderId,
      market: request.market,
      side: request.side,
      type: request.type,
      state: "done",
      price: request.price,
      volume: request.volume,
      remainingVolume: 0,
      executedVolume: volume,
      executedFunds: funds,
      paidFee: funds * feeRate,
      reservedFee: 0,
      remainingFee: 0,
      locked: 0,
      createdAt: now,
    };
  }

  private remember(order: ExchangeOrder): void {
    this.orders.set(order.orderId, order);
    if (order.clientOrderId) this.byClientId.set(order.clientOrderId, order.orderId);
    if (this.orders.size > ORDERS_KEPT) {
      const oldest = this.orders.values().next().value!;
      this.orders.delete(oldest.orderId);
      if (oldest.clientOrderId) this.byClientId.delete(oldest.clientOrderId);
    }
  }

  /** The private-stream story of one filled order: the trade, the final state, the balances. */
  private report(order: ExchangeOrder, ts: number): void {
    const base = {
      market: order.market,
      orderId: order.orderId,
      clientOrderId: order.clientOrderId,
      side: order.side,
      type: order.type,
      ...(order.type === "price" ? {} : { remainingVolume: 0 }),
      executedVolume: order.executedVolume,
      executedFunds: order.executedFunds,
      paidFee: order.paidFee,
      timestamp: ts,
    } satisfies Omit<MyOrderEvent, "state">;
    const tradePrice = order.executedFunds / order.executedVolume;
    this.options.privateStream.publish({
      type: "myOrder",
      order: { ...base, state: "trade", tradeId: `T${order.orderId}`, tradePrice, tradeVolume: order.executedVolume, tradeFunds: order.executedFunds, tradeTimestamp: ts },
    });
    this.options.privateStream.publish({ type: "myOrder", order: { ...base, state: "done" } });
    const currency = baseCurrency(order.market);
    const assets = ["KRW", currency].map((c) => ({ currency: c, balance: this.accounts.get(c)?.balance ?? 0, locked: 0 }));
    this.options.privateStream.publish({ type: "myAsset", asset: { assets, timestamp: ts } });
  }
}
