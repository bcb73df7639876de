import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { SystemClock } from "../../../../src/clock/system.ts";
import { FatalError, ParseError, RejectedError } from "../../../../src/core/errors.ts";
import { INTERVALS, type OrderRequest } from "../../../../src/core/model.ts";
import { BithumbRestClient, type BithumbRestClientOptions } from "../../../../src/exchange/bithumb/http/client.ts";
import { CANDLE_PATHS } from "../../../../src/exchange/bithumb/urls.ts";
import { bithumbError, type FakeServer, HANG, type Handler, json, orderObject, startFakeServer, verifyAuth } from "./fake-server.ts";

const ACCESS = "test-access";
const SECRET = "test-secret";
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, "../../../fixtures/bithumb", name), "utf8"));

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function setup(handler: Handler, overrides: Partial<BithumbRestClientOptions> = {}) {
  server = await startFakeServer(handler);
  const client = new BithumbRestClient({
    baseUrl: server.url,
    accessKey: ACCESS,
    secretKey: SECRET,
    clock: new SystemClock(),
    timeoutMs: 2_000,
    random: () => 0.5,
    retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 10 },
    ...overrides,
  });
  return { client, server };
}

const chance = (minTotal = "5000", state = "active") => ({
  bid_fee: "0.0025",
  ask_fee: "0.0025",
  market: { id: "KRW-BTC", bid: { currency: "KRW", min_total: minTotal }, ask: { currency: "BTC", min_total: minTotal }, max_total: "1000000000", state },
});

