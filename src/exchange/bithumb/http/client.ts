import { ParseError, RejectedError, RetryableError } from "../../../core/errors.ts";
import {
  type Balance,
  type Candle,
  type ExchangeOrder,
  type ExchangeOrderState,
  INTERVALS,
  type Market,
  type MarketInfo,
  type MarketRules,
  type OrderAck,
  type OrderChance,
  type Orderbook,
  type OrderRef,
  type OrderRequest,
  type Ticker,
  type Trade,
} from "../../../core/model.ts";
import type { Clock } from "../../../ports/clock.ts";
import type { BatchCancelResult, CancelResult, CandleQuery, Exchange, OrderListQuery, OrderPage } from "../../../ports/exchange.ts";
import type { Logger } from "../../../log.ts";
import { MarketRulesCache } from "../market-rules.ts";
import type { RestObserver } from "../observer.ts";
import { createRestRateLimiter, type EndpointGroup, type RateLimiter } from "../rate-limit.ts";
import { CANDLE_PATHS, MAX_CANDLES_PER_REQUEST, PATHS } from "../urls.ts";
import { parseJsonText } from "../wire.ts";
import { isOrderNotFound, mentionsDuplicateId } from "./errors.ts";
import { buildV1OrderBody, buildV2OrderBody, type V1OrderRequest } from "./order-request.ts";
import {
  type BatchItem,
  parseAccounts,
  parseBatchAcks,
  parseBatchCancel,
  parseCancelAck,
  parseCandles,
  parseMarkets,
  parseOrder,
  parseOrderAck,
  parseOrderbooks,
  parseOrderChance,
  parseOrderList,
  parseOrderPage,
  parseTickers,
  parseTrades,
  TRADE_BIG_ID_KEYS,
} from "./parse.ts";
import { BithumbSigner, type HttpMethod, type Params } from "./sign.ts";
import { classifySubmitFailure, DEFAULT_SUBMIT_POLICY, IdempotentSubmitter, type SubmitPolicy } from "./submit.ts";
import { type FetchLike, HttpTransport, type RequestSpec, type RetryPolicy } from "./transport.ts";

/**
 * The Bithumb API 2.0 REST client (API.md 3-4): every public market-data endpoint and the private
 * endpoints a trader needs, behind the `Exchange` port. Also talks to the simulator, which speaks
 * the same protocol.
 *
 * Guarantees: every request is rate-limited per Bithumb category, signed per request, bounded by
 * `timeoutMs` on the injected clock, parsed into core types at the edge, and failures are classed
 * (retryable / rejected / fatal). Only idempotent calls are retried: reads, lookups and cancels
 * (cancelling twice cannot create exposure; a repeat that finds the order already gone surfaces as
 * `order_not_found`, and the caller reads the order to learn whether it filled or cancelled).
 * Order creation is never retried blind (see `IdempotentSubmitter`).
 */

export interface BithumbRestClientOptions {
  /** REST base URL, e.g. `https://api.bithumb.com` or the simulator's `http://127.0.0.1:port`. */
  readonly baseUrl: string;
  /** API keys; public endpoints work without them, private ones throw `FatalError('no_credentials')`. */
  readonly accessKey?: string;
  readonly secretKey?: string;
  readonly clock: Clock;
  /** Deadline per HTTP attempt (fetch + body), ms. */
  readonly timeoutMs: number;
  /** Uniform [0, 1) source for backoff jitter (default Math.random). */
  readonly random?: () => number;
  /** JWT nonce generator (default crypto.randomUUID). */
  readonly nonce?: () => string;
  readonly fetch?: FetchLike;
  readonly logger?: Logger;
  readonly retry: RetryPolicy;
  /** Share one limiter between every client on the same IP (default: a private one). */
  readonly rateLimiter?: RateLimiter<EndpointGroup>;
  /** Longest wait for a rate-limit slot when this client creates its own limiter (default 5 s). */
  readonly maxRateLimitWaitMs?: number;
  /** Idempotent-submit tuning (settle delay, absence checks, resends). */
  readonly submit?: Partial<SubmitPolicy>;
  /** Retry policy of the lookups that resolve an ambiguous create (default: `retry` with >= 3 attempts). */
  readonly lookupRetry?: RetryPolicy;
  /** How long `orders/chance` rules stay fresh (default 10 min). */
  readonly marketRulesTtlMs?: number;
  /** Check orders against `orders/chance` rules before sending (default true). */
  readonly checkMarketRules?: boolean;
  /** Items per `POST /v2/orders/batch` (default 30, API.md 4.7.2; 20 before 2026-08-20). */
  readonly maxBatchOrders?: number;
  /**
   * Told about every HTTP attempt (endpoint template, method, duration, outcome) and every
   * rate-limit wait; `bindExchangeMetrics(metrics)` from src/metrics makes one. Optional.
   */
  readonly observer?: RestObserver;
}

