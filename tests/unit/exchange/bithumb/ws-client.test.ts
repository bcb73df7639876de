import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jwtVerify } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { RateLimiter } from "../../../../src/exchange/bithumb/rate-limit.ts";
import { BithumbWsClient, type BithumbWsClientOptions } from "../../../../src/exchange/bithumb/ws/client.ts";
import type { StreamEvent } from "../../../../src/ports/market-stream.ts";
import { startWsServer, waitFor, type WsServer } from "./ws-server.ts";

/**
 * The WebSocket client against a local Bun.serve WebSocket server. Socket I/O is real (loopback);
 * every timer of the client (keep-alive, watchdog, reconnect backoff) runs on a SimulatedClock
 * that the test advances, so nothing here sleeps for the client's sake.
 */

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../../../fixtures/bithumb", name), "utf8");

let server: WsServer | undefined;
let client: BithumbWsClient | undefined;
afterEach(async () => {
  await client?.stop();
  await server?.stop();
  client = undefined;
  server = undefined;
});

async function setup(options: Partial<BithumbWsClientOptions> = {}) {
  server = await startWsServer();
  const clock = new SimulatedClock(1_750_000_000_000);
  const events: StreamEvent[] = [];
  let ticket = 0;
  client = new BithumbWsClient({
    url: server.url,
    clock,
    random: () => 1 - 1e-9, // jitter at its top: the full backoff step
    ticket: () => `ticket-${++ticket}`,
    reconnect: { baseDelayMs: 1_000, maxDelayMs: 8_000, stableAfterMs: 60_000 },
    ...options,
  });
  client.onEvent((e) => events.push(e));
  const ofType = <T extends StreamEvent["type"]>(type: T) => events.filter((e): e is Extract<StreamEvent, { type: T }> => e.type === type);
  return { server, client, clock, events, ofType };
}

