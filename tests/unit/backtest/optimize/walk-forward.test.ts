import { describe, expect, it } from "vitest";
import type { CandleSeries } from "../../../../src/backtest/data/index.ts";
import { lowerBound, sliceSeries, windowSeries } from "../../../../src/backtest/data/index.ts";
import { resolveBacktestConfig, runBacktest, windowWarmup } from "../../../../src/backtest/engine/index.ts";
import {
  type CandidateEvaluation,
  divergenceWarnings,
  type EvaluatedCandidate,
  rankCandidates,
  scoreWindow,
  spearman,
  type WindowScore,
  walkForwardFolds,
  walkForwardSelection,
} from "../../../../src/backtest/optimize/index.ts";
import { bundledHourly, H } from "../engine/support.ts";

describe("walk-forward folds", () => {
  it("cuts the span into folds + 1 segments; rolling in-sample is the previous segment, anchored grows from the start", async () => {
    const btc = await bundledHourly("BTC");
    const start = btc.ts[0]!;
    const end = btc.ts[btc.length - 1]! + H;
    const rolling = walkForwardFolds([btc], 4, "rolling");
    const anchored = walkForwardFolds([btc], 4, "anchored");
    expect(rolling).toHaveLength(4);
    expect(rolling[0]!.inSample.fromTs).toBe(start);
    expect(rolling.at(-1)!.outOfSample.toTs).toBe(end);
    for (let k = 0; k < 4; k++) {
      const f = rolling[k]!;
      expect(f.index).toBe(k + 1);
      expect(f.inSample.toTs).toBe(f.outOfSample.fromTs);
      expect((f.outOfSample.fromTs - start) % H).toBe(0);
      if (k > 0) expect(f.inSample).toEqual(rolling[k - 1]!.outOfSample);
      expect(anchored[k]!.inSample).toEqual({ fromTs: start, toTs: f.inSample.toTs });
      expect(anchored[k]!.outOfSample).toEqual(f.outOfSample);
    }
    // Equal segments (to the hour).
    const lengths = rolling.map((f) => f.outOfSample.toTs - f.outOfSample.fromTs);
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(H);
  });

  it("refuses more folds than the data can hold", async () => {
    const btc = sliceSeries(await bundledHourly("BTC"), 0, 10);
    expect(() => walkForwardFolds([btc], 5, "rolling")).toThrow(/cannot make 5 folds/);
  });

  it("scores a window with a fresh run that trades only inside it, after a warm-up of earlier candles", async () => {
    const btc = await bundledHourly("BTC");
    const config = resolveBacktestConfig({}, "classic");
    const window = walkForwardFolds([btc], 3, "rolling")[1]!.outOfSample;
    const slices = windowSeries([btc], window, windowWarmup(config));
    const from = lowerBound(btc.ts, window.fromTs);
    expect(slices[0]!.ts[0]).toBe(btc.ts[from - windowWarmup(config)]);
    expect(slices[0]!.ts[slices[0]!.length - 1]).toBeLessThan(window.toTs);
    const run = runBacktest(slices, config, { startTs: window.fromTs });
    expect(run.equityTs[0]).toBe(btc.ts[from]);
    expect(run.trades.every((t) => t.entryTs >= window.fromTs && t.exitTs < window.toTs)).toBe(true);
    const score = scoreWindow([btc], config, window)!;
    expect(score.trades).toBe(run.trades.length);
    expect(score.totalReturn).toBe(run.equityValue[run.equityValue.length - 1]! / 10_000_000 - 1);
  });

  it("scores a window without candles as null", async () => {
    const btc = await bundledHourly("BTC");
    expect(scoreWindow([btc], resolveBacktestConfig({}, "classic"), { fromTs: 0, toTs: 1000 })).toBeNull();
    expect(windowSeries([btc], { fromTs: 0, toTs: 1000 }, 10)).toEqual([] as CandleSeries[]);
  });
});

function score(sharpe: number | null, trades = 10): WindowScore {
  return { trades, totalReturn: 0, cagr: null, maxDrawdown: 0.1, sharpe, sortino: null, calmar: null, winRate: null, profitFactor: null };
}

function candidate(id: number, inSample: (number | null)[], outOfSample: (number | null)[]): EvaluatedCandidate {
  const evaluation: CandidateEvaluation = { folds: inSample.map((v, k) => ({ inSample: score(v), outOfSample: score(outOfSample[k]!) })) };
  return { id, values: { "strategy.emaFast": id }, evaluation };
}

describe("ranking and divergence", () => {
  it("computes Spearman's rank correlation with average ranks for ties", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9486832980505138, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(spearman([1, 2], [1, 2])).toBeNull();
  });

  it("ranks by mean out-of-sample objective, a window without a value counting as 0, ties by in-sample then candidate order", () => {
    const ranked = rankCandidates(
      [candidate(0, [2, 2], [0.5, 0.5]), candidate(1, [0, 0], [1, 1]), candidate(2, [1, 1], [null, 1]), candidate(3, [3, 3], [0.5, 0.5]), candidate(4, [3, 3], [0.5, 0.5])],
      "sharpe",
    );
    expect(ranked.map((r) => r.id)).toEqual([1, 3, 4, 0, 2]);
    expect(ranked.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(ranked[4]!.outOfSample).toEqual([0, 1]);
    expect(ranked[0]).toMatchObject({ inSampleMean: 0, outOfSampleMean: 1, outOfSampleTrades: 20, outOfSampleMaxDrawdown: 0.1 });
  });

  it("picks the in-sample best of each fold for the walk-forward result and warns when out-of-sample keeps less than half", () => {
    // Overfitted space: the better a candidate is in sample, the worse out of sample.
    const overfit = [0, 1, 2, 3, 4, 5].map((i) => candidate(i, [i, i + 0.5], [2 - i * 0.5, 1.5 - i * 0.5]));
    const ranked = rankCandidates(overfit, "sharpe");
    const wf = walkForwardSelection(ranked);
    expect(wf.steps.map((s) => [s.fold, s.chosenId, s.inSample, s.outOfSample])).toEqual([
      [1, 5, 5, -0.5],
      [2, 5, 5.5, -1],
    ]);
    expect(wf.efficiency).toBeCloseTo(-0.75 / 5.25, 12);
    const warnings = divergenceWarnings(ranked, wf, "sharpe");
    expect(warnings.some((w) => /walk-forward efficiency/.test(w))).toBe(true);
    expect(warnings.some((w) => /Spearman -1\.000/.test(w))).toBe(true);
  });

  it("does not warn when in-sample and out-of-sample agree", () => {
    const robust = [0, 1, 2, 3, 4, 5].map((i) => candidate(i, [i, i], [i * 0.8, i * 0.9]));
    const ranked = rankCandidates(robust, "sharpe");
    expect(divergenceWarnings(ranked, walkForwardSelection(ranked), "sharpe")).toEqual([]);
  });

  it("warns when no candidate is positive out of sample", () => {
    const losing = [0, 1, 2].map((i) => candidate(i, [-1, -2], [-1 - i, -2]));
    const ranked = rankCandidates(losing, "sharpe");
    expect(divergenceWarnings(ranked, walkForwardSelection(ranked), "sharpe")).toContainEqual(expect.stringMatching(/no candidate has a positive out-of-sample sharpe/));
  });
});
