import { mulberry32 } from "../src/core/random.ts";
/**
 * Indicator throughput: EMA 20 + EMA 60 + RSI 14 + ATR 14 over 1,000,000 synthetic candles, ours
 * against `technicalindicators` 3.1.0 (the baseline) in the same process. Target: at least 15x.
 *
 * Protocol: each workload runs once untimed (JIT warm-up), then RUNS timed runs; the table shows
 * the median and the best. The baseline runs first; its inputs and outputs are then dropped and the
 * heap fully collected once, so its garbage is not billed to us. Our rows allocate fresh output
 * arrays on every run (the whole cost) unless the row says "reused outputs" (buffers passed in, as
 * an optimiser re-running one data set would). Touching fresh memory is expensive on a VM: on this
 * project's 2-core Firecracker VM an 8 MB Float64Array costs several ms to fault in, which is
 * about as much as computing an EMA into it; the reused-output rows show the compute alone.
 *
 * Also printed: the step functions driven one candle at a time (the live path, no output arrays),
 * and the `default` and `classic` strategies' `onCandle` per candle over the same data (flat: no
 * fills are simulated here, so this is the cost of watching a market).
 *
 * Run: `bun run bench indicators` (or `bun run bench/indicators.bench.ts`).
 */
import { ATR, EMA, RSI } from "technicalindicators";
import { atr, atrInit, atrStep, ema, emaInit, emaStep, indicatorSet, rsi, rsiInit, rsiStep } from "../src/core/indicators/index.ts";
import type { Candle } from "../src/core/model.ts";
import { emaCross, resolveStrategyParams, type StrategyView } from "../src/core/strategy/index.ts";

const N = 1_000_000;
const RUNS = 7;
const BASELINE_RUNS = 3;

/** A tiny seeded PRNG, so every run benchmarks the same series. */
const prng = mulberry32;

