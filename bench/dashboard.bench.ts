/**
 * Dashboard benchmark (issue 6): the overview page at 200 requests per second on loopback while
 * the bot trades (target: p99 under 25 ms), and the SSE fan-out to 50 clients.
 *
 * Measured against, each in its own process (bench/support/dashboard-targets.ts):
 *
 * 1. THE BOT: `bun run src/main.ts` (what `bun start` runs) in sim mode with its embedded
 *    simulator and churn parameters, twice: at 60x (`bun start`'s pace; it trades every few
 *    seconds) and at 600x (the stress case: orders and fills several times a second); the orders and fills it made during each measured phase are read
 *    from its `/metrics` (`bot_orders_total{state="pending_submit"}`, `bot_fills_total`) and
 *    printed, as the proof that it traded meanwhile. It serves 3 markets (the simulator's data).
 * 2. SYNTHETIC LOAD: bench/support/dashboard-server.ts, the same app and dashboard over a fake
 *    control port with 100 markets moving every 100 ms and an order with its fill every 250 ms:
 *    the page and the stream at a market count the simulator cannot give.
 *
 * This process logs in once through the login form and is the load generator: requests are sent
 * on a fixed schedule (open loop: a slow answer does not slow the next request down), and latency
 * is measured from the scheduled send time, so queueing shows. Baseline, same run, same server and
 * client: `GET /healthz` at the same rate (the HTTP path and the platform middleware without the
 * page).
 *
 * Phases per target: 1) healthz at 200 rps; 2) the overview at 200 rps; 3) one SSE client on the
 * overview and markets topics; 4) 50 such clients, and the overview at 200 rps while they stream.
 * For 3) and 4) the broadcaster's own time per tick comes from the server's
 * `bot_dashboard_live_tick_duration_seconds` (sum/count = mean; bucket deltas = p99 estimated like
 * `histogram_quantile`); the clients report messages, bytes and how far apart the 50 copies of one
 * message arrived. Each phase also prints the server process's CPU (`process_cpu_seconds_total`)
 * and its longest event-loop delay (`nodejs_eventloop_lag_max_seconds`, reset by every scrape),
 * and the run the machine's load average: on 2 cores, anything else running shows in the figures.
 *
 * Run: `bun run bench dashboard` (BENCH_SECONDS=15 per phase by default, about 3 minutes in all).
 */
import { cpus, loadavg } from "node:os";
import { type DashboardTarget, SIM_SPEEDS, startRealBot, startSyntheticServer } from "./support/dashboard-targets.ts";
import { histogramDelta, histogramQuantile, parseExposition, type Sample, sumOf } from "./support/prometheus-text.ts";
import { formatPercentiles, percentiles } from "./support/stats.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const ONE_CLIENT_SECONDS = Math.min(SECONDS, 10);
const STREAMS_SETTLE_MS = 1_500;
const RATE = 200;
const CLIENTS = 50;
const TARGET_P99_MS = 25;
const TICK_METRIC = "bot_dashboard_live_tick_duration_seconds";

interface Session {
  readonly base: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Logs in through the form like a browser; returns the session's request headers. */
async function login(target: DashboardTarget): Promise<Session> {
  const page = await fetch(`${target.base}/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (!csrf) throw new Error("no CSRF token on the login page");
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  keep(page);
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const res = await fetch(`${target.base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ name: target.user, password: target.password, _csrf: csrf }).toString(),
  });
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
  keep(res);
  return { base: target.base, headers: { cookie: cookie(), accept: "text/html" } };
}

interface LoadResult {
  readonly latencies: number[];
  readonly errors: number;
  readonly bytes: number;
}

/** Open-loop load: one request every 1000/RATE ms for `seconds`; latency from the scheduled time. */
async function load(session: Session, path: string, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const interval = 1000 / RATE;
  const total = Math.round(seconds * RATE);
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    inflight.push(
      fetch(`${session.base}${path}`, { headers: session.headers })
        .then(async (res) => {
          const body = await res.arrayBuffer();
          bytes += body.byteLength;
          if (res.status !== 200) errors++;
          latencies.push(performance.now() - due);
        })
        .catch(() => {
          errors++;
        }),
    );
  }
  await Promise.all(inflight);
  return { latencies, errors, bytes };
}

