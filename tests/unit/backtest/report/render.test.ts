import { describe, expect, it } from "vitest";
import {
  aggregateBars,
  chartData,
  escapeHtml,
  formatDuration,
  formatNumber,
  formatPercent,
  indexAtOrBefore,
  jsonForScript,
  lightweightChartsScript,
  minMaxIndices,
  monthlyHeatmap,
  renderReport,
  type BacktestResult,
  type ChartData,
} from "../../../../src/backtest/report/index.ts";
import { computeMetrics } from "../../../../src/core/stats/index.ts";
import { btcResult } from "./fixture.ts";

const EVIL = `</script><script>alert("x")</script><!--`;

function reportData(html: string): ChartData {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]!) as ChartData;
}

describe("renderReport", async () => {
  const result = await btcResult({ preset: "classic", note: EVIL });
  const html = renderReport(result);

  it("is one HTML document with the chart library inlined and nothing loaded from elsewhere", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html.trimEnd().endsWith("</html>")).toBe(true);
    const library = lightweightChartsScript();
    expect(html).toContain(library);
    // Our own markup and code (the library aside, which the browser test watches instead).
    const own = html.replace(library, "");
    expect(own).not.toMatch(/<script[^>]+src=/i);
    expect(own).not.toMatch(/<link\b/i);
    expect(own).not.toMatch(/<img\b/i);
    expect(own).not.toMatch(/url\(|@import|https?:/i);
    // Three inline scripts: data, library, chart code.
    expect(html.match(/<script\b/g)).toHaveLength(3);
  });

  it("has the sections the issue asks for", () => {
    for (const id of ["chart-equity", "chart-price-0"]) expect(html).toContain(`id="${id}"`);
    for (const heading of ["Equity and drawdown", "Price and trades", "Monthly returns", "Metrics", "Trades"]) expect(html).toContain(`<h2>${heading}`);
    expect(html).toContain(result.dataFingerprint);
    expect(html.match(/<tr class="(up|down|)"><td>/g)).toHaveLength(result.trades.length);
  });

  it("escapes text from the result, in the page and in the data block", () => {
    expect(html).not.toContain(EVIL);
    expect(html).not.toContain('alert("x")</script>');
    expect(html).toContain(escapeHtml(JSON.stringify(EVIL)).slice(1, 20));
    const evilTrades: BacktestResult = { ...result, trades: [{ ...result.trades[0]!, exitReason: "<b>stop</b>" }] };
    const page = renderReport(evilTrades);
    expect(page).not.toContain("<b>stop</b>");
    expect(page).toContain("&lt;b&gt;stop&lt;/b&gt;");
  });

  it("embeds chart data that matches the result: equity, drawdown, bars and a marker per fill", () => {
    const data = reportData(html);
    expect(data.equity).toHaveLength(result.equity.ts.length <= 5_000 ? result.equity.ts.length : data.equity.length);
    expect(data.equity[0]![0]).toBe(result.equity.ts[0]! / 1000);
    expect(data.equity.at(-1)![1]).toBeCloseTo(result.metrics.finalEquity, 1);
    expect(Math.min(...data.drawdown.map((d) => d[1]))).toBeCloseTo(-result.metrics.maxDrawdown * 100, 3);
    expect(data.benchmark).not.toBeNull();
    expect(data.markets).toHaveLength(1);
    expect(data.markets[0]!.markers).toHaveLength(2 * result.trades.length);
    const barTimes = new Set(data.markets[0]!.bars.map((b) => b[0]));
    for (const m of data.markets[0]!.markers) expect(barTimes.has(m.time)).toBe(true);
  });

  it("is byte-identical for the same result", () => {
    expect(renderReport(result)).toBe(html);
  });

  it("stays small on a 525,600-point one-minute year while keeping the deepest drawdown", () => {
    const n = 525_600;
    const t0 = Date.UTC(2025, 0, 1);
    const equity = { ts: new Float64Array(n), value: new Float64Array(n) };
    let v = 1e7;
    for (let i = 0; i < n; i++) {
      v *= 1 + Math.sin(i / 5000) * 0.0002 + (i === 300_000 ? -0.2 : 0);
      equity.ts[i] = t0 + i * 60_000;
      equity.value[i] = v;
    }
    const candles = { ts: equity.ts, open: equity.value, high: equity.value.map((x) => x * 1.001), low: equity.value.map((x) => x * 0.999), close: equity.value };
    const metrics = computeMetrics({ equity, trades: [], intervalMs: 60_000, initialCapital: 1e7 });
    const big: BacktestResult = { ...result, run: { ...result.run, interval: "1m" }, metrics, equity, benchmark: undefined, trades: [], candles: { "KRW-BTC": candles } };
    const page = renderReport(big);
    const data = reportData(page);
    expect(data.equity.length).toBeLessThanOrEqual(5_000);
    expect(data.markets[0]!.bars.length).toBeLessThanOrEqual(3_000);
    expect(Math.min(...data.drawdown.map((d) => d[1]))).toBeCloseTo(-metrics.maxDrawdown * 100, 3);
    expect(page.length).toBeLessThan(1_000_000);
    expect(page).toContain("Chart shows");
  });

  it("renders a run without trades or candles", () => {
    const empty: BacktestResult = { ...result, trades: [], candles: {}, benchmark: undefined };
    const page = renderReport(empty, { chartLibrary: "window.LightweightCharts = {};" });
    expect(page).toContain("No trades.");
    expect(page).toContain("No candles in the result.");
    expect(reportData(page).markets).toEqual([]);
  });
});

