/**
 * Backtest throughput on one year of one-minute candles (525,600) for one market.
 *
 * The year is built from the bundled KRW-BTC one-minute file (47,598 candles): the file is
 * repeated back to back, timestamps shifted to continue the minute grid, and prices shifted by a
 * whole number of KRW each time so every repeat opens where the last one closed (prices stay whole
 * KRW, as on the exchange, so the CSV has realistic field widths).
 *
 * Rows, all over the same candles in this process (each: one untimed warm-up run, then RUNS timed
 * runs; median and best):
 * - bare indicator pass (the engine's baseline): `indicatorSet` EMA 20/60, RSI 14, ATR 14, volume
 *   ratio 20;
 * - the strategy alone: `emaCross.onCandle` per candle, flat (the floor for anything that drives it);
 * - the full engine, default preset (the engine target row): strategy + risk + fills + portfolio +
 *   equity marks, and its first (cold, un-JITted) run, which is the one the command pays;
 * - the engine plus every metric (`buildResult`), and the engine on the classic preset (more fills).
 *
 * Then `bun run backtest --data <one-year CSV>` end to end as a subprocess (start-up, imports,
 * reading, parsing, validation, fingerprint, engine, metrics, summary, SQLite store: the command
 * target row), next to `bun` running an empty script (the command's baseline), and with `--json`.
 *
 * Both targets are judged on wall time (median). The VM this runs on is shared, so every row also
 * shows CPU time (the main thread's for in-process rows, all of the subprocess's threads for the
 * command, JIT and GC threads included) and the load average is printed: when the wall time is
 * well above the CPU time, other processes held the CPU, and the wall-time figure understates the
 * code. Targets (issue 4): >= 5 M candles/s through the engine; > 1 M candles/s for the whole
 * command (under 0.526 s). Run: `bun run bench backtest`.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { allocateColumns, type CandleSeries, makeSeries, readCandle, readCandleCsvFile, writeCandleCsvFile } from "../src/backtest/data/index.ts";
import { buildResult, resolveBacktestConfig, runBacktest } from "../src/backtest/engine/index.ts";
import { indicatorSet } from "../src/core/indicators/index.ts";
import { emaCross, type StrategyView } from "../src/core/strategy/index.ts";

const YEAR = 525_600;
const RUNS = 7;
const CLI_RUNS = 7;
const ENGINE_TARGET = 5;
const COMMAND_TARGET = 1;
const root = join(import.meta.dir, "..");

async function oneYear(): Promise<CandleSeries> {
  const { series: s } = await readCandleCsvFile(join(root, "data/candles/upbit-KRW-BTC-1m.csv.gz"));
  const c = allocateColumns(YEAR);
  let shift = 0;
  let ts = s.ts[0]!;
  for (let k = 0; k < YEAR; ) {
    for (let i = 0; i < s.length && k < YEAR; i++, k++) {
      c.ts[k] = ts;
      ts += 60_000;
      c.open[k] = s.open[i]! + shift;
      c.high[k] = s.high[i]! + shift;
      c.low[k] = s.low[i]! + shift;
      c.close[k] = s.close[i]! + shift;
      c.volume[k] = s.volume[i]!;
    }
    shift += s.close[s.length - 1]! - s.open[0]!;
  }
  return makeSeries("KRW-BTC", "1m", c);
}

/** Milliseconds: the median and best of the timed runs (wall), the median CPU time, and the first (untimed) run. */
interface Timing {
  readonly first: number;
  readonly median: number;
  readonly best: number;
  readonly cpu: number;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU time of this thread, ms (excludes the JIT and GC threads, and time other processes held the CPU). */
function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

function time(runs: number, fn: () => unknown): Timing {
  const t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c = threadCpuMs();
    const t = performance.now();
    fn();
    wall.push(performance.now() - t);
    cpu.push(threadCpuMs() - c);
  }
  return { first, median: median([...wall]), best: Math.min(...wall), cpu: median(cpu) };
}

const loadBefore = loadavg();
const series = await oneYear();
const defaults = resolveBacktestConfig({}, "default");
const classic = resolveBacktestConfig({}, "classic");

// The engine's first run is the cold one: measure it before anything else warms the strategy up.
const coldCpu = threadCpuMs();
const coldStart = performance.now();
const coldRun = runBacktest([series], defaults);
const engineCold: Timing = { first: 0, median: performance.now() - coldStart, best: 0, cpu: threadCpuMs() - coldCpu };

