import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import wsOrderbook from "../../../fixtures/bithumb/ws-orderbook.json";
import wsTicker from "../../../fixtures/bithumb/ws-ticker.json";
import wsTrade from "../../../fixtures/bithumb/ws-trade.json";
import { advance, jwt, privateCall, startTestSim, type TestSim } from "./helpers.ts";

type Msg = Record<string, any>;

/** A WebSocket client that records everything it receives. */
class Client {
  readonly messages: Msg[] = [];
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => this.messages.push(JSON.parse(String(e.data))));
    ws.addEventListener("close", (e) => (this.closeCode = e.code));
  }

  static open(url: string, headers?: Record<string, string>): Promise<Client> {
    const ws = new WebSocket(url, headers ? ({ headers } as unknown as string[]) : undefined);
    const client = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.addEventListener("open", () => resolve(client));
      ws.addEventListener("error", () => reject(new Error("websocket failed")));
    });
  }

  send(value: unknown): void {
    this.ws.send(typeof value === "string" ? value : JSON.stringify(value));
  }

  /** The first message (from `from`) matching `pred`, waiting briefly in real time. */
  async next(pred: (m: Msg) => boolean, from = 0): Promise<Msg> {
    for (let i = 0; i < 1_500; i++) {
      const hit = this.messages.slice(from).find(pred);
      if (hit) return hit;
      await Bun.sleep(2);
    }
    throw new Error(`no matching message; got ${JSON.stringify(this.messages.slice(-5))}`);
  }

  /** PING and wait for its answer: everything sent before has been handled by the server. */
  async roundTrip(): Promise<void> {
    const mark = this.messages.length;
    this.send("PING");
    await this.next((m) => m.status === "UP", mark);
  }

  async closed(): Promise<number> {
    for (let i = 0; i < 1_500 && this.closeCode === undefined; i++) await Bun.sleep(2);
    return this.closeCode!;
  }
}

const running: TestSim[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.close();
  for (const t of running.splice(0)) await t.sim.stop();
});

async function sim(options: Parameters<typeof startTestSim>[0] = {}): Promise<TestSim> {
  const t = await startTestSim(options);
  running.push(t);
  return t;
}

async function client(url: string, headers?: Record<string, string>): Promise<Client> {
  const c = await Client.open(url, headers);
  clients.push(c);
  return c;
}

