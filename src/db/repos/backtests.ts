import { desc, eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { backtestRuns } from "../schema.ts";

export type BacktestRunRow = typeof backtestRuns.$inferSelect;

export interface NewBacktestRun {
  readonly kind?: "backtest" | "optimize" | "compare";
  readonly markets: readonly string[];
  readonly interval?: string;
  readonly fromTs?: number;
  readonly toTs?: number;
  readonly params: unknown;
  readonly dataFingerprint?: string;
}

export function startBacktestRun(db: Db, run: NewBacktestRun, now: number): BacktestRunRow {
  return db
    .insert(backtestRuns)
    .values({
      createdAt: now,
      kind: run.kind ?? "backtest",
      status: "running",
      markets: JSON.stringify(run.markets),
      interval: run.interval ?? null,
      fromTs: run.fromTs ?? null,
      toTs: run.toTs ?? null,
      params: JSON.stringify(run.params),
      dataFingerprint: run.dataFingerprint ?? null,
    })
    .returning()
    .get();
}

export function finishBacktestRun(db: Db, id: number, outcome: { metrics?: unknown; reportPath?: string; error?: string }, now: number): void {
  db.update(backtestRuns)
    .set({
      status: outcome.error ? "failed" : "done",
      metrics: outcome.metrics === undefined ? null : JSON.stringify(outcome.metrics),
      reportPath: outcome.reportPath ?? null,
      error: outcome.error ?? null,
      finishedAt: now,
    })
    .where(eq(backtestRuns.id, id))
    .run();
}

export function listBacktestRuns(db: Db, limit = 100): BacktestRunRow[] {
  return db.select().from(backtestRuns).orderBy(desc(backtestRuns.id)).limit(limit).all();
}

export function getBacktestRun(db: Db, id: number): BacktestRunRow | undefined {
  return db.select().from(backtestRuns).where(eq(backtestRuns.id, id)).get();
}