/** One batch create, item by item: acks for placed orders, reasons for refused ones. */
export interface BatchPlaceResult {
  readonly acks: readonly OrderAck[];
  readonly failed: readonly { readonly clientOrderId: string; readonly code: string; readonly message: string }[];
}

/** `GET /v1/orders` filters (v1 list; API.md 4.5). */
export interface V1OrderListQuery {
  readonly market?: Market;
  readonly uuids?: readonly string[];
  readonly clientOrderIds?: readonly string[];
  readonly states?: readonly ExchangeOrderState[];
  readonly page?: number;
  readonly limit?: number;
  readonly orderBy?: "asc" | "desc";
}

const MAX_IDS_PER_SEARCH = 100;
const MAX_IDS_PER_BATCH_CANCEL = 30;
const MAX_MARKETS_PER_QUOTE_CALL = 100;
const HISTORY_MAX_WINDOW_MS = 7 * 24 * 3_600_000;

function invalid(message: string): RejectedError {
  return new RejectedError({ code: "invalid_parameter", message: `invalid request: ${message}` });
}

/** `yyyy-MM-ddTHH:mm:ssZ` in UTC: the explicit-zone form API.md 3.6 documents for `to`. */
export function formatUtcSeconds(ms: number): string {
  if (!Number.isFinite(ms)) throw invalid(`time ${ms} is not finite`);
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function refParams(ref: OrderRef, idKey: "uuid" | "order_id"): Params {
  return "orderId" in ref ? { [idKey]: ref.orderId } : { client_order_id: ref.clientOrderId };
}

function idListParams(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }, max: number): Params {
  const [key, ids] = "orderIds" in refs ? (["order_ids", refs.orderIds] as const) : (["client_order_ids", refs.clientOrderIds] as const);
  if (ids.length === 0) throw invalid(`${key} is empty`);
  if (ids.length > max) throw invalid(`${key} has ${ids.length} ids; at most ${max} per request`);
  return { [key]: ids };
}

export class BithumbRestClient implements Exchange {
  private readonly transport: HttpTransport;
  private readonly logger?: Logger;
  private readonly rulesCache: MarketRulesCache;
  private readonly submitter: IdempotentSubmitter;
  private readonly lookupRetry: RetryPolicy;
  private readonly checkMarketRules: boolean;
  private readonly maxBatchOrders: number;
  readonly rateLimiter: RateLimiter<EndpointGroup>;

  constructor(options: BithumbRestClientOptions) {
    this.logger = options.logger;
    this.rateLimiter = options.rateLimiter ?? createRestRateLimiter(options.clock, options.maxRateLimitWaitMs);
    const signer =
      options.accessKey && options.secretKey
        ? new BithumbSigner({ accessKey: options.accessKey, secretKey: options.secretKey, clock: options.clock, nonce: options.nonce })
        : undefined;
    this.transport = new HttpTransport({
      baseUrl: options.baseUrl,
      clock: options.clock,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      limiter: this.rateLimiter,
      retry: options.retry,
      random: options.random ?? Math.random,
      signer,
      logger: options.logger,
      observer: options.observer,
    });
    this.lookupRetry = options.lookupRetry ?? { ...options.retry, maxAttempts: Math.max(3, options.retry.maxAttempts) };
    this.rulesCache = new MarketRulesCache({
      clock: options.clock,
      fetchChance: (market) => this.getOrderChance(market),
      ttlMs: options.marketRulesTtlMs,
      logger: options.logger,
    });
    this.submitter = new IdempotentSubmitter({
      clock: options.clock,
      policy: { ...DEFAULT_SUBMIT_POLICY, ...options.submit },
      logger: options.logger,
      lookup: (clientOrderId) => this.lookupOrder({ clientOrderId }, this.lookupRetry),
    });
    this.checkMarketRules = options.checkMarketRules ?? true;
    this.maxBatchOrders = options.maxBatchOrders ?? 30;
  }

