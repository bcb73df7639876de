/**
 * Runtime benchmark (issue 5): the real supervised actor runtime (`createRuntime`, every actor,
 * a real SQLite database in a temp dir, real pino logging to a file, real prom-client metrics)
 * fed 400 synthetic markets at 5,000 trades per second for 60 s of wall time, against an
 * in-process exchange whose orders fill at once and report over a private-stream fake.
 * Targets: tick-to-order p99 under 5 ms; RSS under 300 MB and not growing.
 *
 * Load. Trades are paced on the wall clock, one macrotask each (as a WebSocket delivers them), to
 * a market drawn at random. The runtime runs on a ScaledClock at `BENCH_SPEED` (60): 1-minute
 * candles close every real second in all 400 markets, so the strategy (EMA 3/8, RSI band 5-95,
 * no volume filter) runs about 400 times a second and enters and exits all the time. Risk brakes
 * that would stop trading in a losing random walk (daily loss, drawdown) are off; at most 100
 * positions of 1 % of equity each.
 *
 * Tick-to-order latency = `performance.now()` when the fake exchange's `placeOrder` is entered,
 * minus `performance.now()` when the fake stream handed the causing trade to the runtime. Every
 * way into the runtime (a public trade, one of its own timers, a private-stream event) runs under
 * a cause (support/causes.ts), so an order is matched to whatever the runtime was handling when
 * the request left: for a protective exit, the trade whose price hit the stop or target; for a
 * candle-close decision (entries, dead-cross and time-stop exits), the first trade of the next
 * interval, which closes the candle. Only orders caused by a trade of their own market enter the
 * tick-to-order percentiles. A candle that no trade closed is closed by the trader's timer (grace
 * period after the interval); those orders are reported apart, timed from when the timer fired
 * and from when it was due. Fill-caused and causeless (queued) orders are counted apart as well.
 * The tick-caused orders are also timed from when the trade was DUE (its exchange time): that
 * adds the time the trade waited for the event loop, i.e. the backlog the runtime caused.
 *
 * Baseline (same process, before the runtime exists): the same stream at the same rate into a
 * listener that places an order on a second fake exchange for one trade in 100. Its latency,
 * backlog, loop lag, RSS and CPU are the floor the harness itself costs on this machine now.
 *
 * Memory: RSS, heap and CPU are sampled every second; every 5th sample is taken 100 ms after a
 * forced full GC (live memory, without the collector's sawtooth). "Not growing" = the least-squares
 * slope of those post-GC RSS samples after the first 10 s is under 1 MB per minute with two
 * standard errors to spare; when the interval straddles the limit the verdict is UNDECIDED (a
 * minute of samples bounds the slope to several MB/min at best: use BENCH_SECONDS=600).
 *
 * Environment: BENCH_SECONDS (60), BENCH_MARKETS (400), BENCH_RATE (5000 trades/s),
 * BENCH_SPEED (60), BENCH_SEED (1), BENCH_BASELINE_SECONDS (5), BENCH_SCRAPE_SECONDS (15; 0 =
 * never; a /metrics scrape as Prometheus would do), BENCH_KEEP=1 keeps the temp dir,
 * BENCH_WAL_AUTOCHECKPOINT (experiment: SQLite's `wal_autocheckpoint` for the run; 0 = never),
 * BENCH_ENTRIES=0 (experiment: the strategy never enters, so candle closes are priced without orders),
 * BENCH_HEAP_SNAPSHOTS=DIR (diagnosis: JSC heap snapshots 15 s into the run and at its end, for
 * `bun run scripts/heap-diff.ts DIR/early.json DIR/end.json`, which says what grew and what holds it).
 * Run: `bun run bench runtime`, or quickly: `BENCH_SECONDS=10 bun run bench/runtime.bench.ts`.
 * Profile: `bun --cpu-prof-md --cpu-prof-dir=/tmp/prof bench/runtime.bench.ts`.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { DEFAULT_RUNTIME_SETTINGS, type RuntimeDeps } from "../actors/deps.ts";
import { createRuntime } from "../actors/runtime.ts";
import { ScaledClock } from "../src/clock/scaled.ts";
import { SystemClock } from "../src/clock/system.ts";
import { INTERVAL_MS, type Market, type OrderRequest } from "../src/core/model.ts";
import { resolveRiskParams } from "../src/core/risk/index.ts";
import { resolveStrategyParams } from "../src/core/strategy/index.ts";
import { countOrdersByState, type DbHandle, findOrderByClientId, listOpenPositions, openDb, startCheckpointer } from "../src/db/index.ts";
import { ClientOrderIdFactory } from "../src/exchange/bithumb/index.ts";
import { hashSeed, mulberry32 } from "../src/core/random.ts";
import { createLogger } from "../src/log.ts";
import { Metrics } from "../src/metrics/index.ts";
import { type Cause, CauseTracker, cpuNow, TracedClock, TracedPrivateStream } from "./support/causes.ts";
import { FakeExchange } from "./support/fake-exchange.ts";
import { type PlacedOrder, PlacedLog } from "./support/placed-log.ts";
import { formatPercentiles, growingTypes, LoopLagProbe, percentiles, type Percentiles, type ProcessSample, ProcessSampler, slopeWithError } from "./support/stats.ts";
import { PriceWalks, syntheticMarkets } from "./support/synthetic-market.ts";
import { type PumpReport, SyntheticTradeStream } from "./support/trade-stream.ts";

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return n;
}

const SECONDS = envNumber("BENCH_SECONDS", 60);
const MARKETS = envNumber("BENCH_MARKETS", 400);
const RATE = envNumber("BENCH_RATE", 5_000);
const SPEED = envNumber("BENCH_SPEED", 60);
const SEED = envNumber("BENCH_SEED", 1);
const BASELINE_SECONDS = envNumber("BENCH_BASELINE_SECONDS", 5);
const SCRAPE_SECONDS = envNumber("BENCH_SCRAPE_SECONDS", 15);
const KEEP = process.env.BENCH_KEEP === "1";
/** Experiment: pages between automatic WAL checkpoints (SQLite's default 1000; 0 = never, as if a
 * background connection did them). Unset = the runtime's own setting. */
