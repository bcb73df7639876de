/**
 * The contract between the Bithumb client and the simulator: the client's REST and WebSocket
 * adapters run against the simulator over real sockets. Both sides were written independently
 * from API.md (ARCHITECTURE rule 10), so each case checks two readings of the spec against each
 * other. It is also the simulator's specification: anything the bot relies on is asserted here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../src/clock/system.ts";
import { FatalError, RejectedError } from "../../src/core/errors.ts";
import type { ExchangeOrder, Market, OrderRequest } from "../../src/core/model.ts";
import { INTERVAL_MS } from "../../src/core/model.ts";
import { isOnTick, roundPrice } from "../../src/core/orders/krw.ts";
import { BithumbRestClient, BithumbWsClient, ClientOrderIdFactory } from "../../src/exchange/bithumb/index.ts";
import { type SimulatorHandle, startSimulator } from "../../src/exchange/sim/index.ts";
import type { StreamEvent } from "../../src/ports/market-stream.ts";

const ACCESS = "contract-access";
const SECRET = "contract-secret-0123456789";
const clock = new SystemClock();
const ids = new ClientOrderIdFactory("ct", clock);

let sim: SimulatorHandle;
let client: BithumbRestClient;

function restClient(over: Partial<ConstructorParameters<typeof BithumbRestClient>[0]> = {}): BithumbRestClient {
  return new BithumbRestClient({
    baseUrl: sim.restUrl,
    accessKey: ACCESS,
    secretKey: SECRET,
    clock,
    timeoutMs: 3_000,
    retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 200 },
    submit: { settleDelayMs: 50, absenceChecks: 2, maxResends: 1 },
    ...over,
  });
}

/** Poll until `fn` returns a value (real sockets, real time; bounded). */
async function until<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 8_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await Bun.sleep(50);
  }
}

async function lastPrice(market: Market): Promise<number> {
  const [t] = await client.getTickers([market]);
  return t!.tradePrice;
}

function limitBid(market: Market, price: number, volume: number, over: Partial<OrderRequest> = {}): OrderRequest {
  return { market, side: "bid", type: "limit", price: roundPrice(price, "down"), volume, clientOrderId: ids.next(), ...over };
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, speed: 600, seed: 11, accessKey: ACCESS, secretKey: SECRET });
  client = restClient();
});

afterAll(async () => {
  await sim?.stop();
});

describe("public REST", () => {
  it("lists KRW markets with Korean/English names and warning flags", async () => {
    const markets = await client.listMarkets();
    const btc = markets.find((m) => m.market === "KRW-BTC");
    expect(btc).toEqual({ market: "KRW-BTC", koreanName: "비트코인", englishName: "Bitcoin", warning: "NONE" });
    expect(markets.map((m) => m.market)).toEqual(expect.arrayContaining(["KRW-ETH", "KRW-XRP"]));
  });

  it("serves tickers on the tick grid and a consistent orderbook", async () => {
    const tickers = await client.getTickers(["KRW-BTC", "KRW-ETH"]);
    expect(tickers.map((t) => t.market).sort()).toEqual(["KRW-BTC", "KRW-ETH"]);
    for (const t of tickers) {
      expect(isOnTick(t.tradePrice)).toBe(true);
      expect(t.highPrice).toBeGreaterThanOrEqual(t.lowPrice);
    }
    const [book] = await client.getOrderbooks(["KRW-BTC"]);
    expect(book!.levels.length).toBeGreaterThanOrEqual(15);
    const [best] = book!.levels;
    expect(best!.askPrice).toBeGreaterThan(best!.bidPrice);
    for (let i = 1; i < book!.levels.length; i++) {
      expect(book!.levels[i]!.askPrice).toBeGreaterThan(book!.levels[i - 1]!.askPrice);
      expect(book!.levels[i]!.bidPrice).toBeLessThan(book!.levels[i - 1]!.bidPrice);
    }
    const two = await client.getOrderbooks(["KRW-BTC", "KRW-ETH"]);
    expect(two.every((b) => b.levels.length === 15)).toBe(true);
  });

  it("serves recent trades", async () => {
    const trades = await client.getRecentTrades("KRW-XRP", 20);
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.every((t) => t.market === "KRW-XRP" && t.price > 0 && t.volume > 0)).toBe(true);
  });

  it("serves 200 one-minute candles oldest first, and pages backwards with `to`", async () => {
    const page = await client.getCandles({ market: "KRW-BTC", interval: "1m", count: 200 });
    expect(page).toHaveLength(200);
    for (let i = 1; i < page.length; i++) {
      const c = page[i]!;
      expect(c.ts).toBeGreaterThan(page[i - 1]!.ts);
      expect((c.ts - page[i - 1]!.ts) % 60_000).toBe(0);
      expect(c.high).toBeGreaterThanOrEqual(Math.max(c.open, c.close));
      expect(c.low).toBeLessThanOrEqual(Math.min(c.open, c.close));
    }
    const older = await client.getCandles({ market: "KRW-BTC", interval: "1m", count: 50, to: page[0]!.ts });
    expect(older).toHaveLength(50);
    expect(older.at(-1)!.ts).toBeLessThan(page[0]!.ts);
  });

  it.each(["3m", "5m", "10m", "15m", "30m", "1h", "4h", "1d", "1w", "1M"] as const)("serves %s candles aligned to their interval", async (interval) => {
    const page = await client.getCandles({ market: "KRW-ETH", interval, count: 5 });
    expect(page.length).toBeGreaterThan(0);
    if (interval !== "1w" && interval !== "1M" && interval !== "1d") {
      for (const c of page) expect(c.ts % INTERVAL_MS[interval]).toBe(0);
    }
  });
});