interface Columns {
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** A random walk around 60M KRW with 0.2 % steps: BTC-like 1-minute candles. */
function syntheticCandles(n: number): Columns {
  const rnd = prng(20_240_101);
  const cols = { open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let price = 60_000_000;
  for (let i = 0; i < n; i++) {
    const open = price;
    price = Math.max(1_000, price * (1 + (rnd() - 0.5) * 0.004));
    cols.open[i] = open;
    cols.close[i] = price;
    cols.high[i] = Math.max(open, price) * (1 + rnd() * 0.002);
    cols.low[i] = Math.min(open, price) * (1 - rnd() * 0.002);
    cols.volume[i] = 0.1 + rnd() * 5;
  }
  return cols;
}

interface Timing {
  readonly median: number;
  readonly best: number;
}

function time(runs: number, fn: () => unknown): Timing {
  fn();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, best: ms[0]! };
}

function lastValue(xs: ArrayLike<number>): number {
  return xs[xs.length - 1]!;
}

const data = syntheticCandles(N);

// --- baseline -------------------------------------------------------------------------------
// technicalindicators takes plain arrays (converted outside the timing) and returns warm-up-less arrays.
let lists: { close: number[]; high: number[]; low: number[] } | null = { close: Array.from(data.close), high: Array.from(data.high), low: Array.from(data.low) };
const runBaseline = () => {
  const l = lists!;
  return [
    EMA.calculate({ period: 20, values: l.close }),
    EMA.calculate({ period: 60, values: l.close }),
    RSI.calculate({ period: 14, values: l.close }),
    ATR.calculate({ period: 14, high: l.high, low: l.low, close: l.close }),
  ];
};
const baseline = time(BASELINE_RUNS, runBaseline);
const [tiEma20, tiEma60, tiRsi, tiAtr] = runBaseline().map(lastValue);
lists = null;
Bun.gc(true);

// --- ours -----------------------------------------------------------------------------------
const periods = { emaFast: 20, emaSlow: 60, rsi: 14, atr: 14 };
const fused = time(RUNS, () => indicatorSet(data, periods));
const reusedSeries = indicatorSet(data, periods);
const fusedReused = time(RUNS, () => indicatorSet(data, periods, reusedSeries));
const separate = time(RUNS, () => [ema(data.close, 20), ema(data.close, 60), rsi(data.close, 14), atr(data.high, data.low, data.close, 14)]);
const buffers = [new Float64Array(N), new Float64Array(N), new Float64Array(N), new Float64Array(N)] as const;
const separateReused = time(RUNS, () => [
  ema(data.close, 20, undefined, buffers[0]),
  ema(data.close, 60, undefined, buffers[1]),
  rsi(data.close, 14, buffers[2]),
  atr(data.high, data.low, data.close, 14, undefined, buffers[3]),
]);
const stepped = time(RUNS, () => {
  const fast = emaInit(20);
  const slow = emaInit(60);
  const r = rsiInit(14);
  const a = atrInit(14);
  for (let i = 0; i < N; i++) {
    const c = data.close[i]!;
    emaStep(fast, c);
    emaStep(slow, c);
    rsiStep(r, c);
    atrStep(a, data.high[i]!, data.low[i]!, c);
  }
  return fast.value + slow.value + r.value + a.value;
});

const candles: Candle[] = Array.from({ length: N }, (_, i) => ({
  ts: i * 60_000,
  open: data.open[i]!,
  high: data.high[i]!,
  low: data.low[i]!,
  close: data.close[i]!,
  volume: data.volume[i]!,
}));
const view: StrategyView = { market: "KRW-BTC", position: null, closed: true, stale: false, warning: "NONE", suspended: false };
function strategyRun(preset: "default" | "classic"): () => number {
  const params = resolveStrategyParams({ preset });
  return () => {
    let state = emaCross.init(params);
    let intents = 0;
    for (let i = 0; i < N; i++) {
      const step = emaCross.onCandle(state, candles[i]!, view);
      state = step.state;
      intents += step.intents.length;
    }
    return intents;
  };
}
const strategyDefault = time(RUNS, strategyRun("default"));
const strategyClassic = time(RUNS, strategyRun("classic"));

// --- the baseline must have computed the same thing, or the comparison means nothing --------
const ours = indicatorSet(data, periods);
const checks: [string, number, number, number][] = [
  ["EMA20", tiEma20!, lastValue(ours.emaFast), 1e-9],
  ["EMA60", tiEma60!, lastValue(ours.emaSlow), 1e-9],
  ["RSI14", tiRsi!, lastValue(ours.rsi), 0.005 / 50], // technicalindicators rounds RSI to 2 decimals
  ["ATR14", tiAtr!, lastValue(ours.atr), 1e-9],
];
for (const [name, theirs, mine, rel] of checks) {
  if (!(Math.abs(theirs - mine) <= rel * Math.abs(mine))) throw new Error(`${name} disagrees with the baseline: ${theirs} vs ${mine}`);
}

// --- report -----------------------------------------------------------------------------------
const rate = (ms: number) => `${(N / ms / 1000).toFixed(1)} M candles/s`;
const row = (name: string, t: Timing) =>
  `${name.padEnd(62)} ${t.median.toFixed(1).padStart(7)} ms (best ${t.best.toFixed(1).padStart(6)})  ${rate(t.median).padStart(17)}  x${(baseline.median / t.median).toFixed(1)}`;

console.log(`EMA20 + EMA60 + RSI14 + ATR14 over ${N.toLocaleString("en-US")} candles, Bun ${Bun.version}, median of ${RUNS} runs (baseline ${BASELINE_RUNS})`);
console.log(row("technicalindicators 3.1.0 .calculate x4 (baseline)", baseline));
console.log(row("core indicatorSet: one fused pass, fresh outputs", fused));
console.log(row("core indicatorSet: one fused pass, reused outputs", fusedReused));
console.log(row("core ema + ema + rsi + atr batch: fresh outputs", separate));
console.log(row("core ema + ema + rsi + atr batch: reused outputs", separateReused));
console.log(row("core step functions, one candle at a time (live path)", stepped));
console.log(row("emaCross.onCandle per candle, preset default (flat)", strategyDefault));
console.log(row("emaCross.onCandle per candle, preset classic (flat)", strategyClassic));
const speedup = baseline.median / fused.median;
console.log(`indicatorSet (fresh outputs) vs baseline: ${speedup.toFixed(1)}x, target >= 15x: ${speedup >= 15 ? "met" : "NOT MET"}`);