const WAL_AUTOCHECKPOINT = process.env.BENCH_WAL_AUTOCHECKPOINT;
/** Experiment: 0 = the strategy never enters (RSI band [100, 100]), to price candle closes without orders. */
const ENTRIES = envNumber("BENCH_ENTRIES", 1);
const HEAP_SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOTS;

/** Writes a heap snapshot of live objects (after a full GC) when BENCH_HEAP_SNAPSHOTS is set. */
async function heapSnapshot(name: string): Promise<void> {
  if (!HEAP_SNAPSHOTS) return;
  Bun.gc(true);
  await Bun.write(join(HEAP_SNAPSHOTS, `${name}.json`), JSON.stringify(Bun.generateHeapSnapshot()));
}

const TARGET_P99_MS = 5;
const TARGET_RSS_MB = 300;
const TARGET_SLOPE_MB_PER_MIN = 1;
/** Every this many seconds the sampler forces a full GC and samples live memory (100 ms later). */
const GC_SAMPLE_EVERY = 5;
const GC_SETTLE_NOTE = "100 ms after a forced full GC";
const INTERVAL = "1m" as const;
const INTERVAL_LENGTH = INTERVAL_MS[INTERVAL];
const INITIAL_KRW = 1_000_000_000;
const FEE_RATE = 0.0025;
/** Sim time the runtime clock starts at (a Monday, 09:00 KST). */
const ANCHOR_SIM_MS = Date.UTC(2026, 0, 5, 0, 0, 0);

const markets = syntheticMarkets(MARKETS, SEED);
const perfAnchor = performance.now();
/** Exchange time of a trade due at `perfMs`, on the runtime's ScaledClock. */
const timestampAt = (perfMs: number) => Math.floor(ANCHOR_SIM_MS + (perfMs - perfAnchor) * SPEED);
const clock = new ScaledClock({ anchorSimMs: ANCHOR_SIM_MS, speed: SPEED, anchorRealMs: Date.now() });

const line = (label: string, value: string) => console.log(`${label.padEnd(34)} ${value}`);
const MB = 1024 * 1024;
const mb = (x: number) => `${x.toFixed(1)} MB`;

interface PhaseFigures {
  readonly latency: Percentiles;
  readonly backlog: Percentiles;
  readonly loopLag: Percentiles;
  readonly pump: PumpReport;
  readonly sampler: ProcessSampler;
}

