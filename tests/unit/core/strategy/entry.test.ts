import { describe, expect, it } from "vitest";
import { atr, ema, rsi, volumeRatio } from "../../../../src/core/indicators/index.ts";
import type { Candle } from "../../../../src/core/model.ts";
import {
  crossedAbove,
  crossedBelow,
  type EmaCrossParams,
  emaCross,
  type EnterIntent,
  type Intent,
  resolveStrategyParams,
  signalStrength,
  type StrategyView,
  warmupCandles,
} from "../../../../src/core/strategy/index.ts";

/**
 * Entry rules on hand-built candles. Small periods (EMA 2/4, RSI 3, ATR 3, volume 3) keep the
 * sequences short; the rules are the classic ones. The base sequence (high = close + 1,
 * low = close - 1, volume 10) has, at index 8 (close 100.5):
 *   EMA2 98.181 -> 99.727, EMA4 98.550 -> 99.330 (a golden cross), RSI3 67.51, volume ratio 1.0 exactly,
 * and a dead cross at index 11.
 */
const BASE_CLOSES = [100, 104, 102, 100, 98, 97, 99, 98, 100.5, 101, 100, 99, 98];
const SIGNAL = 8;
const small: EmaCrossParams = resolveStrategyParams({ preset: "classic", emaFast: 2, emaSlow: 4, rsiPeriod: 3, atrPeriod: 3, volumePeriod: 3 });

function candles(closes: readonly number[], volumes?: readonly number[]): Candle[] {
  return closes.map((c, i) => ({ ts: 1_000 * i, open: c, high: c + 1, low: c - 1, close: c, volume: volumes?.[i] ?? 10 }));
}

const flat: StrategyView = { market: "KRW-BTC", position: null, closed: true, stale: false, warning: "NONE", suspended: false };

/** Feed every candle while flat; intents by candle index. */
function run(params: EmaCrossParams, series: readonly Candle[], view: (i: number) => StrategyView = () => flat): Map<number, readonly Intent[]> {
  let state = emaCross.init(params);
  const out = new Map<number, readonly Intent[]>();
  series.forEach((c, i) => {
    const step = emaCross.onCandle(state, c, view(i));
    state = step.state;
    if (step.intents.length > 0) out.set(i, step.intents);
  });
  return out;
}

