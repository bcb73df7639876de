import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../../src/clock/system.ts";
import { BithumbRestClient } from "../../../src/exchange/bithumb/http/client.ts";
import type { RequestReport } from "../../../src/exchange/bithumb/observer.ts";
import { REST_RATE_LIMITS } from "../../../src/exchange/bithumb/rate-limit.ts";
import { bindExchangeMetrics, bindStreamMetrics, BoundedLabel, Metrics } from "../../../src/metrics/index.ts";
import { bithumbError, type FakeServer, json, startFakeServer } from "../exchange/bithumb/fake-server.ts";
import { sampleValue } from "./support.ts";

/** The observers main wires into the Bithumb clients, from report to Prometheus sample. */

const report = (over: Partial<RequestReport>): RequestReport => ({ endpoint: "/v1/accounts", method: "GET", group: "private:other", outcome: "ok", durationMs: 20, attempt: 1, ...over });

describe("bindExchangeMetrics", () => {
  it("times every attempt per endpoint and method and counts failures by kind", async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const observer = bindExchangeMetrics(metrics);
    observer.onRequest!(report({ durationMs: 20 }));
    observer.onRequest!(report({ durationMs: 3_000, outcome: "timeout" }));
    observer.onRequest!(report({ endpoint: "/v2/orders", method: "POST", group: "private:order-create", outcome: "rejected", status: 400, durationMs: 40 }));
    const accounts = { endpoint: "/v1/accounts", method: "GET" };
    expect(await sampleValue(metrics, "bot_exchange_request_duration_seconds_count", accounts)).toBe(2);
    expect(await sampleValue(metrics, "bot_exchange_request_duration_seconds_sum", accounts)).toBeCloseTo(3.02, 9);
    expect(await sampleValue(metrics, "bot_exchange_request_duration_seconds_bucket", { ...accounts, le: 0.025 })).toBe(1);
    expect(await sampleValue(metrics, "bot_exchange_errors_total", { ...accounts, kind: "timeout" })).toBe(1);
    expect(await sampleValue(metrics, "bot_exchange_errors_total", { endpoint: "/v2/orders", method: "POST", kind: "rejected" })).toBe(1);
    expect(await sampleValue(metrics, "bot_exchange_errors_total", { ...accounts, kind: "ok" })).toBeUndefined();
  });

  it("counts waits, waited seconds and refusals per group, all starting at zero", async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const observer = bindExchangeMetrics(metrics);
    for (const group of Object.keys(REST_RATE_LIMITS)) {
      expect(await sampleValue(metrics, "bot_rate_limit_waits_total", { group })).toBe(0);
      expect(await sampleValue(metrics, "bot_rate_limit_rejections_total", { group })).toBe(0);
    }
    observer.onRateLimit!({ group: "public:candle", waitedMs: 250, refused: false });
    observer.onRateLimit!({ group: "public:candle", waitedMs: 750, refused: false });
    observer.onRateLimit!({ group: "public:candle", waitedMs: 0, refused: true });
    expect(await sampleValue(metrics, "bot_rate_limit_waits_total", { group: "public:candle" })).toBe(2);
    expect(await sampleValue(metrics, "bot_rate_limit_wait_seconds_total", { group: "public:candle" })).toBeCloseTo(1, 9);
    expect(await sampleValue(metrics, "bot_rate_limit_rejections_total", { group: "public:candle" })).toBe(1);
  });

  it("folds endpoints past the bound into `other`", async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const observer = bindExchangeMetrics(metrics);
    for (let i = 0; i < 70; i++) observer.onRequest!(report({ endpoint: `/v1/thing/${i}` }));
    expect(await sampleValue(metrics, "bot_exchange_request_duration_seconds_count", { endpoint: "/v1/thing/63", method: "GET" })).toBe(1);
    expect(await sampleValue(metrics, "bot_exchange_request_duration_seconds_count", { endpoint: "/v1/thing/64", method: "GET" })).toBeUndefined();
    expect(await sampleValue(metrics, "bot_exchange_request_duration_seconds_count", { endpoint: "other", method: "GET" })).toBe(6);
  });
});

