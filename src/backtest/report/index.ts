export { CHART_SCRIPT, type ChartData } from "./chart-script.ts";
export { aggregateBars, indexAtOrBefore, minMaxIndices, type Bar } from "./downsample.ts";
export { escapeHtml, formatDuration, formatNumber, formatPercent, formatRatio, formatUtc, jsonForScript } from "./format.ts";
export { lightweightChartsScript } from "./library.ts";
export { chartData, monthlyHeatmap, renderReport, type ReportOptions } from "./render.ts";
export type { BacktestResult, PriceColumns, RunInfo } from "./types.ts";