describe("private REST", () => {
  it("reads balances and order rules", async () => {
    const accounts = await client.getAccounts();
    expect(accounts.find((a) => a.currency === "KRW")?.balance).toBeGreaterThan(0);
    const chance = await client.getOrderChance("KRW-BTC");
    expect(chance.rules.bidFee).toBeGreaterThan(0);
    expect(chance.rules.minTotalBid).toBeGreaterThan(0);
    expect(chance.rules.state.toLowerCase()).toBe("active");
  });

  it("refuses a wrong secret as a fatal auth error", async () => {
    const bad = restClient({ secretKey: "not-the-secret" });
    await expect(bad.getAccounts()).rejects.toBeInstanceOf(FatalError);
  });

  it("places a resting limit bid with a client id, finds it, refuses a duplicate, and cancels it", async () => {
    const price = (await lastPrice("KRW-BTC")) * 0.8;
    const request = limitBid("KRW-BTC", price, 0.0002);
    const ack = await client.placeOrder(request);
    expect(ack.orderId).toMatch(/^C\d{19}$/);
    const found = await client.getOrder({ clientOrderId: request.clientOrderId });
    expect(found).toMatchObject({ orderId: ack.orderId, clientOrderId: request.clientOrderId, state: "wait", side: "bid", type: "limit" });
    expect(found!.locked).toBeGreaterThan(0);

    const again = await client.placeOrder(request);
    expect(again.orderId).toBe(ack.orderId);
    const same = await client.searchOrders({ clientOrderIds: [request.clientOrderId] });
    expect(same).toHaveLength(1);

    const open = await client.listOpenOrders({ market: "KRW-BTC" });
    expect(open.orders.map((o) => o.orderId)).toContain(ack.orderId);

    await client.cancelOrder({ clientOrderId: request.clientOrderId });
    const cancelled = await until(async () => {
      const o = await client.getOrder({ orderId: ack.orderId });
      return o?.state === "cancel" ? o : undefined;
    });
    expect(cancelled.executedVolume).toBe(0);
    expect(await client.getOrder({ clientOrderId: "never-used-id" })).toBeNull();
  });

  it("refuses off-tick prices, orders under the minimum and orders beyond the balance with Bithumb's names", async () => {
    const raw = restClient({ checkMarketRules: false });
    const price = await lastPrice("KRW-BTC");
    const offTick = roundPrice(price * 0.8, "down") + 1;
    const err1 = await raw.placeOrder({ market: "KRW-BTC", side: "bid", type: "limit", price: offTick, volume: 0.001, clientOrderId: ids.next() }).catch((e) => e);
    expect(err1).toBeInstanceOf(RejectedError);
    expect(err1.code).toMatch(/^invalid_price/);
    const err2 = await raw.placeOrder(limitBid("KRW-BTC", price * 0.8, 0.00001)).catch((e) => e);
    expect(err2).toBeInstanceOf(RejectedError);
    expect(err2.code).toMatch(/^under_min_total/);
    const err3 = await raw.placeOrder(limitBid("KRW-BTC", price * 0.9, 10)).catch((e) => e);
    expect(err3).toBeInstanceOf(RejectedError);
    expect(err3.code).toMatch(/^insufficient_funds/);
  });

  it("fills a market buy by KRW amount and a market sell by volume, moving balances and fees", async () => {
    const before = await client.getAccounts();
    const krwBefore = before.find((a) => a.currency === "KRW")!.balance;
    const buy = await client.placeOrder({ market: "KRW-XRP", side: "bid", type: "price", price: 100_000, clientOrderId: ids.next() });
    const bought = await until(async () => {
      const o = await client.getOrder({ orderId: buy.orderId });
      return o?.state === "done" ? o : undefined;
    });
    expect(bought.executedVolume).toBeGreaterThan(0);
    expect(bought.paidFee).toBeGreaterThan(0);
    expect(bought.executedFunds).toBeLessThanOrEqual(100_000);
    const after = await client.getAccounts();
    const xrp = after.find((a) => a.currency === "XRP")!;
    expect(xrp.balance).toBeGreaterThanOrEqual(bought.executedVolume);
    expect(after.find((a) => a.currency === "KRW")!.balance).toBeCloseTo(krwBefore - bought.executedFunds - bought.paidFee, 4);

    const sell = await client.placeOrder({ market: "KRW-XRP", side: "ask", type: "market", volume: bought.executedVolume, clientOrderId: ids.next() });
    const sold = await until(async () => {
      const o = await client.getOrder({ orderId: sell.orderId });
      return o?.state === "done" ? o : undefined;
    });
    expect(sold.executedVolume).toBeCloseTo(bought.executedVolume, 8);
  });

  it("applies time in force: post_only that would cross is cancelled, IOC never rests", async () => {
    const price = await lastPrice("KRW-ETH");
    const cross = roundPrice(price * 1.02, "up");
    const po = await client.placeOrder({ market: "KRW-ETH", side: "bid", type: "limit", price: cross, volume: 0.001, timeInForce: "post_only", clientOrderId: ids.next() });
    const poFinal = await until(async () => {
      const o = await client.getOrder({ orderId: po.orderId });
      return o && o.state !== "wait" ? o : undefined;
    });
    expect(poFinal.state).toBe("cancel");
    expect(poFinal.cancelType).toBe("tif_cancel");
    const ioc = await client.placeOrder({ market: "KRW-ETH", side: "bid", type: "limit", price: roundPrice(price * 0.5, "down"), volume: 0.004, timeInForce: "ioc", clientOrderId: ids.next() });
    const iocFinal = await until(async () => {
      const o = await client.getOrder({ orderId: ioc.orderId });
      return o && o.state !== "wait" ? o : undefined;
    });
    expect(iocFinal.state).toBe("cancel");
    expect(iocFinal.executedVolume).toBe(0);
  });

  it("places and cancels in batches", async () => {
    const price = (await lastPrice("KRW-BTC")) * 0.7;
    const reqs = [limitBid("KRW-BTC", price, 0.0001), limitBid("KRW-BTC", price * 0.99, 0.0001)];
    const acks = await client.placeOrders(reqs);
    expect(acks).toHaveLength(2);
    const result = await client.cancelOrders({ clientOrderIds: reqs.map((r) => r.clientOrderId) });
    expect(result.success.map((s) => s.orderId).sort()).toEqual(acks.map((a) => a.orderId).sort());
    const finals = await until(async () => {
      const found = await client.searchOrders({ clientOrderIds: reqs.map((r) => r.clientOrderId) });
      return found.length === 2 && found.every((o) => o.state === "cancel") ? found : undefined;
    });
    expect(finals).toHaveLength(2);
    const closed = await client.listClosedOrders({ market: "KRW-BTC" });
    expect(closed.orders.map((o) => o.orderId)).toEqual(expect.arrayContaining(acks.map((a) => a.orderId)));
  });
});

