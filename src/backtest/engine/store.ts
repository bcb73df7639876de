import type { Db } from "../../db/index.ts";
import { finishBacktestRun, startBacktestRun } from "../../db/index.ts";
import type { CandleSeries } from "../data/index.ts";

/** What a finished backtest, optimisation or comparison stores (table `backtest_runs`). */
export interface StoredRun {
  readonly kind: "backtest" | "optimize" | "compare";
  /** The candles it ran on: markets, interval and time span are taken from them. */
  readonly series: readonly CandleSeries[];
  /** Where trading started when the series begin with warm-up candles (`--from`): the span starts here. */
  readonly startTs?: number;
  readonly dataFingerprint: string;
  /** Parameters as used (JSON). */
  readonly params: unknown;
  /** Metrics or ranking (JSON). */
  readonly metrics: unknown;
  readonly reportPath?: string;
}

/**
 * Record a finished run through the repo verbs, so the dashboard can list and compare runs by
 * their parameters, metrics and data fingerprint. Returns the run's id.
 */
export function storeRun(db: Db, run: StoredRun, now: number): number {
  const series = run.series;
  const row = startBacktestRun(
    db,
    {
      kind: run.kind,
      markets: series.map((s) => s.market),
      interval: series[0]?.interval,
      fromTs: series.length > 0 ? Math.max(run.startTs ?? Number.NEGATIVE_INFINITY, Math.min(...series.map((s) => s.ts[0]!))) : undefined,
      toTs: series.length > 0 ? Math.max(...series.map((s) => s.ts[s.length - 1]!)) : undefined,
      params: run.params,
      dataFingerprint: run.dataFingerprint,
    },
    now,
  );
  finishBacktestRun(db, row.id, { metrics: run.metrics, reportPath: run.reportPath }, now);
  return row.id;
}