  // -------------------------------------------------------------------------------------------
  // Public market data

  /** `GET /v1/market/all?isDetails=true`: KRW markets with their caution flag. */
  async listMarkets(): Promise<MarketInfo[]> {
    return parseMarkets(await this.json(this.spec("GET", PATHS.marketAll, "public:other", { isDetails: true }), "market/all"));
  }

  /** `GET /v1/ticker` for the given markets (chunked; the per-call maximum is UNCONFIRMED). */
  async getTickers(markets: readonly Market[]): Promise<Ticker[]> {
    return this.perMarketChunks(markets, async (codes) => {
      const json = await this.json(this.spec("GET", PATHS.ticker, "public:ticker", { markets: codes.join(",") }), "ticker");
      return expectMarkets(parseTickers(json), codes, "ticker");
    });
  }

  /** `GET /v1/orderbook`: 15 levels, 30 when exactly one market is asked (API.md 3.4). */
  async getOrderbooks(markets: readonly Market[]): Promise<Orderbook[]> {
    return this.perMarketChunks(markets, async (codes) => {
      const json = await this.json(this.spec("GET", PATHS.orderbook, "public:orderbook", { markets: codes.join(",") }), "orderbook");
      return expectMarkets(parseOrderbooks(json), codes, "orderbook");
    });
  }

  /** `GET /v1/trades/ticks`: the most recent trades of one market, as sent (newest first). */
  async getRecentTrades(market: Market, count?: number): Promise<Trade[]> {
    if (count !== undefined && !(Number.isInteger(count) && count >= 1)) throw invalid(`count must be a positive integer, got ${count}`);
    const text = await this.transport.call(this.spec("GET", PATHS.tradesTicks, "public:trade", { market, count }));
    return expectMarkets(parseTrades(parseJsonText(text, "trades/ticks", TRADE_BIG_ID_KEYS)), [market], "trades/ticks");
  }

  /**
   * Candles of one market and interval, oldest first. `to` (exclusive, epoch ms) is sent in UTC
   * with an explicit `Z`; because Bithumb documents KST as its default zone (API.md 3.6), candles
   * at or after `to` are dropped here as well, whatever the server did with the zone.
   */
  async getCandles(query: CandleQuery): Promise<Candle[]> {
    const { market, interval } = query;
    const count = query.count ?? MAX_CANDLES_PER_REQUEST;
    if (!INTERVALS.includes(interval)) throw invalid(`unknown interval ${String(interval)}`);
    if (!(Number.isInteger(count) && count >= 1 && count <= MAX_CANDLES_PER_REQUEST)) throw invalid(`count must be 1..${MAX_CANDLES_PER_REQUEST}, got ${count}`);
    const to = query.to === undefined ? undefined : formatUtcSeconds(query.to);
    const json = await this.json(this.spec("GET", CANDLE_PATHS[interval], "public:candle", { market, to, count }), "candles");
    const candles = parseCandles(json, market);
    return query.to === undefined ? candles : candles.filter((c) => c.ts < query.to!);
  }

  // -------------------------------------------------------------------------------------------
  // Account

  /** `GET /v1/accounts`. */
  async getAccounts(): Promise<Balance[]> {
    return parseAccounts(await this.json(this.spec("GET", PATHS.accounts, "private:other", undefined, true), "accounts"));
  }

  /** `GET /v1/orders/chance`: fees, limits and balances for one market (uncached). */
  async getOrderChance(market: Market): Promise<OrderChance> {
    const json = await this.json(this.spec("GET", PATHS.orderChance, "private:other", { market }, true), "orders/chance");
    return parseOrderChance(json, market);
  }

  /** Cached `orders/chance` rules with the documented fallbacks (see `MarketRulesCache`). */
  getMarketRules(market: Market): Promise<MarketRules> {
    return this.rulesCache.get(market);
  }

  /** Drop cached market rules (all when no market is given). */
  invalidateMarketRules(market?: Market): void {
    this.rulesCache.invalidate(market);
  }

  // -------------------------------------------------------------------------------------------
  // Orders (v2)

