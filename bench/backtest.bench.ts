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
 * - bare indicator pass (the baseline): `indicatorSet` EMA 20/60, RSI 14, ATR 14, volume ratio 20;
 * - the strategy alone: `emaCross.onCandle` per candle, flat (the floor for anything that drives it);
 * - the full engine, default preset (the target row): strategy + risk + fills + portfolio + equity
 *   marks, and its first (cold, un-JITted) run;
 * - the engine plus every metric (`buildResult`), and the engine on the classic preset (more fills).
 *
 * Then `bun run backtest --data <one-year CSV>` end to end as a subprocess (start-up, parsing,
 * validation, fingerprint, engine, metrics, summary, SQLite store), against `bun` starting an
 * empty script as the baseline.
 *
 * Targets (issue 4): >= 5 M candles/s through the engine; > 1 M candles/s for the whole command.
 * Run: `bun run bench backtest`.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allocateColumns, type CandleSeries, makeSeries, readCandleCsvFile, writeCandleCsvFile } from "../src/backtest/data/index.ts";
import { buildResult, resolveBacktestConfig, runBacktest } from "../src/backtest/engine/index.ts";
import { indicatorSet } from "../src/core/indicators/index.ts";
import { emaCross, type StrategyView } from "../src/core/strategy/index.ts";

const YEAR = 525_600;
const RUNS = 7;
const CLI_RUNS = 5;
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

interface Timing {
  readonly first: number;
  readonly median: number;
  readonly best: number;
}

function time(runs: number, fn: () => unknown): Timing {
  const t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { first, median: ms[Math.floor(ms.length / 2)]!, best: ms[0]! };
}

const series = await oneYear();
const defaults = resolveBacktestConfig({}, "default");
const classic = resolveBacktestConfig({}, "classic");

// The engine's first run is the cold one: measure it before anything else warms the strategy up.
const coldStart = performance.now();
const coldRun = runBacktest([series], defaults);
const engineCold = performance.now() - coldStart;

const indicators = time(RUNS, () => indicatorSet(series, { emaFast: 20, emaSlow: 60, rsi: 14, atr: 14, volume: 20 }));
const view: StrategyView = { market: "KRW-BTC", position: null, closed: true, stale: false, warning: "NONE", suspended: false };
const strategyAlone = time(RUNS, () => {
  let state = emaCross.init(defaults.strategy);
  const candle = { ts: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 };
  let intents = 0;
  for (let i = 0; i < YEAR; i++) {
    candle.ts = series.ts[i]!;
    candle.open = series.open[i]!;
    candle.high = series.high[i]!;
    candle.low = series.low[i]!;
    candle.close = series.close[i]!;
    candle.volume = series.volume[i]!;
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

function wall(args: readonly string[], runs: number): Timing {
  const ms: number[] = [];
  let first = 0;
  for (let r = 0; r <= runs; r++) {
    const t = performance.now();
    const p = Bun.spawnSync([process.execPath, ...args], { cwd: root, env: { ...process.env, DATABASE_PATH: join(dbDir, "bench.db") }, stdout: "pipe", stderr: "pipe" });
    const elapsed = performance.now() - t;
    if (p.exitCode !== 0) throw new Error(`${args.join(" ")} exited ${p.exitCode}: ${p.stderr.toString()}`);
    if (r === 0) first = elapsed;
    else ms.push(elapsed);
  }
  ms.sort((a, b) => a - b);
  return { first, median: ms[Math.floor(ms.length / 2)]!, best: ms[0]! };
}

const bunStart = wall(["run", emptyScript], CLI_RUNS);
const cli = wall(["run", "src/cli/backtest.ts", "--data", csv], CLI_RUNS);
const cliJson = wall(["run", "src/cli/backtest.ts", "--data", csv, "--json", join(dbDir, "out.json"), "--no-store"], 3);
rmSync(dbDir, { recursive: true, force: true });

// --- report -----------------------------------------------------------------------------------
const rate = (ms: number) => `${(YEAR / ms / 1000).toFixed(2)} M candles/s`;
const row = (name: string, t: Pick<Timing, "median" | "best">, note = "") =>
  `${name.padEnd(60)} ${t.median.toFixed(1).padStart(7)} ms (best ${t.best.toFixed(1).padStart(6)})  ${rate(t.median).padStart(19)}${note}`;

console.log(`One year of 1m candles (${YEAR.toLocaleString("en-US")}, KRW-BTC), Bun ${Bun.version}, median of ${RUNS} runs after one warm-up`);
console.log(row("bare indicator pass: indicatorSet (baseline)", indicators));
console.log(row("emaCross.onCandle alone, flat (no engine)", strategyAlone));
console.log(row("engine, default preset", engine, `  (${defaultRun.trades.length} trades, x${(engine.median / indicators.median).toFixed(1)} the indicator pass)`));
console.log(row("engine, default preset, first run (cold JIT)", { median: engineCold, best: engineCold }));
console.log(row("engine + every metric (buildResult), default preset", engineWithMetrics));
console.log(row("engine, classic preset", engineClassic, `  (${classicRun.trades.length} trades)`));
console.log("");
console.log(`bun run backtest --data <one-year 1m CSV, ${(Bun.file(csv).size / 1e6).toFixed(1)} MB> as a subprocess, median of ${CLI_RUNS} after one untimed run:`);
console.log(row("bun run <empty script> (process start-up baseline)", bunStart));
console.log(row("bun run backtest (default preset, summary + SQLite store)", cli));
console.log(row("bun run backtest --json OUT --no-store (17 MB of JSON)", cliJson));
const engineRate = YEAR / engine.median / 1000;
const cliRate = YEAR / cli.median / 1000;
console.log("");
console.log(`engine, default preset: ${engineRate.toFixed(2)} M candles/s (target >= 5): ${engineRate >= 5 ? "met" : "NOT MET"}`);
console.log(`whole command: ${cliRate.toFixed(2)} M candles/s (target > 1): ${cliRate > 1 ? "met" : "NOT MET"}`);
