import { describe, expect, it } from "vitest";
import { type CandleSeries, sliceSeries } from "../../../../src/backtest/data/index.ts";
import { type BacktestConfig, backtestJson, buildResult, type EngineRun, resolveBacktestConfig, runBacktest } from "../../../../src/backtest/engine/index.ts";
import { lowerBound } from "../../../../src/backtest/data/index.ts";
import { bundledHourly } from "./support.ts";

/**
 * No lookahead: a run on the candles up to some time T makes exactly the decisions, trades and
 * equity marks that the run on all candles made before T. If any part of the engine, the strategy
 * or risk read a future candle, cutting the future off would change an earlier decision.
 */
function prefix(series: readonly CandleSeries[], endTs: number): CandleSeries[] {
  return series.map((s) => sliceSeries(s, 0, lowerBound(s.ts, endTs))).filter((s) => s.length > 0);
}

function expectSamePast(full: EngineRun, cut: EngineRun): void {
  const n = cut.equityTs.length;
  const lastTs = cut.equityTs[n - 1]!;
  // Every mark before the last one (the last includes the end-of-data sale).
  expect(Array.from(cut.equityTs.subarray(0, n - 1))).toEqual(Array.from(full.equityTs.subarray(0, n - 1)));
  expect(Array.from(cut.equityValue.subarray(0, n - 1))).toEqual(Array.from(full.equityValue.subarray(0, n - 1)));
  // Every decision made at a close before the last candle, and what the strategy asked for at the
  // last one (which the cut run then ignores: no next open).
  expect(cut.decisions!.filter((d) => d.ts < lastTs)).toEqual(full.decisions!.filter((d) => d.ts < lastTs));
  const asked = (r: EngineRun) => r.decisions!.filter((d) => d.ts === lastTs).map((d) => [d.market, d.action, d.reason]);
  expect(asked(cut)).toEqual(asked(full));
  expect(cut.decisions!.filter((d) => d.ts === lastTs).every((d) => d.outcome === "ignored")).toBe(true);
  // Every trade closed by then; the rest are closed by the end-of-data sale in the cut run.
  expect(cut.trades.filter((t) => t.exitReason !== "end")).toEqual(full.trades.filter((t) => t.exitTs <= lastTs));
}

function checkCuts(series: readonly CandleSeries[], config: BacktestConfig, cuts: number): number {
  const full = runBacktest(series, config, { recordDecisions: true });
  const first = full.equityTs[0]!;
  const last = full.equityTs[full.equityTs.length - 1]!;
  let checkedTrades = 0;
  for (let k = 1; k <= cuts; k++) {
    const endTs = first + Math.floor(((last - first) * k) / (cuts + 1) / 3_600_000) * 3_600_000;
    const cut = runBacktest(prefix(series, endTs), config, { recordDecisions: true });
    expectSamePast(full, cut);
    checkedTrades += cut.trades.length;
  }
  // Cuts whose last candle is a decision candle: the strategy must ask for the same thing there
  // without the candles after it (a peek at the next candle would show here first).
  const decisions = full.decisions!.filter((d) => d.outcome !== "ignored");
  for (const d of decisions.slice(0, 8)) {
    const cut = runBacktest(prefix(series, d.ts + 3_600_000), config, { recordDecisions: true });
    expectSamePast(full, cut);
    expect(cut.decisions!.filter((x) => x.ts === d.ts && x.market === d.market).map((x) => [x.action, x.reason, x.outcome])).toEqual([[d.action, d.reason, "ignored"]]);
  }
  // Cuts whose last candle is an exit candle: the stop (or the exit fill) must happen there without
  // the candles after it.
  for (const t of full.trades.slice(0, 8)) {
    const cut = runBacktest(prefix(series, t.exitTs + 3_600_000), config, { recordDecisions: true });
    expectSamePast(full, cut);
    expect(cut.trades.filter((x) => x.market === t.market).at(-1)).toEqual(t);
  }
  return checkedTrades;
}

describe("no lookahead", () => {
  it("classic on KRW-BTC: truncating future candles never changes an earlier decision, trade or equity mark", async () => {
    const checked = checkCuts([await bundledHourly("BTC")], resolveBacktestConfig({}, "classic"), 5);
    expect(checked).toBeGreaterThan(100);
  });

  it("default preset on BTC, ETH and XRP together (shared KRW, risk limits, Kelly, correlation): the same", async () => {
    const series = [await bundledHourly("BTC"), await bundledHourly("ETH"), await bundledHourly("XRP")];
    const checked = checkCuts(series, resolveBacktestConfig({}, "default"), 4);
    expect(checked).toBeGreaterThan(20);
  });
});

describe("determinism", () => {
  it("gives byte-identical JSON for the same inputs, whatever the order the markets are given in", async () => {
    const btc = await bundledHourly("BTC");
    const eth = await bundledHourly("ETH");
    const config = resolveBacktestConfig({}, "default");
    const json = (series: CandleSeries[]) => backtestJson(buildResult({ run: runBacktest(series, config), config, series, dataFingerprint: "x" }));
    const a = json([btc, eth]);
    expect(json([btc, eth])).toBe(a);
    expect(json([eth, btc])).toBe(a);
    expect(JSON.parse(a).trades.length).toBeGreaterThan(10);
  });
});
