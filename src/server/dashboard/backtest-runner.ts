import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { BacktestProgress } from "../../../views/pages/backtests.tsx";
import type { Interval, Market } from "../../core/model.ts";
import { finishBacktestRun, startBacktestRun, type Db } from "../../db/index.ts";
import type { Logger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";

/**
 * Backtests launched from the dashboard. Each runs in its own worker thread (so a year of
 * one-minute candles never blocks the server), at most `maxConcurrent` at once. The run is stored
 * in `backtest_runs` when it starts (status running) and finished with its metrics and the path of
 * its HTML report, which is written into `reportsDir` (the only folder the dashboard serves
 * reports from). Progress is kept in memory for the page to poll.
 */

export type BacktestSource =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "db"; readonly dbPath: string; readonly market: Market; readonly interval: Interval };

export type ToBacktestWorker = {
  readonly type: "run";
  readonly source: BacktestSource;
  readonly preset: string | undefined;
  readonly params: unknown;
  readonly fromTs?: number;
  readonly toTs?: number;
};

export type FromBacktestWorker =
  | { readonly type: "progress"; readonly state: "loading" | "running"; readonly done: number; readonly total: number }
  | {
      readonly type: "done";
      readonly markets: readonly string[];
      readonly interval: string | null;
      readonly fromTs: number;
      readonly toTs: number;
      readonly fingerprint: string;
      readonly params: unknown;
      readonly metrics: unknown;
      readonly report: string;
    }
  | { readonly type: "error"; readonly message: string };

export interface BacktestJob {
  readonly source: BacktestSource;
  /** A label for the run's row until the data is read (market, file name). */
  readonly markets: readonly string[];
  readonly interval?: string;
  readonly preset: string | undefined;
  readonly params: unknown;
  readonly fromTs?: number;
  readonly toTs?: number;
}

export interface BacktestLauncherOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly reportsDir: string;
  readonly maxConcurrent?: number;
  /** The worker script (tests may pass their own). */
  readonly workerUrl?: URL;
}

export class BacktestBusyError extends Error {
  constructor() {
    super("too many backtests are running");
    this.name = "BacktestBusyError";
  }
}

const WORKER_URL = new URL("./backtest-worker.ts", import.meta.url);
/** Progress of finished runs is kept this long for the page to show the outcome. */
const KEEP_FINISHED = 50;

export class BacktestLauncher {
  private readonly running = new Map<number, Worker>();
  private readonly progress = new Map<number, BacktestProgress>();
  private closed = false;

  constructor(private readonly options: BacktestLauncherOptions) {}

  get active(): number {
    return this.running.size;
  }

  /** Starts a run; throws `BacktestBusyError` when `maxConcurrent` runs are going. Returns its id. */
  launch(job: BacktestJob, by: string): number {
    if (this.closed || this.running.size >= (this.options.maxConcurrent ?? 1)) throw new BacktestBusyError();
    const { db, clock, logger } = this.options;
    const row = startBacktestRun(
      db,
      { kind: "backtest", markets: job.markets, interval: job.interval, fromTs: job.fromTs, toTs: job.toTs, params: { preset: job.preset ?? null, overrides: job.params, by } },
      clock.now(),
    );
    const id = row.id;
    this.progress.set(id, { id, state: "queued", done: 0, total: 0 });
    const worker = new Worker(this.options.workerUrl ?? WORKER_URL);
    this.running.set(id, worker);
    const end = (outcome: { metrics?: unknown; reportPath?: string; error?: string }) => {
      if (!this.running.delete(id)) return;
      worker.terminate();
      try {
        finishBacktestRun(db, id, outcome, clock.now());
      } catch (err) {
        logger.error({ err, run: id }, "backtest: could not record the outcome");
      }
      const last = this.progress.get(id);
      this.progress.set(id, { id, state: outcome.error ? "failed" : "done", done: last?.total ?? 0, total: last?.total ?? 0, error: outcome.error });
      this.trim();
    };
    worker.onmessage = (event: MessageEvent<FromBacktestWorker>) => {
      const m = event.data;
      if (m.type === "progress") this.progress.set(id, { id, state: m.state, done: m.done, total: m.total });
      else if (m.type === "error") end({ error: m.message });
      else end(this.store(id, m));
    };
    worker.onerror = (event) => {
      logger.error({ run: id, message: event.message }, "backtest worker failed");
      end({ error: event.message || "worker failed" });
    };
    const message: ToBacktestWorker = { type: "run", source: job.source, preset: job.preset, params: job.params, fromTs: job.fromTs, toTs: job.toTs };
    worker.postMessage(message);
    logger.info({ run: id, by, source: job.source.kind, markets: job.markets }, "backtest started from the dashboard");
    return id;
  }

  /** Writes the report and says what to record. */
  private store(id: number, done: Extract<FromBacktestWorker, { type: "done" }>): { metrics: unknown; reportPath?: string; error?: string } {
    try {
      mkdirSync(this.options.reportsDir, { recursive: true });
      const reportPath = join(this.options.reportsDir, `backtest-${id}.html`);
      writeFileSync(reportPath, done.report);
      return { metrics: done.metrics, reportPath };
    } catch (err) {
      this.options.logger.error({ err, run: id }, "backtest: could not write the report");
      return { metrics: done.metrics, error: "report could not be written" };
    }
  }

  private trim(): void {
    const finished = [...this.progress.values()].filter((p) => p.state === "done" || p.state === "failed");
    for (const p of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.progress.delete(p.id);
  }

  /** Progress of a run started by this process (undefined for older runs). */
  progressOf(id: number): BacktestProgress | undefined {
    return this.progress.get(id);
  }

  /** Stops every running backtest (at shutdown); their rows are marked failed. */
  close(): void {
    this.closed = true;
    for (const [id, worker] of this.running) {
      worker.terminate();
      try {
        finishBacktestRun(this.options.db, id, { error: "stopped: the server shut down" }, this.options.clock.now());
      } catch {
        // the database may already be closed
      }
    }
    this.running.clear();
  }
}

/** Candle files offered as backtest data: `*.csv` and `*.csv.gz` directly in `dir` (newest names first). */
export function candleFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /^[\w.+-]+\.csv(\.gz)?$/.test(name) && statSync(join(dir, name)).isFile())
      .sort();
  } catch {
    return [];
  }
}

/** True when `path` lies inside `dir` (after resolving both): the only reports the dashboard serves. */
export function insideDir(dir: string, path: string): boolean {
  const root = resolve(dir) + sep;
  return resolve(path).startsWith(root);
}
