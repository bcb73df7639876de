import { ATR, EMA, RSI, SMA } from "technicalindicators";
import { describe, expect, it } from "vitest";
import { atr, ema, rsi, sma, volumeRatio } from "../../../../src/core/indicators/index.ts";
import { loadCandleCsv } from "../support/data.ts";

/**
 * `technicalindicators` as an independent oracle on 5,000 real hourly candles of each bundled
 * market. It returns arrays without the warm-up, so its k-th value belongs to input index
 * `offset + k`. Its RSI is rounded to 2 decimals.
 */
const markets = ["upbit-KRW-BTC-1h", "upbit-KRW-ETH-1h", "upbit-KRW-XRP-1h"] as const;

function expectAligned(ours: Float64Array, theirs: number[], offset: number, tolerance: (x: number) => number): void {
  expect(theirs.length).toBe(ours.length - offset);
  for (let i = 0; i < offset; i++) expect(Number.isNaN(ours[i]!)).toBe(true);
  for (let k = 0; k < theirs.length; k++) {
    const mine = ours[offset + k]!;
    expect(Math.abs(mine - theirs[k]!), `index ${offset + k}: ${mine} vs ${theirs[k]}`).toBeLessThanOrEqual(tolerance(mine));
  }
}

describe.each(markets)("technicalindicators agrees on %s", (name) => {
  const c = loadCandleCsv(`data/candles/${name}.csv.gz`, 5_000);

  it("EMA 20 and 60 to 1e-9 relative", () => {
    for (const period of [20, 60]) expectAligned(ema(c.close, period), EMA.calculate({ period, values: c.close }), period - 1, (x) => 1e-9 * Math.abs(x));
  });

  it("RSI 14 to its 2-decimal rounding", () => {
    expectAligned(rsi(c.close, 14), RSI.calculate({ period: 14, values: c.close }), 14, () => 0.005 + 1e-9);
  });

  it("ATR 14 to 1e-9 relative", () => {
    expectAligned(atr(c.high, c.low, c.close, 14), ATR.calculate({ period: 14, high: c.high, low: c.low, close: c.close }), 14, (x) => 1e-9 * Math.abs(x));
  });

  it("SMA 20 of volume to 1e-9 relative, and the volume ratio is volume over it", () => {
    const ours = sma(c.volume, 20);
    expectAligned(ours, SMA.calculate({ period: 20, values: c.volume }), 19, (x) => 1e-9 * Math.abs(x));
    const ratio = volumeRatio(c.volume, 20);
    for (let i = 19; i < c.volume.length; i++) expect(ratio[i]).toBe(c.volume[i]! / ours[i]!);
  });
});