function printPhase(name: string, f: PhaseFigures): void {
  const rss = f.sampler.samples.map((s) => s.rssMb);
  line(`${name}: trades`, `${f.pump.emitted.toLocaleString("en-US")} of ${f.pump.planned.toLocaleString("en-US")} planned in ${(f.pump.elapsedMs / 1000).toFixed(1)} s (${Math.round(f.pump.emitted / (f.pump.elapsedMs / 1000)).toLocaleString("en-US")}/s)`);
  line(`${name}: tick-to-order`, formatPercentiles(f.latency));
  line(`${name}: feed backlog (emit - due)`, formatPercentiles(f.backlog));
  line(`${name}: event-loop lag (10 ms probe)`, formatPercentiles(f.loopLag));
  line(`${name}: RSS start / max / end`, `${mb(rss[0] ?? Number.NaN)} / ${mb(Math.max(...rss))} / ${mb(rss[rss.length - 1] ?? Number.NaN)}`);
  line(`${name}: CPU (share of one core)`, `mean ${(f.sampler.meanCpu() * 100).toFixed(1)} %  max ${(Math.max(...f.sampler.samples.map((s) => s.cpuCores)) * 100).toFixed(1)} %`);
  line(`${name}: CPU time per 1,000 trades`, `${((f.sampler.cpuMs / f.pump.emitted) * 1000).toFixed(1)} ms (the whole process, every thread)`);
}

// ---- baseline: the harness alone ------------------------------------------------------------

async function baseline(): Promise<PhaseFigures> {
  const tracker = new CauseTracker();
  const walks = new PriceWalks(markets, SEED + 1);
  const stream = new SyntheticTradeStream({ markets, walks, random: mulberry32(hashSeed(SEED, "baseline")), tradesPerSecond: RATE, intervalMs: INTERVAL_LENGTH, tracker, timestampAt });
  const privateStream = new TracedPrivateStream(tracker, () => clock.now());
  const latencies: number[] = [];
  const exchange = new FakeExchange({
    markets,
    walks,
    seed: SEED,
    clock,
    initialKrw: INITIAL_KRW,
    feeRate: FEE_RATE,
    privateStream,
    onPlace: (_request, at) => {
      const cause = tracker.current;
      if (cause?.kind === "trade") latencies.push(at - cause.startedAt);
    },
  });
  privateStream.start();
  const heldVolume = new Map<Market, number>();
  let n = 0;
  stream.onEvent((e) => {
    if (e.type !== "trade" || ++n % 100 !== 0) return;
    // Buy, then sell what was bought: the fake exchange's share of an entry or an exit.
    const market = e.trade.market;
    const held = heldVolume.get(market) ?? 0;
    const request: OrderRequest = held > 0 ? { market, side: "ask", type: "market", volume: held, clientOrderId: `b${n}` } : { market, side: "bid", type: "price", price: 100_000, clientOrderId: `b${n}` };
    void exchange.placeOrder(request).then(async (ack) => {
      const order = await exchange.getOrder({ orderId: ack.orderId });
      heldVolume.set(market, request.side === "bid" ? (order?.executedVolume ?? 0) : 0);
    });
  });
  stream.start();
  const sampler = new ProcessSampler();
  const lag = new LoopLagProbe(BASELINE_SECONDS + 5);
  sampler.start();
  lag.start();
  const pump = await stream.pump(BASELINE_SECONDS * 1000);
  sampler.stop();
  const loopLag = lag.stop();
  await stream.stop();
  await privateStream.stop();
  return { latency: percentiles(latencies), backlog: percentiles(pump.backlogMs), loopLag, pump, sampler };
}

// ---- the runtime ------------------------------------------------------------------------------

type TradeCaused = PlacedOrder & { readonly cause: Extract<Cause, { kind: "trade" }> };

/** Caused by a trade of the order's own market (an order of another market drained from the queue is not). */
const isTradeCaused = (p: PlacedOrder): p is TradeCaused => p.cause?.kind === "trade" && p.cause.market === p.market;
const sinceStart = (list: readonly PlacedOrder[]) => percentiles(list.map((p) => p.at - p.cause!.startedAt));
const sinceDue = (list: readonly PlacedOrder[]) => percentiles(list.map((p) => p.at - p.cause!.dueAt));