describe("bindExchangeMetrics on a real client", () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("a REST client wired in one line fills the exchange families", async () => {
    server = await startFakeServer((req) => (req.path === "/v1/accounts" ? bithumbError(401, "jwt_verification") : json([])));
    const metrics = new Metrics({ defaultMetrics: false });
    const client = new BithumbRestClient({ baseUrl: server.url, accessKey: "a", secretKey: "s", clock: new SystemClock(), timeoutMs: 2_000, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, observer: bindExchangeMetrics(metrics) });
    await client.getCandles({ market: "KRW-BTC", interval: "1m", count: 1 });
    await expect(client.getAccounts()).rejects.toThrow();
    expect(await sampleValue(metrics, "bot_exchange_request_duration_seconds_count", { endpoint: "/v1/candles/minutes/1", method: "GET" })).toBe(1);
    expect(await sampleValue(metrics, "bot_exchange_errors_total", { endpoint: "/v1/accounts", method: "GET", kind: "fatal" })).toBe(1);
  });
});

describe("bindStreamMetrics", () => {
  it("records connection, reconnects, lag (never negative), frames and problems for its stream", async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const observer = bindStreamMetrics(metrics, { stream: "paper" });
    expect(await sampleValue(metrics, "bot_ws_connected", { stream: "paper" })).toBe(0);
    expect(await sampleValue(metrics, "bot_ws_reconnects_total", { stream: "paper" })).toBe(0);
    expect(await sampleValue(metrics, "bot_ws_errors_total", { stream: "paper", kind: "keepalive_timeout" })).toBe(0);
    observer.onConnected!(false);
    expect(await sampleValue(metrics, "bot_ws_connected", { stream: "paper" })).toBe(1);
    expect(await sampleValue(metrics, "bot_ws_reconnects_total", { stream: "paper" })).toBe(0);
    observer.onDisconnected!("close 1006");
    expect(await sampleValue(metrics, "bot_ws_connected", { stream: "paper" })).toBe(0);
    observer.onConnected!(true);
    expect(await sampleValue(metrics, "bot_ws_reconnects_total", { stream: "paper" })).toBe(1);
    observer.onMessage!("trade", 120);
    observer.onMessage!("trade", -30);
    observer.onMessage!("status", undefined);
    expect(await sampleValue(metrics, "bot_ws_messages_total", { stream: "paper", kind: "trade" })).toBe(2);
    expect(await sampleValue(metrics, "bot_ws_messages_total", { stream: "paper", kind: "status" })).toBe(1);
    expect(await sampleValue(metrics, "bot_ws_message_lag_seconds_count", { stream: "paper" })).toBe(2);
    expect(await sampleValue(metrics, "bot_ws_message_lag_seconds_sum", { stream: "paper" })).toBeCloseTo(0.12, 9);
    observer.onProblem!("parse");
    expect(await sampleValue(metrics, "bot_ws_errors_total", { stream: "paper", kind: "parse" })).toBe(1);
    observer.onRateLimit!({ group: "ws:connect", waitedMs: 100, refused: false });
    expect(await sampleValue(metrics, "bot_rate_limit_waits_total", { group: "ws:connect" })).toBe(1);
  });

  it("leaves connection and lag to the runtime when told to, so nothing counts twice", async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const observer = bindStreamMetrics(metrics, { stream: "public", connection: false, lag: false });
    observer.onConnected!(false);
    observer.onConnected!(true);
    observer.onMessage!("trade", 50);
    expect(await sampleValue(metrics, "bot_ws_connected", { stream: "public" })).toBeUndefined();
    // Zero only: the counter exists so the runtime's first reconnect shows in increase().
    expect(await sampleValue(metrics, "bot_ws_reconnects_total", { stream: "public" })).toBe(0);
    expect(await sampleValue(metrics, "bot_ws_message_lag_seconds_count", { stream: "public" })).toBeUndefined();
    expect(await sampleValue(metrics, "bot_ws_messages_total", { stream: "public", kind: "trade" })).toBe(1);
  });
});

describe("BoundedLabel", () => {
  it("passes the first values, repeats of them, and folds new ones past the bound", () => {
    const label = new BoundedLabel(2);
    expect([label.of("a"), label.of("b"), label.of("c"), label.of("a"), label.of("b")]).toEqual(["a", "b", "other", "a", "b"]);
    expect(() => new BoundedLabel(0)).toThrow(RangeError);
  });
});
