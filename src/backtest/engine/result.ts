import { INTERVALS, INTERVAL_MS, type Interval } from "../../core/model.ts";
import { type BacktestMetrics, buyAndHoldValues, computeMetrics, type EquityCurve, type EquityPoint, type TradeRecord } from "../../core/stats/index.ts";
import type { CandleSeries } from "../data/index.ts";
import { sliceSeries } from "../data/index.ts";
import type { BacktestResult, PriceColumns } from "../report/index.ts";
import type { BacktestConfig } from "./config.ts";
import type { EngineRun } from "./types.ts";

/** The `--json` document: exactly `{ metrics, trades, equity }` (issue 4 "Command line"). */
export interface BacktestJson {
  readonly metrics: BacktestMetrics;
  readonly trades: readonly TradeRecord[];
  readonly equity: readonly EquityPoint[];
}

/** A run's equity marks as columns (the engine's own arrays, no copy). */
export function runEquity(run: Pick<EngineRun, "equityTs" | "equityValue">): EquityCurve {
  return { ts: run.equityTs, value: run.equityValue };
}

/** The equity marks as `[ts, value]` pairs (the `--json` form). */
export function equityPoints(equity: EquityCurve): EquityPoint[] {
  const n = equity.ts.length;
  const out = new Array<EquityPoint>(n);
  for (let i = 0; i < n; i++) out[i] = [equity.ts[i]!, equity.value[i]!];
  return out;
}

function intervalOf(ms: number): Interval {
  const interval = INTERVALS.find((i) => INTERVAL_MS[i] === ms);
  if (interval === undefined) throw new RangeError(`no candle interval is ${ms} ms long`);
  return interval;
}

/** First index with ts >= `startTs` (the series' own order). */
function firstTradedIndex(series: CandleSeries, startTs: number): number {
  let i = 0;
  while (i < series.length && series.ts[i]! < startTs) i++;
  return i;
}

export interface ResultInput {
  readonly run: EngineRun;
  readonly config: BacktestConfig;
  /** The series the run used (warm-up included). */
  readonly series: readonly CandleSeries[];
  readonly dataFingerprint: string;
  /** The run's `startTs`, if it had a warm-up. */
  readonly startTs?: number;
  /** Name shown in the report (default: the preset). */
  readonly strategyName?: string;
  readonly title?: string;
  /**
   * Keep the buy-and-hold curve for the report's chart (default true). The metrics use the
   * benchmark either way.
   */
  readonly benchmarkCurve?: boolean;
}

/**
 * Metrics (with buy-and-hold of the same markets as the benchmark) and the report input, from one
 * engine run. The equity curve stays in the run's columns: nothing per candle is allocated here.
 */
export function buildResult(input: ResultInput): BacktestResult {
  const { run, config } = input;
  if (run.equityTs.length === 0) throw new RangeError("the run produced no equity marks (no candles after the warm-up)");
  const equity = runEquity(run);
  const benchmark = buyAndHoldValues(input.series, run.equityTs, run.initialCapital);
  const metrics = computeMetrics({ equity, trades: run.trades, intervalMs: run.intervalMs, initialCapital: run.initialCapital, benchmark });
  const startTs = input.startTs ?? Number.NEGATIVE_INFINITY;
  const candles: Record<string, PriceColumns> = {};
  for (const s of input.series) candles[s.market] = startTs === Number.NEGATIVE_INFINITY ? s : sliceSeries(s, firstTradedIndex(s, startTs));
  return {
    run: {
      strategy: input.strategyName ?? config.preset,
      markets: run.markets,
      interval: intervalOf(run.intervalMs),
      initialCapital: run.initialCapital,
      feeRate: config.engine.feeRate,
      slippage: config.engine.slippage,
      title: input.title,
    },
    metrics,
    trades: run.trades,
    equity,
    benchmark: (input.benchmarkCurve ?? true) ? benchmark : undefined,
    candles,
    params: { preset: config.preset, strategy: config.strategy, risk: config.risk, engine: config.engine },
    dataFingerprint: input.dataFingerprint,
  };
}

/**
 * The `--json` text: `{ metrics, trades, equity }`, deterministic for the same run. The pairs are
 * built here, for `JSON.stringify`: measured against hand-built strings and byte writers with the
 * same output, the native stringify of small arrays is the fastest (number formatting dominates,
 * and it does that natively).
 */
export function backtestJson(result: Pick<BacktestResult, "metrics" | "trades" | "equity">): string {
  const doc: BacktestJson = { metrics: result.metrics, trades: result.trades, equity: equityPoints(result.equity) };
  return JSON.stringify(doc);
}