const indicators = time(RUNS, () => indicatorSet(series, { emaFast: 20, emaSlow: 60, rsi: 14, atr: 14, volume: 20 }));
const view: StrategyView = { market: "KRW-BTC", position: null, closed: true, stale: false, warning: "NONE", suspended: false };
const strategyAlone = time(RUNS, () => {
  let state = emaCross.init(defaults.strategy);
  const candle = { ts: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  let intents = 0;
  for (let i = 0; i < YEAR; i++) {
    readCandle(candle, series, i);
    const step = emaCross.onCandle(state, candle, view);
    state = step.state;
    intents += step.intents.length;
  }
  return intents;
});
let defaultRun = coldRun;
const engine = time(RUNS, () => (defaultRun = runBacktest([series], defaults)));
const engineWithMetrics = time(RUNS, () => buildResult({ run: runBacktest([series], defaults), config: defaults, series: [series], dataFingerprint: "bench", benchmarkCurve: false }));
let classicRun = coldRun;
const engineClassic = time(RUNS, () => (classicRun = runBacktest([series], classic)));

// --- the command end to end --------------------------------------------------------------------
const outDir = join(root, "bench/out");
mkdirSync(outDir, { recursive: true });
const csv = join(outDir, "upbit-KRW-BTC-1m-year.csv");
await writeCandleCsvFile(csv, series);
const dbDir = mkdtempSync(join(tmpdir(), "bench-backtest-"));
const emptyScript = join(dbDir, "empty.ts");
await Bun.write(emptyScript, "");

/** The subprocess `bun <args>`: one untimed run, then `runs` timed ones (CPU time = all its threads). */
function command(args: readonly string[], runs: number): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  let first = 0;
  for (let r = 0; r <= runs; r++) {
    const t = performance.now();
    const p = Bun.spawnSync([process.execPath, ...args], { cwd: root, env: { ...process.env, DATABASE_PATH: join(dbDir, "bench.db") }, stdout: "pipe", stderr: "pipe" });
    const elapsed = performance.now() - t;
    if (p.exitCode !== 0) throw new Error(`${args.join(" ")} exited ${p.exitCode}: ${p.stderr.toString()}`);
    if (r === 0) first = elapsed;
    else {
      wall.push(elapsed);
      cpu.push(Number(p.resourceUsage.cpuTime.total) / 1000);
    }
  }
  return { first, median: median([...wall]), best: Math.min(...wall), cpu: median(cpu) };
}

const bunStart = command(["run", emptyScript], CLI_RUNS);
const cli = command(["run", "src/cli/backtest.ts", "--data", csv], CLI_RUNS);
const cliJson = command(["run", "src/cli/backtest.ts", "--data", csv, "--json", join(dbDir, "out.json"), "--no-store"], 3);
rmSync(dbDir, { recursive: true, force: true });
const loadAfter = loadavg();

// --- report -----------------------------------------------------------------------------------
const rate = (ms: number) => YEAR / ms / 1000;
const mps = (ms: number) => `${rate(ms).toFixed(2)} M candles/s`;
const row = (name: string, t: Timing, note = "") =>
  `${name.padEnd(58)} ${t.median.toFixed(1).padStart(7)} ms (best ${t.best.toFixed(1).padStart(6)}, cpu ${t.cpu.toFixed(1).padStart(6)})  ${mps(t.median).padStart(19)}${note}`;
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");

console.log(`One year of 1m candles (${YEAR.toLocaleString("en-US")}, KRW-BTC), Bun ${Bun.version}, ${navigator.hardwareConcurrency} CPUs, load average ${load(loadBefore)} (1/5/15 min)`);
console.log(`In process, median of ${RUNS} runs after one warm-up (cpu: this thread's CPU time):`);
console.log(row("bare indicator pass: indicatorSet (engine baseline)", indicators));
console.log(row("emaCross.onCandle alone, flat (no engine)", strategyAlone));
console.log(row("engine, default preset", engine, `  (${defaultRun.trades.length} trades, x${(engine.median / indicators.median).toFixed(1)} the indicator pass)`));
console.log(row("engine, default preset, first run (cold JIT)", engineCold));
console.log(row("engine + every metric (buildResult), default preset", engineWithMetrics));
console.log(row("engine, classic preset", engineClassic, `  (${classicRun.trades.length} trades)`));
console.log("");
console.log(`bun run backtest --data <one-year 1m CSV, ${(Bun.file(csv).size / 1e6).toFixed(1)} MB> as a subprocess, median of ${CLI_RUNS} after one untimed run (cpu: all its threads):`);
console.log(row("bun run <empty script> (command baseline: process start-up)", bunStart));
console.log(row("bun run backtest (default preset, summary + SQLite store)", cli));
console.log(row("bun run backtest --json OUT --no-store (17 MB of JSON)", cliJson));
console.log(`load average after: ${load(loadAfter)}`);
console.log("");
const verdict = (ok: boolean) => (ok ? "met" : "NOT MET");
console.log(
  `engine, default preset: ${rate(engine.median).toFixed(2)} M candles/s wall (${rate(engine.cpu).toFixed(2)} by CPU time; baseline indicator pass ${rate(indicators.median).toFixed(2)}), target >= ${ENGINE_TARGET}: ${verdict(rate(engine.median) >= ENGINE_TARGET)}`,
);
console.log(
  `whole command: ${rate(cli.median).toFixed(2)} M candles/s wall, ${cli.median.toFixed(0)} ms (CPU ${cli.cpu.toFixed(0)} ms over all its threads; baseline empty bun ${bunStart.median.toFixed(0)} ms), target > ${COMMAND_TARGET}: ${verdict(rate(cli.median) > COMMAND_TARGET)}`,
);