interface RuntimeFigures extends PhaseFigures {
  readonly placed: readonly PlacedOrder[];
  readonly tradeCaused: readonly TradeCaused[];
  readonly fromDue: Percentiles;
  readonly warmupMs: number;
  /** `performance.now()` when the pump (and the sampler) started. */
  readonly pumpStartedAt: number;
  readonly report: () => Promise<void>;
}

async function waitFor(what: string, timeoutMs: number, ready: () => boolean): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(50);
  }
}

const sqlCount = (handle: DbHandle, sql: string) => (handle.sqlite.query(sql).get() as { n: number }).n;

async function runtimeRun(): Promise<RuntimeFigures> {
  const dir = mkdtempSync(join(tmpdir(), "bench-runtime-"));
  const handle = openDb({ path: join(dir, "bot.db") });
  const logPath = join(dir, "bot.log");
  const logger = createLogger({ level: "info", destination: pino.destination({ dest: logPath, sync: false }) });
  // As in main.ts: WAL checkpoints run in a worker thread (BENCH_WAL_AUTOCHECKPOINT overrides it).
  const checkpointer = WAL_AUTOCHECKPOINT === undefined ? startCheckpointer({ sqlite: handle.sqlite, path: join(dir, "bot.db"), logger }) : null;
  if (WAL_AUTOCHECKPOINT !== undefined) handle.sqlite.exec(`PRAGMA wal_autocheckpoint = ${Number(WAL_AUTOCHECKPOINT)}`);
  const metrics = new Metrics({ labels: { mode: "sim" } });
  const tracker = new CauseTracker();
  const runtimeClock = new TracedClock(clock, tracker);
  const walks = new PriceWalks(markets, SEED);
  const stream = new SyntheticTradeStream({ markets, walks, random: mulberry32(hashSeed(SEED, "pick")), tradesPerSecond: RATE, intervalMs: INTERVAL_LENGTH, tracker, timestampAt });
  const privateStream = new TracedPrivateStream(tracker, () => clock.now());
  // Room for 100 orders a second (runs place about 27): growing mid-run would show as a memory step.
  const placed = new PlacedLog(markets.map((m) => m.info.market), (SECONDS + 30) * 100);
  const exchange = new FakeExchange({
    markets,
    walks,
    seed: SEED,
    clock,
    initialKrw: INITIAL_KRW,
    feeRate: FEE_RATE,
    privateStream,
    onPlace: (request, at) => placed.record(request, at, tracker.current, cpuNow()),
  });
  const alerts: string[] = [];
  const ids = new ClientOrderIdFactory("bench", new SystemClock());
  const deps: RuntimeDeps = {
    clock: runtimeClock,
    exchange,
    marketStream: stream,
    privateStream,
    db: handle.db,
    logger,
    metrics,
    strategyParams: resolveStrategyParams({ emaFast: 3, emaSlow: 8, rsiMin: ENTRIES ? 5 : 100, rsiMax: ENTRIES ? 95 : 100, volumeRatioMin: 0, timeStop: { bars: 30 } }),
    riskParams: resolveRiskParams({ maxPositions: 100, maxMarketWeight: 0.01, maxRiskPerTrade: 0.005, dailyLossLimit: null, maxDrawdown: null }),
    settings: { ...DEFAULT_RUNTIME_SETTINGS, interval: INTERVAL, markets: [], timeScale: SPEED, historyCandles: 100 },
    nextClientOrderId: () => ids.next(),
    random: mulberry32(hashSeed(SEED, "runtime")),
    alert: (a) => alerts.push(`${a.severity} ${a.key}: ${a.title}`),
  };

  const t0 = performance.now();
  const runtime = createRuntime(deps, { mode: "sim" });
  runtime.start();
  await waitFor("every trader to warm up", 120_000, () => {
    const actors = runtime.control.listActors();
    return runtime.control.health().tradingState === "running" && actors.length === MARKETS && actors.every((a) => a.state !== "warming_up");
  });
  const warmupMs = performance.now() - t0;
  if (stream.subscribed.length !== MARKETS) throw new Error(`the runtime subscribed ${stream.subscribed.length} markets, expected ${MARKETS}`);

  const sampler = new ProcessSampler();
  const lag = new LoopLagProbe(SECONDS + 30);
  const scrapesMs: number[] = [];
  const scrape =
    SCRAPE_SECONDS > 0
      ? setInterval(async () => {
          const s = performance.now();
          await metrics.registry.metrics();
          scrapesMs.push(performance.now() - s);
        }, SCRAPE_SECONDS * 1000)
      : null;
  const placedBefore = placed.length;
  const pumpStartedAt = performance.now();
  sampler.start(1_000, GC_SAMPLE_EVERY);
  lag.start();
  const early = HEAP_SNAPSHOTS ? setTimeout(() => void heapSnapshot("early"), 15_000) : null;
  const pump = await stream.pump(SECONDS * 1000);
  sampler.stop();
  const loopLag = lag.stop();
  if (scrape) clearInterval(scrape);
  if (early) clearTimeout(early);
  await heapSnapshot("end");
  // Let the last fills arrive before reading the database.
  await Bun.sleep(500);

  const measured = placed.toArray(placedBefore);
  const tradeCaused = measured.filter(isTradeCaused);
  return {
    latency: sinceStart(tradeCaused),
    fromDue: sinceDue(tradeCaused),
    backlog: percentiles(pump.backlogMs),
    loopLag,
    pump,
    sampler,
    placed: measured,
    tradeCaused,
    warmupMs,
    pumpStartedAt,
    report: async () => {
      const db = handle.db;
      const seconds = pump.elapsedMs / 1000;
      const reasons = (list: readonly PlacedOrder[]) => {
        const out: Record<string, number> = {};
        for (const p of list) {
          const reason = findOrderByClientId(db, p.clientOrderId)?.reason ?? "unrecorded";
          out[reason] = (out[reason] ?? 0) + 1;
        }
        const text = Object.entries(out)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${v}`)
          .join(", ");
        return `${list.length}${text ? ` (${text})` : ""}`;
      };
      const closers = tradeCaused.filter((p) => p.cause.opensCandle);
      const intraCandle = tradeCaused.filter((p) => !p.cause.opensCandle);
      const timers = measured.filter((p) => p.cause?.kind === "timer");
      const fills = measured.filter((p) => p.cause?.kind === "private");
      const other = measured.filter((p) => !isTradeCaused(p) && p.cause?.kind !== "timer" && p.cause?.kind !== "private");
      line("orders placed", `${measured.length} (${(measured.length / seconds).toFixed(1)}/s): ${measured.filter((p) => p.side === "bid").length} buys, ${measured.filter((p) => p.side === "ask").length} sells`);
      line("  caused by a candle-closing trade", reasons(closers));
      line("    tick-to-order", formatPercentiles(sinceStart(closers)));
      line("  caused by a trade inside a candle", reasons(intraCandle));
      line("    tick-to-order", formatPercentiles(sinceStart(intraCandle)));
      line("  caused by a runtime timer", reasons(timers));
      line("    timer fired -> order", formatPercentiles(sinceStart(timers)));
      line("    timer due -> order", formatPercentiles(sinceDue(timers)));
      line("  caused by a fill (private stream)", reasons(fills));
      line("    fill event -> order", formatPercentiles(sinceStart(fills)));
      line("  no cause (queued, other market)", reasons(other));
      const slowest = [...tradeCaused].sort((a, b) => b.at - b.cause.startedAt - (a.at - a.cause.startedAt)).slice(0, 8);
      line("  slowest: wall / CPU ms (reason)", slowest.map((p) => `${(p.at - p.cause.startedAt).toFixed(1)}/${(p.cpuAt - p.cause.cpuAt).toFixed(1)} (${findOrderByClientId(db, p.clientOrderId)?.reason ?? "?"}${p.cause.opensCandle ? ", close" : ""})`).join("  "));
      const steady = tradeCaused.filter((p) => p.cause.startedAt - t0 - warmupMs > 10_000);
      line("  tick-to-order after the first 10 s", formatPercentiles(sinceStart(steady)));
      const own = await metrics.tickToOrderSeconds.get();
      const count = own.values.find((v) => v.metricName === "bot_tick_to_order_seconds_count")?.value ?? 0;
      const sum = own.values.find((v) => v.metricName === "bot_tick_to_order_seconds_sum")?.value ?? 0;
      line("runtime's own bot_tick_to_order", `${count} observations (protective exits, tick to intent recorded), mean ${count > 0 ? ((sum / count) * 1000).toFixed(3) : "n/a"} ms`);
      const candles = sqlCount(handle, "SELECT count(*) AS n FROM candles");
      const signals = handle.sqlite.query("SELECT outcome, count(*) AS n FROM signals GROUP BY outcome").all() as { outcome: string; n: number }[];
      const denied = handle.sqlite
        .query("SELECT substr(denied_reason, 1, instr(denied_reason || ':', ':') - 1) AS r, count(*) AS n FROM signals WHERE outcome = 'denied' GROUP BY r ORDER BY n DESC LIMIT 5")
        .all() as { r: string; n: number }[];
      line("candles stored", `${candles} (${(candles / seconds).toFixed(0)}/s)`);
      line("signals", signals.map((s) => `${s.outcome} ${s.n}`).join(", ") + (denied.length > 0 ? `; denied for ${denied.map((d) => `${d.r} ${d.n}`).join(", ")}` : ""));
      line("orders by state / fills", `${JSON.stringify(countOrdersByState(db))} / ${sqlCount(handle, "SELECT count(*) AS n FROM fills")}`);
      line("open positions at the end", String(listOpenPositions(db).length));
      const tree = runtime.control.actorTree();
      const restarts = (tree.children ?? []).reduce((s, c) => s + c.restarts, 0);
      const health = runtime.control.health();
      line("actors / restarts / halted", `${tree.children?.length ?? 0} / ${restarts} / ${health.actors.halted}; trading ${health.tradingState}`);
      line("alerts", alerts.length === 0 ? "none" : `${alerts.length}: ${[...new Set(alerts)].slice(0, 5).join("; ")}`);
      line("exchange calls", JSON.stringify(exchange.calls));
      if (placed.grown > 0) line("harness", `the order log grew ${placed.grown} time(s) mid-run (a step in the memory figures)`);
      logger.flush();
      line("log / database size", `${mb(statSync(logPath).size / MB)} / ${mb(statSync(join(dir, "bot.db")).size / MB)} (+ WAL)`);
      if (scrapesMs.length > 0) line("/metrics scrapes", `${scrapesMs.length}: ${scrapesMs.map((s) => s.toFixed(1)).join(", ")} ms`);
      await runtime.stop();
      await checkpointer?.stop();
      handle.close();
      if (KEEP) console.log(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- report -----------------------------------------------------------------------------------

console.log(`runtime benchmark: ${MARKETS} markets, ${RATE} trades/s for ${SECONDS} s, clock speed ${SPEED}x (${INTERVAL} candles close every ${(INTERVAL_LENGTH / SPEED / 1000).toFixed(2)} s), seed ${SEED}, Bun ${Bun.version}`);
const base = await baseline();
printPhase("baseline", base);
Bun.gc(true);
const run = await runtimeRun();
console.log(`warm-up of ${MARKETS} traders took ${(run.warmupMs / 1000).toFixed(1)} s`);
printPhase("runtime", run);
line("runtime: tick-to-order from DUE time", formatPercentiles(run.fromDue));
await run.report();

const samples = run.sampler.samples;
const perMinute = (xs: readonly ProcessSample[], pick: (s: ProcessSample) => number) => slopeWithError(xs.map((s) => s.t / 60), xs.map(pick));
const lastT = samples[samples.length - 1]?.t ?? 0;
const rawSlope = perMinute(samples.filter((s) => s.t > lastT - 30), (s) => s.rssMb).slope;
/** Post-GC samples after the first 10 s (warm-up: JIT, caches, the first positions). */
const settled = samples.filter((s) => s.afterGc && s.t >= 10);
const liveRss = perMinute(settled, (s) => s.rssMb);
const liveHeap = perMinute(settled, (s) => s.heapUsedMb);
const rssMax = Math.max(...samples.map((s) => s.rssMb));
const plusMinus = (x: { slope: number; se: number }) => `${x.slope.toFixed(2)} +- ${(2 * x.se).toFixed(2)}`;
console.log(`RSS / heap / CPU per second (* = ${GC_SETTLE_NOTE}; GC pauses ${run.sampler.gcPausesMs.map((p) => p.toFixed(0)).join(", ")} ms):`);
console.log(samples.map((s) => `  ${s.t.toFixed(0).padStart(3)} s${s.afterGc ? "*" : " "} rss ${s.rssMb.toFixed(1).padStart(6)}  heap ${s.heapUsedMb.toFixed(1).padStart(6)}  cpu ${(s.cpuCores * 100).toFixed(0).padStart(3)} %`).join("\n"));
line("RSS slope, last 30 s, every sample", `${rawSlope.toFixed(2)} MB/min (the GC sawtooth included)`);
line(`live RSS / heap slope from 10 s`, `${plusMinus(liveRss)} / ${plusMinus(liveHeap)} MB/min (+- two standard errors; ${settled.length} post-GC samples)`);
const live = samples.filter((s) => s.afterGc);
const firstLive = live.find((s) => s.t >= 10);
const lastLive = live[live.length - 1];
if (firstLive && lastLive && lastLive !== firstLive) {
  line(`live memory ${firstLive.t.toFixed(0)} s -> ${lastLive.t.toFixed(0)} s`, `heap ${firstLive.heapUsedMb.toFixed(1)} -> ${lastLive.heapUsedMb.toFixed(1)} MB, RSS ${firstLive.rssMb.toFixed(1)} -> ${lastLive.rssMb.toFixed(1)} MB, orders placed meanwhile ${run.placed.filter((p) => p.at - run.pumpStartedAt >= firstLive.t * 1000 && p.at - run.pumpStartedAt <= lastLive.t * 1000).length}`);
  const parts = (x: ProcessSample) => (x.rssParts ? `VmRSS ${x.rssParts.total.toFixed(1)} = anon ${x.rssParts.anon.toFixed(1)} / file ${x.rssParts.file.toFixed(1)} / shmem ${x.rssParts.shmem.toFixed(1)}` : "n/a");
  line("  RSS parts (MB)", `${parts(firstLive)} -> ${parts(lastLive)}`);
  const heap = (x: ProcessSample) => `used ${x.heapUsedMb.toFixed(1)} / capacity ${x.heapCapacityMb?.toFixed(1) ?? "n/a"} / extra ${x.extraMemoryMb?.toFixed(1) ?? "n/a"}`;
  line("  JS heap (MB)", `${heap(firstLive)} -> ${heap(lastLive)}`);
  line("  object types growing most", growingTypes(firstLive, lastLive).map((g) => `${g.type} ${g.from}->${g.to}`).join(", ") || "none");
}
line("ratios to the baseline", `p99 ${(run.latency.p99 / base.latency.p99).toFixed(0)}x, loop-lag p99 ${(run.loopLag.p99 / base.loopLag.p99).toFixed(1)}x, CPU ${(run.sampler.meanCpu() / base.sampler.meanCpu()).toFixed(1)}x, RSS +${mb(rssMax - Math.max(...base.sampler.samples.map((s) => s.rssMb)))}`);

const verdict = (ok: boolean) => (ok ? "MET" : "NOT MET");
console.log("targets:");
line(`  tick-to-order p99 < ${TARGET_P99_MS} ms`, `${verdict(run.latency.p99 < TARGET_P99_MS)} (${run.latency.p99.toFixed(3)} ms; from due time ${run.fromDue.p99.toFixed(3)} ms)`);
line(`  RSS < ${TARGET_RSS_MB} MB`, `${verdict(rssMax < TARGET_RSS_MB)} (max ${mb(rssMax)})`);
const growth = !(settled.length >= 3 && Number.isFinite(liveRss.se))
  ? "UNKNOWN (run at least 25 s: three post-GC samples after the first 10 s)"
  : liveRss.slope + 2 * liveRss.se < TARGET_SLOPE_MB_PER_MIN
    ? "MET"
    : liveRss.slope - 2 * liveRss.se > TARGET_SLOPE_MB_PER_MIN
      ? "NOT MET"
      : `UNDECIDED (the interval includes the limit: run longer than ${SECONDS} s)`;
line(`  RSS not growing (< ${TARGET_SLOPE_MB_PER_MIN} MB/min)`, `${growth} (live RSS ${plusMinus(liveRss)} MB/min from 10 s)`);