describe("faults the client must survive", () => {
  it("never duplicates an order whose response was lost", async () => {
    sim.admin.loseNextOrderResponses(1);
    const request = limitBid("KRW-BTC", (await lastPrice("KRW-BTC")) * 0.75, 0.0001);
    const ack = await client.placeOrder(request);
    expect(ack.orderId).toMatch(/^C\d{19}$/);
    const state = sim.admin.state();
    const withId = (state.orders as readonly ExchangeOrderLike[]).filter((o) => o.client_order_id === request.clientOrderId);
    expect(withId).toHaveLength(1);
    await client.cancelOrder({ orderId: ack.orderId });
  });

  it("retries idempotent reads through injected 5xx and 429 answers", async () => {
    sim.admin.setFaults({ fail5xxRate: 0.4, fail429Rate: 0.2, retryAfterSeconds: 0 });
    try {
      const flaky = restClient({ retry: { maxAttempts: 12, baseDelayMs: 5, maxDelayMs: 50 } });
      for (let i = 0; i < 5; i++) expect((await flaky.getTickers(["KRW-BTC"])).length).toBe(1);
    } finally {
      sim.admin.setFaults({ fail5xxRate: 0, fail429Rate: 0 });
    }
  });
});

interface ExchangeOrderLike {
  readonly client_order_id?: string;
}

