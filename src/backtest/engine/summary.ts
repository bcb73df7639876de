import type { BacktestResult } from "../report/index.ts";
import { formatDuration, formatNumber, formatPercent, formatRatio, formatUtc } from "../report/format.ts";
import type { EngineRun } from "./types.ts";

/** Trades counted by exit reason, most frequent first: `stop 51, signal 39`. */
export function exitReasonCounts(result: Pick<BacktestResult, "trades">): string {
  const counts = new Map<string, number>();
  for (const t of result.trades) counts.set(t.exitReason, (counts.get(t.exitReason) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
}

/** The short summary table the backtest command prints. */
export function summaryLines(result: BacktestResult, run: Pick<EngineRun, "denials" | "candles" | "dustEvents" | "expiredOrders">): string[] {
  const m = result.metrics;
  const ts = result.equity.ts;
  const first = ts[0]!;
  const last = ts[ts.length - 1]!;
  const row = (name: string, value: string) => `  ${name.padEnd(18)}${value}`;
  const denials = Object.entries(run.denials)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
  const lines = [
    `Backtest ${result.run.strategy} on ${result.run.markets.join(", ")} (${result.run.interval}, ${formatNumber(run.candles)} candles, ${formatUtc(first)} to ${formatUtc(last)} UTC)`,
    row("trades", `${formatNumber(m.trades)}${m.trades > 0 ? ` (${exitReasonCounts(result)})` : ""}`),
    row("final equity", `${formatNumber(m.finalEquity)} KRW (from ${formatNumber(m.initialCapital)})`),
    row("total return", `${formatPercent(m.totalReturn)} (buy and hold ${formatPercent(m.benchmarkReturn)})`),
    row("CAGR", formatPercent(m.cagr)),
    row("max drawdown", `${formatPercent(m.maxDrawdown)} (longest ${formatDuration(m.maxDrawdownDurationMs)})`),
    row("sharpe", formatRatio(m.sharpe)),
    row("sortino", formatRatio(m.sortino)),
    row("calmar", formatRatio(m.calmar)),
    row("win rate", formatPercent(m.winRate)),
    row("profit factor", m.profitFactor === null && m.grossLoss === 0 && m.grossProfit > 0 ? "no losing trade" : formatRatio(m.profitFactor)),
    row("exposure", formatPercent(m.exposure)),
  ];
  if (denials !== "") lines.push(row("risk denied", denials));
  if (run.dustEvents > 0) lines.push(row("dust", `${run.dustEvents} positions left under the exchange minimum`));
  if (run.expiredOrders > 0) lines.push(row("expired orders", `${run.expiredOrders} limit entries not filled`));
  lines.push(row("data", result.dataFingerprint));
  return lines;
}
