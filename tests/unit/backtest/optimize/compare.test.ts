import { describe, expect, it } from "vitest";
import { bootstrapReturnDifference, comparisonLines, compareBacktests, quantileSorted } from "../../../../src/backtest/compare/index.ts";
import { resolveBacktestConfig } from "../../../../src/backtest/engine/index.ts";
import { mulberry32 } from "../../../../src/core/random.ts";
import { bundledHourly } from "../engine/support.ts";

const C = 1_000;

/** An equity curve from per-step returns. */
function curve(returns: readonly number[]): number[] {
  const out: number[] = [];
  let v = C;
  for (const r of returns) out.push((v *= 1 + r));
  return out;
}

describe("bootstrap of the difference in total return", () => {
  it("interpolates quantiles between order statistics", () => {
    expect(quantileSorted([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted([7], 0.9)).toBe(7);
  });

  it("gives a zero difference and a zero-width interval for identical curves", () => {
    const a = curve(Array.from({ length: 200 }, (_, i) => Math.sin(i) * 0.01));
    const d = bootstrapReturnDifference(a, a, C, { random: mulberry32(1), resamples: 300 });
    expect(d.difference).toBe(0);
    expect(d.low).toBe(0);
    expect(d.high).toBe(0);
    expect(d.probabilityABetter).toBe(0);
  });

  it("puts the interval above zero when A beats B on every candle", () => {
    const base = Array.from({ length: 400 }, (_, i) => Math.sin(i * 1.7) * 0.01);
    const a = curve(base.map((r) => r + 0.001));
    const b = curve(base);
    const d = bootstrapReturnDifference(a, b, C, { random: mulberry32(2), resamples: 500 });
    expect(d.difference).toBeCloseTo(a.at(-1)! / C - b.at(-1)! / C, 12);
    expect(d.low).toBeGreaterThan(0);
    expect(d.probabilityABetter).toBe(1);
    expect(d.blockLength).toBe(20);
    expect(d.returns).toBe(400);
  });

  it("brackets the observed difference, repeats exactly for the same seed, and covers a true difference of zero most of the time", () => {
    const rnd = mulberry32(9);
    const noise = () => curve(Array.from({ length: 500 }, () => (rnd() - 0.5) * 0.02));
    const a = noise();
    const b = noise();
    const d = bootstrapReturnDifference(a, b, C, { random: mulberry32(5), resamples: 1_000, blockLength: 10 });
    expect(d.low).toBeLessThan(d.difference);
    expect(d.high).toBeGreaterThan(d.difference);
    expect(bootstrapReturnDifference(a, b, C, { random: mulberry32(5), resamples: 1_000, blockLength: 10 })).toEqual(d);
    // Pairs of independent zero-mean curves: the true difference is 0; a 95% interval should
    // contain it for most pairs (a loose check of calibration, not of the exact level).
    let covered = 0;
    const pairs = 40;
    for (let k = 0; k < pairs; k++) {
      const x = bootstrapReturnDifference(noise(), noise(), C, { random: mulberry32(100 + k), resamples: 300 });
      if (x.low <= 0 && x.high >= 0) covered++;
    }
    expect(covered / pairs).toBeGreaterThanOrEqual(0.8);
  });

  it("refuses curves of different lengths (not the same candles)", () => {
    expect(() => bootstrapReturnDifference([1, 2], [1], C, { random: mulberry32(1) })).toThrow(/not the same candles/);
  });
});

describe("A/B comparison of two parameter sets", () => {
  it("runs both on the same candles and reports each side's metrics and the difference", async () => {
    const btc = await bundledHourly("BTC");
    const c = compareBacktests({
      series: [btc],
      a: { label: "classic", config: resolveBacktestConfig({}, "classic") },
      b: { label: "slow", config: resolveBacktestConfig({ preset: "classic", strategy: { emaFast: 40, emaSlow: 120 } }) },
      dataFingerprint: "x",
      bootstrap: { random: mulberry32(1), resamples: 400 },
    });
    expect(c.a.metrics.finalEquity).toBe(15_521_339.525948718);
    expect(c.difference.returnA).toBeCloseTo(c.a.metrics.totalReturn, 12);
    expect(c.difference.returnB).toBeCloseTo(c.b.metrics.totalReturn, 12);
    expect(Array.from(c.a.equity.ts)).toEqual(Array.from(c.b.equity.ts));
    const text = comparisonLines(c).join("\n");
    expect(text).toMatch(/total return A - B: .* \(95% CI .* to .*; moving-block bootstrap, 400 resamples/);
    expect(text).toMatch(/final equity \(KRW\)\s+15,521,340/);
  });

  it("refuses two sides with different starting capital", async () => {
    const btc = await bundledHourly("BTC");
    expect(() =>
      compareBacktests({
        series: [btc],
        a: { label: "a", config: resolveBacktestConfig({}, "classic") },
        b: { label: "b", config: resolveBacktestConfig({ preset: "classic", engine: { initialCapital: 5_000_000 } }) },
        dataFingerprint: "x",
        bootstrap: { random: mulberry32(1) },
      }),
    ).toThrow(/same capital/);
  });
});
