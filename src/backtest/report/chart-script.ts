/**
 * The browser-side code of the report: reads the JSON block `#report-data` (shape `ChartData`)
 * and draws the charts with `window.LightweightCharts`. Plain ES2017 in a string, because it runs
 * in the page, not in Bun. Sets `document.body.dataset.charts = "ready"` when done, or "error"
 * (with the message in `#chart-error`) so that a failure is visible instead of a blank box. The
 * chart objects are left in `window.reportCharts` (equity first, then one per market).
 */

/** Times are UTC epoch SECONDS (lightweight-charts' UTCTimestamp). */
export interface ChartData {
  /** `[time, equity]`, downsampled. */
  readonly equity: readonly (readonly [number, number])[];
  /** `[time, drawdown %]` (<= 0) at the same times. */
  readonly drawdown: readonly (readonly [number, number])[];
  readonly benchmark: readonly (readonly [number, number])[] | null;
  readonly markets: readonly {
    readonly market: string;
    /** `[time, open, high, low, close]`. */
    readonly bars: readonly (readonly [number, number, number, number, number])[];
    readonly markers: readonly { readonly time: number; readonly kind: "entry" | "exit"; readonly text: string }[];
  }[];
}

export const CHART_SCRIPT = `
(function () {
  "use strict";
  var LC = window.LightweightCharts;
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var krw = function (v) { return Math.round(v).toString().replace(/\\B(?=(\\d{3})+(?!\\d))/g, ","); };
  var krwFormat = { type: "custom", formatter: krw, minMove: 0.0001 };
  var charts = [];
  function chart(el) {
    var c = LC.createChart(el, {
      autoSize: true,
      layout: { background: { type: "solid", color: "#ffffff" }, textColor: "#334155", fontSize: 11 },
      grid: { vertLines: { color: "#f1f5f9" }, horzLines: { color: "#f1f5f9" } },
      rightPriceScale: { borderColor: "#cbd5e1" },
      // The whole run stays in view: bars may be thinner than the default 0.5 px minimum (without
      // that, fitContent cannot fit a few thousand points and the chart scrolls to the end), the
      // range stays fitted when the page is resized, and scrolling stops at the first and last bar.
      timeScale: {
        borderColor: "#cbd5e1", timeVisible: true, secondsVisible: false,
        minBarSpacing: 0.01, lockVisibleTimeRangeOnResize: true, fixLeftEdge: true, fixRightEdge: true
      }
    });
    charts.push(c);
    return c;
  }
  function points(rows) { return rows.map(function (r) { return { time: r[0], value: r[1] }; }); }
  try {
    var eq = chart(document.getElementById("chart-equity"));
    var equity = eq.addSeries(LC.AreaSeries, {
      lineColor: "#2563eb", topColor: "rgba(37,99,235,0.28)", bottomColor: "rgba(37,99,235,0.02)", lineWidth: 2, title: "strategy", priceFormat: krwFormat
    });
    equity.setData(points(data.equity));
    if (data.benchmark) {
      eq.addSeries(LC.LineSeries, { color: "#94a3b8", lineWidth: 1, title: "buy & hold", priceFormat: krwFormat }).setData(points(data.benchmark));
    }
    var dd = eq.addSeries(LC.BaselineSeries, {
      baseValue: { type: "price", price: 0 },
      topLineColor: "#dc2626", bottomLineColor: "#dc2626",
      topFillColor1: "rgba(220,38,38,0.05)", topFillColor2: "rgba(220,38,38,0.05)",
      bottomFillColor1: "rgba(220,38,38,0.08)", bottomFillColor2: "rgba(220,38,38,0.4)",
      lineWidth: 1, title: "drawdown",
      priceFormat: { type: "custom", formatter: function (v) { return v.toFixed(1) + "%"; } }
    }, 1);
    dd.setData(points(data.drawdown));
    var panes = eq.panes();
    if (panes.length > 1) panes[1].setHeight(110);
    eq.timeScale().fitContent();

    data.markets.forEach(function (m, i) {
      var c = chart(document.getElementById("chart-price-" + i));
      var s = c.addSeries(LC.CandlestickSeries, {
        upColor: "#16a34a", downColor: "#dc2626", borderVisible: false, wickUpColor: "#16a34a", wickDownColor: "#dc2626",
        priceFormat: m.bars.length > 0 && m.bars[0][4] < 100 ? { type: "price", precision: 4, minMove: 0.0001 } : krwFormat
      });
      s.setData(m.bars.map(function (b) { return { time: b[0], open: b[1], high: b[2], low: b[3], close: b[4] }; }));
      LC.createSeriesMarkers(s, m.markers.map(function (k) {
        return k.kind === "entry"
          ? { time: k.time, position: "belowBar", color: "#2563eb", shape: "arrowUp", text: k.text }
          : { time: k.time, position: "aboveBar", color: "#ea580c", shape: "arrowDown", text: k.text };
      }));
      c.timeScale().fitContent();
    });
    // For a look from the console (and the browser test): every chart, equity first.
    window.reportCharts = charts;
    document.body.dataset.charts = "ready";
  } catch (e) {
    document.body.dataset.charts = "error";
    document.getElementById("chart-error").textContent = "Charts failed: " + (e && e.message ? e.message : String(e));
    throw e;
  }
})();
`;
