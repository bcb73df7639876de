import { describe, expect, it } from "vitest";
import { sliceSeries } from "../../../../src/backtest/data/index.ts";
import { evaluateCandidate, parseSearchSpace, runOptimization, scoreWindow } from "../../../../src/backtest/optimize/index.ts";
import { mulberry32 } from "../../../../src/core/random.ts";
import { bundledHourly } from "../engine/support.ts";

describe("runOptimization", () => {
  const space = parseSearchSpace({
    preset: "classic",
    parameters: { "strategy.emaFast": [10, 20, 30, 60], "strategy.emaSlow": [40, 60], "strategy.stopLoss.atrMultiple": [1.5, 3] },
  });

  it("gives the same ranking on two worker threads as in this thread, ranked by out-of-sample score", async () => {
    const btc = sliceSeries(await bundledHourly("BTC"), 0, 12_000);
    const input = { series: [btc], space, search: "grid" as const, folds: 3, window: "rolling" as const, objective: "sharpe" as const };
    const progress: number[] = [];
    const inThread = await runOptimization({ ...input, workers: 0, onProgress: (done) => progress.push(done) });
    const threaded = await runOptimization({ ...input, workers: 2 });
    expect(threaded.ranking).toEqual(inThread.ranking);
    expect(threaded.walkForward).toEqual(inThread.walkForward);
    // emaFast 60 is not shorter than emaSlow 40 or 60: 4 of the 16 combinations are invalid.
    expect(inThread.evaluated).toBe(12);
    expect(inThread.skipped).toHaveLength(4);
    expect(progress).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const means = inThread.ranking.map((r) => r.outOfSampleMean);
    expect(means).toEqual([...means].sort((a, b) => b - a));
    // Each cell is a real, separate backtest of that fold's window.
    const best = inThread.ranking[0]!;
    const config = inThread.configs.get(best.id)!;
    const fold = inThread.folds[1]!;
    expect(best.outOfSample[1]).toBe(scoreWindow([btc], config, fold.outOfSample)?.sharpe ?? 0);
    expect(evaluateCandidate([btc], config, inThread.folds).folds[2]!.inSample).toEqual(scoreWindow([btc], config, fold.outOfSample));
  });

  it("draws the same random candidates and ranking for the same seed", async () => {
    const btc = sliceSeries(await bundledHourly("BTC"), 0, 6_000);
    const randomSpace = parseSearchSpace({ preset: "classic", parameters: { "strategy.emaFast": { min: 5, max: 30, integer: true }, "strategy.stopLoss.atrMultiple": { min: 1, max: 4 } } });
    const run = (seed: number) =>
      runOptimization({ series: [btc], space: randomSpace, search: "random", samples: 6, random: mulberry32(seed), folds: 2, window: "anchored", objective: "totalReturn", workers: 0 });
    const a = await run(3);
    expect((await run(3)).ranking).toEqual(a.ranking);
    expect((await run(4)).ranking.map((r) => r.values)).not.toEqual(a.ranking.map((r) => r.values));
    expect(a.evaluated).toBe(6);
  });
});