describe("chart data helpers", () => {
  it("minMaxIndices keeps first, last and each bucket's extremes, in order", () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10) + (i === 777 ? -5 : 0));
    const keep = minMaxIndices(values, 100);
    expect(keep.length).toBeLessThanOrEqual(100);
    expect(keep[0]).toBe(0);
    expect(keep.at(-1)).toBe(999);
    expect(keep).toContain(777);
    expect([...keep].sort((a, b) => a - b)).toEqual(keep);
    expect(new Set(keep).size).toBe(keep.length);
    expect(minMaxIndices([3, 1, 2], 10)).toEqual([0, 1, 2]);
  });

  it("aggregateBars merges candles into OHLC groups", () => {
    const c = { ts: [0, 1, 2, 3, 4], open: [1, 2, 3, 4, 5], high: [2, 9, 4, 5, 6], low: [0.5, 1, 0.1, 3, 4], close: [2, 3, 4, 5, 6] };
    expect(aggregateBars(c, 2)).toEqual({
      groupSize: 3,
      bars: [
        [0, 1, 9, 0.1, 4],
        [3, 4, 6, 3, 6],
      ],
    });
  });

  it("indexAtOrBefore finds the bar containing a time", () => {
    const ts = [10, 20, 30];
    expect([5, 10, 15, 20, 35].map((t) => indexAtOrBefore(ts, t))).toEqual([0, 0, 0, 1, 2]);
  });

  it("chartData draws equity in seconds and drawdown in percent", async () => {
    const r = await btcResult();
    const data = chartData(r, { maxEquityPoints: 50, maxPriceBars: 40, maxTradeRows: 1 });
    expect(data.equity.length).toBeLessThanOrEqual(50);
    expect(data.markets[0]!.bars.length).toBeLessThanOrEqual(40);
    expect(data.drawdown.every((d) => d[1] <= 0)).toBe(true);
  });
});

describe("monthlyHeatmap", () => {
  it("lays months out by year with a compounded year column", () => {
    const html = monthlyHeatmap([
      { period: "2023-12", return: 0.1 },
      { period: "2024-01", return: 0.1 },
      { period: "2024-02", return: -0.5 },
    ]);
    expect(html.match(/<tr>/g)).toHaveLength(3);
    expect(html).toContain(">-45.0%</td></tr>"); // 1.1 * 0.5 - 1
    expect(html).toContain(">10.0%</td></tr>");
    expect(html).toContain("rgba(220,38,38,0.88)"); // the largest loss has the strongest red
  });
});

describe("formatting", () => {
  it("formats numbers deterministically, without locale data", () => {
    expect(formatNumber(1234567.891)).toBe("1,234,568");
    expect(formatNumber(-1234.5, 2)).toBe("-1,234.50");
    expect(formatNumber(-0.0001, 2)).toBe("0.00");
    expect(formatNumber(null)).toBe("\u2013");
    expect(formatPercent(0.12345)).toBe("12.35%");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3d 4h");
    expect(formatDuration(90 * 60_000)).toBe("1h 30m");
  });

  it("escapes HTML and keeps JSON inside a script block", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    const json = jsonForScript({ s: "</script><!--\u2028" });
    expect(json).not.toContain("<");
    expect(JSON.parse(json)).toEqual({ s: "</script><!--\u2028" });
  });
});
