import type { FC } from "hono/jsx";
import type { ActorSummary } from "../../src/ports/control.ts";
import { Badge, ConfirmLink, EmptyRow, PageHead, TraderBadge, WarningBadge } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { formatKst, formatPlain } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { ChartPayload, FillLine, MarketLine, PositionLine, SignalLine } from "../models.ts";
import { MarketRow, TraderControls } from "./markets.tsx";
import { FillsPanel } from "./overview.tsx";
import { PositionsTableBody, PositionsTableHead } from "./positions.tsx";

export interface MarketDetailData {
  readonly row: MarketLine;
  readonly actor: ActorSummary | undefined;
  readonly position: PositionLine | undefined;
  readonly chart: ChartPayload;
  readonly signals: readonly SignalLine[];
  readonly fills: readonly FillLine[];
  /** Intervals with stored candles for this market (the chart's interval picker). */
  readonly intervals: readonly string[];
}

/**
 * One market: its live summary row, the chart (candles with EMA fast/slow, volume, entry and exit
 * markers; RSI and ATR panes) drawn by app.js with lightweight-charts from the JSON in
 * `data-chart` (an attribute, so hono escapes it like any text), the trader's state and controls,
 * the open position, recent signals and fills.
 */
export const MarketPage: FC<{ ctx: ViewContext; data: MarketDetailData }> = ({ ctx, data }) => {
  const { t } = ctx;
  const { row, actor, chart } = data;
  const operate = ctx.can.operate;
  return (
    <Layout ctx={ctx} title={row.market} live={["markets"]} scripts={[ctx.assets.charts]}>
      <PageHead
        title={row.market}
        sub={
          <>
            {row.name} <WarningBadge ctx={ctx} warning={row.warning} />
          </>
        }
      >
        {operate && actor ? (
          <>
            <TraderControls ctx={ctx} market={row.market} state={actor.state} />
            <ConfirmLink href={`/confirm/flatten/${row.market}`} label={t("action.flatten")} />
          </>
        ) : null}
      </PageHead>
      <div class="table-wrap">
        <table class="table markets">
          <thead>
            <tr>
              <th>{t("col.market")}</th>
              <th class="num">{t("col.priceKrw")}</th>
              <th class="num">{t("col.change")}</th>
              <th>{t("col.trader")}</th>
              <th>{t("col.warning")}</th>
              <th class="num">{t("col.position")}</th>
              {operate ? <th>{t("col.actions")}</th> : null}
            </tr>
          </thead>
          <tbody>
            <MarketRow ctx={ctx} row={row} />
          </tbody>
        </table>
      </div>
      <section class="panel chart-panel">
        <div class="chart-head">
          <h2>{t("market.chart", { interval: chart.interval })}</h2>
          <span class="legend">
            <span class="swatch ema-fast"></span>EMA {chart.periods.emaFast} <span class="swatch ema-slow"></span>EMA {chart.periods.emaSlow}{" "}
            <span class="swatch entry"></span>
            {t("market.entries")} <span class="swatch exit"></span>
            {t("market.exits")}
          </span>
          {data.intervals.length > 1 ? (
            <form method="get" action={`/markets/${row.market}`} class="inline">
              <select name="interval" aria-label={t("market.interval")}>
                {data.intervals.map((i) => (
                  <option value={i} selected={i === chart.interval}>
                    {i}
                  </option>
                ))}
              </select>
              <button type="submit" class="btn quiet">
                {t("markets.apply")}
              </button>
            </form>
          ) : null}
        </div>
        {chart.ts.length === 0 ? (
          <p class="muted">{t("market.noCandles")}</p>
        ) : (
          <>
            <div id="market-chart" class="chart" data-chart={JSON.stringify(chart)} data-lang={ctx.lang} role="img" aria-label={t("market.chartLabel", { market: row.market, n: chart.ts.length })}></div>
            <div class="pane-labels muted">
              <span>{t("market.panes", { rsi: chart.periods.rsi, atr: chart.periods.atr })}</span>
            </div>
            <noscript>
              <p class="muted">{t("market.noscript")}</p>
            </noscript>
          </>
        )}
      </section>
      <div class="grid two">
        <section class="panel">
          <h2>{t("market.trader")}</h2>
          {actor ? (
            <dl class="facts">
              <dt>{t("col.state")}</dt>
              <dd>
                <TraderBadge ctx={ctx} state={actor.state} /> {actor.stale ? <Badge tone="warn">{t("market.stale")}</Badge> : null}
              </dd>
              <dt>{t("col.actor")}</dt>
              <dd class="mono">{actor.id}</dd>
              <dt>{t("col.restarts")}</dt>
              <dd class="num">{actor.restarts}</dd>
              <dt>{t("market.lastCandle")}</dt>
              <dd class="time">{formatKst(actor.lastCandleTs)}</dd>
              <dt>{t("col.lastError")}</dt>
              <dd class="error-text">{actor.lastError ?? "–"}</dd>
            </dl>
          ) : (
            <p class="muted">{t("market.noTrader")}</p>
          )}
        </section>
        <section class="panel">
          <h2>{t("nav.positions")}</h2>
          {data.position ? (
            <div class="table-wrap">
              <table class="table">
                <PositionsTableHead ctx={ctx} compact />
                <PositionsTableBody ctx={ctx} positions={[data.position]} id="market-position" compact />
              </table>
            </div>
          ) : (
            <p class="muted">{t("positions.noneHere")}</p>
          )}
        </section>
      </div>
      <section class="panel">
        <h2>{t("market.signals")}</h2>
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th>{t("col.timeKst")}</th>
                <th>{t("col.kind")}</th>
                <th class="num">{t("col.strength")}</th>
                <th>{t("col.outcome")}</th>
                <th>{t("col.reasons")}</th>
              </tr>
            </thead>
            <tbody>
              {data.signals.length === 0 ? (
                <EmptyRow cols={5} text={t("market.noSignals")} />
              ) : (
                data.signals.map((s) => (
                  <tr>
                    <td class="time">{formatKst(s.ts)}</td>
                    <td>{s.kind}</td>
                    <td class="num">{s.strength === null ? "–" : formatPlain(s.strength, 2)}</td>
                    <td>
                      <Badge tone={s.outcome === "approved" ? "ok" : s.outcome === "denied" ? "warn" : "muted"}>{s.outcome}</Badge>
                      {s.deniedReason ? <span class="muted"> {s.deniedReason}</span> : null}
                    </td>
                    <td class="reasons">{s.reasons.join(", ")}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </section>
      <FillsPanel ctx={ctx} fills={data.fills} id="market-fills" title={t("market.fills")} href={`/orders?view=fills&market=${row.market}`} />
    </Layout>
  );
};
