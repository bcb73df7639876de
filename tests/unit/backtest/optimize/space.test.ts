import { describe, expect, it } from "vitest";
import { ParseError } from "../../../../src/core/errors.ts";
import { candidateConfig, candidateParamsFile, gridCandidates, gridValues, parseSearchSpace, randomCandidates } from "../../../../src/backtest/optimize/index.ts";
import { mulberry32 } from "../../../../src/core/random.ts";

describe("search space", () => {
  const space = parseSearchSpace({
    preset: "classic",
    base: { risk: { maxPositions: 3 } },
    parameters: { "strategy.emaFast": [10, 20], "strategy.emaSlow": { min: 40, max: 80, step: 20 }, "strategy.stopLoss.atrMultiple": { min: 1, max: 3 } },
  });

  it("expands a stepped range to min, min + step, ... <= max without float noise", () => {
    expect(gridValues({ min: 40, max: 80, step: 20 })).toEqual([40, 60, 80]);
    expect(gridValues({ min: 0.1, max: 0.5, step: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(gridValues({ min: 1, max: 3 })).toBeUndefined();
    expect(gridValues([1, "a", [2]])).toEqual([1, "a", [2]]);
  });

  it("builds every grid combination, the first parameter varying slowest", () => {
    const grid = gridCandidates(parseSearchSpace({ parameters: { "strategy.emaFast": [10, 20], "strategy.emaSlow": { min: 40, max: 80, step: 20 } } }));
    expect(grid).toEqual([
      { "strategy.emaFast": 10, "strategy.emaSlow": 40 },
      { "strategy.emaFast": 10, "strategy.emaSlow": 60 },
      { "strategy.emaFast": 10, "strategy.emaSlow": 80 },
      { "strategy.emaFast": 20, "strategy.emaSlow": 40 },
      { "strategy.emaFast": 20, "strategy.emaSlow": 60 },
      { "strategy.emaFast": 20, "strategy.emaSlow": 80 },
    ]);
  });

  it("refuses a grid over a continuous range and a grid that is too large", () => {
    expect(() => gridCandidates(space)).toThrow(/continuous range/);
    expect(() => gridCandidates(parseSearchSpace({ parameters: { "strategy.emaFast": { min: 1, max: 1000, step: 1 }, "strategy.emaSlow": { min: 1, max: 1000, step: 1 } } }), 10_000)).toThrow(
      /1000000 candidates/,
    );
  });

  it("draws the same distinct random candidates for the same seed, inside the ranges", () => {
    const a = randomCandidates(space, 20, mulberry32(7));
    expect(randomCandidates(space, 20, mulberry32(7))).toEqual(a);
    expect(randomCandidates(space, 20, mulberry32(8))).not.toEqual(a);
    expect(new Set(a.map((c) => JSON.stringify(c))).size).toBe(20);
    for (const c of a) {
      expect([10, 20]).toContain(c["strategy.emaFast"]);
      expect([40, 60, 80]).toContain(c["strategy.emaSlow"]);
      const m = c["strategy.stopLoss.atrMultiple"] as number;
      expect(m >= 1 && m <= 3).toBe(true);
    }
    const ints = randomCandidates(parseSearchSpace({ parameters: { "strategy.emaFast": { min: 5, max: 9, integer: true } } }), 50, mulberry32(1));
    expect(ints.map((c) => c["strategy.emaFast"]).sort()).toEqual([5, 6, 7, 8, 9]);
  });

  it("turns a candidate into a params file on top of the preset and base, and reports invalid combinations", () => {
    const values = { "strategy.emaFast": 10, "strategy.emaSlow": 40, "strategy.stopLoss.atrMultiple": 2.5 };
    expect(candidateParamsFile(space, values)).toEqual({ preset: "classic", risk: { maxPositions: 3 }, strategy: { emaFast: 10, emaSlow: 40, stopLoss: { atrMultiple: 2.5 } } });
    const ok = candidateConfig(space, values);
    expect("config" in ok && ok.config.strategy.stopLoss.atrMultiple === 2.5 && ok.config.risk.maxPositions === 3 && ok.config.engine.fillPrecision === "exact").toBe(true);
    const bad = candidateConfig(space, { ...values, "strategy.emaFast": 80 });
    expect("error" in bad && bad.error).toMatch(/strategy\.emaFast: emaFast must be shorter than emaSlow/);
  });

  it("names the bad field of a space file", () => {
    expect(() => parseSearchSpace({ parameters: { emaFast: [1] } })).toThrow(ParseError);
    expect(() => parseSearchSpace({ parameters: { emaFast: [1] } })).toThrow(/parameters\.emaFast: a dotted path starting with strategy\., risk\. or engine\./);
    expect(() => parseSearchSpace({ parameters: { "strategy.emaFast": { min: 5, max: 1 } } })).toThrow(/min must not exceed max/);
    expect(() => parseSearchSpace({ parameters: {} })).toThrow(/at least one parameter/);
  });
});
