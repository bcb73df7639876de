import type { BacktestMetrics } from "../../core/stats/index.ts";
import type { CandleSeries } from "../data/index.ts";
import { type BacktestConfig, buildResult, runBacktest } from "../engine/index.ts";
import type { BacktestResult } from "../report/index.ts";
import { formatNumber, formatPercent, formatRatio } from "../report/index.ts";
import { type BootstrapOptions, bootstrapReturnDifference, type ReturnDifference } from "./bootstrap.ts";

/** One side of an A/B comparison. */
export interface ComparisonSide {
  /** Shown in tables: a preset name or a params file name. */
  readonly label: string;
  readonly config: BacktestConfig;
}

export interface ComparisonInput {
  readonly series: readonly CandleSeries[];
  readonly a: ComparisonSide;
  readonly b: ComparisonSide;
  readonly dataFingerprint: string;
  readonly bootstrap: BootstrapOptions;
  /** Candles before this only warm both strategies up (the engine's `startTs`). */
  readonly startTs?: number;
}

export interface Comparison {
  readonly labelA: string;
  readonly labelB: string;
  readonly a: BacktestResult;
  readonly b: BacktestResult;
  /** A minus B in total return, with the bootstrap interval. */
  readonly difference: ReturnDifference;
}

/**
 * Run both parameter sets on the same candles and compare them. Both must start from the same
 * capital (the difference in returns would otherwise mix two bases).
 */
export function compareBacktests(input: ComparisonInput): Comparison {
  const { a, b, series } = input;
  if (a.config.engine.initialCapital !== b.config.engine.initialCapital) {
    throw new RangeError(`A starts with ${a.config.engine.initialCapital} KRW and B with ${b.config.engine.initialCapital} KRW: compare runs with the same capital`);
  }
  const { startTs, dataFingerprint } = input;
  const resultA = buildResult({ run: runBacktest(series, a.config, { startTs }), config: a.config, series, dataFingerprint, startTs, strategyName: a.label });
  const resultB = buildResult({ run: runBacktest(series, b.config, { startTs }), config: b.config, series, dataFingerprint, startTs, strategyName: b.label });
  const difference = bootstrapReturnDifference(resultA.equity.value, resultB.equity.value, a.config.engine.initialCapital, input.bootstrap);
  return { labelA: a.label, labelB: b.label, a: resultA, b: resultB, difference };
}

const ROWS: readonly (readonly [keyof BacktestMetrics, string, (v: number | null) => string])[] = [
  ["trades", "trades", (v) => formatNumber(v)],
  ["finalEquity", "final equity (KRW)", (v) => formatNumber(v)],
  ["totalReturn", "total return", (v) => formatPercent(v)],
  ["cagr", "CAGR", (v) => formatPercent(v)],
  ["maxDrawdown", "max drawdown", (v) => formatPercent(v)],
  ["sharpe", "sharpe", (v) => formatRatio(v)],
  ["sortino", "sortino", (v) => formatRatio(v)],
  ["calmar", "calmar", (v) => formatRatio(v)],
  ["winRate", "win rate", (v) => formatPercent(v)],
  ["profitFactor", "profit factor", (v) => formatRatio(v)],
];

/** The comparison as text lines: the metrics side by side, then the difference and its interval. */
export function comparisonLines(c: Comparison): string[] {
  const width = Math.max(14, c.labelA.length, c.labelB.length) + 2;
  const lines = [`${"".padEnd(20)}${c.labelA.padStart(width)}${c.labelB.padStart(width)}`];
  for (const [key, name, format] of ROWS) {
    lines.push(`${name.padEnd(20)}${format(c.a.metrics[key] as number | null).padStart(width)}${format(c.b.metrics[key] as number | null).padStart(width)}`);
  }
  const d = c.difference;
  const pct = Math.round(d.confidence * 100);
  lines.push(
    "",
    `total return A - B: ${formatPercent(d.difference)} (${pct}% CI ${formatPercent(d.low)} to ${formatPercent(d.high)}; moving-block bootstrap, ${formatNumber(d.resamples)} resamples, blocks of ${formatNumber(d.blockLength)} candles)`,
    `A ahead in ${formatPercent(d.probabilityABetter, 1)} of resamples: ${d.low > 0 ? "A is better at this confidence" : d.high < 0 ? "B is better at this confidence" : "no significant difference at this confidence"}`,
  );
  return lines;
}
