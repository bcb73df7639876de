import { drawdownSeries } from "../../core/stats/index.ts";
import type { BacktestMetrics, PeriodReturn, TradeRecord } from "../../core/stats/index.ts";
import { CHART_SCRIPT, type ChartData } from "./chart-script.ts";
import { aggregateBars, indexAtOrBefore, minMaxIndices } from "./downsample.ts";
import {
  escapeHtml,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRatio,
  formatUtc,
  jsonForScript,
  NOT_AVAILABLE,
} from "./format.ts";
import { lightweightChartsScript } from "./library.ts";
import { REPORT_CSS } from "./style.ts";
import type { BacktestResult, PriceColumns } from "./types.ts";

export interface ReportOptions {
  /** Most equity points drawn (the metrics always use the full curve). Default 5,000. */
  readonly maxEquityPoints?: number;
  /** Most price bars per market; longer runs are merged into coarser bars. Default 3,000. */
  readonly maxPriceBars?: number;
  /** Most rows in the trade table (the rest are summarised). Default 2,000. */
  readonly maxTradeRows?: number;
  /** The lightweight-charts standalone script text; read from node_modules when omitted. */
  readonly chartLibrary?: string;
}

const DEFAULTS = { maxEquityPoints: 5_000, maxPriceBars: 3_000, maxTradeRows: 2_000 };
/** Above this many trades in one market, markers carry no text (it would only overlap). */
const MARKER_TEXT_LIMIT = 60;

const seconds = (ms: number) => Math.floor(ms / 1000);
const round = (x: number, digits: number) => Number(x.toFixed(digits));

type MetricFormat = (value: number | null, metrics: BacktestMetrics) => string;
const pct: MetricFormat = (v) => formatPercent(v);
const ratio: MetricFormat = (v) => formatRatio(v);
const krw: MetricFormat = (v) => formatNumber(v);
const int: MetricFormat = (v) => formatNumber(v);
const duration: MetricFormat = (v) => formatDuration(v);
const profitFactor: MetricFormat = (v, m) => (v === null && m.grossLoss === 0 && m.grossProfit > 0 ? "\u221e (no losing trade)" : formatRatio(v));

/** Metric rows of the table, in display order (definitions in docs/metrics.md). */
const METRIC_ROWS: readonly (readonly [keyof BacktestMetrics, string, MetricFormat])[] = [
  ["initialCapital", "Initial capital (KRW)", krw],
  ["finalEquity", "Final equity (KRW)", krw],
  ["totalReturn", "Total return", pct],
  ["cagr", "CAGR", pct],
  ["maxDrawdown", "Max drawdown", pct],
  ["maxDrawdownDurationMs", "Longest drawdown", duration],
  ["sharpe", "Sharpe", ratio],
  ["sortino", "Sortino", ratio],
  ["calmar", "Calmar", ratio],
  ["volatility", "Volatility (annualised)", pct],
  ["downsideDeviation", "Downside deviation (annualised)", pct],
  ["var95Historical", "VaR 95%, one candle (historical)", pct],
  ["cvar95Historical", "CVaR 95%, one candle (historical)", pct],
  ["var95Parametric", "VaR 95%, one candle (normal)", pct],
  ["cvar95Parametric", "CVaR 95%, one candle (normal)", pct],
  ["benchmarkReturn", "Buy-and-hold return", pct],
  ["trackingError", "Tracking error (annualised)", pct],
  ["informationRatio", "Information ratio", ratio],
  ["trades", "Trades", int],
  ["winRate", "Win rate", pct],
  ["payoffRatio", "Payoff ratio", ratio],
  ["profitFactor", "Profit factor", profitFactor],
  ["expectancy", "Expectancy per trade (KRW)", krw],
  ["grossProfit", "Gross profit (KRW)", krw],
  ["grossLoss", "Gross loss (KRW)", krw],
  ["maxConsecutiveWins", "Most wins in a row", int],
  ["maxConsecutiveLosses", "Most losses in a row", int],
  ["tradesPerMonth", "Trades per month", (v) => formatNumber(v, 2)],
  ["avgHoldingMs", "Average holding time", duration],
  ["exposure", "Exposure (time in market)", pct],
  ["candles", "Candles", int],
];

