import { describe, expect, it } from "vitest";
import { resolveBacktestConfig, runBacktest } from "../../../../src/backtest/engine/index.ts";
import { bundledHourly } from "./support.ts";

/**
 * The default risk preset through the engine on real candles: with the Kelly probe the strategy
 * keeps trading after a losing streak; with the probe off it is locked out for good after its
 * first `minTrades` trades (the bug the probe fixes: no trade can close, so the estimate never moves).
 */
describe("Kelly probe on the default preset (KRW-BTC hourly, 2022-2024)", () => {
  it("keeps trading after the first 20 trades show no edge, with no `no_edge` denial", async () => {
    const run = runBacktest([await bundledHourly("BTC")], resolveBacktestConfig({}, "default"));
    expect(run.denials.no_edge).toBeUndefined();
    expect(run.trades.length).toBeGreaterThan(40);
    // Trades keep coming to the end of the data, not only in its first part.
    expect(run.trades.at(-1)!.exitTs).toBeGreaterThan(Date.UTC(2024, 6, 1));
  });

  it("is locked out after 20 trades with probing off (kelly.probeRiskFraction 0)", async () => {
    const run = runBacktest([await bundledHourly("BTC")], resolveBacktestConfig({ risk: { kelly: { probeRiskFraction: 0 } } }, "default"));
    expect(run.trades).toHaveLength(20);
    expect(run.denials.no_edge).toBeGreaterThan(50);
  });
});