describe("WebSocket", () => {
  it("streams ticker, trade and orderbook messages, and resubscribes with a resync after a drop", async () => {
    const ws = new BithumbWsClient({ url: sim.wsUrl, clock, reconnect: { baseDelayMs: 50, maxDelayMs: 200 } });
    const events: StreamEvent[] = [];
    ws.onEvent((e) => events.push(e));
    ws.subscribe({ ticker: ["KRW-BTC"], trade: ["KRW-BTC"], orderbook: ["KRW-BTC"] });
    ws.start();
    try {
      await until(async () => ["ticker", "trade", "orderbook"].every((t) => events.some((e) => e.type === t)));
      const ticker = events.find((e) => e.type === "ticker");
      expect(ticker?.type === "ticker" && ticker.ticker.market).toBe("KRW-BTC");
      const dropped = sim.admin.dropWebSockets();
      expect(dropped).toBeGreaterThan(0);
      const mark = events.length;
      await until(async () => events.slice(mark).some((e) => e.type === "resync"));
      await until(async () => events.slice(mark).some((e) => e.type === "ticker"));
    } finally {
      await ws.stop();
    }
  });

  it("pushes myOrder and myAsset events on the authenticated private stream", async () => {
    const ws = new BithumbWsClient({ url: sim.wsPrivateUrl, clock, credentials: { accessKey: ACCESS, secretKey: SECRET } });
    const events: StreamEvent[] = [];
    ws.onEvent((e) => events.push(e));
    ws.subscribePrivate({ myOrder: "all", myAsset: true });
    ws.start();
    try {
      await until(async () => ws.connected);
      const request = limitBid("KRW-BTC", (await lastPrice("KRW-BTC")) * 0.8, 0.0001);
      const ack = await client.placeOrder(request);
      await client.cancelOrder({ orderId: ack.orderId });
      const cancel = await until(async () => events.find((e) => e.type === "myOrder" && e.order.orderId === ack.orderId && e.order.state === "cancel"));
      expect(cancel.type === "myOrder" && cancel.order.clientOrderId).toBe(request.clientOrderId);
      expect(events.some((e) => e.type === "myOrder" && e.order.orderId === ack.orderId && e.order.state === "wait")).toBe(true);
      expect(events.some((e) => e.type === "myAsset")).toBe(true);
    } finally {
      await ws.stop();
    }
  });

  it("reports fills on the private stream with cumulative volumes that match the REST order", async () => {
    const ws = new BithumbWsClient({ url: sim.wsPrivateUrl, clock, credentials: { accessKey: ACCESS, secretKey: SECRET } });
    const events: StreamEvent[] = [];
    ws.onEvent((e) => events.push(e));
    ws.subscribePrivate({ myOrder: ["KRW-ETH"] });
    ws.start();
    try {
      await until(async () => ws.connected);
      const ack = await client.placeOrder({ market: "KRW-ETH", side: "bid", type: "price", price: 50_000, clientOrderId: ids.next() });
      const done = await until(async () => events.find((e) => e.type === "myOrder" && e.order.orderId === ack.orderId && e.order.state === "done"));
      const rest = (await client.getOrder({ orderId: ack.orderId })) as ExchangeOrder;
      expect(done.type === "myOrder" && done.order.executedVolume).toBeCloseTo(rest.executedVolume, 8);
      const trades = events.filter((e) => e.type === "myOrder" && e.order.orderId === ack.orderId && e.order.state === "trade");
      expect(trades.length).toBeGreaterThan(0);
    } finally {
      await ws.stop();
    }
  });
});