function metricValue(metrics: BacktestMetrics, key: keyof BacktestMetrics): number | null {
  const v = metrics[key];
  return typeof v === "number" ? v : null;
}

function metricsTable(metrics: BacktestMetrics): string {
  const rows = METRIC_ROWS.map(([key, label, format]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(format(metricValue(metrics, key), metrics))}</td></tr>`);
  return `<table class="metrics">${rows.join("")}</table>`;
}

function kpis(metrics: BacktestMetrics): string {
  const cards: [string, string, number | null][] = [
    ["Final equity", `${formatNumber(metrics.finalEquity)} KRW`, null],
    ["Total return", formatPercent(metrics.totalReturn), metrics.totalReturn],
    ["CAGR", formatPercent(metrics.cagr), metrics.cagr],
    ["Max drawdown", formatPercent(metrics.maxDrawdown), metrics.maxDrawdown === 0 ? null : -metrics.maxDrawdown],
    ["Sharpe", formatRatio(metrics.sharpe, 2), metrics.sharpe],
    ["Trades", formatNumber(metrics.trades), null],
  ];
  const html = cards.map(([label, value, sign]) => {
    const tone = sign === null ? "" : sign > 0 ? " up" : sign < 0 ? " down" : "";
    return `<div class="kpi"><div class="label">${escapeHtml(label)}</div><div class="value${tone}">${escapeHtml(value)}</div></div>`;
  });
  return `<section class="kpis">${html.join("")}</section>`;
}

/** Background colour of a heatmap cell: green up, red down, stronger with size (vs `scale`). */
function heatColor(r: number, scale: number): string {
  const strength = Math.min(1, Math.abs(r) / scale);
  const alpha = (0.08 + 0.8 * strength).toFixed(2);
  return r >= 0 ? `rgba(22,163,74,${alpha})` : `rgba(220,38,38,${alpha})`;
}

/** Years x months table of monthly returns with a compounded year column. */
export function monthlyHeatmap(monthly: readonly PeriodReturn[]): string {
  if (monthly.length === 0) return `<p class="note">No monthly returns.</p>`;
  const byYear = new Map<string, Map<number, number>>();
  for (const { period, return: r } of monthly) {
    const [year, month] = period.split("-");
    const months = byYear.get(year!) ?? new Map<number, number>();
    months.set(Number(month), r);
    byYear.set(year!, months);
  }
  const scale = Math.max(0.01, ...monthly.map((m) => Math.abs(m.return)));
  const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const head = `<tr><th></th>${monthNames.map((m) => `<th>${m}</th>`).join("")}<th>Year</th></tr>`;
  const body = [...byYear.entries()].map(([year, months]) => {
    let compounded = 1;
    const cells = monthNames.map((_, i) => {
      const r = months.get(i + 1);
      if (r === undefined) return `<td class="empty"></td>`;
      compounded *= 1 + r;
      return `<td style="background:${heatColor(r, scale)}" title="${escapeHtml(`${year}-${String(i + 1).padStart(2, "0")}: ${formatPercent(r)}`)}">${escapeHtml(formatPercent(r, 1))}</td>`;
    });
    const yearReturn = compounded - 1;
    return `<tr><th>${escapeHtml(year)}</th>${cells.join("")}<td class="year" style="background:${heatColor(yearReturn, scale * 3)}">${escapeHtml(formatPercent(yearReturn, 1))}</td></tr>`;
  });
  return `<table class="heatmap">${head}${body.join("")}</table>`;
}

function tradesTable(trades: readonly TradeRecord[], maxRows: number): string {
  if (trades.length === 0) return `<p class="note">No trades.</p>`;
  const head =
    "<tr><th>#</th><th>Market</th><th>Entry (UTC)</th><th>Entry price</th><th>Exit (UTC)</th><th>Exit price</th><th>Qty</th><th>Fee</th><th>PnL (KRW)</th><th>Return</th><th>Exit</th></tr>";
  const rows = trades.slice(0, maxRows).map((t, i) => {
    const cost = t.qty * t.entryPrice;
    const tradeReturn = cost > 0 ? t.pnl / cost : null;
    const tone = t.pnl > 0 ? "up" : t.pnl < 0 ? "down" : "";
    const cells = [
      String(i + 1),
      t.market,
      formatUtc(t.entryTs),
      formatNumber(t.entryPrice, t.entryPrice < 100 ? 4 : 0),
      formatUtc(t.exitTs),
      formatNumber(t.exitPrice, t.exitPrice < 100 ? 4 : 0),
      formatNumber(t.qty, 8),
      formatNumber(t.fee),
      formatNumber(t.pnl),
      formatPercent(tradeReturn),
      t.exitReason,
    ].map((c) => `<td>${escapeHtml(c)}</td>`);
    return `<tr class="${tone}">${cells.join("")}</tr>`;
  });
  const more = trades.length > maxRows ? `<p class="note">Showing the first ${maxRows} of ${trades.length} trades (all are in the JSON result).</p>` : "";
  return `<div class="scroll"><table class="trades">${head}${rows.join("")}</table></div>${more}`;
}

function runTable(result: BacktestResult): string {
  const { run } = result;
  const ts = result.equity.ts;
  const rows: [string, string][] = [
    ["Strategy", run.strategy],
    ["Markets", run.markets.join(", ")],
    ["Interval", run.interval],
    ["From (UTC)", ts.length > 0 ? formatUtc(ts[0]!) : NOT_AVAILABLE],
    ["To (UTC, last candle open)", ts.length > 0 ? formatUtc(ts[ts.length - 1]!) : NOT_AVAILABLE],
    ["Initial capital", `${formatNumber(run.initialCapital)} KRW`],
    ["Fee per fill", formatPercent(run.feeRate, 3)],
    ["Slippage per fill", formatPercent(run.slippage, 3)],
    ["Data fingerprint", result.dataFingerprint],
  ];
  const html = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("");
  const params = JSON.stringify(result.params, null, 2) ?? "{}";
  return `<table class="metrics run">${html}</table><h3>Parameters</h3><pre>${escapeHtml(params)}</pre>`;
}

function marketChartData(market: string, candles: PriceColumns, trades: readonly TradeRecord[], maxBars: number): ChartData["markets"][number] {
  const { bars, groupSize } = aggregateBars(candles, maxBars);
  const barTime = (ts: number) => seconds(bars[Math.floor(indexAtOrBefore(candles.ts, ts) / groupSize)]![0]);
  const own = trades.filter((t) => t.market === market);
  const withText = own.length <= MARKER_TEXT_LIMIT;
  const markers = bars.length === 0
    ? []
    : own
        .flatMap((t) => [
          { time: barTime(t.entryTs), kind: "entry" as const, text: withText ? "buy" : "" },
          { time: barTime(t.exitTs), kind: "exit" as const, text: withText ? t.exitReason : "" },
        ])
        .sort((a, b) => a.time - b.time);
  return {
    market,
    bars: bars.map(([t, o, h, l, c]) => [seconds(t), o, h, l, c] as const),
    markers,
  };
}

/** The chart data: downsampled equity and drawdown (same points), benchmark, bars and markers. */
export function chartData(result: BacktestResult, options: Required<Omit<ReportOptions, "chartLibrary">>): ChartData {
  const { ts, value: values } = result.equity;
  const drawdown = drawdownSeries(values);
  // Pick the points from the drawdown so the deepest trough survives downsampling; the equity
  // low of each bucket is at the same index whenever the running peak is flat inside it.
  const keep = minMaxIndices(drawdown, options.maxEquityPoints);
  const benchmark = result.benchmark;
  return {
    equity: keep.map((i) => [seconds(ts[i]!), round(values[i]!, 2)] as const),
    drawdown: keep.map((i) => [seconds(ts[i]!), round(drawdown[i]! * 100, 4)] as const),
    benchmark: benchmark === undefined || benchmark.length !== values.length ? null : keep.map((i) => [seconds(ts[i]!), round(benchmark[i]!, 2)] as const),
    markets: result.run.markets.flatMap((m) => {
      const candles = result.candles[m];
      return candles === undefined ? [] : [marketChartData(m, candles, result.trades, options.maxPriceBars)];
    }),
  };
}

/** A `<script>` body must not contain `</script`; escape it the way JS reads the same text. */
function inlineScript(code: string): string {
  return `<script>${code.replace(/<\/(script)/gi, "<\\/$1")}</script>`;
}

/**
 * One self-contained HTML page for a backtest: KPIs, equity with drawdown (and buy-and-hold when
 * given), a price chart per market with entry and exit markers, a monthly-returns heatmap, the
 * metrics table, the run parameters and the trade list. The chart library is inlined, so the file
 * opens offline and loads nothing. All text from the result is HTML-escaped, and the chart data
 * sits in a JSON block that cannot break out of its script tag. Deterministic: the same result
 * gives the same bytes.
 */
export function renderReport(result: BacktestResult, options: ReportOptions = {}): string {
  const limits = {
    maxEquityPoints: options.maxEquityPoints ?? DEFAULTS.maxEquityPoints,
    maxPriceBars: options.maxPriceBars ?? DEFAULTS.maxPriceBars,
    maxTradeRows: options.maxTradeRows ?? DEFAULTS.maxTradeRows,
  };
  const { run, metrics } = result;
  const title = run.title ?? `Backtest: ${run.strategy} on ${run.markets.join(", ")}`;
  const data = chartData(result, limits);
  const ts = result.equity.ts;
  const span = ts.length > 0 ? `${formatUtc(ts[0]!)} to ${formatUtc(ts[ts.length - 1]!)} UTC` : "no candles";
  const downsampled = data.equity.length < ts.length ? ` Chart shows ${data.equity.length} of ${ts.length} points (lows and highs kept); metrics use all.` : "";
  const priceSections = data.markets
    .map((m, i) => `<h3>${escapeHtml(m.market)}</h3><div class="chart" id="chart-price-${i}"></div>`)
    .join("");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p class="sub">${escapeHtml(`${run.interval} candles, ${span}. Data ${result.dataFingerprint}`)}</p></header>
${kpis(metrics)}
<p id="chart-error" class="error"></p>
<section><h2>Equity and drawdown</h2><div class="chart tall" id="chart-equity"></div><p class="note">${escapeHtml(`Equity marked at every candle close (KRW); lower pane: drawdown from the running peak.${downsampled}`)}</p></section>
<section><h2>Price and trades</h2>${priceSections || `<p class="note">No candles in the result.</p>`}<p class="note">Blue arrows: entries; orange arrows: exits (label = exit reason).</p></section>
<section><h2>Monthly returns (UTC calendar months)</h2>${monthlyHeatmap(metrics.monthlyReturns)}</section>
<section class="columns"><div><h2>Metrics</h2>${metricsTable(metrics)}</div><div><h2>Run</h2>${runTable(result)}</div></section>
<section><h2>Trades</h2>${tradesTable(result.trades, limits.maxTradeRows)}</section>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
${inlineScript(options.chartLibrary ?? lightweightChartsScript())}
${inlineScript(CHART_SCRIPT)}
</body>
</html>
`;
}