describe("entry: golden cross confirmed by RSI and volume", () => {
  it("enters on the golden cross candle, with the signal candle's ATR and a stop 2 ATR below its close", () => {
    const series = candles(BASE_CLOSES);
    const intents = run(small, series);
    expect([...intents.keys()]).toEqual([SIGNAL]);
    const enter = intents.get(SIGNAL)![0] as EnterIntent;
    const expectedAtr = atr(series.map((c) => c.high), series.map((c) => c.low), BASE_CLOSES, 3)[SIGNAL]!;
    expect(enter).toMatchObject({ kind: "enter", market: "KRW-BTC", ts: 8_000, price: 100.5, atr: expectedAtr, stop: 100.5 - 2 * expectedAtr });
    expect(enter.reasons).toEqual(["ema_cross", "rsi_in_band", "volume_above_average"]);
    expect(enter.strength).toBeGreaterThanOrEqual(0);
    expect(enter.strength).toBeLessThanOrEqual(1);
  });

  it("no entry during warm-up: the classic periods need 61 candles, the small ones 5", () => {
    expect(warmupCandles(resolveStrategyParams({ preset: "classic" }))).toBe(61);
    expect(warmupCandles(small)).toBe(5);
    expect(run(resolveStrategyParams({ preset: "classic" }), candles(BASE_CLOSES)).size).toBe(0);
  });

  it("no entry during warm-up even when every value that exists says cross", () => {
    // A cross at index 3 (EMA4's first value) cannot count: the previous slow EMA is NaN.
    const closes = [100, 99, 98, 101, 101.5];
    const f = ema(closes, 2);
    const s = ema(closes, 4);
    expect(Number.isNaN(s[2]!)).toBe(true);
    expect(f[3]! > s[3]!).toBe(true);
    expect(run(resolveStrategyParams({ ...small, rsiMin: 0, rsiMax: 100, volumeRatioMin: 0 }), candles(closes)).size).toBe(0);
  });

  it("no entry on an unclosed candle, which does not move the indicators either", () => {
    const series = candles(BASE_CLOSES);
    let state = emaCross.init(small);
    for (let i = 0; i < SIGNAL; i++) state = emaCross.onCandle(state, series[i]!, flat).state;
    const before = JSON.stringify(state);
    const forming = emaCross.onCandle(state, series[SIGNAL]!, { ...flat, closed: false });
    expect(forming.intents).toEqual([]);
    expect(JSON.stringify(forming.state)).toBe(before);
    expect(emaCross.onCandle(state, series[SIGNAL]!, flat).intents).toHaveLength(1);
  });

  it("no entry on stale data, but the indicators keep up", () => {
    const series = candles(BASE_CLOSES);
    const stale = (i: number) => ({ ...flat, stale: i === SIGNAL });
    expect(run(small, series, stale).size).toBe(0);
    let a = emaCross.init(small);
    let b = emaCross.init(small);
    series.forEach((c, i) => {
      a = emaCross.onCandle(a, c, stale(i)).state;
      b = emaCross.onCandle(b, c, flat).state;
    });
    expect(a.fast).toEqual(b.fast);
    expect(a.rsi).toEqual(b.rsi);
  });

  it("no entry for a market under CAUTION (market_warning)", () => {
    expect(run(small, candles(BASE_CLOSES), () => ({ ...flat, warning: "CAUTION" })).size).toBe(0);
  });

  it("no entry for a suspended market", () => {
    expect(run(small, candles(BASE_CLOSES), () => ({ ...flat, suspended: true })).size).toBe(0);
  });

  it("no entry while an order for the market is in flight", () => {
    expect(run(small, candles(BASE_CLOSES), () => ({ ...flat, pendingOrder: true })).size).toBe(0);
  });

  it("no entry while holding a position", () => {
    const holding = { ...flat, position: { volume: 1, avgPrice: 100, entryTs: 0 } };
    const intents = run(small, candles(BASE_CLOSES), () => holding);
    expect([...intents.values()].flat().some((i) => i.kind === "enter")).toBe(false);
  });

  it("RSI above the band blocks the entry (70.08 > 70)", () => {
    const closes = [...BASE_CLOSES];
    closes[SIGNAL] = 101;
    expect(rsi(closes, 3)[SIGNAL]).toBeGreaterThan(70);
    expect(run(small, candles(closes)).size).toBe(0);
  });

  it("RSI band edges are inclusive", () => {
    const value = rsi(BASE_CLOSES, 3)[SIGNAL]!;
    expect(run({ ...small, rsiMax: value }, candles(BASE_CLOSES)).size).toBe(1);
    expect(run({ ...small, rsiMin: value }, candles(BASE_CLOSES)).size).toBe(1);
    expect(run({ ...small, rsiMax: value - 1e-9 }, candles(BASE_CLOSES)).size).toBe(0);
    expect(run({ ...small, rsiMin: value + 1e-9 }, candles(BASE_CLOSES)).size).toBe(0);
  });

  it("a volume ratio of exactly 1.0 is enough (the mean includes the signal candle)", () => {
    const volumes = BASE_CLOSES.map(() => 10);
    expect(volumeRatio(volumes, 3)[SIGNAL]).toBe(1);
    expect(run(small, candles(BASE_CLOSES, volumes)).size).toBe(1);
  });

  it("a volume ratio below 1.0 blocks the entry", () => {
    const volumes = BASE_CLOSES.map((_, i) => (i === SIGNAL ? 9 : 10));
    expect(volumeRatio(volumes, 3)[SIGNAL]).toBeCloseTo(9 / (29 / 3), 12);
    expect(run(small, candles(BASE_CLOSES, volumes)).size).toBe(0);
  });

  it("the cross counts when the previous fast EMA EQUALS the slow one (fast <= slow, then fast > slow)", () => {
    // Flat prices make both EMAs exactly 100; the first rise is then a cross from equality.
    const closes = [100, 100, 100, 100, 100, 100, 101];
    const f = ema(closes, 2);
    const s = ema(closes, 4);
    expect(f[5]).toBe(s[5]);
    expect(f[6]! > s[6]!).toBe(true);
    const intents = run({ ...small, rsiMax: 100 }, candles(closes));
    expect([...intents.keys()]).toEqual([6]);
  });

  it("minStrength filters weak signals", () => {
    const strength = (run(small, candles(BASE_CLOSES)).get(SIGNAL)![0] as EnterIntent).strength;
    expect(run({ ...small, minStrength: strength }, candles(BASE_CLOSES)).size).toBe(1);
    expect(run({ ...small, minStrength: Math.min(1, strength + 0.01) }, candles(BASE_CLOSES)).size).toBe(0);
  });

  it("ignores duplicate and out-of-order candles (a REST resync may replay some)", () => {
    const series = candles(BASE_CLOSES);
    let state = emaCross.init(small);
    for (let i = 0; i <= SIGNAL; i++) state = emaCross.onCandle(state, series[i]!, flat).state;
    const snapshot = JSON.stringify(state);
    expect(emaCross.onCandle(state, series[SIGNAL]!, flat).intents).toEqual([]);
    expect(emaCross.onCandle(state, series[3]!, flat).intents).toEqual([]);
    expect(JSON.stringify(state)).toBe(snapshot);
  });

  it("ignores a candle with a non-finite value instead of poisoning the state", () => {
    let state = emaCross.init(small);
    state = emaCross.onCandle(state, { ts: 0, open: 1, high: 1, low: 1, close: Number.NaN, volume: 1 }, flat).state;
    expect(state.lastTs).toBeNull();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

describe("signal functions", () => {
  it("crossedAbove: previous fast <= slow and now fast > slow; NaN is never a cross", () => {
    expect(crossedAbove(1, 2, 3, 2)).toBe(true);
    expect(crossedAbove(2, 2, 3, 2)).toBe(true);
    expect(crossedAbove(1, 2, 2, 2)).toBe(false);
    expect(crossedAbove(3, 2, 4, 2)).toBe(false);
    expect(crossedAbove(Number.NaN, 2, 3, 2)).toBe(false);
  });

  it("crossedBelow mirrors it: previous fast >= slow and now fast < slow", () => {
    expect(crossedBelow(3, 2, 1, 2)).toBe(true);
    expect(crossedBelow(2, 2, 1, 2)).toBe(true);
    expect(crossedBelow(3, 2, 2, 2)).toBe(false);
    expect(crossedBelow(3, Number.NaN, 1, 2)).toBe(false);
  });

  it("strength: mean of cross margin (in ATRs), RSI centring and volume surplus, each in [0, 1]", () => {
    const p = resolveStrategyParams({ preset: "classic" });
    // cross margin 0.05 ATR of 0.1 -> 0.5; RSI 60 is the middle of 50..70 -> 1; ratio 1.5 of 1..2 -> 0.5
    expect(signalStrength(p, 100.05, 100, 1, 60, 1.5)).toBeCloseTo((0.5 + 1 + 0.5) / 3, 12);
    expect(signalStrength(p, 200, 100, 1, 50, 5)).toBeCloseTo((1 + 0 + 1) / 3, 12);
    expect(signalStrength(p, 100, 100, 0, 70, 1)).toBe(0);
  });
});
