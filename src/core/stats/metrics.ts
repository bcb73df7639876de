import { type ActiveRisk, activeRiskOfValues } from "./benchmark.ts";
import { equityCurve } from "./curve.ts";
import { periodReturns } from "./calendar.ts";
import { drawdownSummary } from "./drawdown.ts";
import {
  annualisedRatio,
  cagr,
  candlesPerYear,
  downsideDeviation,
  meanAndSampleStd,
  stepReturn,
  valueReturns,
  YEAR_MS,
} from "./returns.ts";
import { historicalTailRisk, parametricTailRisk } from "./tail.ts";
import { exposure, tradeStats } from "./trades.ts";
import type { BacktestMetrics, MetricsInput } from "./types.ts";

/** `x` when finite, else null: the last guard that keeps metrics JSON-safe. */
function finiteOrNull(x: number | null): number | null {
  return x !== null && Number.isFinite(x) ? x : null;
}

/** a / b, or null when b is zero or either side is missing. */
function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  return finiteOrNull(a / b);
}

/**
 * Every analytic of docs/metrics.md from an equity curve and a trade list. Linear in the curve
 * (the historical VaR uses selection, not a sort), and the curve is read as columns: on a
 * 525,600-point one-minute year the per-candle work is a few passes over Float64Arrays.
 */
export function computeMetrics(input: MetricsInput): BacktestMetrics {
  const { trades, intervalMs, initialCapital } = input;
  const equity = equityCurve(input.equity);
  const n = equity.ts.length;
  if (n === 0) throw new RangeError("computeMetrics needs at least one equity point");
  const ppy = candlesPerYear(intervalMs);
  const firstTs = equity.ts[0]!;
  const lastTs = equity.ts[n - 1]!;
  const finalEquity = equity.value[n - 1]!;
  // The marks cover the candles from the first one's open to the last one's close.
  const spanMs = lastTs - firstTs + intervalMs;

  const returns = valueReturns(equity.value);
  const { mean, std } = meanAndSampleStd(returns);
  const root = Math.sqrt(ppy);
  const downside = downsideDeviation(returns);
  const historical = historicalTailRisk(returns);
  const parametric = parametricTailRisk(mean, std);
  const drawdown = drawdownSummary(equity);
  const tradesSummary = tradeStats(trades);
  const growth = cagr(initialCapital, finalEquity, spanMs);

  let benchmarkReturn: number | null = null;
  let active: ActiveRisk = { trackingError: null, informationRatio: null };
  if (input.benchmark !== undefined) {
    const bench = input.benchmark;
    if (bench.length !== n) throw new RangeError(`benchmark has ${bench.length} points, equity ${n}`);
    benchmarkReturn = stepReturn(initialCapital, bench[n - 1]!);
    active = activeRiskOfValues(equity.value, bench, ppy);
  }

  const offset = input.calendarOffsetMs ?? 0;
  return {
    trades: tradesSummary.trades,
    finalEquity,
    totalReturn: stepReturn(initialCapital, finalEquity),
    cagr: finiteOrNull(growth),
    maxDrawdown: drawdown.maxDrawdown,
    sharpe: finiteOrNull(annualisedRatio(mean, std, root)),
    sortino: finiteOrNull(annualisedRatio(mean, downside, root)),
    calmar: ratio(growth, drawdown.maxDrawdown),
    winRate: tradesSummary.winRate,
    profitFactor: finiteOrNull(tradesSummary.profitFactor),
    initialCapital,
    maxDrawdownDurationMs: drawdown.maxDurationMs,
    volatility: std === null ? null : std * root,
    downsideDeviation: downside === null ? null : downside * root,
    var95Historical: historical.var95,
    cvar95Historical: historical.cvar95,
    var95Parametric: parametric.var95,
    cvar95Parametric: parametric.cvar95,
    benchmarkReturn,
    trackingError: active.trackingError,
    informationRatio: active.informationRatio,
    wins: tradesSummary.wins,
    losses: tradesSummary.losses,
    grossProfit: tradesSummary.grossProfit,
    grossLoss: tradesSummary.grossLoss,
    payoffRatio: finiteOrNull(tradesSummary.payoffRatio),
    expectancy: tradesSummary.expectancy,
    maxConsecutiveWins: tradesSummary.maxConsecutiveWins,
    maxConsecutiveLosses: tradesSummary.maxConsecutiveLosses,
    tradesPerMonth: spanMs > 0 ? tradesSummary.trades / (spanMs / (YEAR_MS / 12)) : null,
    avgHoldingMs: tradesSummary.avgHoldingMs,
    exposure: exposure(trades, equity),
    candles: n,
    candlesPerYear: ppy,
    monthlyReturns: periodReturns(equity, initialCapital, "month", offset),
    quarterlyReturns: periodReturns(equity, initialCapital, "quarter", offset),
  };
}
