// Dashboard behaviour that htmx attributes cannot express: the market chart (lightweight-charts,
// served locally), closing a confirmation dialog, and fading success messages. Plain script, no
// inline handlers (the page's CSP allows only same-origin scripts carrying the nonce).
(function () {
  "use strict";

  var KST_OFFSET_S = 9 * 3600;

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // Decimals of Bithumb's KRW tick band (the same table the server formats with).
  function priceDecimals(p) {
    var a = Math.abs(p);
    if (a >= 100) return 0;
    if (a >= 10) return 2;
    if (a >= 1) return 3;
    return 4;
  }

  function formatPrice(p) {
    var d = priceDecimals(p);
    return p.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  }

  // Candle times are shown in KST: lightweight-charts draws UTC, so shift by +9 h.
  function kst(ms) {
    return Math.floor(ms / 1000) + KST_OFFSET_S;
  }

  function line(ts, values) {
    var out = [];
    for (var i = 0; i < ts.length; i++) {
      var v = values[i];
      out.push(v === null || v === undefined ? { time: kst(ts[i]) } : { time: kst(ts[i]), value: v });
    }
    return out;
  }

  function drawMarketChart(el) {
    var LC = window.LightweightCharts;
    if (!LC || el.dataset.drawn) return;
    var d;
    try {
      d = JSON.parse(el.dataset.chart || "{}");
    } catch (e) {
      return;
    }
    if (!d.ts || d.ts.length === 0) return;
    el.dataset.drawn = "1";
    var up = cssVar("--up");
    var down = cssVar("--down");
    var grid = cssVar("--grid");
    var border = cssVar("--border");
    var chart = LC.createChart(el, {
      autoSize: true,
      layout: {
        background: { type: "solid", color: cssVar("--panel") },
        textColor: cssVar("--text-muted"),
        fontFamily: getComputedStyle(document.body).fontFamily,
        attributionLogo: false, // its injected <style> would break the CSP; the footer credits TradingView
        panes: { separatorColor: border, separatorHoverColor: border, enableResize: true },
      },
      grid: { vertLines: { color: grid }, horzLines: { color: grid } },
      rightPriceScale: { borderColor: border },
      timeScale: { borderColor: border, timeVisible: true, secondsVisible: false, rightOffset: 4 },
      crosshair: { mode: 0 },
      localization: { priceFormatter: formatPrice },
    });

    var candles = chart.addSeries(
      LC.CandlestickSeries,
      { upColor: up, downColor: down, wickUpColor: up, wickDownColor: down, borderVisible: false, priceFormat: { type: "custom", formatter: formatPrice, minMove: 0.0001 } },
      0,
    );
    candles.setData(
      d.ts.map(function (t, i) {
        return { time: kst(t), open: d.open[i], high: d.high[i], low: d.low[i], close: d.close[i] };
      }),
    );
    // In the price pane, lines are told apart by colour (the legend above the chart names each) and
    // carry no title: lightweight-charts draws a title as a box beside the axis, and when the last
    // price, the average price and the EMAs are close (right after an entry) it stacks those boxes
    // away from their lines, over the candles and the axis's own ticks. The EMAs show their last
    // value on the axis in their colour instead, like the price lines; the axis keeps its value
    // labels apart. The RSI and ATR panes hold one line each and keep their titles.
    var lineOptions = function (color, title, lastValue) {
      return { color: color, lineWidth: 2, priceLineVisible: false, lastValueVisible: lastValue, crosshairMarkerVisible: false, title: title };
    };
    chart.addSeries(LC.LineSeries, lineOptions(cssVar("--ema-fast"), "", true), 0).setData(line(d.ts, d.emaFast));
    chart.addSeries(LC.LineSeries, lineOptions(cssVar("--ema-slow"), "", true), 0).setData(line(d.ts, d.emaSlow));

    var volume = chart.addSeries(LC.HistogramSeries, { priceScaleId: "volume", priceFormat: { type: "volume" }, lastValueVisible: false, priceLineVisible: false }, 0);
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    volume.setData(
      d.ts.map(function (t, i) {
        var rising = d.close[i] >= d.open[i];
        return { time: kst(t), value: d.volume[i], color: (rising ? up : down) + "55" };
      }),
    );

    if (d.markers && d.markers.length > 0 && LC.createSeriesMarkers) {
      var entry = cssVar("--entry");
      var exit = cssVar("--exit");
      LC.createSeriesMarkers(
        candles,
        d.markers
          .map(function (m) {
            var buy = m.side === "bid";
            return { time: kst(m.ts), position: buy ? "belowBar" : "aboveBar", color: buy ? entry : exit, shape: buy ? "arrowUp" : "arrowDown", text: m.text };
          })
          .sort(function (a, b) {
            return a.time - b.time;
          }),
      );
    }
    if (d.stop) candles.createPriceLine({ price: d.stop, color: down, lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: "" });
    if (d.avgPrice) candles.createPriceLine({ price: d.avgPrice, color: cssVar("--text-muted"), lineWidth: 1, lineStyle: 1, axisLabelVisible: true, title: "" });

    var rsi = chart.addSeries(LC.LineSeries, lineOptions(cssVar("--accent"), "RSI " + d.periods.rsi, false), 1);
    rsi.setData(line(d.ts, d.rsi));
    rsi.createPriceLine({ price: 70, color: border, lineWidth: 1, lineStyle: 2, axisLabelVisible: false });
    rsi.createPriceLine({ price: 30, color: border, lineWidth: 1, lineStyle: 2, axisLabelVisible: false });
    chart.addSeries(LC.LineSeries, lineOptions(cssVar("--warn"), "ATR " + d.periods.atr, false), 2).setData(line(d.ts, d.atr));

    var panes = chart.panes();
    if (panes.length === 3) {
      panes[0].setStretchFactor(4);
      panes[1].setStretchFactor(1.2);
      panes[2].setStretchFactor(1);
    }
    chart.timeScale().fitContent();
    el.dataset.ready = "1";
  }

  function drawCharts(root) {
    var charts = (root || document).querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) drawMarketChart(charts[i]);
  }

  function closeDialog() {
    var dialog = document.getElementById("dialog");
    if (dialog) dialog.innerHTML = "";
  }

  document.addEventListener("click", function (evt) {
    var target = evt.target;
    if (!(target instanceof Element)) return;
    var dismiss = target.closest('[data-dismiss="dialog"]');
    // Inside the dialog "cancel" only closes it; on the confirmation page it is a normal link back.
    if (dismiss && dismiss.closest("#dialog")) {
      evt.preventDefault();
      closeDialog();
    } else if (target.classList.contains("modal") && target.closest("#dialog")) {
      closeDialog();
    }
  });

  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape") closeDialog();
  });

  // Success messages fade after a while; errors stay until the next one.
  document.addEventListener("htmx:after:swap", function () {
    var oks = document.querySelectorAll("#flash .flash.ok:not(.fading)");
    oks.forEach(function (el) {
      setTimeout(function () {
        el.classList.add("fading");
        setTimeout(function () {
          el.remove();
        }, 700);
      }, 6000);
    });
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  else drawCharts(document);
})();