describe("public endpoints", () => {
  it("market/all asks for details and sends no token", async () => {
    const { client, server } = await setup(() => json(fixture("v1-market-all.json")));
    expect(await client.listMarkets()).toHaveLength(1);
    const [req] = server.requests;
    expect([req!.method, req!.path, req!.query]).toEqual(["GET", "/v1/market/all", "isDetails=true"]);
    expect(req!.headers.get("authorization")).toBeNull();
  });

  it("tickers and orderbooks send the documented comma list and refuse markets not asked for", async () => {
    const book = { market: "KRW-BTC", timestamp: 1, total_ask_size: 1, total_bid_size: 1, orderbook_units: [{ ask_price: 2, bid_price: 1, ask_size: 1, bid_size: 1 }] };
    const { client, server } = await setup((req) => (req.path === "/v1/ticker" ? json(fixture("v1-ticker.json")) : json([book])));
    expect((await client.getTickers(["KRW-BTC", "KRW-ETH", "KRW-BTC"]))[0]!.tradePrice).toBe(45831000);
    expect(server.requests[0]!.query).toBe("markets=KRW-BTC,KRW-ETH");
    expect((await client.getOrderbooks(["KRW-BTC"]))[0]!.levels).toHaveLength(1);
    await expect(client.getOrderbooks(["KRW-ETH"])).rejects.toBeInstanceOf(ParseError);
    expect(await client.getTickers([])).toEqual([]);
  });

  it("recent trades: market and count", async () => {
    const trade = { market: "KRW-BTC", timestamp: 5, trade_price: 10, trade_volume: 1, ask_bid: "ASK", sequential_id: 17259299343730001 };
    const { client, server } = await setup(() => new Response(JSON.stringify([trade]).replace('"sequential_id":17259299343730000', '"sequential_id":17259299343730001')));
    const [t] = await client.getRecentTrades("KRW-BTC", 50);
    expect(server.requests[0]!.query).toBe("market=KRW-BTC&count=50");
    expect(t!.sequentialId).toBe("17259299343730001");
  });

  it("candles: one path per interval, `to` in UTC with Z, oldest first, nothing at or after `to`", async () => {
    const to = Date.UTC(2024, 0, 1, 0, 3);
    const c = (utc: string) => ({ market: "KRW-BTC", candle_date_time_utc: utc, opening_price: 1, high_price: 2, low_price: 1, trade_price: 2, candle_acc_trade_volume: 3 });
    const { client, server } = await setup(() => json([c("2024-01-01T00:03:00"), c("2024-01-01T00:02:00"), c("2024-01-01T00:01:00")]));
    const candles = await client.getCandles({ market: "KRW-BTC", interval: "1m", count: 3, to });
    expect(candles.map((x) => x.ts)).toEqual([Date.UTC(2024, 0, 1, 0, 1), Date.UTC(2024, 0, 1, 0, 2)]);
    expect(server.requests[0]!.path).toBe("/v1/candles/minutes/1");
    expect(server.requests[0]!.query).toBe("market=KRW-BTC&to=2024-01-01T00:03:00Z&count=3");
    for (const interval of INTERVALS) await client.getCandles({ market: "KRW-BTC", interval });
    expect(server.requests.slice(1).map((r) => r.path)).toEqual(INTERVALS.map((i) => CANDLE_PATHS[i]));
    expect(server.requests[1]!.query).toBe("market=KRW-BTC&count=200");
    expect(CANDLE_PATHS["4h"]).toBe("/v1/candles/minutes/240");
    expect(CANDLE_PATHS["1M"]).toBe("/v1/candles/months");
  });

  it("candles: count outside 1..200 is refused locally", async () => {
    const { client, server } = await setup(() => json([]));
    await expect(client.getCandles({ market: "KRW-BTC", interval: "1m", count: 201 })).rejects.toMatchObject({ code: "invalid_parameter" });
    await expect(client.getCandles({ market: "KRW-BTC", interval: "1m", count: 0 })).rejects.toBeInstanceOf(RejectedError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("private endpoints are signed", () => {
  it("accounts: a valid HS256 token without query_hash", async () => {
    const { client, server } = await setup(() => json([{ currency: "KRW", balance: "1000", locked: "0", avg_buy_price: "0" }]));
    expect(await client.getAccounts()).toEqual([{ currency: "KRW", balance: 1000, locked: 0, avgBuyPrice: 0 }]);
    await verifyAuth(server.requests[0]!, ACCESS, SECRET, "");
  });

  it("orders/chance: query_hash over the exact query string", async () => {
    const { client, server } = await setup(() => json(chance()));
    expect((await client.getOrderChance("KRW-BTC")).rules.minTotalBid).toBe(5000);
    expect(server.requests[0]!.query).toBe("market=KRW-BTC");
    await verifyAuth(server.requests[0]!, ACCESS, SECRET, "market=KRW-BTC");
  });

  it("every request carries a fresh nonce", async () => {
    const { client, server } = await setup(() => json([]));
    await client.getAccounts();
    await client.getAccounts();
    const nonces = await Promise.all(server.requests.map(async (r) => (await verifyAuth(r, ACCESS, SECRET, "")).nonce));
    expect(new Set(nonces).size).toBe(2);
  });

  it("without keys a private call is fatal and nothing is sent", async () => {
    const { client, server } = await setup(() => json([]), { accessKey: undefined, secretKey: undefined });
    await expect(client.getAccounts()).rejects.toMatchObject({ kind: "fatal", code: "no_credentials" });
    expect(server.requests).toHaveLength(0);
  });

  it("order lookups: by uuid or client_order_id; only order_not_found means null", async () => {
    const { client, server } = await setup((req) => {
      if (req.params.get("uuid") === "C1") return json(orderObject({ uuid: "C1" }));
      if (req.params.get("client_order_id") === "gone") return bithumbError(404, "order_not_found");
      return bithumbError(404, "not_found");
    });
    expect((await client.getOrder({ orderId: "C1" }))!.orderId).toBe("C1");
    expect(await client.getOrder({ clientOrderId: "gone" })).toBeNull();
    await expect(client.getOrder({ clientOrderId: "other" })).rejects.toBeInstanceOf(RejectedError);
    expect(server.requests.map((r) => r.query)).toEqual(["uuid=C1", "client_order_id=gone", "client_order_id=other"]);
    await verifyAuth(server.requests[1]!, ACCESS, SECRET, "client_order_id=gone");
  });

  it("cancel one by client id, cancel many, search: bodies and hashes", async () => {
    const { client, server } = await setup((req) => {
      if (req.path === "/v2/order") return json({ order_id: "C7", client_order_id: "bot-7", created_at: "2026-07-04T14:39:04+09:00" });
      if (req.path === "/v2/orders/cancel") return json(fixture("v2-orders-cancel.json"));
      return json([orderObject({ uuid: "C8", client_order_id: "bot-8" })]);
    });
    expect(await client.cancelOrder({ clientOrderId: "bot-7" })).toEqual({ orderId: "C7", clientOrderId: "bot-7" });
    expect(server.requests[0]!.method).toBe("DELETE");
    expect(server.requests[0]!.query).toBe("client_order_id=bot-7");
    await verifyAuth(server.requests[0]!, ACCESS, SECRET, "client_order_id=bot-7");

    expect((await client.cancelOrders({ orderIds: ["C0101000003152500274", "C2"] })).success).toHaveLength(1);
    expect(JSON.parse(server.requests[1]!.body)).toEqual({ order_ids: ["C0101000003152500274", "C2"] });
    expect(server.requests[1]!.headers.get("content-type")).toContain("application/json");
    await verifyAuth(server.requests[1]!, ACCESS, SECRET, "order_ids[]=C0101000003152500274&order_ids[]=C2");

    expect((await client.searchOrders({ clientOrderIds: ["bot-8"] }, "KRW-BTC"))[0]!.clientOrderId).toBe("bot-8");
    expect(server.requests[2]!.body).toBe('{"market":"KRW-BTC","client_order_ids":["bot-8"]}');
    await verifyAuth(server.requests[2]!, ACCESS, SECRET, "market=KRW-BTC&client_order_ids[]=bot-8");
  });

  it("id lists are bounded locally (30 per cancel, 100 per search)", async () => {
    const { client, server } = await setup(() => json([]));
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `id-${i}`);
    await expect(client.cancelOrders({ clientOrderIds: ids(31) })).rejects.toMatchObject({ code: "invalid_parameter" });
    await expect(client.searchOrders({ orderIds: ids(101) })).rejects.toMatchObject({ code: "invalid_parameter" });
    await expect(client.searchOrders({ orderIds: [] })).rejects.toBeInstanceOf(RejectedError);
    expect(server.requests).toHaveLength(0);
  });

  it("pending and history: parameters, cursor and the 7-day window", async () => {
    const { client, server } = await setup(() => json({ orders: [orderObject()], next_key: "k2", has_next: true }));
    const page = await client.listOpenOrders({ market: "KRW-BTC", states: ["watch"], limit: 50, nextKey: "k1" });
    expect(page.nextKey).toBe("k2");
    expect(server.requests[0]!.query).toBe("market=KRW-BTC&state=watch&limit=50&next_key=k1");
    await verifyAuth(server.requests[0]!, ACCESS, SECRET, server.requests[0]!.query);

    const start = Date.UTC(2026, 6, 1);
    await client.listClosedOrders({ states: ["done", "cancel"], startTime: start, endTime: start + 86_400_000 });
    expect(server.requests[1]!.path).toBe("/v2/orders/history");
    expect(server.requests[1]!.query).toBe("states[]=done&states[]=cancel&start_time=2026-07-01T00:00:00Z&end_time=2026-07-02T00:00:00Z");
    await verifyAuth(server.requests[1]!, ACCESS, SECRET, server.requests[1]!.query);

    await expect(client.listClosedOrders({ startTime: start, endTime: start + 8 * 86_400_000 })).rejects.toMatchObject({ code: "invalid_parameter" });
    await expect(client.listOpenOrders({ states: ["wait", "watch"] })).rejects.toBeInstanceOf(RejectedError);
    await expect(client.listClosedOrders({ states: ["wait"] })).rejects.toBeInstanceOf(RejectedError);
    expect(server.requests).toHaveLength(2);
  });

  it("v1 order calls stay available", async () => {
    const { client, server } = await setup((req) => {
      if (req.method === "POST") return json(fixture("v1-orders-post.json"));
      if (req.method === "DELETE") return json(fixture("v1-order-delete.json"));
      if (req.path === "/v1/orders/chance") return json(chance());
      return json(fixture("v1-orders-list.json"));
    });
    const placed = await client.placeOrderV1({ market: "KRW-BTC", side: "bid", type: "limit", price: 67000000, volume: 0.01 });
    expect(placed.state).toBe("wait");
    const post = server.requests.find((r) => r.method === "POST")!;
    expect(post.body).toBe('{"market":"KRW-BTC","side":"bid","volume":"0.01","price":"67000000","ord_type":"limit"}');
    // The same hash input as the recorded POST vector.
    await verifyAuth(post, ACCESS, SECRET, "market=KRW-BTC&side=bid&volume=0.01&price=67000000&ord_type=limit");
    expect(await client.listOrdersV1({ market: "KRW-BTC", states: ["wait", "done"] })).toHaveLength(1);
    expect(server.requests.at(-1)!.query).toBe("market=KRW-BTC&states[]=wait&states[]=done");
    expect((await client.cancelOrderV1("cdd92199-2897-4e14-9448-f923320408ad")).state).toBe("cancel");
    expect(server.requests.at(-1)!.query).toBe("uuid=cdd92199-2897-4e14-9448-f923320408ad");
  });
});

describe("retries: only retryable failures, only idempotent calls", () => {
  it("a 500 then a 200 on a GET is retried", async () => {
    const { client, server } = await setup((_req, i) => (i === 0 ? bithumbError(500, "server_error") : json(fixture("v1-ticker.json"))));
    expect(await client.getTickers(["KRW-BTC"])).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it("a 429 with Retry-After is retried after the wait and blocks the group meanwhile", async () => {
    const { client, server } = await setup((_req, i) => (i === 0 ? json({ error: { name: "too_many_requests", message: "slow" } }, 429, { "retry-after": "0.02" }) : json([])));
    await client.getAccounts();
    expect(server.requests).toHaveLength(2);
    expect(client.rateLimiter.stats()["private:other"].throttled).toBe(1);
  });

  it("a rejection is not retried", async () => {
    const { client, server } = await setup(() => bithumbError(400, "invalid_parameter"));
    await expect(client.getOrderChance("KRW-BTC")).rejects.toBeInstanceOf(RejectedError);
    expect(server.requests).toHaveLength(1);
  });

  it("a fatal answer is not retried", async () => {
    const { client, server } = await setup(() => bithumbError(401, "jwt_verification"));
    await expect(client.getAccounts()).rejects.toBeInstanceOf(FatalError);
    expect(server.requests).toHaveLength(1);
  });

  it("gives up after maxAttempts with the last retryable error", async () => {
    const { client, server } = await setup(() => new Response("<html>bad gateway</html>", { status: 502 }));
    await expect(client.getAccounts()).rejects.toMatchObject({ kind: "retryable", code: "http_502" });
    expect(server.requests).toHaveLength(3);
  });

  it("a hung request times out as retryable (deadline on the injected clock)", async () => {
    const { client, server } = await setup(() => HANG, { timeoutMs: 60, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(client.listMarkets()).rejects.toMatchObject({ kind: "retryable", code: "timeout" });
    expect(server.requests).toHaveLength(2);
  });

  it("a refused connection is a retryable network error", async () => {
    const { client } = await setup(() => json([]));
    await server!.stop();
    server = undefined;
    await expect(client.listMarkets()).rejects.toMatchObject({ kind: "retryable", code: "network" });
  });

  it("expired_jwt is re-signed once; a second in a row is a fatal clock problem", async () => {
    let expiredLeft = 1;
    const { client, server } = await setup(() => (expiredLeft-- > 0 ? bithumbError(401, "expired_jwt") : json([])));
    await client.getAccounts();
    expect(server.requests).toHaveLength(2);
    expiredLeft = 2;
    await expect(client.getAccounts()).rejects.toMatchObject({ kind: "fatal", code: "expired_jwt" });
  });

  it("a malformed 2xx body is a ParseError, not retried", async () => {
    const { client, server } = await setup(() => new Response("{oops"));
    await expect(client.listMarkets()).rejects.toBeInstanceOf(ParseError);
    expect(server.requests).toHaveLength(1);
  });

  it("backoff waits run on the injected clock (nothing happens until it advances)", async () => {
    const clock = new SimulatedClock(1_000_000);
    const { client, server } = await setup((_req, i) => (i === 0 ? bithumbError(503, "busy") : json([])), {
      clock,
      retry: { maxAttempts: 2, baseDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    let done = false;
    const call = client.getAccounts().then(() => (done = true));
    for (let i = 0; i < 50 && server.requests.length < 1; i++) await Bun.sleep(2);
    await Bun.sleep(20);
    expect(server.requests).toHaveLength(1);
    expect(done).toBe(false);
    clock.advance(10_000); // jitter 0.5 -> 7,500 ms
    await call;
    expect(server.requests).toHaveLength(2);
  });
});

describe("orders are checked locally before sending", () => {
  const limit = (overrides: Partial<OrderRequest> = {}): OrderRequest => ({
    market: "KRW-BTC",
    side: "bid",
    type: "limit",
    price: 50_000_000,
    volume: 0.001,
    clientOrderId: "bot-abc",
    ...overrides,
  });

  it("off-tick price, below minimum, bad client id, bad combos: refused with no order sent", async () => {
    const { client, server } = await setup((req) => (req.path === "/v1/orders/chance" ? json(chance("10000")) : json(fixture("v2-orders-post.json"))));
    await expect(client.placeOrder(limit({ price: 50_000_500 }))).rejects.toMatchObject({ kind: "rejected", code: "invalid_price" });
    // 0.0001 BTC at 50M = 5,000 KRW: above the fallback minimum but below this market's 10,000.
    await expect(client.placeOrder(limit({ volume: 0.0001 }))).rejects.toMatchObject({ code: "under_min_total" });
    await expect(client.placeOrder(limit({ clientOrderId: "has space" }))).rejects.toMatchObject({ code: "invalid_parameter" });
    await expect(client.placeOrder(limit({ clientOrderId: "x".repeat(37) }))).rejects.toMatchObject({ code: "invalid_parameter" });
    await expect(client.placeOrder(limit({ type: "best", timeInForce: "post_only" }))).rejects.toMatchObject({ code: "invalid_parameter" });
    await expect(client.placeOrder(limit({ type: "price", volume: undefined, timeInForce: "ioc", price: 10_000 }))).rejects.toMatchObject({ code: "invalid_parameter" });
    await expect(client.placeOrder(limit({ type: "market", side: "bid", price: undefined }))).rejects.toMatchObject({ code: "invalid_parameter" });
    expect(server.count("POST", "/v2/orders")).toBe(0);
    expect(server.count("GET", "/v1/orders/chance")).toBe(1); // cached
  });

  it("a market that is not active is refused", async () => {
    const { client, server } = await setup((req) => (req.path === "/v1/orders/chance" ? json(chance("5000", "suspended")) : json(fixture("v2-orders-post.json"))));
    await expect(client.placeOrder(limit())).rejects.toMatchObject({ code: "market_not_active" });
    expect(server.count("POST", "/v2/orders")).toBe(0);
  });

  it("when orders/chance fails the documented fallbacks apply (5,000 KRW minimum)", async () => {
    const { client, server } = await setup((req) => (req.path === "/v1/orders/chance" ? bithumbError(500, "down") : json(fixture("v2-orders-post.json"))));
    await expect(client.placeOrder(limit({ volume: 0.00009 }))).rejects.toMatchObject({ code: "under_min_total" });
    expect(await client.placeOrder(limit({ volume: 0.0001 }))).toMatchObject({ orderId: "C0101000003152350309", clientOrderId: "bot-abc" });
    expect(server.count("POST", "/v2/orders")).toBe(1);
  });

  it("the v2 body: fields as strings, volume floored to 8 decimals, hash over the body's key=value form", async () => {
    const { client, server } = await setup((req) => (req.path === "/v1/orders/chance" ? json(chance()) : json(fixture("v2-orders-post.json"))));
    await client.placeOrder(limit({ volume: 0.0012345678999, timeInForce: "post_only" }));
    const post = server.requests.find((r) => r.method === "POST")!;
    expect(post.body).toBe('{"market":"KRW-BTC","side":"bid","order_type":"limit","price":"50000000","volume":"0.00123456","time_in_force":"post_only","client_order_id":"bot-abc"}');
    await verifyAuth(post, ACCESS, SECRET, "market=KRW-BTC&side=bid&order_type=limit&price=50000000&volume=0.00123456&time_in_force=post_only&client_order_id=bot-abc");
  });

  it("market buy by amount (price) and best ioc sell", async () => {
    const { client, server } = await setup((req) => (req.path === "/v1/orders/chance" ? json(chance()) : json(fixture("v2-orders-post.json"))));
    await client.placeOrder({ market: "KRW-BTC", side: "bid", type: "price", price: 10_000.9, clientOrderId: "buy-1" });
    await client.placeOrder({ market: "KRW-BTC", side: "ask", type: "best", volume: 0.5, timeInForce: "ioc", clientOrderId: "sell-1" });
    const posts = server.requests.filter((r) => r.method === "POST").map((r) => JSON.parse(r.body));
    expect(posts[0]).toEqual({ market: "KRW-BTC", side: "bid", order_type: "price", price: "10000", client_order_id: "buy-1" });
    expect(posts[1]).toEqual({ market: "KRW-BTC", side: "ask", order_type: "best", volume: "0.5", time_in_force: "ioc", client_order_id: "sell-1" });
  });
});