  /**
   * `POST /v2/orders`, idempotent by `clientOrderId`: validated locally, never retried blind; an
   * ambiguous outcome is resolved by looking the order up (see `IdempotentSubmitter`). Throws
   * `RetryableError` with `ambiguous: true` when the order's existence cannot be established.
   */
  async placeOrder(request: OrderRequest): Promise<OrderAck> {
    const body = buildV2OrderBody(request, await this.rulesFor(request.market));
    const spec = this.spec("POST", PATHS.ordersV2, "private:order-create", body, true, false);
    return this.submitter.submit(request, async () => {
      const ack = parseOrderAck(parseJsonText(await this.transport.call(spec), "POST /v2/orders"));
      return { ...ack, clientOrderId: ack.clientOrderId ?? request.clientOrderId };
    });
  }

  /** `POST /v2/orders/batch`: acks of the placed orders (a refused item is simply absent). */
  async placeOrders(requests: readonly OrderRequest[]): Promise<OrderAck[]> {
    return [...(await this.placeOrdersDetailed(requests)).acks];
  }

  /**
   * `POST /v2/orders/batch` with per-item outcomes. The batch is not atomic (API.md 4.7.2). After
   * an ambiguous failure every item is looked up by its client id; items the exchange does not
   * have are reported as `not_created` and are NOT resent here (the caller resubmits them with the
   * same ids if it still wants them).
   */
  async placeOrdersDetailed(requests: readonly OrderRequest[]): Promise<BatchPlaceResult> {
    if (requests.length === 0) return { acks: [], failed: [] };
    if (requests.length > this.maxBatchOrders) throw invalid(`batch has ${requests.length} orders; at most ${this.maxBatchOrders}`);
    const ids = new Set(requests.map((r) => r.clientOrderId));
    if (ids.size !== requests.length) throw invalid("client_order_id values in a batch must be distinct");
    const items: Record<string, string>[] = [];
    for (const request of requests) items.push(buildV2OrderBody(request, await this.rulesFor(request.market)));
    const spec = this.spec("POST", PATHS.ordersBatch, "private:batch", { batch_orders: items }, true, false);

    let answered: BatchItem[];
    try {
      answered = parseBatchAcks(parseJsonText(await this.transport.call(spec), "POST /v2/orders/batch"));
    } catch (error) {
      const outcome = classifySubmitFailure(error);
      if (outcome === "definite") throw error;
      this.logger?.warn({ count: requests.length, outcome, err: String(error) }, "batch create ambiguous; looking every item up");
      return this.settleBatch(requests, [], outcome === "duplicate");
    }
    return this.settleBatch(requests, answered, false);
  }

  /** `DELETE /v2/order` by `order_id` or `client_order_id`; acknowledges the request only. */
  async cancelOrder(ref: OrderRef): Promise<CancelResult> {
    const json = await this.json(this.spec("DELETE", PATHS.cancelV2, "private:order-cancel", refParams(ref, "order_id"), true), "DELETE /v2/order");
    return parseCancelAck(json);
  }

