import type { CandleSeries } from "../data/index.ts";
import type { BacktestConfig } from "../engine/index.ts";
import { type CandidateEvaluation, evaluateCandidate, type Objective } from "./evaluate.ts";
import { type Fold, walkForwardFolds, type WindowMode } from "./folds.ts";
import { type FromWorker, shareSeries, type ToWorker } from "./protocol.ts";
import { divergenceWarnings, type EvaluatedCandidate, rankCandidates, type RankedCandidate, walkForwardSelection, type WalkForwardSummary } from "./rank.ts";
import { type CandidateValues, candidateConfig, gridCandidates, randomCandidates, type SearchSpace } from "./space.ts";

export const SEARCH_METHODS = ["grid", "random"] as const;
export type SearchMethod = (typeof SEARCH_METHODS)[number];

export interface OptimizeInput {
  readonly series: readonly CandleSeries[];
  readonly space: SearchSpace;
  readonly search: SearchMethod;
  /** Random search: how many distinct candidates. */
  readonly samples?: number;
  /** Random search: uniform [0, 1) source (seeded by the caller). */
  readonly random?: () => number;
  readonly folds: number;
  readonly window: WindowMode;
  readonly objective: Objective;
  /** Worker threads; 0 evaluates in this thread. */
  readonly workers: number;
  /** Replaces the space's preset (the CLI's --preset). */
  readonly presetOverride?: string;
  /** After each evaluated candidate: (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SkippedCandidate {
  readonly values: CandidateValues;
  readonly reason: string;
}

export interface OptimizationResult {
  readonly objective: Objective;
  readonly search: SearchMethod;
  readonly window: WindowMode;
  readonly folds: readonly Fold[];
  /** Candidates evaluated. */
  readonly evaluated: number;
  /** Candidates whose parameters did not validate (e.g. emaFast >= emaSlow). */
  readonly skipped: readonly SkippedCandidate[];
  /** Every evaluated candidate, best out-of-sample first. */
  readonly ranking: readonly RankedCandidate[];
  /** Each ranked candidate's resolved configuration, by candidate id. */
  readonly configs: ReadonlyMap<number, BacktestConfig>;
  readonly walkForward: WalkForwardSummary;
  readonly warnings: readonly string[];
}

interface Job {
  readonly id: number;
  readonly values: CandidateValues;
  readonly config: BacktestConfig;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/** Evaluate jobs on `count` worker threads, one job per message, the next job sent as a result comes back. */
async function evaluateInWorkers(series: readonly CandleSeries[], folds: readonly Fold[], jobs: readonly Job[], count: number, onDone: () => void): Promise<Map<number, CandidateEvaluation>> {
  const results = new Map<number, CandidateEvaluation>();
  if (jobs.length === 0) return results;
  const shared = shareSeries(series);
  const workers = Array.from({ length: Math.min(count, jobs.length) }, () => new Worker(WORKER_URL));
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const send = (worker: Worker) => {
        if (next >= jobs.length) return;
        const job = jobs[next++]!;
        worker.postMessage({ type: "job", id: job.id, config: job.config } satisfies ToWorker);
      };
      for (const worker of workers) {
        worker.onmessage = (event: MessageEvent<FromWorker>) => {
          const message = event.data;
          if (message.type === "error") {
            reject(new Error(`candidate #${message.id} failed in a worker: ${message.message}`));
            return;
          }
          results.set(message.id, message.evaluation);
          onDone();
          if (results.size === jobs.length) resolve();
          else send(worker);
        };
        worker.onerror = (event) => reject(new Error(`optimizer worker failed: ${(event as ErrorEvent).message}`));
        worker.postMessage({ type: "init", series: shared, folds } satisfies ToWorker);
        send(worker);
      }
    });
  } finally {
    for (const worker of workers) worker.terminate();
  }
  return results;
}

function candidateValues(input: OptimizeInput): CandidateValues[] {
  if (input.search === "grid") return gridCandidates(input.space);
  if (input.random === undefined) throw new RangeError("random search needs a random source");
  return randomCandidates(input.space, input.samples ?? 100, input.random);
}

/**
 * Grid or random search with walk-forward evaluation: every candidate is scored in and out of
 * sample on every fold, ranked by its mean out-of-sample objective, and checked for divergence.
 * Deterministic: the same input (and seed) gives the same ranking with any number of workers.
 */
export async function runOptimization(input: OptimizeInput): Promise<OptimizationResult> {
  const folds = walkForwardFolds(input.series, input.folds, input.window);
  const jobs: Job[] = [];
  const skipped: SkippedCandidate[] = [];
  candidateValues(input).forEach((values) => {
    const resolved = candidateConfig(input.space, values, input.presetOverride);
    if ("error" in resolved) skipped.push({ values, reason: resolved.error });
    else jobs.push({ id: jobs.length, values, config: resolved.config });
  });
  let done = 0;
  const tick = () => input.onProgress?.(++done, jobs.length);
  let evaluations: Map<number, CandidateEvaluation>;
  if (input.workers > 0) {
    evaluations = await evaluateInWorkers(input.series, folds, jobs, input.workers, tick);
  } else {
    evaluations = new Map();
    for (const job of jobs) {
      evaluations.set(job.id, evaluateCandidate(input.series, job.config, folds));
      tick();
    }
  }
  const evaluated: EvaluatedCandidate[] = jobs.map((job) => ({ id: job.id, values: job.values, evaluation: evaluations.get(job.id)! }));
  const ranking = rankCandidates(evaluated, input.objective);
  const walkForward = walkForwardSelection(ranking);
  return {
    objective: input.objective,
    search: input.search,
    window: input.window,
    folds,
    evaluated: jobs.length,
    skipped,
    ranking,
    configs: new Map(jobs.map((j) => [j.id, j.config])),
    walkForward,
    warnings: ranking.length > 0 ? divergenceWarnings(ranking, walkForward, input.objective) : ["no valid candidate to evaluate"],
  };
}
