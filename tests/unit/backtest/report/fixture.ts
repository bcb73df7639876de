import { join } from "node:path";
import { candleFingerprint, readCandleCsvFile } from "../../../../src/backtest/data/index.ts";
import type { BacktestResult } from "../../../../src/backtest/report/index.ts";
import { buyAndHoldValues, computeMetrics, equityCurve } from "../../../../src/core/stats/index.ts";
import { readCandlesPlain, runClassicReference } from "../../../reference/classic.ts";

export const BTC_1H = join(import.meta.dirname, "../../../../data/candles/upbit-KRW-BTC-1h.csv.gz");

/**
 * A real result to render: the reference classic run on the shared BTC hourly candles (the
 * engine is built elsewhere; the report only needs the `BacktestResult` shape).
 */
export async function btcResult(params: Record<string, unknown> = { preset: "classic" }): Promise<BacktestResult> {
  const { series } = await readCandleCsvFile(BTC_1H);
  const ref = runClassicReference(readCandlesPlain(BTC_1H), "KRW-BTC");
  const equity = equityCurve(ref.equity);
  const bench = buyAndHoldValues([series], equity.ts, 10_000_000);
  return {
    run: { strategy: "classic", markets: ["KRW-BTC"], interval: "1h", initialCapital: 10_000_000, feeRate: 0.0025, slippage: 0.001 },
    metrics: computeMetrics({ equity, trades: ref.trades, intervalMs: series.intervalMs, initialCapital: 10_000_000, benchmark: bench }),
    trades: ref.trades,
    equity,
    benchmark: bench,
    candles: { "KRW-BTC": series },
    params,
    dataFingerprint: candleFingerprint([series]),
  };
}