  /** `POST /v2/orders/cancel` (up to 30 ids); per-order results. */
  async cancelOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }): Promise<BatchCancelResult> {
    const spec = this.spec("POST", PATHS.cancelBatch, "private:batch", idListParams(refs, MAX_IDS_PER_BATCH_CANCEL), true);
    return parseBatchCancel(await this.json(spec, "POST /v2/orders/cancel"));
  }

  /** `GET /v1/order` by `uuid` (the `C…` order id) or `client_order_id`; `null` when unknown. */
  getOrder(ref: OrderRef): Promise<ExchangeOrder | null> {
    return this.lookupOrder(ref);
  }

  /** `POST /v2/orders/search` (up to 100 ids); unknown ids are simply absent (API.md 4.7.5). */
  async searchOrders(refs: { orderIds: readonly string[] } | { clientOrderIds: readonly string[] }, market?: Market): Promise<ExchangeOrder[]> {
    const spec = this.spec("POST", PATHS.search, "private:other", { market, ...idListParams(refs, MAX_IDS_PER_SEARCH) }, true);
    return [...parseOrderPage(await this.json(spec, "POST /v2/orders/search"), "POST /v2/orders/search").orders];
  }

  /**
   * `GET /v2/orders/pending`: open orders, one state per call (`wait` default, or `watch`).
   * The count/sort parameter names (`limit`, `order_by`) are UNCONFIRMED (API.md 4.7.6).
   */
  async listOpenOrders(query: OrderListQuery = {}): Promise<OrderPage> {
    const states = query.states ?? [];
    if (states.length > 1 || states.some((s) => s !== "wait" && s !== "watch")) throw invalid("pending takes one state: wait or watch");
    const params: Params = { market: query.market, state: states[0], limit: query.limit, next_key: query.nextKey };
    return parseOrderPage(await this.json(this.spec("GET", PATHS.pending, "private:other", params, true), "GET /v2/orders/pending"), "GET /v2/orders/pending");
  }

  /**
   * `GET /v2/orders/history`: finished orders (`done`/`cancel`) in a window of at most 7 days.
   * Times are sent as `yyyy-MM-ddTHH:mm:ssZ` (format UNCONFIRMED, API.md 4.7.6).
   */
  async listClosedOrders(query: OrderListQuery = {}): Promise<OrderPage> {
    const states = query.states ?? [];
    if (states.some((s) => s !== "done" && s !== "cancel")) throw invalid("history takes states done and/or cancel");
    const { startTime, endTime } = query;
    if (startTime !== undefined && endTime !== undefined && (endTime < startTime || endTime - startTime > HISTORY_MAX_WINDOW_MS)) {
      throw invalid("history window must be 0..7 days");
    }
    const params: Params = {
      market: query.market,
      ...(states.length === 1 ? { state: states[0] } : states.length > 1 ? { states } : {}),
      start_time: startTime === undefined ? undefined : formatUtcSeconds(startTime),
      end_time: endTime === undefined ? undefined : formatUtcSeconds(endTime),
      limit: query.limit,
      next_key: query.nextKey,
    };
    return parseOrderPage(await this.json(this.spec("GET", PATHS.history, "private:other", params, true), "GET /v2/orders/history"), "GET /v2/orders/history");
  }

  // -------------------------------------------------------------------------------------------
  // Orders (v1, kept for completeness; prefer the v2 methods: v1 creates cannot be made idempotent)

  /**
   * `POST /v1/orders`. Sent once: with no client id there is no way to look an ambiguous create
   * up, so any failure after sending is thrown with `ambiguous: true`.
   */
  async placeOrderV1(request: V1OrderRequest): Promise<ExchangeOrder> {
    const body = buildV1OrderBody(request, await this.rulesFor(request.market));
    const spec = this.spec("POST", PATHS.ordersV1, "private:order-create", body, true, false);
    try {
      return parseOrder(parseJsonText(await this.transport.call(spec), "POST /v1/orders"), "POST /v1/orders");
    } catch (error) {
      if (!isAmbiguousCreateFailure(error)) throw error;
      throw new RetryableError({ code: "order_state_unknown", ambiguous: true, cause: error, message: `v1 order state unknown (${String(error)}); reconcile by listing orders` });
    }
  }

  /** `GET /v1/orders` (server default state `wait`; pass `states` to see finished ones). */
  async listOrdersV1(query: V1OrderListQuery = {}): Promise<ExchangeOrder[]> {
    const params: Params = {
      market: query.market,
      uuids: query.uuids,
      client_order_ids: query.clientOrderIds,
      states: query.states,
      page: query.page,
      limit: query.limit,
      order_by: query.orderBy,
    };
    return parseOrderList(await this.json(this.spec("GET", PATHS.ordersV1, "private:other", params, true), "GET /v1/orders"), "GET /v1/orders");
  }

  /** `DELETE /v1/order?uuid=`: the order object (its `state` right after cancel is UNCONFIRMED). */
  async cancelOrderV1(uuid: string): Promise<ExchangeOrder> {
    const json = await this.json(this.spec("DELETE", PATHS.order, "private:order-cancel", { uuid }, true), "DELETE /v1/order");
    return parseOrder(json, "DELETE /v1/order");
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private spec(method: HttpMethod, path: string, group: EndpointGroup, params?: Params, auth = false, idempotent = true): RequestSpec {
    return { method, path, group, params, auth, idempotent };
  }

  private async json(spec: RequestSpec, what: string, retry?: RetryPolicy): Promise<unknown> {
    return parseJsonText(await this.transport.call(spec, retry), what);
  }

  private rulesFor(market: Market): Promise<MarketRules | undefined> {
    return this.checkMarketRules ? this.rulesCache.get(market) : Promise.resolve(undefined);
  }

  /** `GET /v1/order`; only the exchange's own `order_not_found` means "no such order". */
  private async lookupOrder(ref: OrderRef, retry?: RetryPolicy): Promise<ExchangeOrder | null> {
    try {
      return parseOrder(await this.json(this.spec("GET", PATHS.order, "private:other", refParams(ref, "uuid"), true), "GET /v1/order", retry), "GET /v1/order");
    } catch (error) {
      if (isOrderNotFound(error)) return null;
      throw error;
    }
  }

  private async perMarketChunks<T>(markets: readonly Market[], call: (codes: Market[]) => Promise<T[]>): Promise<T[]> {
    if (markets.length === 0) return [];
    const parts = await Promise.all(chunk([...new Set(markets)], MAX_MARKETS_PER_QUOTE_CALL).map(call));
    return parts.flat();
  }

  /**
   * Match batch answers to requests (by echoed client id, else by position when the answer lists
   * every item in order) and look up every request left without a definite answer, including
   * items refused as "client_order_id already used".
   */
  private async settleBatch(requests: readonly OrderRequest[], answered: readonly BatchItem[], allDuplicate: boolean): Promise<BatchPlaceResult> {
    const acks: OrderAck[] = [];
    const failed: { clientOrderId: string; code: string; message: string }[] = [];
    const unresolved: { request: OrderRequest; duplicate: boolean }[] = [];
    const byPosition = answered.length === requests.length;
    requests.forEach((request, i) => {
      const item = answered.find((a) => (a.ok ? a.ack.clientOrderId : a.clientOrderId) === request.clientOrderId) ?? (byPosition ? answered[i] : undefined);
      if (item?.ok && item.ack.market === request.market && item.ack.side === request.side) acks.push({ ...item.ack, clientOrderId: request.clientOrderId });
      else if (item && !item.ok && mentionsDuplicateId(`${item.code} ${item.message}`)) unresolved.push({ request, duplicate: true });
      else if (item && !item.ok) failed.push({ clientOrderId: request.clientOrderId, code: item.code, message: item.message });
      else unresolved.push({ request, duplicate: allDuplicate });
    });
    const found = await this.lookUpBatch(unresolved.map((u) => u.request));
    unresolved.forEach(({ request, duplicate }, i) => {
      const order = found[i];
      if (order) acks.push(this.submitter.ackFor(request, order));
      else if (duplicate) throw batchUnknown([request], "the exchange reports the client_order_id as used but the lookup finds no order");
      else failed.push({ clientOrderId: request.clientOrderId, code: "not_created", message: "the exchange has no order with this client_order_id" });
    });
    return { acks, failed };
  }

  /** Look each request up after the settle delay (in parallel); one failed lookup makes the batch ambiguous. */
  private async lookUpBatch(requests: readonly OrderRequest[]): Promise<(ExchangeOrder | null)[]> {
    if (requests.length === 0) return [];
    const results = await Promise.allSettled(requests.map((r) => this.submitter.findSettled(r, "batch create ambiguous")));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw batchUnknown(requests, `a lookup failed: ${String(failure.reason)}`, failure.reason);
    return results.map((r) => (r as PromiseFulfilledResult<ExchangeOrder | null>).value);
  }
}

function batchUnknown(requests: readonly OrderRequest[], why: string, cause?: unknown): RetryableError {
  return new RetryableError({
    code: "order_state_unknown",
    ambiguous: true,
    cause,
    message: `batch create outcome unknown for ${requests.map((r) => r.clientOrderId).join(", ")}: ${why}; reconcile before acting`,
  });
}

/** Failures after which a create may or may not have happened (see `classifySubmitFailure`). */
function isAmbiguousCreateFailure(error: unknown): boolean {
  return classifySubmitFailure(error) === "ambiguous";
}

/** Every item must be one of the markets asked for: anything else is an unknown market. */
function expectMarkets<T extends { market: Market }>(items: T[], asked: readonly Market[], what: string): T[] {
  const allowed = new Set(asked);
  items.forEach((item, i) => {
    if (!allowed.has(item.market)) throw new ParseError(`${what}: market ${item.market} was not requested`, `[${i}].market`, item.market);
  });
  return items;
}
