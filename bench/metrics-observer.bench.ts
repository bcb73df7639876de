/**
 * What metrics cost on the hot paths, each against a baseline measured in the same run:
 *
 * - WebSocket frames: a trade frame through `BithumbWsClient` (parse, dispatch to a listener)
 *   without an observer (baseline), with an empty observer, and with `bindStreamMetrics` (a
 *   counter and a histogram per frame). The socket is an in-process fake, so this is CPU only.
 * - HTTP: a Hono route served in-process (`app.request`) without and with the `httpMetrics`
 *   middleware (route lookup, a counter and a histogram per request).
 * - REST: `bindExchangeMetrics` recording one request report, on its own (the request it
 *   describes costs a network round trip, milliseconds).
 *
 * Most of the metrics cost is prom-client's own (a labelled histogram observation is ~0.6 us
 * here, a counter increment ~0.2 us): next to the ~3 us of parsing a frame it is visible, next to
 * a network round trip it is not.
 *
 * Protocol: one untimed warm-up pass per workload, then RUNS rounds in which the variants take
 * turns; the median per variant is printed.
 * Run: `bun run bench metrics-observer`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { SimulatedClock } from "../src/clock/simulated.ts";
import type { WsObserver } from "../src/exchange/bithumb/observer.ts";
import { BithumbWsClient } from "../src/exchange/bithumb/ws/client.ts";
import { bindExchangeMetrics, bindStreamMetrics, Metrics } from "../src/metrics/index.ts";
import { httpMetrics } from "../src/server/middleware/metrics.ts";

const RUNS = 5;
const FRAMES = 100_000;
const REQUESTS = 20_000;
const REPORTS = 500_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Ops per second of each variant. The variants take turns within every round, so a change in the
 * machine's load (it is shared) hits them all alike instead of whichever ran last.
 */
async function compare(title: string, n: number, variants: readonly (readonly [string, () => unknown | Promise<unknown>])[]): Promise<number[]> {
  console.log(`${title} (median of ${RUNS} rounds x ${n.toLocaleString("en-US")}, variants interleaved)`);
  for (const [, fn] of variants) for (let i = 0; i < Math.min(n, 2_000); i++) await fn();
  const times: number[][] = variants.map(() => []);
  for (let r = 0; r < RUNS; r++) {
    for (const [v, [, fn]] of variants.entries()) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fn();
      times[v]!.push(performance.now() - t0);
    }
  }
  return variants.map(([label], v) => {
    const perSecond = n / (median(times[v]!) / 1_000);
    console.log(`  ${label.padEnd(50)} ${Math.round(perSecond).toLocaleString("en-US").padStart(12)} /s`);
    return perSecond;
  });
}

const trade = readFileSync(join(import.meta.dir, "../tests/fixtures/bithumb/ws-trade.json"), "utf8");

/** Just enough of a WebSocket for the client: events are dispatched by the bench. */
class FakeSocket extends EventTarget {
  binaryType = "arraybuffer";
  readyState = 0;
  send(): void {}
  close(): void {
    this.readyState = 3;
  }
}

/** A started client on a fake socket, and a function that feeds it the trade frame once. */
async function clientWith(observer: WsObserver | undefined): Promise<() => void> {
  let socket: FakeSocket | undefined;
  const client = new BithumbWsClient({
    url: "ws://fake",
    clock: new SimulatedClock(1_725_929_934_500),
    staleAfterMs: 0,
    observer,
    createSocket: () => {
      socket = new FakeSocket();
      return socket as unknown as WebSocket;
    },
  });
  let trades = 0;
  client.onEvent((e) => {
    if (e.type === "trade") trades++;
  });
  client.subscribe({ trade: ["KRW-BTC"] });
  client.start();
  while (!socket) await Bun.sleep(0);
  socket.readyState = 1;
  socket.dispatchEvent(new Event("open"));
  const s = socket;
  return () => {
    s.dispatchEvent(new MessageEvent("message", { data: trade }));
    if (trades === 0) throw new Error("the trade frame did not reach the listener");
  };
}

const [bare, empty, bound] = await compare("WebSocket trade frame through BithumbWsClient", FRAMES, [
  ["baseline: no observer", await clientWith(undefined)],
  ["empty observer", await clientWith({})],
  ["bindStreamMetrics (counter + lag histogram)", await clientWith(bindStreamMetrics(new Metrics({ defaultMetrics: false }), { stream: "public" }))],
]);
console.log(`  ratio empty/baseline ${(empty! / bare!).toFixed(2)}, metrics/baseline ${(bound! / bare!).toFixed(2)}: ${((1 / bound! - 1 / bare!) * 1e9).toFixed(0)} ns per frame for metrics\n`);

function app(withMetrics: boolean): Hono {
  const a = new Hono();
  if (withMetrics) a.use(httpMetrics({ metrics: new Metrics({ defaultMetrics: false }) }));
  a.get("/api/v1/actors/:market", (c) => c.json({ market: c.req.param("market") }));
  return a;
}
const plain = app(false);
const measured = app(true);
const [h0, h1] = await compare("GET /api/v1/actors/:market through app.request", REQUESTS, [
  ["baseline: no middleware", () => plain.request("/api/v1/actors/KRW-BTC")],
  ["httpMetrics", () => measured.request("/api/v1/actors/KRW-BTC")],
]);
console.log(`  ratio metrics/baseline ${(h1! / h0!).toFixed(2)}: ${((1 / h1! - 1 / h0!) * 1e6).toFixed(2)} us per request for metrics\n`);

const observer = bindExchangeMetrics(new Metrics({ defaultMetrics: false }));
const report = { endpoint: "/v1/orders/chance", method: "GET", group: "private:other", outcome: "ok" as const, durationMs: 42, status: 200, attempt: 1 };
const failed = { ...report, outcome: "timeout" as const, status: undefined };
await compare("bindExchangeMetrics.onRequest (one REST attempt costs milliseconds of network)", REPORTS, [
  ["ok report (histogram)", () => observer.onRequest!(report)],
  ["failed report (histogram + error counter)", () => observer.onRequest!(failed)],
]);
process.exit(0);