describe("public WebSocket", () => {
  it("sends snapshots then realtime ticker, trade and orderbook messages with the fixtures' fields", async () => {
    const t = await sim();
    const c = await client(t.sim.wsUrl);
    c.send([{ ticket: "t1" }, { type: "ticker", codes: ["KRW-BTC"] }, { type: "trade", codes: ["KRW-BTC"] }, { type: "orderbook", codes: ["KRW-BTC"] }]);
    const ticker = await c.next((m) => m.type === "ticker");
    expect(Object.keys(ticker)).toEqual(Object.keys(wsTicker));
    expect(ticker).toMatchObject({ code: "KRW-BTC", stream_type: "SNAPSHOT", market_state: "ACTIVE", market_warning: "NONE", delisting_date: null });
    const trade = await c.next((m) => m.type === "trade");
    expect(Object.keys(trade)).toEqual(Object.keys(wsTrade));
    const book = await c.next((m) => m.type === "orderbook");
    expect(Object.keys(book)).toEqual(Object.keys(wsOrderbook));
    expect(book.orderbook_units).toHaveLength(15);
    expect(Object.keys(book.orderbook_units[0])).toEqual(Object.keys(wsOrderbook.orderbook_units[0]!));

    const mark = c.messages.length;
    advance(t, 60_000);
    const live = await c.next((m) => m.type === "ticker" && m.stream_type === "REALTIME", mark);
    expect(live.trade_timestamp).toBeGreaterThan(ticker.trade_timestamp);
    const liveTrade = await c.next((m) => m.type === "trade" && m.stream_type === "REALTIME", mark);
    expect(liveTrade.trade_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await c.next((m) => m.type === "orderbook" && m.stream_type === "REALTIME", mark);
    await c.roundTrip(); // everything the advance produced has arrived
    const trades = c.messages.slice(mark).filter((m) => m.type === "trade");
    const tickers = c.messages.slice(mark).filter((m) => m.type === "ticker");
    expect(tickers.length).toBe(trades.length); // one ticker per trade
    expect(tickers.at(-1)!.trade_price).toBe(trades.at(-1)!.trade_price);
  });

  it("abbreviates keys in SIMPLE format", async () => {
    const t = await sim();
    const c = await client(t.sim.wsUrl);
    c.send([{ ticket: "t2" }, { type: "ticker", codes: ["KRW-XRP"] }, { type: "orderbook", codes: ["KRW-XRP"] }, { format: "SIMPLE" }]);
    const ticker = await c.next((m) => m.ty === "ticker");
    expect(ticker).toMatchObject({ cd: "KRW-XRP", st: "SNAPSHOT", mw: "NONE" });
    expect(typeof ticker.tp).toBe("number");
    expect(ticker).not.toHaveProperty("trade_price");
    const book = await c.next((m) => m.ty === "orderbook");
    expect(Object.keys(book.obu[0])).toEqual(["ap", "bp", "as", "bs"]);
  });

  it("honours isOnlySnapshot and isOnlyRealtime, and a new request replaces the old one", async () => {
    const t = await sim();
    const snap = await client(t.sim.wsUrl);
    snap.send([{ ticket: "s" }, { type: "ticker", codes: ["KRW-BTC"], isOnlySnapshot: true }]);
    await snap.next((m) => m.type === "ticker");
    const real = await client(t.sim.wsUrl);
    real.send([{ ticket: "r" }, { type: "trade", codes: ["KRW-BTC"], isOnlyRealtime: true }]);
    const swap = await client(t.sim.wsUrl);
    swap.send([{ ticket: "a" }, { type: "ticker", codes: ["KRW-BTC"], isOnlyRealtime: true }]);
    swap.send([{ ticket: "b" }, { type: "trade", codes: ["KRW-XRP"], isOnlyRealtime: true }]);
    await real.roundTrip();
    await swap.roundTrip();
    advance(t, 120_000);
    await real.next((m) => m.type === "trade");
    await swap.next((m) => m.type === "trade" && m.code === "KRW-XRP");
    await Promise.all([snap.roundTrip(), real.roundTrip(), swap.roundTrip()]);
    expect(snap.messages.filter((m) => "type" in m)).toHaveLength(1);
    expect(real.messages.filter((m) => "type" in m).every((m) => m.stream_type === "REALTIME")).toBe(true);
    expect(swap.messages.some((m) => m.type === "ticker")).toBe(false);
  });

  it("answers PING and refuses bad requests with error frames", async () => {
    const t = await sim();
    const c = await client(t.sim.wsUrl);
    c.send("PING");
    expect(await c.next((m) => "status" in m)).toEqual({ status: "UP" });
    const cases: [unknown, string][] = [
      ["not json", "WRONG_FORMAT"],
      [{ ticket: "x" }, "WRONG_FORMAT"],
      [[{ type: "ticker", codes: ["KRW-BTC"] }], "NO_TICKET"],
      [[{ ticket: "x" }], "NO_TYPE"],
      [[{ ticket: "x" }, { type: "ticker" }], "NO_CODES"],
      [[{ ticket: "x" }, { type: "ticker", codes: ["KRW-NOPE"] }], "INVALID_PARAM"],
      [[{ ticket: "x" }, { type: "ticker", codes: ["krw-btc"] }], "INVALID_PARAM"],
      [[{ ticket: "x" }, { type: "candle", codes: ["KRW-BTC"] }], "INVALID_PARAM"],
      [[{ ticket: "x" }, { type: "ticker", codes: ["KRW-BTC"] }, { format: "XML" }], "INVALID_PARAM"],
      [[{ ticket: "x" }, { type: "myOrder" }], "INVALID_AUTH"],
    ];
    for (const [request, name] of cases) {
      const mark = c.messages.length;
      c.send(request);
      expect((await c.next((m) => "error" in m, mark)).error.name).toBe(name);
    }
  });
});

describe("private WebSocket", () => {
  it("refuses a handshake without a valid JWT", async () => {
    const t = await sim();
    await expect(Client.open(t.sim.wsPrivateUrl)).rejects.toThrow();
    await expect(Client.open(t.sim.wsPrivateUrl, { authorization: `Bearer ${await jwt(t.signClock, undefined, "wrong-secret")}` })).rejects.toThrow();
  });

  it("pushes myOrder (v2 fields) and myAsset on every order change", async () => {
    const t = await sim();
    const c = await client(t.sim.wsPrivateUrl, { authorization: `Bearer ${await jwt(t.signClock)}` });
    c.send([{ ticket: "p" }, { type: "myOrder", codes: ["KRW-XRP"] }, { type: "myAsset" }]);
    await c.roundTrip();
    const body = { market: "KRW-XRP", side: "bid", order_type: "limit", price: "1000", volume: "10", client_order_id: "ws-1" };
    const placed = (await (await privateCall(t, "POST", "/v2/orders", undefined, body)).json()) as { order_id: string };
    const wait = await c.next((m) => m.type === "myOrder" && m.state === "wait");
    expect(wait).toEqual({
      type: "myOrder",
      code: "KRW-XRP",
      order_id: placed.order_id,
      client_order_id: "ws-1",
      side: "buy",
      order_type: "limit",
      state: "wait",
      order_price: 1000,
      order_quantity: 10,
      order_amount: 10000,
      remaining_quantity: 10,
      executed_quantity: 0,
      executed_amount: 0,
      reserved_fee: 25,
      remaining_fee: 25,
      paid_fee: 0,
      order_timestamp: t.clock.now(),
      timestamp: t.clock.now(),
      stream_type: "REALTIME",
    });
    const asset = await c.next((m) => m.type === "myAsset");
    expect(asset.assets).toEqual([{ currency: "KRW", balance: 10_000_000 - 10_025, locked: 10_025 }]);
    await privateCall(t, "DELETE", "/v2/order", { order_id: placed.order_id });
    const cancel = await c.next((m) => m.type === "myOrder" && m.state === "cancel");
    expect(cancel).toMatchObject({ order_id: placed.order_id, cancel_type: "user_cancel", remaining_fee: 0 });
    await c.next((m) => m.type === "myAsset" && m.assets[0].locked === 0);
    // Other markets are filtered out by codes.
    await privateCall(t, "POST", "/v2/orders", undefined, { market: "KRW-BTC", side: "bid", order_type: "price", price: "10000" });
    await c.next((m) => m.type === "myAsset" && m.assets.some((a: { currency: string }) => a.currency === "BTC"));
    expect(c.messages.filter((m) => m.type === "myOrder").every((m) => m.code === "KRW-XRP")).toBe(true);
  });

  it("reports fills of a market buy as trade events then done, in SIMPLE format on request", async () => {
    const t = await sim();
    const c = await client(t.sim.wsPrivateUrl, { authorization: `Bearer ${await jwt(t.signClock)}` });
    c.send([{ ticket: "p" }, { type: "myOrder" }, { format: "SIMPLE" }]);
    await c.roundTrip();
    await privateCall(t, "POST", "/v2/orders", undefined, { market: "KRW-BTC", side: "bid", order_type: "price", price: "50000" });
    const trade = await c.next((m) => m.ty === "myOrder" && m.s === "trade");
    expect(trade).toMatchObject({ cd: "KRW-BTC", sd: "buy", ot: "price", op: 0, oq: 0, oa: 50000, st: "REALTIME" });
    expect(trade.tid).toMatch(/^C\d{19}$/);
    expect(trade.tp * trade.tq).toBeCloseTo(trade.ta, 6);
    expect(trade).not.toHaveProperty("rq");
    await c.next((m) => m.ty === "myOrder" && m.s === "done");
  });
});

describe("connection management", () => {
  it("sends status UP every heartbeat and closes idle connections", async () => {
    const wall = new SimulatedClock(Date.now());
    const t = await sim({ wallClock: wall, heartbeatMs: 10_000, wsIdleTimeoutMs: 120_000 });
    const c = await client(t.sim.wsUrl);
    await c.roundTrip();
    const mark = c.messages.length;
    wall.advance(10_000);
    expect(await c.next((m) => m.status === "UP", mark)).toEqual({ status: "UP" });
    wall.advance(110_000);
    expect(await c.closed()).toBe(1001);
  });

  it("keeps a connection that pings alive", async () => {
    const wall = new SimulatedClock(Date.now());
    const t = await sim({ wallClock: wall, heartbeatMs: 10_000, wsIdleTimeoutMs: 30_000 });
    const c = await client(t.sim.wsUrl);
    for (let i = 0; i < 6; i++) {
      const mark = c.messages.length;
      c.send("PING");
      await c.next((m) => m.status === "UP", mark);
      wall.advance(10_000);
    }
    expect(c.closeCode).toBeUndefined();
  });

  it("answers ping frames with pong and counts them as traffic", async () => {
    const wall = new SimulatedClock(Date.now());
    const t = await sim({ wallClock: wall, heartbeatMs: 10_000, wsIdleTimeoutMs: 30_000 });
    const c = await client(t.sim.wsUrl);
    let pongs = 0;
    c.ws.addEventListener("pong" as "message", () => pongs++);
    for (let i = 0; i < 6; i++) {
      (c.ws as unknown as { ping(): void }).ping();
      for (let k = 0; k < 200 && pongs <= i; k++) await Bun.sleep(2);
      wall.advance(10_000);
    }
    expect(pongs).toBe(6);
    expect(c.closeCode).toBeUndefined();
  });

  it("drops every connection on demand", async () => {
    const t = await sim();
    const a = await client(t.sim.wsUrl);
    const b = await client(t.sim.wsPrivateUrl, { authorization: `Bearer ${await jwt(t.signClock)}` });
    await a.roundTrip();
    await b.roundTrip();
    expect(t.sim.admin.dropWebSockets()).toBe(2);
    expect(await a.closed()).toBe(1006);
    expect(await b.closed()).toBe(1006);
  });

  it("limits connection attempts per second", async () => {
    const wall = new SimulatedClock(Date.now());
    const t = await sim({ wallClock: wall, wsConnectsPerSecond: 2 });
    await client(t.sim.wsUrl);
    await client(t.sim.wsUrl);
    await expect(Client.open(t.sim.wsUrl)).rejects.toThrow();
    wall.advance(1_000);
    await client(t.sim.wsUrl);
  });
});
