import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { SystemClock } from "../../../../src/clock/system.ts";
import { FatalError, RejectedError, RetryableError } from "../../../../src/core/errors.ts";
import { BithumbRestClient, type BithumbRestClientOptions } from "../../../../src/exchange/bithumb/http/client.ts";
import { outcomeOf, type RateLimitReport, type RequestReport, type RestObserver, type WsObserver } from "../../../../src/exchange/bithumb/observer.ts";
import { type EndpointGroup, RateLimiter, REST_RATE_LIMITS } from "../../../../src/exchange/bithumb/rate-limit.ts";
import { BithumbWsClient, type BithumbWsClientOptions } from "../../../../src/exchange/bithumb/ws/client.ts";
import { bithumbError, type FakeServer, HANG, type Handler, json, startFakeServer } from "./fake-server.ts";
import { startWsServer, waitFor, type WsServer } from "./ws-server.ts";

/**
 * The adapters' observer hooks: what a REST attempt or a WebSocket frame reports, that retries
 * are reported one attempt at a time, that rate-limit waits and refusals are reported, and that a
 * throwing observer changes nothing about the request or the stream.
 */

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "../../../fixtures/bithumb", name), "utf8");

class RecordingObserver implements RestObserver {
  readonly requests: RequestReport[] = [];
  readonly waits: RateLimitReport[] = [];
  onRequest(report: RequestReport) {
    this.requests.push(report);
  }
  onRateLimit(report: RateLimitReport) {
    this.waits.push(report);
  }
}

let rest: FakeServer | undefined;
afterEach(async () => {
  await rest?.stop();
  rest = undefined;
});

async function restSetup(handler: Handler, overrides: Partial<BithumbRestClientOptions> = {}) {
  rest = await startFakeServer(handler);
  const observer = new RecordingObserver();
  const client = new BithumbRestClient({
    baseUrl: rest.url,
    accessKey: "a",
    secretKey: "s",
    clock: new SystemClock(),
    timeoutMs: 2_000,
    random: () => 0.5,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    checkMarketRules: false,
    observer,
    ...overrides,
  });
  return { client, observer, server: rest };
}

/** A limiter with the given budget for every REST group. */
function tightLimiter(clock: SystemClock, limit: number, windowMs: number, maxWaitMs: number): RateLimiter<EndpointGroup> {
  const limits = Object.fromEntries(Object.keys(REST_RATE_LIMITS).map((g) => [g, { limit, windowMs }])) as Record<EndpointGroup, { limit: number; windowMs: number }>;
  return new RateLimiter({ clock, limits, maxWaitMs });
}

