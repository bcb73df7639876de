import { type BacktestMetrics, computeMetrics } from "../../core/stats/index.ts";
import { type CandleSeries, type TimeWindow, windowSeries } from "../data/index.ts";
import { type BacktestConfig, runBacktest, runEquity, windowWarmup } from "../engine/index.ts";
import type { Fold } from "./folds.ts";

/**
 * Scoring one candidate: a fresh backtest (new capital, flat) per window, each preceded by a
 * warm-up of candles before the window that only feed the indicators.
 */

/** The metrics an optimisation ranks and shows, per window (null: undefined for that window). */
export type WindowScore = Pick<BacktestMetrics, "trades" | "totalReturn" | "cagr" | "maxDrawdown" | "sharpe" | "sortino" | "calmar" | "winRate" | "profitFactor">;

/** Objectives a ranking can use: each is 0 for a window without trades (a flat curve), so a missing value counts as 0. */
export const OBJECTIVES = ["sharpe", "sortino", "calmar", "totalReturn", "cagr"] as const;
export type Objective = (typeof OBJECTIVES)[number];

export interface FoldEvaluation {
  /** Null when the window had no candles for any market. */
  readonly inSample: WindowScore | null;
  readonly outOfSample: WindowScore | null;
}

export interface CandidateEvaluation {
  readonly folds: readonly FoldEvaluation[];
}

export function scoreWindow(series: readonly CandleSeries[], config: BacktestConfig, window: TimeWindow): WindowScore | null {
  const slices = windowSeries(series, window, windowWarmup(config));
  if (slices.length === 0) return null;
  const run = runBacktest(slices, config, { startTs: window.fromTs });
  if (run.equityTs.length === 0) return null;
  const m = computeMetrics({ equity: runEquity(run), trades: run.trades, intervalMs: run.intervalMs, initialCapital: run.initialCapital });
  return {
    trades: m.trades,
    totalReturn: m.totalReturn,
    cagr: m.cagr,
    maxDrawdown: m.maxDrawdown,
    sharpe: m.sharpe,
    sortino: m.sortino,
    calmar: m.calmar,
    winRate: m.winRate,
    profitFactor: m.profitFactor,
  };
}

/** Every fold's in-sample and out-of-sample score; a window shared by two folds (rolling) is run once. */
export function evaluateCandidate(series: readonly CandleSeries[], config: BacktestConfig, folds: readonly Fold[]): CandidateEvaluation {
  const cache = new Map<string, WindowScore | null>();
  const score = (w: TimeWindow) => {
    const key = `${w.fromTs}:${w.toTs}`;
    if (!cache.has(key)) cache.set(key, scoreWindow(series, config, w));
    return cache.get(key)!;
  };
  return { folds: folds.map((f) => ({ inSample: score(f.inSample), outOfSample: score(f.outOfSample) })) };
}

/** A window's objective value; a window without a value (no trades, no data) counts as 0. */
export function objectiveValue(score: WindowScore | null, objective: Objective): number {
  const v = score?.[objective] ?? null;
  return v === null ? 0 : v;
}
