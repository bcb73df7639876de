/**
 * Dashboard benchmark (issue 6): the overview page at 200 requests per second on loopback while
 * the bot trades (target: p99 under 25 ms), and the SSE fan-out to 50 clients.
 *
 * The server (bench/support/dashboard-server.ts) runs in its own process: the real app with
 * sessions, CSRF, CSP and the access log, the dashboard mounted, 100 markets moving every 100 ms
 * and an order + fill written every 250 ms. This process logs in once and is the load generator:
 * requests are sent on a fixed schedule (open loop: a slow answer does not slow the next request
 * down), and latency is measured from the scheduled send time, so queueing shows.
 *
 * Baseline, same run, same server and client: `GET /healthz` at the same rate (the cost of the
 * HTTP path and the platform middleware without the page).
 *
 * Phases: 1) healthz at 200 rps; 2) the overview at 200 rps; 3) 50 SSE clients on the overview
 * and markets topics for the same time, reporting messages and bytes per client, how far apart
 * the 50 copies of one tick arrived, and the broadcaster's own time per tick (measured in the
 * server) against the same with 1 client; 4) the overview at 200 rps while the 50 streams run.
 *
 * Run: `bun run bench dashboard` (BENCH_SECONDS=20 per phase by default).
 */
import { join } from "node:path";
import { formatPercentiles, percentiles } from "./support/stats.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const RATE = 200;
const CLIENTS = 50;
const TARGET_P99_MS = 25;

const server = Bun.spawn([process.execPath, "run", join(import.meta.dir, "support", "dashboard-server.ts")], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
const lines = server.stdout.getReader();
let buffered = "";
async function nextLine(): Promise<Record<string, unknown>> {
  for (;;) {
    const nl = buffered.indexOf("\n");
    if (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      return JSON.parse(line) as Record<string, unknown>;
    }
    const { value, done } = await lines.read();
    if (done) throw new Error("the server exited");
    buffered += new TextDecoder().decode(value);
  }
}

const { port } = (await nextLine()) as { port: number };
const base = `http://127.0.0.1:${port}`;

/** Logs in through the form like a browser; returns the Cookie header. */
async function login(): Promise<string> {
  const page = await fetch(`${base}/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
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
  const res = await fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ name: "bench", password: "bench-password-1234", _csrf: csrf }).toString(),
  });
  if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
  keep(res);
  return cookie();
}

const cookie = await login();
const headers = { cookie, accept: "text/html" };

/** Open-loop load: one request every 1000/RATE ms for `seconds`; latency from the scheduled time. */
async function load(path: string, seconds: number): Promise<{ latencies: number[]; errors: number; bytes: number }> {
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
      fetch(`${base}${path}`, { headers })
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

function report(label: string, r: { latencies: number[]; errors: number; bytes: number }): number {
  const p = percentiles(r.latencies);
  console.log(`${label.padEnd(44)} ${formatPercentiles(p, "ms", 2)}  errors ${r.errors}  ${Math.round(r.bytes / Math.max(1, r.latencies.length) / 1024)} KiB/answer`);
  return p.p99;
}

/** Server-side tick times of the phase that just ended. */
async function tickTimes(): Promise<{ ticks: number[]; clients: number; samples: number }> {
  server.stdin.write("ticks\n");
  server.stdin.flush();
  return (await nextLine()) as { ticks: number[]; clients: number; samples: number };
}

interface StreamStats {
  messages: number;
  bytes: number;
  /** Arrival time of each message id. */
  arrivals: Map<string, number>;
}

function openStream(stop: AbortSignal): { stats: StreamStats; done: Promise<void> } {
  const stats: StreamStats = { messages: 0, bytes: 0, arrivals: new Map() };
  const done = (async () => {
    const res = await fetch(`${base}/live?topics=overview,markets`, { headers: { ...headers, accept: "text/event-stream" }, signal: stop });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let pending = "";
    try {
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

console.log(`dashboard on ${base}: ${RATE} requests/s for ${SECONDS} s per phase, ${CLIENTS} SSE clients (server in its own process; the bot trades meanwhile)`);
await load("/", 2); // warm-up (JIT, statement cache)
await load("/healthz", 1);

const healthz = report("baseline: GET /healthz", await load("/healthz", SECONDS));
const overview = report("GET / (overview)", await load("/", SECONDS));

// One client's ticks, then fifty clients' ticks.
await tickTimes();
{
  const stop = new AbortController();
  const one = openStream(stop.signal);
  await Bun.sleep(Math.min(SECONDS, 10) * 1000);
  stop.abort();
  await one.done;
}
const oneClient = await tickTimes();
const stop = new AbortController();
const streams = Array.from({ length: CLIENTS }, () => openStream(stop.signal));
await Bun.sleep(1_500);
const during = report(`GET / with ${CLIENTS} SSE clients connected`, await load("/", SECONDS));
stop.abort();
await Promise.all(streams.map((s) => s.done));
const fifty = await tickTimes();

console.log(`broadcaster time per tick (in the server):`);
console.log(`  ${"1 client (baseline)".padEnd(42)} ${formatPercentiles(percentiles(oneClient.ticks), "ms", 2)}`);
console.log(`  ${`${CLIENTS} clients`.padEnd(42)} ${formatPercentiles(percentiles(fifty.ticks), "ms", 2)}`);
const messages = streams.map((s) => s.stats.messages);
const bytes = streams.map((s) => s.stats.bytes);
console.log(`SSE: ${CLIENTS} clients got ${Math.min(...messages)}-${Math.max(...messages)} messages each, ${Math.round(bytes.reduce((a, b) => a + b, 0) / CLIENTS / 1024)} KiB each over ${SECONDS + 1.5} s`);
// How far apart the 50 copies of the same message arrived (the fan-out's spread).
const spreads: number[] = [];
const ids = new Set(streams.flatMap((s) => [...s.stats.arrivals.keys()]));
for (const id of ids) {
  const times = streams.map((s) => s.stats.arrivals.get(id)).filter((t): t is number => t !== undefined);
  if (times.length === CLIENTS) spreads.push(Math.max(...times) - Math.min(...times));
}
console.log(`SSE fan-out spread (first to last of ${CLIENTS} copies): ${formatPercentiles(percentiles(spreads), "ms", 2)}`);
console.log(`target: overview p99 < ${TARGET_P99_MS} ms: ${overview < TARGET_P99_MS ? "met" : "MISSED"} (${overview.toFixed(2)} ms; baseline healthz ${healthz.toFixed(2)} ms; with ${CLIENTS} streams ${during.toFixed(2)} ms)`);

server.kill();
await server.exited;
