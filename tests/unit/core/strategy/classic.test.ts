import { describe, expect, it } from "vitest";
import { atr, ema, rsi, volumeRatio } from "../../../../src/core/indicators/index.ts";
import { emaCross, resolveStrategyParams } from "../../../../src/core/strategy/index.ts";
import { type CandleColumnsData, loadCandleCsv, toCandles } from "../support/data.ts";
import { type SimFill, simulate } from "../support/harness.ts";

/**
 * The `classic` preset against an independent, deliberately plain reading of docs/strategy.md
 * (array indicators and one loop, no strategy code), on every bundled hourly candle of BTC, ETH and
 * XRP (26,261 each), with the backtest's fill rules (next open, slippage 0.1 %, stops inside the
 * candle from the entry candle on). Every fill must agree exactly.
 */
function referenceClassic(c: CandleColumnsData, slippage: number): SimFill[] {
  const fast = ema(c.close, 20);
  const slow = ema(c.close, 60);
  const strength = rsi(c.close, 14);
  const range = atr(c.high, c.low, c.close, 14);
  const busy = volumeRatio(c.volume, 20);
  const fills: SimFill[] = [];
  let position: { stop: number } | null = null;
  let signal = -1;
  let exitNext = false;
  for (let i = 0; i < c.close.length; i++) {
    if (signal >= 0) {
      const price = c.open[i]! * (1 + slippage);
      position = { stop: price - 2 * range[signal]! };
      fills.push({ index: i, side: "bid", price, volume: 1 });
      signal = -1;
    } else if (exitNext) {
      fills.push({ index: i, side: "ask", price: c.open[i]! * (1 - slippage), volume: 1, reason: "dead_cross" });
      position = null;
      exitNext = false;
    }
    if (position !== null && c.low[i]! <= position.stop) {
      fills.push({ index: i, side: "ask", price: Math.min(c.open[i]!, position.stop) * (1 - slippage), volume: 1, reason: "stop" });
      position = null;
    }
    if (i === 0) continue;
    if (position !== null) {
      exitNext = fast[i - 1]! >= slow[i - 1]! && fast[i]! < slow[i]!;
    } else if (fast[i - 1]! <= slow[i - 1]! && fast[i]! > slow[i]! && strength[i]! >= 50 && strength[i]! <= 70 && busy[i]! >= 1) {
      signal = i;
    }
  }
  return fills;
}

describe.each(["upbit-KRW-BTC-1h", "upbit-KRW-ETH-1h", "upbit-KRW-XRP-1h"])("classic preset on %s", (name) => {
  const columns = loadCandleCsv(`data/candles/${name}.csv.gz`);
  const candles = toCandles(columns);

  it("makes exactly the trades an independent implementation of the documented rules makes", () => {
    const expected = referenceClassic(columns, 0.001);
    const actual = simulate(emaCross.init(resolveStrategyParams({ preset: "classic" })), candles, { slippage: 0.001 }).fills;
    expect(expected.length).toBeGreaterThan(50);
    expect(actual.length).toBe(expected.length);
    for (let k = 0; k < expected.length; k++) expect(actual[k], `fill #${k}`).toEqual(expected[k]);
    // Both exit kinds actually happen in this data.
    expect(new Set(actual.map((f) => f.reason))).toEqual(new Set([undefined, "stop", "dead_cross"]));
  });
});
