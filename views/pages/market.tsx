import type { FC } from "hono/jsx";
import type { ActorSummary } from "../../src/ports/control.ts";
import { Badge, ConfirmLink, EmptyRow, oobAttr, PageHead, TraderBadge, WarningBadge } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { formatKst, formatPlain } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { ChartPayload, FillLine, MarketLine, PositionLine, SignalLine } from "../models.ts";
import { MarketRow, TraderControls } from "./markets.tsx";
import { FillsPanel } from "./overview.tsx";
import { PositionsTableBody, PositionsTableHead } from "./positions.tsx";

/** What the market page shows that changes while it is open (also its live topic's data). */
export interface MarketLiveData {
  readonly row: MarketLine;
  readonly actor: ActorSummary | undefined;
  readonly position: PositionLine | undefined;
  readonly signals: readonly SignalLine[];
  readonly fills: readonly FillLine[];
}

export interface MarketDetailData extends MarketLiveData {
  readonly chart: ChartPayload;
  /** Intervals with stored candles for this market (the chart's interval picker). */
  readonly intervals: readonly string[];
}

/** The live topic of one market's page (`market:KRW-BTC`). */
export const marketTopic = (market: string) => `market:${market}` as const;

/**
 * The trader's controls in the page head: pause or resume, and flatten (a confirmation link).
 * Operators only; the element is there for everyone, so a live update has something to replace.
 */
export const MarketActions: FC<{ ctx: ViewContext; market: string; actor: ActorSummary | undefined; oob?: boolean }> = ({ ctx, market, actor, oob }) => (
  <div id="market-actions" class="page-actions" {...oobAttr(oob)}>
    {ctx.can.operate && actor ? (
      <>
        <TraderControls ctx={ctx} market={market} state={actor.state} />
        <ConfirmLink href={`/confirm/flatten/${market}`} label={ctx.t("action.flatten")} />
      </>
    ) : null}
  </div>
);

/** The trader's state, actor id, restarts, last candle and last error. */
export const TraderFacts: FC<{ ctx: ViewContext; actor: ActorSummary | undefined; oob?: boolean }> = ({ ctx, actor, oob }) => {
  const { t } = ctx;
  return (
    <div id="market-trader" {...oobAttr(oob)}>
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
    </div>
  );
};

/** The market's open position (the positions table's compact row), or a note that there is none. */
export const MarketPosition: FC<{ ctx: ViewContext; position: PositionLine | undefined; oob?: boolean }> = ({ ctx, position, oob }) => (
  <div id="market-position" {...oobAttr(oob)}>
    {position ? (
      <div class="table-wrap">
        <table class="table">
          <PositionsTableHead ctx={ctx} compact />
          <PositionsTableBody ctx={ctx} positions={[position]} id="market-position-body" compact />
        </table>
      </div>
    ) : (
      <p class="muted">{ctx.t("positions.noneHere")}</p>
    )}
  </div>
);

/** The strategy's latest signals for the market, with what the risk check made of them. */
export const SignalRows: FC<{ ctx: ViewContext; signals: readonly SignalLine[]; oob?: boolean }> = ({ ctx, signals, oob }) => (
  <tbody id="market-signals" {...oobAttr(oob)}>
    {signals.length === 0 ? (
      <EmptyRow cols={5} text={ctx.t("market.noSignals")} />
    ) : (
      signals.map((s) => (
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
);

/**
 * One market: its live summary row, the chart (candles with EMA fast/slow, volume, entry and exit
 * markers; RSI and ATR panes) drawn by app.js with lightweight-charts from the JSON in
 * `data-chart` (an attribute, so hono escapes it like any text), the trader's state and controls,
 * the open position, recent signals and fills. Everything but the chart is live: the market's
 * topic (`market:KRW-BTC`) sends the row, `MarketActions`, `TraderFacts`, `MarketPosition`,
 * `SignalRows` and the fills rendered by these same components.
 */
export const MarketPage: FC<{ ctx: ViewContext; data: MarketDetailData }> = ({ ctx, data }) => {
  const { t } = ctx;
  const { row, actor, chart } = data;
  const operate = ctx.can.operate;
  return (
    <Layout ctx={ctx} title={row.market} live={[marketTopic(row.market)]} scripts={[ctx.assets.charts]}>
      <PageHead
        title={row.market}
        sub={
          <>
            {row.name} <WarningBadge ctx={ctx} warning={row.warning} />
          </>
        }
      >
        <MarketActions ctx={ctx} market={row.market} actor={actor} />
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
            {chart.avgPrice !== null ? (
              <>
                <span class="swatch avg"></span>
                {t("col.avgPrice")}{" "}
              </>
            ) : null}
            {chart.stop !== null ? (
              <>
                <span class="swatch stop"></span>
                {t("col.stop")}{" "}
              </>
            ) : null}
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
          <TraderFacts ctx={ctx} actor={actor} />
        </section>
        <section class="panel">
          <h2>{t("nav.positions")}</h2>
          <MarketPosition ctx={ctx} position={data.position} />
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
            <SignalRows ctx={ctx} signals={data.signals} />
          </table>
        </div>
      </section>
      <FillsPanel ctx={ctx} fills={data.fills} id="market-fills" title={t("market.fills")} href={`/orders?view=fills&market=${row.market}`} />
    </Layout>
  );
};
