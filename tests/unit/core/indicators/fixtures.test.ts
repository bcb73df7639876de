import { describe, expect, it } from "vitest";
import { atr, ema, indicatorSet, rsi } from "../../../../src/core/indicators/index.ts";
import { indicatorFixture } from "../support/data.ts";

/** Every non-null expected value within `tolerance` (relative or absolute), and NaN exactly where the source has none. */
function expectMatches(got: Float64Array, expected: readonly (number | null)[], tolerance: { relative?: number; absolute?: number }): void {
  expect(got.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] ?? null;
    if (want === null) {
      expect(Number.isNaN(got[i]!), `index ${i} should be warm-up (NaN), got ${got[i]}`).toBe(true);
      continue;
    }
    const diff = Math.abs(got[i]! - want);
    const limit = tolerance.relative !== undefined ? tolerance.relative * Math.abs(want) : tolerance.absolute!;
    expect(diff, `index ${i}: got ${got[i]}, expected ${want}`).toBeLessThanOrEqual(limit);
  }
}

describe("TA-Lib reference values on real Upbit KRW-BTC 1h candles (1e-9 relative)", () => {
  it("EMA 20 is seeded with the SMA of the first 20 closes at index 19", () => {
    const f = indicatorFixture("talib-upbit-KRW-BTC-1h-ema20.json");
    expectMatches(ema(f.input.close, 20), f.expected, { relative: 1e-9 });
    expect(f.alignment.first_output_index).toBe(19);
  });

  it("EMA 60 starts at index 59", () => {
    const f = indicatorFixture("talib-upbit-KRW-BTC-1h-ema60.json");
    expectMatches(ema(f.input.close, 60), f.expected, { relative: 1e-9 });
  });

  it("RSI 14 (Wilder) starts at index 14", () => {
    const f = indicatorFixture("talib-upbit-KRW-BTC-1h-rsi14.json");
    expectMatches(rsi(f.input.close, 14), f.expected, { relative: 1e-9 });
  });

  it("ATR 14 (Wilder) starts at index 14 and does not use bar 0's range", () => {
    const f = indicatorFixture("talib-upbit-KRW-BTC-1h-atr14.json");
    expectMatches(atr(f.input.high!, f.input.low!, f.input.close, 14), f.expected, { relative: 1e-9 });
  });

  it("the fused indicatorSet gives the same TA-Lib values", () => {
    const a = indicatorFixture("talib-upbit-KRW-BTC-1h-atr14.json");
    const set = indicatorSet({ high: a.input.high!, low: a.input.low!, close: a.input.close }, { emaFast: 20, emaSlow: 60, rsi: 14, atr: 14 });
    expectMatches(set.emaFast, indicatorFixture("talib-upbit-KRW-BTC-1h-ema20.json").expected, { relative: 1e-9 });
    expectMatches(set.emaSlow, indicatorFixture("talib-upbit-KRW-BTC-1h-ema60.json").expected, { relative: 1e-9 });
    expectMatches(set.rsi, indicatorFixture("talib-upbit-KRW-BTC-1h-rsi14.json").expected, { relative: 1e-9 });
    expectMatches(set.atr, a.expected, { relative: 1e-9 });
  });
});

describe("published book tables, to their printed precision", () => {
  it("StockCharts EMA 10 (SMA seed, 2 decimals)", () => {
    const f = indicatorFixture("ema-stockcharts-p10.json");
    expectMatches(ema(f.input.close, 10), f.expected, { absolute: 0.005 });
  });

  it("StockCharts RSI 14 (2 decimals)", () => {
    const f = indicatorFixture("rsi-stockcharts-p14.json");
    expectMatches(rsi(f.input.close, 14), f.expected, { absolute: 0.005 });
  });

  it("Achelis EMA 5 needs the first-value seed (3 decimals)", () => {
    const f = indicatorFixture("ema-achelis-p5.json");
    expectMatches(ema(f.input.close, 5, { seed: "first" }), f.expected, { absolute: 0.0005 });
    // The default (TA-Lib) seed gives no value before index 4 and a different one there.
    const talib = ema(f.input.close, 5);
    expect(Number.isNaN(talib[3]!)).toBe(true);
    expect(Math.abs(talib[4]! - f.expected[4]!)).toBeGreaterThan(0.0005);
  });

  it("Achelis RSI 5 (4 decimals)", () => {
    const f = indicatorFixture("rsi-achelis-p5.json");
    expectMatches(rsi(f.input.close, 5), f.expected, { absolute: 0.00005 });
  });

  it("Achelis ATR 4 needs bar 0's range included (4 decimals, rounded inputs)", () => {
    const f = indicatorFixture("atr-achelis-p4.json");
    expectMatches(atr(f.input.high!, f.input.low!, f.input.close, 4, { firstBar: "include" }), f.expected, { absolute: 0.0001 });
    // The default (TA-Lib) convention starts one bar later.
    const talib = atr(f.input.high!, f.input.low!, f.input.close, 4);
    expect(Number.isNaN(talib[3]!)).toBe(true);
    expect(Number.isFinite(talib[4]!)).toBe(true);
  });
});
