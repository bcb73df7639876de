import { describe, expect, it } from "vitest";
import {
  atr,
  ema,
  emaInit,
  emaStep,
  indicatorSet,
  rsi,
  rsiInit,
  rsiReady,
  rsiStep,
  sma,
  smaInit,
  smaStep,
  trueRange,
  volumeRatio,
} from "../../../../src/core/indicators/index.ts";

const allNaN = (xs: Float64Array) => Array.from(xs).every(Number.isNaN);

describe("indicator edge cases", () => {
  it("a series shorter than the warm-up is all NaN, and an empty one is empty", () => {
    expect(allNaN(ema([1, 2, 3], 4))).toBe(true);
    expect(allNaN(rsi([1, 2, 3, 4], 4))).toBe(true);
    expect(allNaN(atr([2, 2, 2, 2], [1, 1, 1, 1], [1.5, 1.5, 1.5, 1.5], 4))).toBe(true);
    expect(ema([], 3).length).toBe(0);
    expect(indicatorSet({ high: [], low: [], close: [] }, { emaFast: 2, emaSlow: 3, rsi: 2, atr: 2 }).atr.length).toBe(0);
  });

  it("EMA 3 seeds with the mean at index 2, then weights each close by 2/(3+1)", () => {
    const out = ema([1, 2, 3, 5, 5], 3);
    expect(Array.from(out.slice(2))).toEqual([2, 3.5, 4.25]);
  });

  it("RSI of a flat series is 0 (TA-Lib), of a rising one 100, of a falling one 0", () => {
    expect(rsi([5, 5, 5, 5, 5], 3)[4]).toBe(0);
    expect(rsi([1, 2, 3, 4, 5], 3)[4]).toBe(100);
    expect(rsi([5, 4, 3, 2, 1], 3)[4]).toBe(0);
  });

  it("RSI is ready exactly after period + 1 closes", () => {
    const s = rsiInit(3);
    for (const x of [1, 2, 3]) rsiStep(s, x);
    expect(rsiReady(s)).toBe(false);
    rsiStep(s, 2);
    expect(rsiReady(s)).toBe(true);
    expect(s.value).toBeCloseTo((100 * (2 / 3)) / (2 / 3 + 1 / 3), 12);
  });

  it("true range takes a gap from the previous close into account", () => {
    expect(trueRange(10, 9, 9.5)).toBe(1);
    expect(trueRange(12, 11, 9)).toBe(3); // gap up: high - previous close
    expect(trueRange(8, 7, 10)).toBe(3); // gap down: previous close - low
  });

  it("period 1: EMA and SMA echo the input, ATR is the true range from bar 1", () => {
    expect(Array.from(ema([3, 1, 4], 1))).toEqual([3, 1, 4]);
    expect(Array.from(sma([3, 1, 4], 1))).toEqual([3, 1, 4]);
    const out = atr([2, 3], [1, 1], [1.5, 2], 1);
    expect(Number.isNaN(out[0]!)).toBe(true);
    expect(out[1]).toBe(2);
  });

  it("the volume ratio counts the signal candle in its own mean, and an all-zero window gives 0", () => {
    const out = volumeRatio([1, 1, 1, 2], 4);
    expect(out[3]).toBe(2 / 1.25);
    expect(volumeRatio([0, 0, 0], 3)[2]).toBe(0);
  });

  it("the SMA window slides: the oldest input leaves", () => {
    const s = smaInit(2);
    for (const x of [1, 2, 3]) smaStep(s, x);
    expect(s.sum).toBe(5);
    expect(s.window).toEqual([3, 2]);
  });

  it("states are plain JSON: no NaN hides in them during warm-up", () => {
    const s = emaStep(emaInit(5), 10);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it("rejects bad periods, mismatched columns and wrong-size buffers", () => {
    expect(() => ema([1], 0)).toThrow(RangeError);
    expect(() => rsi([1], 2.5)).toThrow(RangeError);
    expect(() => atr([1, 2], [1], [1, 2], 2)).toThrow(RangeError);
    expect(() => sma([1, 2], 1, new Float64Array(3))).toThrow(RangeError);
    expect(() => indicatorSet({ high: [1], low: [1], close: [1] }, { emaFast: 1, emaSlow: 2, rsi: 1, atr: 1, volume: 2 })).toThrow(RangeError);
  });
});
