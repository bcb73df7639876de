import { dirname, join } from "node:path";
import { FatalError, RejectedError, RetryableError } from "../../core/errors.ts";
import {
  type Balance,
  baseCurrency,
  type Candle,
  DEFAULT_FEE_RATE,
  DEFAULT_MIN_TOTAL_KRW,
  type ExchangeOrder,
  type ExchangeOrderState,
  isMarket,
  type Market,
  type MarketInfo,
  type OrderAck,
  type OrderChance,
  type Orderbook,
  type OrderRef,
  type OrderRequest,
  type Ticker,
  type Trade,
} from "../../core/model.ts";
import type { Logger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { BatchCancelResult, CancelResult, CandleQuery, Exchange, MarketDataSource, OrderListQuery, OrderPage } from "../../ports/exchange.ts";
import type { MarketStream, StreamEvent } from "../../ports/market-stream.ts";
import { buildV2OrderBody, classifyHttpError } from "../bithumb/index.ts";
import { MatchingEngine, type OrderKey, QUOTE } from "../sim/engine/engine.ts";
import type { AccountBalance, EngineEvent, OrderInput, ReadonlyOrder, SimFill } from "../sim/engine/types.ts";
import { parseOrderBody } from "../sim/engine/validate.ts";
import { SimApiError } from "../sim/errors.ts";
import { fixedFromNumber } from "../sim/fixed.ts";
import { LiveBooks } from "./books.ts";
import { toAck, toBalance, toExchangeOrder, toMyAssetEvent, toMyOrderEvent } from "./convert.ts";
import { newIdPrefix, paperIds } from "./ids.ts";
import { PaperPrivateStream } from "./private-stream.ts";
import { PaperStore } from "./store.ts";
import { TradeTape } from "./tape.ts";

/**
 * The paper exchange: Bithumb's real public market data, fills simulated locally by the
 * simulator's matching engine (one engine for sim and paper, docs/paper-mode.md).
 *
 * - Market data (`listMarkets`, tickers, books, trades, candles) passes straight through to the
 *   given `MarketDataSource` (the Bithumb REST client without keys).
 * - Orders are validated exactly as the live client validates them (`buildV2OrderBody`), then as
 *   the exchange would (the simulator's body parser and engine rules: tick grid, 5,000 KRW minimum,
 *   funds), and refused with Bithumb's error names classed like live answers.
 * - Resting limit orders fill from the real public trade tape (a trade at or through the price,
 *   never more than its printed volume, shared in price-time priority, at the order's price, maker
 *   fee); the paper exchange subscribes its stream to trades and orderbooks of every market with a
 *   resting order, and after any gap (start-up, reconnect) re-reads recent trades over REST.
 * - Takers (market, best, crossing limits, ioc/fok) walk the latest real orderbook, fetched over
 *   REST when the streamed one is older than `bookMaxAgeMs`; depth they take is used up locally.
 * - Every change is written to the paper account's SQLite file in one synchronous transaction
 *   before anyone hears of it; `myOrder` / `myAsset` events then go out on `privateStream`.
 */

export const DEFAULT_PAPER_INITIAL_KRW = 10_000_000;
/** File name of the paper account, kept next to the bot database (`data/bot.db` -> `data/paper.db`). */
export const PAPER_STORE_FILE = "paper.db";
/** A streamed or fetched book older than this is refreshed over REST before a taker walks it. */
export const DEFAULT_BOOK_MAX_AGE_MS = 2_000;
const DEFAULT_MARKETS_TTL_MS = 10 * 60_000;
const DEFAULT_CATCH_UP_TRADES = 200;
const MAX_BATCH_ORDERS = 30;
const MAX_BATCH_CANCEL = 30;
const MAX_SEARCH_IDS = 100;
const MAX_PENDING_PAGE = 100;
const MAX_HISTORY_PAGE = 1_000;
const DEFAULT_PAGE = 100;
const HISTORY_WINDOW_MS = 7 * 24 * 3_600_000;
const UNITS_PER_COIN = 1e8;

export interface PaperExchangeOptions {
  /** Real public market data over REST (a `BithumbRestClient` without keys). */
  readonly source: MarketDataSource;
  /**
   * A public stream used ONLY by the paper exchange (its subscription is replaced with the markets
   * that have resting orders). Started by the paper exchange, stopped by `close()`.
   */
  readonly stream: MarketStream;
  readonly clock: Clock;
  /** Uniform [0, 1): draws the account's id prefix when a new account is created. */
  readonly random: () => number;
  /** The paper account's SQLite file, e.g. `data/paper.db` (`:memory:` for a throwaway account). */
  readonly storePath: string;
  /** KRW of a NEW account (default 10,000,000); an existing file keeps its balances. */
  readonly initialKrw?: number;
  /** Taker fee rate (default 0.0025). */
  readonly feeRate?: number;
  /** Fee rate on fills of resting orders (default: `feeRate`). */
  readonly makerFeeRate?: number;
  /** Minimum order total in KRW (default 5,000). */
  readonly minTotal?: number;
  readonly bookMaxAgeMs?: number;
  /** How long the market list stays trusted for order checks (default 10 min). */
  readonly marketsTtlMs?: number;
  /** Recent trades read over REST per market after a gap (default 200). */
  readonly catchUpTrades?: number;
  readonly logger?: Logger;
}

export interface PaperExchangeHandle {
  readonly exchange: PaperExchange;
  /** `myOrder` / `myAsset` events, like Bithumb's private WebSocket; call `start()` to receive. */
  readonly privateStream: PaperPrivateStream;
  /** Stop the streams and close the account file (the account survives for the next start). */
  close(): Promise<void>;
}

/**
 * Open (or create) the paper account at `storePath`, start its public stream and catch up on the
 * trades its resting orders may have missed while the bot was down.
 */
export async function createPaperExchange(options: PaperExchangeOptions): Promise<PaperExchangeHandle> {
  const exchange = new PaperExchange(options);
  try {
    await exchange.start();
  } catch (error) {
    await exchange.close();
    throw error;
  }
  return { exchange, privateStream: exchange.privateStream, close: () => exchange.close() };
}

/** Where the paper account lives by default: `paper.db` in the bot database's folder. */
export function defaultPaperStorePath(databasePath: string): string {
  return join(dirname(databasePath), PAPER_STORE_FILE);
}

function feeRateOption(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0 && value < 1)) throw new RangeError(`${name} must be in [0, 1), got ${value}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  return value;
}

function invalid(message: string): RejectedError {
  return new RejectedError({ code: "invalid_parameter", message: `invalid request: ${message}` });
}

function isUsableTrade(t: Trade): boolean {
  return isMarket(t.market) && Number.isFinite(t.price) && t.price > 0 && Number.isFinite(t.volume) && t.volume > 0 && Number.isFinite(t.timestamp) && typeof t.sequentialId === "string" && t.sequentialId !== "";
}

function idList(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }, max: number): { key: "id" | "clientOrderId"; ids: readonly string[] } {
  const [key, ids, name] = "orderIds" in refs ? (["id", refs.orderIds, "order_ids"] as const) : (["clientOrderId", refs.clientOrderIds, "client_order_ids"] as const);
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) throw invalid(`${name} must be a list of strings`);
  if (ids.length === 0) throw invalid(`${name} is empty`);
  if (ids.length > max) throw invalid(`${name} has ${ids.length} ids; at most ${max} per request`);
  return { key, ids };
}

function orderKey(ref: OrderRef): OrderKey {
  const id = "orderId" in ref ? ref.orderId : ref.clientOrderId;
  if (typeof id !== "string" || id === "") throw invalid("order_id or client_order_id is required");
  return "orderId" in ref ? { id } : { clientOrderId: id };
}

function pageLimit(limit: number | undefined, max: number): number {
  if (limit === undefined) return Math.min(DEFAULT_PAGE, max);
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= max)) throw invalid(`limit must be an integer from 1 to ${max}, got ${limit}`);
  return limit;
}

function queryMarket(market: Market | undefined): Market | undefined {
  if (market !== undefined && !isMarket(market)) throw invalid(`market does not have a valid value: ${String(market)}`);
  return market;
}

/** Newest first, then one page after the cursor (the previous page's last order id). */
function page(orders: readonly ReadonlyOrder[], limit: number, nextKey: string | undefined): OrderPage {
  const sorted = [...orders].sort((a, b) => b.seq - a.seq);
  let start = 0;
  if (nextKey !== undefined) {
    const i = sorted.findIndex((o) => o.id === nextKey);
    if (i < 0) throw invalid("next_key is not a cursor this exchange issued");
    start = i + 1;
  }
  const slice = sorted.slice(start, start + limit);
  const hasNext = start + limit < sorted.length;
  return { orders: slice.map((o) => toExchangeOrder(o, false)), ...(hasNext ? { nextKey: slice.at(-1)!.id } : {}) };
}

export class PaperExchange implements Exchange {
  /** `myOrder` / `myAsset` for the runtime. */
  readonly privateStream: PaperPrivateStream;
  private readonly source: MarketDataSource;
  private readonly stream: MarketStream;
  private readonly clock: Clock;
  private readonly logger?: Logger;
  private readonly store: PaperStore;
  private readonly engine: MatchingEngine;
  private readonly books: LiveBooks;
  private readonly tape: TradeTape;
  private readonly feeRate: number;
  private readonly makerFeeRate: number;
  private readonly minTotal: number;
  private readonly marketsTtlMs: number;
  private readonly catchUpTrades: number;
  private readonly bookFetches = new Map<Market, Promise<void>>();
  private markets: { readonly set: ReadonlySet<Market>; readonly at: number } | undefined;
  private events: EngineEvent[] = [];
  private watched: ReadonlySet<Market> = new Set();
  private unsubscribeStream: (() => void) | undefined;
  private streamConnectedOnce = false;
  private closed = false;
  /** Set when the account file could not be written: memory and disk disagree, so stop trading. */
  private failure: unknown;

  constructor(options: PaperExchangeOptions) {
    this.source = options.source;
    this.stream = options.stream;
    this.clock = options.clock;
    this.logger = options.logger?.child({ component: "paper" });
    this.feeRate = feeRateOption(options.feeRate ?? DEFAULT_FEE_RATE, "feeRate");
    this.makerFeeRate = feeRateOption(options.makerFeeRate ?? this.feeRate, "makerFeeRate");
    this.minTotal = nonNegative(options.minTotal ?? DEFAULT_MIN_TOTAL_KRW, "minTotal");
    this.marketsTtlMs = nonNegative(options.marketsTtlMs ?? DEFAULT_MARKETS_TTL_MS, "marketsTtlMs");
    this.catchUpTrades = options.catchUpTrades ?? DEFAULT_CATCH_UP_TRADES;
    if (!(Number.isInteger(this.catchUpTrades) && this.catchUpTrades >= 1)) throw new RangeError(`catchUpTrades must be a positive integer, got ${this.catchUpTrades}`);
    const initialKrw = fixedFromNumber(nonNegative(options.initialKrw ?? DEFAULT_PAPER_INITIAL_KRW, "initialKrw"), 8);
    this.books = new LiveBooks(options.clock, nonNegative(options.bookMaxAgeMs ?? DEFAULT_BOOK_MAX_AGE_MS, "bookMaxAgeMs"));
    this.privateStream = new PaperPrivateStream(options.clock, this.logger);

    this.store = new PaperStore(options.storePath);
    try {
      const saved = this.store.load();
      const idPrefix = saved?.meta.idPrefix ?? newIdPrefix(options.random);
      this.engine = new MatchingEngine({
        feeRate: fixedFromNumber(this.feeRate),
        makerFeeRate: fixedFromNumber(this.makerFeeRate),
        minTotal: fixedFromNumber(this.minTotal),
        initialKrw,
        liquidity: this.books,
        ids: paperIds(idPrefix),
        ...(saved ? { restore: { accounts: saved.balances, orders: saved.orders, orderSeq: saved.orderSeq, tradeSeq: saved.tradeSeq } } : {}),
      });
      this.tape = new TradeTape(saved?.tape);
      if (!saved) this.store.create({ idPrefix, initialKrw, createdAt: options.clock.now() }, this.engine.balances());
      this.logger?.info({ storePath: options.storePath, restored: saved !== undefined, openOrders: this.engine.openOrders().length }, "paper account opened");
    } catch (error) {
      this.store.close();
      throw error;
    }
    this.engine.subscribe((event) => this.events.push(event));
  }

  /** Listen to the public stream, watch the markets of restored orders and catch up on their trades. */
  async start(): Promise<void> {
    this.assertUsable();
    if (this.unsubscribeStream) return;
    this.unsubscribeStream = this.stream.onEvent((event) => this.onStreamEvent(event));
    this.stream.start();
    await this.refreshWatch();
  }

  /** Stop listening and close the account file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribeStream?.();
    try {
      await this.stream.stop();
      await this.privateStream.stop();
      if (this.failure === undefined) this.store.saveTape(this.tape.takeChanged());
    } finally {
      this.store.close();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Public market data: the real exchange's

  async listMarkets(): Promise<MarketInfo[]> {
    const markets = await this.source.listMarkets();
    this.markets = { set: new Set(markets.map((m) => m.market)), at: this.clock.now() };
    return markets;
  }

  getTickers(markets: readonly Market[]): Promise<Ticker[]> {
    return this.source.getTickers(markets);
  }

  /** Real books; each one also refreshes the book paper takers walk. */
  async getOrderbooks(markets: readonly Market[]): Promise<Orderbook[]> {
    const books = await this.source.getOrderbooks(markets);
    for (const book of books) this.books.update(book);
    return books;
  }

  getRecentTrades(market: Market, count?: number): Promise<Trade[]> {
    return this.source.getRecentTrades(market, count);
  }

  getCandles(query: CandleQuery): Promise<Candle[]> {
    return this.source.getCandles(query);
  }

  // -------------------------------------------------------------------------------------------
  // Account

  async getAccounts(): Promise<Balance[]> {
    this.assertUsable();
    return this.engine.balances().map(toBalance);
  }

  /** The configured fees and minimum, and the two balances of `market`. */
  async getOrderChance(market: Market): Promise<OrderChance> {
    this.assertUsable();
    if (!isMarket(market) || !(await this.knownMarkets()).has(market)) throw this.refusal(new SimApiError(400, "invalid_parameter", `market does not have a valid value: ${String(market)}`), "GET /v1/orders/chance");
    return {
      rules: {
        market,
        bidFee: this.feeRate,
        askFee: this.feeRate,
        makerBidFee: this.makerFeeRate,
        makerAskFee: this.makerFeeRate,
        minTotalBid: this.minTotal,
        minTotalAsk: this.minTotal,
        state: "active",
        orderTypes: ["limit", "price", "market", "best"],
      },
      bidAccount: toBalance(this.engine.balance(QUOTE)),
      askAccount: toBalance(this.engine.balance(baseCurrency(market))),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Orders

  /**
   * Place one order. A `clientOrderId` this account has used before (open or finished) returns
   * that order's acknowledgement and creates nothing, as the exchange does (API.md 4.7.7).
   */
  async placeOrder(request: OrderRequest): Promise<OrderAck> {
    this.assertUsable();
    const body = buildV2OrderBody(request);
    const existing = this.engine.find({ clientOrderId: request.clientOrderId });
    if (existing) return toAck(existing);
    const markets = await this.knownMarkets();
    let input: OrderInput;
    try {
      input = parseOrderBody(body, "v2", (m) => markets.has(m));
    } catch (error) {
      throw error instanceof SimApiError ? this.refusal(error, "POST /v2/orders") : error;
    }
    await this.freshBook(input.market);
    return toAck(this.apply("POST /v2/orders", () => this.engine.place(input, this.clock.now()).order));
  }

  /**
   * Place up to 30 orders. Like the live client, a request that fails local checks refuses the
   * whole batch; orders the exchange refuses are simply absent from the answer.
   */
  async placeOrders(requests: readonly OrderRequest[]): Promise<OrderAck[]> {
    this.assertUsable();
    if (requests.length === 0) return [];
    if (requests.length > MAX_BATCH_ORDERS) throw invalid(`batch has ${requests.length} orders; at most ${MAX_BATCH_ORDERS}`);
    if (new Set(requests.map((r) => r.clientOrderId)).size !== requests.length) throw invalid("client_order_id values in a batch must be distinct");
    const bodies = requests.map((r) => buildV2OrderBody(r));
    const known = await this.knownMarkets();
    const markets = new Set(bodies.flatMap((b) => (known.has(b.market as Market) ? [b.market as Market] : [])));
    await Promise.all([...markets].map((m) => this.freshBook(m)));
    return this.apply("POST /v2/orders/batch", () => {
      const acks: OrderAck[] = [];
      for (const body of bodies) {
        try {
          acks.push(toAck(this.engine.place(parseOrderBody(body, "v2", (m) => known.has(m)), this.clock.now()).order));
        } catch (error) {
          if (!(error instanceof SimApiError)) throw error;
          this.logger?.info({ clientOrderId: body.client_order_id, code: error.errorName }, "paper batch item refused");
        }
      }
      return acks;
    });
  }

  /** Cancel an open order; a finished or unknown one is 404 `order_not_found`. */
  async cancelOrder(ref: OrderRef): Promise<CancelResult> {
    this.assertUsable();
    const key = orderKey(ref);
    const order = this.apply("DELETE /v2/order", () => this.engine.cancel(key, this.clock.now()));
    return { orderId: order.id, ...(order.clientOrderId !== undefined ? { clientOrderId: order.clientOrderId } : {}) };
  }

  /** Cancel up to 30 orders; each succeeds or fails on its own. */
  async cancelOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }): Promise<BatchCancelResult> {
    this.assertUsable();
    const { key, ids } = idList(refs, MAX_BATCH_CANCEL);
    return this.apply("POST /v2/orders/cancel", () => {
      const success: CancelResult[] = [];
      const failed: { id: string; code: string; message: string }[] = [];
      for (const id of new Set(ids)) {
        try {
          const order = this.engine.cancel(key === "id" ? { id } : { clientOrderId: id }, this.clock.now());
          success.push({ orderId: order.id, ...(order.clientOrderId !== undefined ? { clientOrderId: order.clientOrderId } : {}) });
        } catch (error) {
          if (!(error instanceof SimApiError)) throw error;
          failed.push({ id, code: error.errorName, message: error.message });
        }
      }
      return { success, failed };
    });
  }

  /** The order with its fills, or `null` when this account has no such order. */
  async getOrder(ref: OrderRef): Promise<ExchangeOrder | null> {
    this.assertUsable();
    const order = this.engine.find(orderKey(ref));
    return order ? toExchangeOrder(order, true) : null;
  }

  /** Up to 100 orders by id, newest first; unknown ids are simply absent. */
  async searchOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }, market?: Market): Promise<ExchangeOrder[]> {
    this.assertUsable();
    const { key, ids } = idList(refs, MAX_SEARCH_IDS);
    queryMarket(market);
    const found = new Set<ReadonlyOrder>();
    for (const id of ids) {
      const order = this.engine.find(key === "id" ? { id } : { clientOrderId: id });
      if (order && (market === undefined || order.market === market)) found.add(order);
    }
    return [...found].sort((a, b) => b.seq - a.seq).map((o) => toExchangeOrder(o, false));
  }

  /** Open (`wait`) orders, newest first; `watch` orders do not exist here. */
  async listOpenOrders(query: OrderListQuery = {}): Promise<OrderPage> {
    this.assertUsable();
    const states = query.states ?? [];
    if (states.length > 1 || states.some((s) => s !== "wait" && s !== "watch")) throw invalid("pending takes one state: wait or watch");
    const market = queryMarket(query.market);
    const limit = pageLimit(query.limit, MAX_PENDING_PAGE);
    const open = states[0] === "watch" ? [] : this.engine.openOrders().filter((o) => market === undefined || o.market === market);
    return page(open, limit, query.nextKey);
  }

  /**
   * Finished (`done` / `cancel`) orders created in a window of at most 7 days (default: the last
   * 7 days; one bound given: the other is 7 days from it), newest first.
   */
  async listClosedOrders(query: OrderListQuery = {}): Promise<OrderPage> {
    this.assertUsable();
    const states: readonly ExchangeOrderState[] = query.states && query.states.length > 0 ? query.states : ["done", "cancel"];
    if (states.some((s) => s !== "done" && s !== "cancel")) throw invalid("history takes states done and/or cancel");
    const market = queryMarket(query.market);
    const limit = pageLimit(query.limit, MAX_HISTORY_PAGE);
    const { start, end } = this.historyWindow(query.startTime, query.endTime);
    const closed = this.engine.orders().filter((o) => (market === undefined || o.market === market) && states.includes(o.state) && o.createdAt >= start && o.createdAt <= end);
    return page(closed, limit, query.nextKey);
  }

  // -------------------------------------------------------------------------------------------
  // The public tape

  private onStreamEvent(event: StreamEvent): void {
    try {
      switch (event.type) {
        case "trade":
          this.onPublicTrade(event.trade);
          return;
        case "orderbook":
          if (isMarket(event.orderbook.market)) this.books.update(event.orderbook);
          return;
        case "connected":
          // The first connect: the subscription becomes active only now, so trades printed since
          // the start-up catch-up are read over REST. Reconnects announce themselves with `resync`.
          if (this.streamConnectedOnce) return;
          this.streamConnectedOnce = true;
          void this.catchUp([...this.watched]);
          return;
        case "resync": {
          const markets = event.markets.length > 0 ? event.markets.filter((m) => this.watched.has(m)) : [...this.watched];
          void this.catchUp(markets);
          return;
        }
        default:
          return;
      }
    } catch (error) {
      this.logger?.error({ err: error, event: event.type }, "paper exchange could not process a stream event");
    }
  }

  /** Match one real trade against the resting orders (once per trade, see TradeTape). */
  private onPublicTrade(trade: Trade): void {
    if (this.closed || this.failure !== undefined) return;
    if (!isUsableTrade(trade)) {
      this.logger?.warn({ trade }, "paper exchange ignored an unusable public trade");
      return;
    }
    if (!this.tape.admit(trade)) return;
    const units = Math.round(trade.volume * UNITS_PER_COIN);
    if (units <= 0) return;
    this.apply("trade", () => this.engine.onTrade(trade.market, trade.price, units, trade.timestamp));
  }

  /**
   * Re-read the recent trades of `markets` over REST and match the ones not seen yet (after a
   * reconnect, a stale market, a restart, or when a market starts being watched). Failures are
   * logged: the next gap tries again.
   */
  private async catchUp(markets: readonly Market[]): Promise<void> {
    await Promise.all(
      markets.map(async (market) => {
        try {
          const since = this.tape.watermark(market);
          const trades = await this.source.getRecentTrades(market, this.catchUpTrades);
          // The REST list is newest first; reverse, then a stable sort keeps same-time trades in tape order.
          const ordered = [...trades].reverse().sort((a, b) => a.timestamp - b.timestamp);
          const oldest = ordered[0];
          if (since !== undefined && oldest !== undefined && trades.length >= this.catchUpTrades && oldest.timestamp > since) {
            this.logger?.warn({ market, since, oldest: oldest.timestamp }, "paper catch-up may have missed trades: the gap is longer than the trades read");
          }
          for (const trade of ordered) this.onPublicTrade(trade);
        } catch (error) {
          this.logger?.warn({ err: error, market }, "paper catch-up failed; resting orders may miss fills until the next gap is caught up");
        }
      }),
    );
  }

  /**
   * Subscribe the stream to trades and books of every market with a resting order, and catch up
   * on the markets newly watched (trades between the order and the subscription are not lost).
   */
  private refreshWatch(): Promise<void> {
    const markets = new Set(this.engine.openOrders().filter((o) => o.type === "limit").map((o) => o.market));
    const added = [...markets].filter((m) => !this.watched.has(m));
    if (added.length === 0 && markets.size === this.watched.size) return Promise.resolve();
    this.watched = markets;
    const list = [...markets].sort();
    this.stream.subscribe({ trade: list, orderbook: list });
    return this.catchUp(added);
  }

  // -------------------------------------------------------------------------------------------
  // Engine operations: validate, persist, publish

  /**
   * Run one engine operation, then write everything it changed in one transaction, then tell the
   * private stream. The engine's refusals become the errors the live client would raise.
   */
  private apply<T>(endpoint: string, operation: () => T): T {
    this.assertUsable();
    this.events = [];
    let outcome: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };
    try {
      outcome = { ok: true, value: operation() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    // Whatever the operation changed before it returned or threw is saved and reported.
    const events = this.events;
    this.events = [];
    if (events.length > 0) {
      this.persist(events);
      this.publish(events);
      void this.refreshWatch();
    }
    if (outcome.ok) return outcome.value;
    throw outcome.error instanceof SimApiError ? this.refusal(outcome.error, endpoint) : outcome.error;
  }

  private persist(events: readonly EngineEvent[]): void {
    const orders = new Map<string, ReadonlyOrder>();
    const fills: { orderId: string; index: number; fill: SimFill }[] = [];
    const balances = new Map<string, AccountBalance>();
    for (const event of events) {
      if (event.type === "order") {
        orders.set(event.order.id, this.engine.find({ id: event.order.id }) ?? event.order);
        if (event.fill) fills.push({ orderId: event.order.id, index: event.order.fills.length - 1, fill: event.fill });
      } else {
        for (const a of event.assets) balances.set(a.currency, a);
      }
    }
    try {
      this.store.save({ orders: [...orders.values()], fills, balances: [...balances.values()], ...this.engine.sequences, tape: this.tape.takeChanged() });
    } catch (error) {
      this.failure = error;
      this.logger?.fatal({ err: error }, "paper account could not be saved; paper trading stops");
      throw this.storeFailure();
    }
  }

  private publish(events: readonly EngineEvent[]): void {
    for (const event of events) {
      if (event.type === "order") this.privateStream.publish({ type: "myOrder", order: toMyOrderEvent(event) });
      else this.privateStream.publish({ type: "myAsset", asset: toMyAssetEvent(event.assets, event.ts) });
    }
  }

  /** Make sure a recent real book of `market` is held (one REST fetch at a time per market). */
  private async freshBook(market: Market): Promise<void> {
    if (this.books.isFresh(market)) return;
    let pending = this.bookFetches.get(market);
    if (!pending) {
      pending = this.source
        .getOrderbooks([market])
        .then((books) => {
          const book = books.find((b) => b.market === market);
          if (!book) throw new RetryableError({ code: "orderbook_unavailable", message: `paper: no orderbook for ${market}` });
          this.books.update(book);
        })
        .finally(() => this.bookFetches.delete(market));
      this.bookFetches.set(market, pending);
    }
    await pending;
  }

  /** Markets the exchange lists (cached; a stale list is used when a refresh fails). */
  private async knownMarkets(): Promise<ReadonlySet<Market>> {
    const held = this.markets;
    if (held && this.clock.now() - held.at <= this.marketsTtlMs) return held.set;
    try {
      await this.listMarkets();
    } catch (error) {
      if (!held) throw error;
      this.logger?.warn({ err: error }, "paper: market list refresh failed; using the previous list");
      return held.set;
    }
    return this.markets!.set;
  }

  private historyWindow(startTime: number | undefined, endTime: number | undefined): { start: number; end: number } {
    for (const [name, t] of [["startTime", startTime], ["endTime", endTime]] as const) {
      if (t !== undefined && !Number.isFinite(t)) throw invalid(`${name} must be a finite epoch ms, got ${t}`);
    }
    let start = startTime;
    let end = endTime;
    if (start === undefined && end === undefined) end = this.clock.now();
    if (start === undefined) start = end! - HISTORY_WINDOW_MS;
    if (end === undefined) end = start + HISTORY_WINDOW_MS;
    if (end < start || end - start > HISTORY_WINDOW_MS) throw invalid("history window must be 0..7 days");
    return { start, end };
  }

  /** The error the live client raises for the same answer from Bithumb. */
  private refusal(error: SimApiError, endpoint: string): Error {
    return classifyHttpError({ status: error.status, bodyText: JSON.stringify(error.body()), endpoint, now: this.clock.now() });
  }

  private assertUsable(): void {
    if (this.failure !== undefined) throw this.storeFailure();
    if (this.closed) throw new FatalError({ code: "paper_closed", message: "the paper exchange is closed" });
  }

  private storeFailure(): FatalError {
    return new FatalError({ code: "paper_store_failed", cause: this.failure, message: `paper account file could not be written (${String(this.failure)}); restart to reload the last saved state` });
  }
}