describe("REST observer", () => {
  it("reports one ok attempt with the path template, method, group, status and a duration", async () => {
    const { client, observer } = await restSetup(() => json([]));
    await client.getCandles({ market: "KRW-BTC", interval: "1h", count: 2 });
    expect(observer.requests).toHaveLength(1);
    const [r] = observer.requests;
    expect(r).toMatchObject({ endpoint: "/v1/candles/minutes/60", method: "GET", group: "public:candle", outcome: "ok", status: 200, attempt: 1 });
    expect(r!.code).toBeUndefined();
    expect(r!.durationMs).toBeGreaterThanOrEqual(0);
    // No ids in the endpoint: the query carries them.
    await client.getOrder({ orderId: "C0101" }).catch(() => undefined);
    expect(observer.requests[1]!.endpoint).toBe("/v1/order");
  });

  it("reports every retried attempt with its number and outcome, then the final one", async () => {
    const { client, observer } = await restSetup((_, i) => (i < 2 ? bithumbError(503, "server_error") : json([])));
    await client.getAccounts();
    expect(observer.requests.map((r) => [r.attempt, r.outcome, r.status])).toEqual([
      [1, "retryable", 503],
      [2, "retryable", 503],
      [3, "ok", 200],
    ]);
    expect(observer.requests[0]!.code).toBe("server_error");
  });

  it("classes answers as rejected, fatal and throttled (429), with the exchange's error name", async () => {
    const answers = [bithumbError(400, "invalid_parameter"), bithumbError(401, "jwt_verification"), new Response("slow down", { status: 429, headers: { "retry-after": "0" } })];
    const { client, observer } = await restSetup((_, i) => answers[i] ?? json([]), { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(client.getAccounts()).rejects.toBeInstanceOf(RejectedError);
    await expect(client.getAccounts()).rejects.toBeInstanceOf(FatalError);
    await expect(client.getAccounts()).rejects.toBeInstanceOf(RetryableError);
    expect(observer.requests.map((r) => [r.outcome, r.status, r.code])).toEqual([
      ["rejected", 400, "invalid_parameter"],
      ["fatal", 401, "jwt_verification"],
      ["throttled", 429, "rate_limited"],
    ]);
  });

  it("reports a deadline hit as timeout and a refused connection as network", async () => {
    const { client, observer, server } = await restSetup(() => HANG, { timeoutMs: 30, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(client.getAccounts()).rejects.toMatchObject({ code: "timeout" });
    expect(observer.requests[0]).toMatchObject({ outcome: "timeout", endpoint: "/v1/accounts" });
    expect(observer.requests[0]!.status).toBeUndefined();
    expect(observer.requests[0]!.durationMs).toBeGreaterThanOrEqual(25);
    const url = server.url;
    await server.stop();
    rest = undefined;
    const offline = new BithumbRestClient({ baseUrl: url, clock: new SystemClock(), timeoutMs: 2_000, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, observer });
    await expect(offline.listMarkets()).rejects.toMatchObject({ code: "network" });
    expect(observer.requests[1]).toMatchObject({ outcome: "network", endpoint: "/v1/market/all", method: "GET", group: "public:other" });
  });

  it("reports rate-limit waits with the time waited, and refusals; free slots are not reported", async () => {
    const clock = new SystemClock();
    const { client, observer, server } = await restSetup(() => json([]), { clock, rateLimiter: tightLimiter(clock, 1, 40, 1_000) });
    await client.getAccounts();
    expect(observer.waits).toEqual([]);
    await client.getAccounts();
    expect(observer.waits).toHaveLength(1);
    expect(observer.waits[0]).toMatchObject({ group: "private:other", refused: false });
    expect(observer.waits[0]!.waitedMs).toBeGreaterThan(0);

    const refusals = new RecordingObserver();
    const refusing = new BithumbRestClient({
      baseUrl: server.url,
      accessKey: "a",
      secretKey: "s",
      clock,
      timeoutMs: 2_000,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      rateLimiter: tightLimiter(clock, 1, 60_000, 10),
      observer: refusals,
    });
    await refusing.getAccounts();
    await expect(refusing.getAccounts()).rejects.toMatchObject({ code: "rate_limited" });
    expect(refusals.waits).toEqual([{ group: "private:other", waitedMs: expect.any(Number), refused: true }]);
    // A refused request was never sent: one request report, for the first call.
    expect(refusals.requests).toHaveLength(1);
  });

  it("a throwing observer changes nothing: the answer comes back and the retry still happens", async () => {
    const throwing: RestObserver = {
      onRequest() {
        throw new Error("observer bug");
      },
    };
    const { client, server } = await restSetup((_, i) => (i === 0 ? bithumbError(500, "oops") : json([])), { observer: throwing });
    expect(await client.getAccounts()).toEqual([]);
    expect(server.requests).toHaveLength(2);
  });

  it("outcomeOf maps any thrown value to an outcome class", () => {
    expect(outcomeOf(new RetryableError({ code: "network", message: "x" }))).toBe("network");
    expect(outcomeOf(new RetryableError({ code: "timeout", message: "x" }))).toBe("timeout");
    expect(outcomeOf(new RetryableError({ code: "x", status: 429, message: "x" }))).toBe("throttled");
    expect(outcomeOf(new RetryableError({ code: "x", status: 502, message: "x" }))).toBe("retryable");
    expect(outcomeOf(new RejectedError({ code: "x", message: "x" }))).toBe("rejected");
    expect(outcomeOf(new FatalError({ code: "x", message: "x" }))).toBe("fatal");
    expect(outcomeOf(new TypeError("fetch failed"))).toBe("network");
  });
});

interface WsEvents {
  connected: boolean[];
  disconnected: string[];
  messages: [string, number | undefined][];
  problems: string[];
  waits: RateLimitReport[];
}

function recordingWsObserver(): { observer: WsObserver; seen: WsEvents } {
  const seen: WsEvents = { connected: [], disconnected: [], messages: [], problems: [], waits: [] };
  return {
    seen,
    observer: {
      onConnected: (reconnect) => seen.connected.push(reconnect),
      onDisconnected: (reason) => seen.disconnected.push(reason),
      onMessage: (kind, lagMs) => seen.messages.push([kind, lagMs]),
      onProblem: (kind) => seen.problems.push(kind),
      onRateLimit: (report) => seen.waits.push(report),
    },
  };
}

let wsServer: WsServer | undefined;
let wsClient: BithumbWsClient | undefined;
afterEach(async () => {
  await wsClient?.stop();
  await wsServer?.stop();
  wsClient = undefined;
  wsServer = undefined;
});

/** The trade fixture's `trade_timestamp` (a trade's time); the clock starts 250 ms later. */
const TRADE_TS = 1725929934373;

async function wsSetup(options: Partial<BithumbWsClientOptions> = {}) {
  wsServer = await startWsServer();
  const clock = new SimulatedClock(TRADE_TS + 250);
  const { observer, seen } = recordingWsObserver();
  wsClient = new BithumbWsClient({ url: wsServer.url, clock, random: () => 0.5, reconnect: { baseDelayMs: 1_000, maxDelayMs: 1_000, stableAfterMs: 60_000 }, observer, ...options });
  return { server: wsServer, client: wsClient, clock, seen };
}

describe("WebSocket observer", () => {
  it("reports connects, each parsed frame with its kind and lag, problems, the drop and the reconnect", async () => {
    const { server, client, clock, seen } = await wsSetup();
    client.subscribe({ trade: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the subscription");
    expect(seen.connected).toEqual([false]);

    server.latest().send(fixture("ws-trade.json"));
    server.latest().send(fixture("ws-status-up.json"));
    server.latest().send('{"error":{"name":"INVALID_REQUEST","message":"bad"}}');
    server.latest().send("{broken");
    await waitFor(() => seen.problems.length === 2, "the problems");
    expect(seen.messages).toEqual([
      ["trade", 250],
      ["status", undefined],
      ["error", undefined],
    ]);
    expect(seen.problems).toEqual(["server", "parse"]);

    server.latest().close(1011, "restart");
    await waitFor(() => seen.disconnected.length === 1, "the drop");
    expect(seen.disconnected[0]).toContain("1011");
    clock.advance(1_000);
    await waitFor(() => seen.connected.length === 2, "the reconnect");
    expect(seen.connected).toEqual([false, true]);
  });

  it("reports a keep-alive timeout and a refused upgrade as problems", async () => {
    const { server, client, clock, seen } = await wsSetup({ keepAlive: { intervalMs: 10_000 }, staleAfterMs: 0 });
    client.start();
    await waitFor(() => seen.connected.length === 1, "the connection");
    server.refuseUpgrades = true;
    clock.advance(30_000); // silent for 3 x interval
    expect(seen.problems).toEqual(["keepalive_timeout"]);
    expect(seen.disconnected).toEqual(["keep-alive timeout"]);
    clock.advance(1_000);
    await waitFor(() => seen.problems.length === 2, "the refused attempt");
    expect(seen.problems[1]).toBe("connect");
    expect(seen.disconnected).toHaveLength(1); // a socket that never opened is not a disconnect
  });

  it("reports a connection attempt that waited for the connect limiter", async () => {
    const clock = new SimulatedClock(0);
    const limiter = new RateLimiter({ clock, limits: { "ws:connect": { limit: 1, windowMs: 1_000 } } });
    await limiter.acquire("ws:connect");
    const { client, seen } = await wsSetup({ clock, connectLimiter: limiter });
    client.start();
    await Bun.sleep(20);
    clock.advance(1_000);
    await waitFor(() => seen.connected.length === 1, "the paced connection");
    expect(seen.waits).toEqual([{ group: "ws:connect", waitedMs: 1_000, refused: false }]);
  });

  it("a throwing observer does not break the stream or its listeners", async () => {
    const { server, client } = await wsSetup({
      observer: {
        onMessage() {
          throw new Error("observer bug");
        },
        onConnected() {
          throw new Error("observer bug");
        },
      },
    });
    const trades: unknown[] = [];
    client.onEvent((e) => e.type === "trade" && trades.push(e));
    client.subscribe({ trade: ["KRW-BTC"] });
    client.start();
    await waitFor(() => server.frames.length === 1, "the subscription");
    server.latest().send(fixture("ws-trade.json"));
    await waitFor(() => trades.length === 1, "the trade event");
    expect(client.connected).toBe(true);
  });
});
