import type { CandidateValues } from "./space.ts";
import { type CandidateEvaluation, type Objective, objectiveValue } from "./evaluate.ts";

/**
 * Ranking by out-of-sample results, the walk-forward selection, and the warnings when in-sample
 * and out-of-sample disagree (docs/optimization.md "Ranking and warnings").
 */
export interface EvaluatedCandidate {
  /** Position among the valid candidates (0-based): the tie-breaker that keeps rankings deterministic. */
  readonly id: number;
  readonly values: CandidateValues;
  readonly evaluation: CandidateEvaluation;
}

export interface RankedCandidate {
  readonly rank: number;
  readonly id: number;
  readonly values: CandidateValues;
  /** Objective per fold and its mean, in-sample and out-of-sample. */
  readonly inSample: readonly number[];
  readonly outOfSample: readonly number[];
  readonly inSampleMean: number;
  readonly outOfSampleMean: number;
  /** Out-of-sample trades over all folds. */
  readonly outOfSampleTrades: number;
  /** Worst out-of-sample drawdown over the folds. */
  readonly outOfSampleMaxDrawdown: number;
}

/** Per fold: the candidate the in-sample window would have picked, and what it then did out of sample. */
export interface WalkForwardStep {
  readonly fold: number;
  readonly chosenId: number;
  readonly inSample: number;
  readonly outOfSample: number;
}

export interface WalkForwardSummary {
  readonly steps: readonly WalkForwardStep[];
  readonly inSampleMean: number;
  readonly outOfSampleMean: number;
  /** outOfSampleMean / inSampleMean when the in-sample mean is positive, else null. */
  readonly efficiency: number | null;
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Ranks 1..n with ties sharing the average rank. */
function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Spearman rank correlation (Pearson on average ranks); null with fewer than 3 points or no spread. */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n !== ys.length || n < 3) return null;
  const rx = averageRanks(xs);
  const ry = averageRanks(ys);
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : null;
}

/** Best first: out-of-sample mean, then in-sample mean, then candidate order. */
export function rankCandidates(candidates: readonly EvaluatedCandidate[], objective: Objective): RankedCandidate[] {
  const rows = candidates.map((c) => {
    const inSample = c.evaluation.folds.map((f) => objectiveValue(f.inSample, objective));
    const outOfSample = c.evaluation.folds.map((f) => objectiveValue(f.outOfSample, objective));
    return {
      id: c.id,
      values: c.values,
      inSample,
      outOfSample,
      inSampleMean: mean(inSample),
      outOfSampleMean: mean(outOfSample),
      outOfSampleTrades: c.evaluation.folds.reduce((n, f) => n + (f.outOfSample?.trades ?? 0), 0),
      outOfSampleMaxDrawdown: c.evaluation.folds.reduce((m, f) => Math.max(m, f.outOfSample?.maxDrawdown ?? 0), 0),
    };
  });
  rows.sort((a, b) => b.outOfSampleMean - a.outOfSampleMean || b.inSampleMean - a.inSampleMean || a.id - b.id);
  return rows.map((r, i) => ({ rank: i + 1, ...r }));
}

/** What choosing by the in-sample window would have given in each fold. */
export function walkForwardSelection(ranked: readonly RankedCandidate[]): WalkForwardSummary {
  const folds = ranked[0]?.inSample.length ?? 0;
  const steps: WalkForwardStep[] = [];
  for (let f = 0; f < folds; f++) {
    let best: RankedCandidate | undefined;
    for (const r of ranked) {
      if (best === undefined || r.inSample[f]! > best.inSample[f]! || (r.inSample[f] === best.inSample[f] && r.id < best.id)) best = r;
    }
    steps.push({ fold: f + 1, chosenId: best!.id, inSample: best!.inSample[f]!, outOfSample: best!.outOfSample[f]! });
  }
  const inSampleMean = mean(steps.map((s) => s.inSample));
  const outOfSampleMean = mean(steps.map((s) => s.outOfSample));
  return { steps, inSampleMean, outOfSampleMean, efficiency: inSampleMean > 0 ? outOfSampleMean / inSampleMean : null };
}

/** Below this Spearman correlation between in-sample and out-of-sample means, the ranking does not carry over. */
export const MIN_RANK_CORRELATION = 0.3;
/** Below this walk-forward efficiency, out-of-sample keeps too little of the in-sample score. */
export const MIN_EFFICIENCY = 0.5;

/**
 * Warnings when in-sample and out-of-sample diverge:
 * - the in-sample-best choice per fold keeps less than MIN_EFFICIENCY of its in-sample score out of
 *   sample (or turns it negative);
 * - across candidates (5 or more), the Spearman correlation of in-sample and out-of-sample means is
 *   below MIN_RANK_CORRELATION: a good in-sample score says little about out of sample;
 * - the top-ranked candidate's out-of-sample mean is not positive: nothing in the space worked.
 */
export function divergenceWarnings(ranked: readonly RankedCandidate[], walkForward: WalkForwardSummary, objective: Objective): string[] {
  const warnings: string[] = [];
  const fmt = (x: number) => x.toFixed(3);
  if (walkForward.efficiency !== null && walkForward.efficiency < MIN_EFFICIENCY) {
    warnings.push(
      `in-sample and out-of-sample diverge: the in-sample-best parameters averaged ${objective} ${fmt(walkForward.inSampleMean)} in sample but ${fmt(walkForward.outOfSampleMean)} out of sample (walk-forward efficiency ${fmt(walkForward.efficiency)} < ${MIN_EFFICIENCY}); expect live results well below the in-sample figures`,
    );
  } else if (walkForward.efficiency === null && walkForward.outOfSampleMean < walkForward.inSampleMean) {
    warnings.push(`in-sample and out-of-sample diverge: the in-sample-best parameters averaged ${objective} ${fmt(walkForward.inSampleMean)} in sample and ${fmt(walkForward.outOfSampleMean)} out of sample`);
  }
  if (ranked.length >= 5) {
    const rho = spearman(
      ranked.map((r) => r.inSampleMean),
      ranked.map((r) => r.outOfSampleMean),
    );
    if (rho !== null && rho < MIN_RANK_CORRELATION) {
      warnings.push(`in-sample rank says little about out-of-sample rank (Spearman ${fmt(rho)} < ${MIN_RANK_CORRELATION} over ${ranked.length} candidates): the in-sample optimum is likely overfitted`);
    }
  }
  const top = ranked[0];
  if (top !== undefined && !(top.outOfSampleMean > 0)) warnings.push(`no candidate has a positive out-of-sample ${objective}: the best one averages ${fmt(top.outOfSampleMean)}`);
  return warnings;
}