async function scrape(base: string): Promise<Sample[]> {
  const res = await fetch(`${base}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

/** Orders the bot submitted and fills it recorded, as its counters say. */
function trading(samples: readonly Sample[]): { orders: number; fills: number } {
  return { orders: sumOf(samples, "bot_orders_total", { state: "pending_submit" }) ?? 0, fills: sumOf(samples, "bot_fills_total") ?? 0 };
}

interface Measured<T> {
  readonly result: T;
  readonly before: Sample[];
  readonly after: Sample[];
  readonly orders: number;
  readonly fills: number;
  /** The server process's CPU time over the wall time (1 = one core busy); undefined without process metrics. */
  readonly cpuCores: number | undefined;
  /** The server's longest event-loop delay since the previous scrape (prom-client resets it on each), ms. */
  readonly loopLagMaxMs: number | undefined;
}

/** What the server's counters moved by while `run` ran, and its result. */
async function measured<T>(base: string, run: () => Promise<T>): Promise<Measured<T>> {
  const before = await scrape(base);
  const t0 = performance.now();
  const result = await run();
  const seconds = (performance.now() - t0) / 1000;
  const after = await scrape(base);
  const [a, b] = [trading(before), trading(after)];
  const [cpu0, cpu1] = [sumOf(before, "process_cpu_seconds_total"), sumOf(after, "process_cpu_seconds_total")];
  const cpuCores = cpu0 !== undefined && cpu1 !== undefined ? (cpu1 - cpu0) / seconds : undefined;
  const lagMax = sumOf(after, "nodejs_eventloop_lag_max_seconds");
  return { result, before, after, orders: b.orders - a.orders, fills: b.fills - a.fills, cpuCores, loopLagMaxMs: lagMax === undefined ? undefined : lagMax * 1000 };
}

const label = (text: string) => `  ${text.padEnd(44)}`;
function activity(m: Measured<unknown>): string {
  const cpu = m.cpuCores === undefined ? "" : `; server CPU ${m.cpuCores.toFixed(2)} cores`;
  const lag = m.loopLagMaxMs === undefined ? "" : `, loop lag max ${m.loopLagMaxMs.toFixed(0)} ms`;
  return `trading meanwhile: ${m.orders} orders, ${m.fills} fills${cpu}${lag}`;
}

function reportLoad(text: string, m: Measured<LoadResult>): number {
  const r = m.result;
  const p = percentiles(r.latencies);
  console.log(`${label(text)} ${formatPercentiles(p, "ms", 2)}  errors ${r.errors}  ${Math.round(r.bytes / Math.max(1, r.latencies.length) / 1024)} KiB/answer  ${activity(m)}`);
  return p.p99;
}

/**
 * The broadcaster's time per tick between two scrapes, from the server's histogram. `bound`: the
 * server counted the open streams, i.e. its broadcaster reports to its metrics at all (the
 * families exist in every registry, so an unbound one reads 0, not "missing").
 */
function tickFigures(before: readonly Sample[], after: readonly Sample[], bound: boolean): string {
  const h = histogramDelta(before, after, TICK_METRIC);
  if (!h || !bound) return "not observed: this server's live broadcaster is not bound to its metrics (dashboard.live.observe(bindLiveMetrics(metrics)))";
  if (h.count === 0) return "no ticks";
  return `ticks ${h.count}  mean ${((h.sum / h.count) * 1000).toFixed(2)} ms  p99 ~${(histogramQuantile(h, 0.99) * 1000).toFixed(2)} ms (bucket estimate)`;
}

interface StreamStats {
  messages: number;
  bytes: number;
  /** Arrival time of each message id. */
  readonly arrivals: Map<string, number>;
}

function openStream(session: Session, stop: AbortSignal): { stats: StreamStats; done: Promise<void> } {
  const stats: StreamStats = { messages: 0, bytes: 0, arrivals: new Map() };
  const done = (async () => {
    try {
      const res = await fetch(`${session.base}/live?topics=overview,markets`, { headers: { ...session.headers, accept: "text/event-stream" }, signal: stop });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let pending = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const now = performance.now();
        stats.bytes += value.byteLength;
        pending += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = pending.indexOf("\n\n")) >= 0) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + 2);
          if (event.startsWith("event:")) continue; // hello, ping
          stats.messages++;
          const id = /(?:^|\n)id: (\d+)/.exec(event)?.[1];
          if (id) stats.arrivals.set(id, now);
        }
      }
    } catch {
      // aborted at the end of the phase
    }
  })();
  return { stats, done };
}

/** How far apart the copies of each message arrived at the clients (messages every client got). */
function fanOutSpreads(streams: readonly { stats: StreamStats }[]): number[] {
  const spreads: number[] = [];
  const ids = new Set(streams.flatMap((s) => [...s.stats.arrivals.keys()]));
  for (const id of ids) {
    const times = streams.map((s) => s.stats.arrivals.get(id)).filter((t): t is number => t !== undefined);
    if (times.length === streams.length) spreads.push(Math.max(...times) - Math.min(...times));
  }
  return spreads;
}

/** Every phase against one target, printed as it goes. */
async function run(target: DashboardTarget): Promise<void> {
  const session = await login(target);
  const { base } = session;
  await load(session, "/", 2); // warm-up (JIT, statement cache)
  await load(session, "/healthz", 1);

  const healthz = reportLoad("baseline: GET /healthz", await measured(base, () => load(session, "/healthz", SECONDS)));
  const overview = reportLoad("GET / (overview)", await measured(base, () => load(session, "/", SECONDS)));

  const one = await measured(base, async () => {
    const stop = new AbortController();
    const stream = openStream(session, stop.signal);
    await Bun.sleep(ONE_CLIENT_SECONDS * 1000);
    stop.abort();
    await stream.done;
    return stream.stats;
  });
  console.log(`${label(`1 SSE client, ${ONE_CLIENT_SECONDS} s`)} ${one.result.messages} messages, ${Math.round(one.result.bytes / 1024)} KiB  ${activity(one)}`);

  const stop = new AbortController();
  let serverClients: number | undefined;
  let during = Number.NaN;
  const fifty = await measured(base, async () => {
    const streams = Array.from({ length: CLIENTS }, () => openStream(session, stop.signal));
    await Bun.sleep(STREAMS_SETTLE_MS);
    serverClients = sumOf(await scrape(base), "bot_dashboard_live_clients");
    during = reportLoad(`GET / with ${CLIENTS} SSE clients streaming`, await measured(base, () => load(session, "/", SECONDS)));
    stop.abort();
    await Promise.all(streams.map((s) => s.done));
    return streams;
  });
  console.log(`${label(`${CLIENTS} SSE clients, ${(SECONDS + STREAMS_SETTLE_MS / 1000).toFixed(1)} s`)} the server counted ${serverClients ?? "?"} live clients (bot_dashboard_live_clients)  ${activity(fifty)}`);

  console.log(`  broadcaster time per tick, in the server (${TICK_METRIC}):`);
  const bound = (serverClients ?? 0) > 0;
  console.log(`${label("  1 client (baseline)")} ${tickFigures(one.before, one.after, bound)}`);
  console.log(`${label(`  ${CLIENTS} clients`)} ${tickFigures(fifty.before, fifty.after, bound)}`);
  const messages = fifty.result.map((s) => s.stats.messages);
  const kib = fifty.result.reduce((sum, s) => sum + s.stats.bytes, 0) / CLIENTS / 1024;
  console.log(`${label("SSE messages per client")} ${Math.min(...messages)}-${Math.max(...messages)}, ${Math.round(kib)} KiB each`);
  console.log(`${label(`SSE fan-out spread (first to last of ${CLIENTS})`)} ${formatPercentiles(percentiles(fanOutSpreads(fifty.result)), "ms", 2)}`);
  console.log(`  target: overview p99 < ${TARGET_P99_MS} ms: ${overview < TARGET_P99_MS ? "met" : "MISSED"} (${overview.toFixed(2)} ms; baseline healthz ${healthz.toFixed(2)} ms; with ${CLIENTS} streams ${during.toFixed(2)} ms)`);
}

/** Waits until the bot has placed its first order, so every phase runs while it trades. */
async function firstOrder(base: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (trading(await scrape(base)).orders === 0) {
    if (performance.now() > deadline) throw new Error(`the bot placed no order within ${timeoutMs / 1000} s`);
    await Bun.sleep(250);
  }
}

/** The machine's 1-minute load average: other work on these 2 cores shows in every figure. */
const load1 = () => loadavg()[0]!.toFixed(2);

console.log(`${RATE} requests/s for ${SECONDS} s per phase, ${CLIENTS} SSE clients; open loop, latency from the scheduled send time; load average ${load1()} on ${cpus().length} cores at the start`);
const targets: [string, () => Promise<DashboardTarget>][] = [
  ...SIM_SPEEDS.map((speed, i): [string, () => Promise<DashboardTarget>] => [`${i + 1}) the real bot, trading at ${speed}x${speed === 60 ? " (bun start's pace)" : " (stress: 10x busier)"}`, () => startRealBot(speed)]),
  [`${SIM_SPEEDS.length + 1}) synthetic load: 100 markets moving every 100 ms`, startSyntheticServer],
];
for (const [heading, start] of targets) {
  const target = await start();
  try {
    console.log(`\n${heading}: ${target.describe}`);
    await firstOrder(target.base);
    await run(target);
    console.log(`  load average ${load1()} at the end of this section`);
  } finally {
    await target.stop();
  }
}