describe("public stream", () => {
  it("sends Bithumb's request frame on connect and parses ticker, trade (binary) and orderbook frames", async () => {
    const { server, client, ofType } = await setup();
    client.subscribe({ ticker: ["KRW-BTC", "KRW-ETH"], trade: ["KRW-BTC"], orderbook: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the subscription frame");
    expect(JSON.parse(server.frames[0]!.data)).toEqual([
      { ticket: "ticket-1" },
      { type: "ticker", codes: ["KRW-BTC", "KRW-ETH"] },
      { type: "trade", codes: ["KRW-BTC"] },
      { type: "orderbook", codes: ["KRW-BTC"] },
      { format: "DEFAULT" },
    ]);
    expect(client.connected).toBe(true);
    expect(ofType("connected")).toHaveLength(1);
    expect(server.handshakes[0]!.get("authorization")).toBeNull();

    server.latest().send(fixture("ws-ticker.json"));
    server.latest().send(new TextEncoder().encode(fixture("ws-trade.json")));
    server.latest().send(fixture("ws-status-up.json"));
    server.latest().send(fixture("ws-orderbook.json"));
    server.latest().send("{broken");
    await waitFor(() => ofType("orderbook").length === 1, "the orderbook event");
    expect(ofType("ticker")[0]!.ticker.tradePrice).toBe(493100);
    expect(ofType("trade")[0]!.trade.sequentialId).toBe("17259299343730000");
    expect(ofType("error")).toHaveLength(1);
    expect(client.stats()).toMatchObject({ messages: 5, statusFrames: 1, parseErrors: 1 });
  });

  it("re-subscribing on a live connection sends the new set at once", async () => {
    const { server, client } = await setup();
    client.subscribe({ ticker: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the first frame");
    client.subscribe({ ticker: ["KRW-XRP"] });
    await waitFor(() => server.frames.length === 2, "the second frame");
    expect(JSON.parse(server.frames[1]!.data)[1]).toEqual({ type: "ticker", codes: ["KRW-XRP"] });
  });

  it("a dropped connection: disconnected, reconnect after backoff on the clock, re-subscribe, resync", async () => {
    const { server, client, clock, ofType } = await setup();
    client.subscribe({ ticker: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the first subscription");
    server.latest().close(1011, "server restart");
    await waitFor(() => ofType("disconnected").length === 1, "the disconnect");
    expect(client.connected).toBe(false);
    await Bun.sleep(30);
    expect(server.handshakes).toHaveLength(1); // no hot loop: nothing until the backoff elapses
    clock.advance(999);
    await Bun.sleep(30);
    expect(server.handshakes).toHaveLength(1);
    clock.advance(1);
    await waitFor(() => server.frames.length === 2, "the re-subscription");
    expect(server.frames[1]!.conn).toBe(2);
    expect(JSON.parse(server.frames[1]!.data).slice(1)).toEqual([{ type: "ticker", codes: ["KRW-BTC"] }, { format: "DEFAULT" }]);
    await waitFor(() => ofType("resync").length === 1, "the resync event");
    expect(ofType("resync")[0]).toMatchObject({ reason: "reconnected", markets: [] });
    expect(ofType("connected")).toHaveLength(2);
    expect(client.stats().reconnects).toBe(1);
  });

  it("backs off exponentially while the server refuses, and resets after a stable period", async () => {
    const { server, client, clock, ofType } = await setup();
    client.subscribe({ ticker: ["KRW-BTC"] });
    server.refuseUpgrades = true;
    client.start();
    const attemptsAfter = async (ms: number) => {
      clock.advance(ms);
      await Bun.sleep(40);
      return server.handshakes.length;
    };
    await waitFor(() => server.handshakes.length === 1, "the first attempt");
    await waitFor(() => ofType("disconnected").length >= 1 || ofType("error").length >= 1, "the refusal");
    expect(await attemptsAfter(999)).toBe(1);
    expect(await attemptsAfter(1)).toBe(2); // 1 s
    expect(await attemptsAfter(1_999)).toBe(2);
    expect(await attemptsAfter(1)).toBe(3); // 2 s
    expect(await attemptsAfter(3_999)).toBe(3);
    expect(await attemptsAfter(1)).toBe(4); // 4 s
    expect(await attemptsAfter(8_000)).toBe(5); // capped at 8 s
    server.refuseUpgrades = false;
    expect(await attemptsAfter(8_000)).toBe(6);
    await waitFor(() => client.connected, "the connection");
    clock.advance(60_000); // stable: the backoff starts over
    await Bun.sleep(20);
    server.latest().close(1011, "again");
    await waitFor(() => !client.connected, "the second drop");
    expect(await attemptsAfter(1_000)).toBe(7);
  });

  it("never exceeds the connection-attempt limit, even with a tiny backoff", async () => {
    const { server, client, clock } = await setup({
      reconnect: { baseDelayMs: 1, maxDelayMs: 1, stableAfterMs: 60_000 },
      connectLimiter: undefined,
    });
    server.refuseUpgrades = true;
    client.subscribe({ ticker: ["KRW-BTC"] });
    client.start();
    for (let i = 0; i < 100; i++) {
      clock.advance(5);
      await Bun.sleep(2);
    }
    // 500 ms of simulated time with a 1 ms backoff: the default limiter allows 10 per second.
    expect(server.handshakes.length).toBeLessThanOrEqual(10);
    expect(server.handshakes.length).toBeGreaterThanOrEqual(2);
  });

  it("a shared connect limiter paces sockets together", async () => {
    const clock = new SimulatedClock(0);
    const limiter = new RateLimiter({ clock, limits: { "ws:connect": { limit: 1, windowMs: 1_000 } } });
    await limiter.acquire("ws:connect");
    const { server, client } = await setup({ clock, connectLimiter: limiter });
    client.subscribe({ ticker: ["KRW-BTC"] });
    client.start();
    await Bun.sleep(30);
    expect(server.handshakes).toHaveLength(0);
    clock.advance(1_000);
    await waitFor(() => server.handshakes.length === 1, "the paced attempt");
  });
});

describe("liveness", () => {
  it("sends a PING text every interval; answered by status UP it stays connected", async () => {
    const { server, client, clock, ofType } = await setup({ keepAlive: { intervalMs: 30_000 } });
    server.onFrame = (ws, data) => data === "PING" && ws.send('{"status":"UP"}');
    client.subscribe({ ticker: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the subscription");
    for (let i = 1; i <= 4; i++) {
      clock.advance(30_000);
      await waitFor(() => server.frames.filter((f) => f.data === "PING").length === i, `ping ${i}`);
      await waitFor(() => client.stats().statusFrames === i, `status ${i}`);
    }
    expect(client.connected).toBe(true);
    expect(ofType("disconnected")).toHaveLength(0);
  });

  it("nothing received for 2 x interval: the connection is replaced", async () => {
    const { server, client, clock, ofType } = await setup({ keepAlive: { intervalMs: 30_000 }, staleAfterMs: 0 });
    client.subscribe({ ticker: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the subscription");
    clock.advance(60_000); // pings at 30 s and 60 s, silence is not yet > 60 s
    expect(client.connected).toBe(true);
    clock.advance(30_000); // 90 s of silence
    expect(client.stats().keepAliveTimeouts).toBe(1);
    expect(ofType("disconnected")[0]!.reason).toBe("keep-alive timeout");
    clock.advance(1_000);
    await waitFor(() => ofType("resync").length === 1, "the resync after the forced reconnect");
    expect(server.handshakes).toHaveLength(2);
  });

  it("protocol pings when asked (mode frame)", async () => {
    const { server, client, clock } = await setup({ keepAlive: { intervalMs: 10_000, mode: "frame" } });
    client.subscribe({ ticker: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the subscription");
    clock.advance(10_000);
    await waitFor(() => server.pings === 1, "a protocol ping");
    for (let i = 2; i <= 4; i++) {
      await Bun.sleep(20); // let the server's automatic pong arrive
      clock.advance(10_000);
      await waitFor(() => server.pings === i, `protocol ping ${i}`);
    }
    // 40 s without a single message, but pongs answered every ping: still alive.
    expect(server.frames.filter((f) => f.data === "PING")).toHaveLength(0);
    expect(client.connected).toBe(true);
    expect(client.stats().keepAliveTimeouts).toBe(0);
  });

  it("a market silent past staleAfterMs gets one stale event, then a resync when it speaks again", async () => {
    const { server, client, clock, ofType } = await setup({ keepAlive: { intervalMs: 600_000 }, staleAfterMs: 60_000 });
    client.subscribe({ ticker: ["KRW-BTC", "KRW-ETH"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the subscription");
    const tickerFor = (code: string) => fixture("ws-ticker.json").replace('"code": "KRW-BTC"', `"code": "${code}"`);
    for (let t = 0; t < 4; t++) {
      clock.advance(20_000);
      server.latest().send(tickerFor("KRW-BTC"));
      await waitFor(() => ofType("ticker").length === t + 1, "a BTC ticker");
    }
    // 80 s: ETH has been silent since the connection opened, BTC spoke 0 s ago.
    expect(ofType("stale").map((e) => e.market)).toEqual(["KRW-ETH"]);
    expect(ofType("stale")[0]!.silentMs).toBeGreaterThanOrEqual(60_000);
    clock.advance(60_000);
    expect(ofType("stale").map((e) => e.market)).toEqual(["KRW-ETH", "KRW-BTC"]); // once per episode each
    server.latest().send(tickerFor("KRW-ETH"));
    await waitFor(() => ofType("resync").length === 1, "the recovery resync");
    expect(ofType("resync")[0]).toMatchObject({ reason: "stale market recovered", markets: ["KRW-ETH"] });
  });
});

describe("private stream", () => {
  it("authenticates the handshake with a JWT (no query hash) and delivers myOrder / myAsset", async () => {
    const { server, client, ofType } = await setup({
      credentials: { accessKey: "ws-access", secretKey: "ws-secret", nonce: () => "nonce-ws-1" },
    });
    expect(client.isPrivate).toBe(true);
    client.subscribePrivate({ myOrder: "all", myAsset: true });
    client.start();
    await waitFor(() => server.frames.length === 1, "the private subscription");
    const header = server.handshakes[0]!.get("authorization")!;
    expect(header.startsWith("Bearer ")).toBe(true);
    const { payload } = await jwtVerify(header.slice(7), new TextEncoder().encode("ws-secret"), { algorithms: ["HS256"] });
    expect(payload).toEqual({ access_key: "ws-access", nonce: "nonce-ws-1", timestamp: 1_750_000_000_000 });
    expect(JSON.parse(server.frames[0]!.data)).toEqual([{ ticket: "ticket-1" }, { type: "myOrder" }, { type: "myAsset" }, { format: "DEFAULT" }]);

    server.latest().send(JSON.stringify({ type: "myOrder", code: "KRW-BTC", order_id: "C1", client_order_id: "bot-1", side: "sell", order_type: "limit", state: "done", timestamp: 1 }));
    server.latest().send(JSON.stringify({ type: "myAsset", assets: [{ currency: "KRW", balance: "10", locked: "0" }], timestamp: 2 }));
    await waitFor(() => ofType("myAsset").length === 1, "the asset event");
    expect(ofType("myOrder")[0]!.order).toMatchObject({ orderId: "C1", clientOrderId: "bot-1", side: "ask", state: "done" });
  });

  it("signs a fresh token for every (re)connection", async () => {
    let n = 0;
    const { server, client, clock } = await setup({ credentials: { accessKey: "a", secretKey: "s", nonce: () => `n-${++n}` } });
    client.subscribePrivate({ myOrder: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the first subscription");
    server.latest().close();
    await waitFor(() => !client.connected, "the drop");
    clock.advance(1_000);
    await waitFor(() => server.frames.length === 2, "the second subscription");
    const nonces = await Promise.all(
      server.handshakes.map(async (h) => (await jwtVerify(h.get("authorization")!.slice(7), new TextEncoder().encode("s"))).payload.nonce),
    );
    expect(nonces).toEqual(["n-1", "n-2"]);
  });
});

describe("stop", () => {
  it("closes the socket, emits disconnected and never reconnects", async () => {
    const { server, client, clock, ofType } = await setup();
    client.subscribe({ ticker: ["KRW-BTC"] });
    client.start();
    await waitFor(() => client.connected, "the connection");
    await client.stop();
    expect(client.connected).toBe(false);
    expect(ofType("disconnected")).toHaveLength(1);
    clock.advance(120_000);
    await Bun.sleep(30);
    expect(server.handshakes).toHaveLength(1);
    expect(clock.pending()).toBe(0);
  });

  it("a throwing listener does not break the stream for the others", async () => {
    const { server, client, ofType } = await setup();
    client.onEvent(() => {
      throw new Error("consumer bug");
    });
    client.subscribe({ ticker: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the subscription");
    server.latest().send(fixture("ws-ticker.json"));
    await waitFor(() => ofType("ticker").length === 1, "the ticker");
  });
});
