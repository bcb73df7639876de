import type { FC } from "hono/jsx";
import type { HealthReport } from "../../src/ports/control.ts";
import { ActionButton, Badge, Card, ConfirmLink, EmptyRow, MarketCell, oobAttr, PageHead, SideCell, Signed, TraderBadge, TradingBadge } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { formatDuration, formatKrw, formatKst, formatPercent, formatPrice, formatVolume } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { ActorHealth, AlertLine, FillLine, OverviewData, PositionLine } from "../models.ts";

/**
 * The overview: account cards, trading state with the kill switch, open positions, recent fills,
 * actor health and recent alerts. Every part with an id below is also a live fragment (the
 * broadcaster renders the same components with `oob`, and htmx swaps them in by id).
 */

export const OverviewSummary: FC<{ ctx: ViewContext; data: OverviewData; oob?: boolean }> = ({ ctx, data, oob }) => {
  const { portfolio: p, health } = data;
  const { t, lang } = ctx;
  const today = p.dayStartEquity > 0 ? p.equity - p.dayStartEquity : null;
  const md = health.marketData;
  return (
    <section id="ov-summary" class="cards" {...oobAttr(oob)} aria-label={t("overview.account")}>
      <Card label={t("overview.equity")} sub={`${t("overview.krwAvailable")} ${formatKrw(p.krwAvailable, lang)} · ${t("overview.krwLocked")} ${formatKrw(p.krwLocked, lang)}`}>
        {formatKrw(p.equity, lang)}
      </Card>
      <Card label={t("overview.todayPnl")} sub={today === null ? t("overview.noDayStart") : <Signed value={today}>{formatPercent(today / p.dayStartEquity, { signed: true })}</Signed>}>
        <Signed value={today}>{formatKrw(today, lang, { signed: true })}</Signed>
      </Card>
      <Card label={t("overview.unrealised")} sub={`${t("overview.positionsValue")} ${formatKrw(p.positionsValue, lang)}`}>
        <Signed value={p.unrealisedPnl}>{formatKrw(p.unrealisedPnl, lang, { signed: true })}</Signed>
      </Card>
      <Card label={t("overview.drawdown")} sub={`${t("overview.peak")} ${formatKrw(p.peakEquity, lang)}`}>
        <span class={p.drawdown > 0.1 ? "num down" : "num"}>{formatPercent(p.drawdown)}</span>
      </Card>
      <Card
        label={t("overview.feeds")}
        sub={
          md.lastMessageAgeMs === null
            ? t("overview.noMarketData")
            : t("overview.lastMessage", { age: formatDuration(md.lastMessageAgeMs, lang) })
        }
      >
        <span class="feeds">
          <Badge tone={md.connected ? "ok" : "bad"}>{t("overview.marketData")}</Badge>
          <Badge tone={health.privateStream.connected ? "ok" : "bad"}>{t("overview.privateStream")}</Badge>
          <Badge tone={health.reconciled ? "ok" : "warn"}>{t(health.reconciled ? "overview.reconciled" : "overview.notReconciled")}</Badge>
        </span>
      </Card>
    </section>
  );
};

/** Trading state and the kill switch (operators only see the switches). */
export const TradingPanel: FC<{ ctx: ViewContext; health: HealthReport; oob?: boolean }> = ({ ctx, health, oob }) => {
  const { t } = ctx;
  const paused = health.tradingState === "paused" || health.tradingState === "halted";
  return (
    <section id="ov-trading" class="panel trading" {...oobAttr(oob)} aria-label={t("overview.trading")}>
      <div class="trading-state">
        <span class="panel-title">{t("overview.trading")}</span>
        <TradingBadge ctx={ctx} state={health.tradingState} />
        <Badge tone={health.healthy ? "ok" : "bad"}>{t(health.healthy ? "overview.healthy" : "overview.unhealthy")}</Badge>
        {health.reason ? <span class="reason">{health.reason}</span> : null}
        <span class="muted">{t("overview.since", { time: formatKst(health.startedAt) })}</span>
      </div>
      {ctx.can.operate ? (
        <div class="kill-switch">
          {paused ? (
            <ActionButton ctx={ctx} action="/trading/resume" label={t("action.resumeAll")} kind="primary" />
          ) : (
            <ActionButton ctx={ctx} action="/trading/pause" label={t("action.pauseAll")} />
          )}
          <ConfirmLink href="/confirm/flatten-all" label={t("action.flattenAll")} />
        </div>
      ) : null}
    </section>
  );
};

export const PositionsCompactBody: FC<{ ctx: ViewContext; positions: readonly PositionLine[]; oob?: boolean }> = ({ ctx, positions, oob }) => (
  <tbody id="ov-positions" {...oobAttr(oob)}>
    {positions.length === 0 ? (
      <EmptyRow cols={5} text={ctx.t("positions.none")} />
    ) : (
      positions.map((p) => (
        <tr>
          <MarketCell market={p.market} />
          <td class="num">{formatVolume(p.volume)}</td>
          <td class="num">{formatPrice(p.avgPrice)}</td>
          <td class="num">{formatPrice(p.markPrice)}</td>
          <td class="num">
            <Signed value={p.unrealisedPnl}>
              {formatKrw(p.unrealisedPnl, ctx.lang, { signed: true })} <small>{formatPercent(p.pnlRate, { signed: true })}</small>
            </Signed>
          </td>
        </tr>
      ))
    )}
  </tbody>
);

/** One fill: time, market, side, price and volume; `amounts` adds the KRW value and the fee (the full list). */
export const FillRow: FC<{ ctx: ViewContext; fill: FillLine; amounts?: boolean }> = ({ ctx, fill: f, amounts }) => (
  <tr>
    <td class="time">{formatKst(f.ts)}</td>
    <MarketCell market={f.market} />
    <SideCell ctx={ctx} side={f.side} />
    <td class="num">{formatPrice(f.price)}</td>
    <td class="num">{formatVolume(f.volume)}</td>
    {amounts ? <td class="num">{formatKrw(f.funds, ctx.lang)}</td> : null}
    {amounts ? <td class="num">{formatKrw(f.fee, ctx.lang)}</td> : null}
  </tr>
);

export const FillRows: FC<{ ctx: ViewContext; fills: readonly FillLine[]; id: string; oob?: boolean }> = ({ ctx, fills, id, oob }) => (
  <tbody id={id} {...oobAttr(oob)}>
    {fills.length === 0 ? (
      <EmptyRow cols={5} text={ctx.t("fills.none")} />
    ) : (
      fills.map((f) => <FillRow ctx={ctx} fill={f} />)
    )}
  </tbody>
);

/** A panel of recent fills whose title links to the full list; the body is live-updated by `id`. */
export const FillsPanel: FC<{ ctx: ViewContext; fills: readonly FillLine[]; id: string; title: string; href: string }> = ({ ctx, fills, id, title, href }) => (
  <section class="panel">
    <h2>
      <a href={href}>{title}</a>
    </h2>
    <div class="table-wrap">
      <table class="table">
        <thead>
          <tr>
            <th>{ctx.t("col.timeKst")}</th>
            <th>{ctx.t("col.market")}</th>
            <th>{ctx.t("col.side")}</th>
            <th class="num">{ctx.t("col.price")}</th>
            <th class="num">{ctx.t("col.volume")}</th>
          </tr>
        </thead>
        <FillRows ctx={ctx} fills={fills} id={id} />
      </table>
    </div>
  </section>
);

export const ActorHealthPanel: FC<{ ctx: ViewContext; actors: ActorHealth; oob?: boolean }> = ({ ctx, actors, oob }) => {
  const { t } = ctx;
  const states = Object.entries(actors.byState) as [Parameters<typeof TraderBadge>[0]["state"], number][];
  return (
    <div id="ov-actors" {...oobAttr(oob)}>
      <p class="state-counts">
        <span class="muted">{t("overview.traders", { n: actors.total })}</span>
        {states.map(([state, n]) => (
          <span class="state-count">
            <TraderBadge ctx={ctx} state={state} /> <span class="num">{n}</span>
          </span>
        ))}
      </p>
      {actors.attention.length === 0 ? (
        <p class="muted">{t("overview.allHealthy")}</p>
      ) : (
        <table class="table compact">
          <thead>
            <tr>
              <th>{t("col.market")}</th>
              <th>{t("col.state")}</th>
              <th class="num">{t("col.restarts")}</th>
              <th>{t("col.lastError")}</th>
            </tr>
          </thead>
          <tbody>
            {actors.attention.map((a) => (
              <tr>
                <MarketCell market={a.market} />
                <td>
                  <TraderBadge ctx={ctx} state={a.state} /> {a.stale ? <Badge tone="warn">{t("market.stale")}</Badge> : null}
                </td>
                <td class="num">{a.restarts}</td>
                <td class="error-text">{a.lastError ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
};

const SEVERITY_TONE = { info: "info", warning: "warn", critical: "bad" } as const;

/** The latest alerts, newest first (a live fragment: the element keeps its id whatever it shows). */
export const AlertList: FC<{ ctx: ViewContext; alerts: readonly AlertLine[] | null; oob?: boolean }> = ({ ctx, alerts, oob }) => (
  <div id="ov-alerts" {...oobAttr(oob)}>
    {alerts === null ? (
      <p class="muted">{ctx.t("alerts.notConnected")}</p>
    ) : alerts.length === 0 ? (
      <p class="muted">{ctx.t("alerts.none")}</p>
    ) : (
      <ul class="alerts">
        {alerts.map((a) => (
          <li>
            <Badge tone={SEVERITY_TONE[a.severity as keyof typeof SEVERITY_TONE] ?? "muted"}>{ctx.t(`severity.${a.severity as "info"}`)}</Badge>
            <span class="time">{formatKst(a.ts)}</span>
            <strong>{a.title}</strong>
            {a.suppressed ? <span class="muted"> ({ctx.t("alerts.suppressed")})</span> : null}
            <div class="alert-text">{a.text}</div>
          </li>
        ))}
      </ul>
    )}
  </div>
);

export const OverviewPage: FC<{ ctx: ViewContext; data: OverviewData }> = ({ ctx, data }) => {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t("nav.overview")} live={["overview"]}>
      <PageHead title={t("nav.overview")} sub={t("overview.sub", { mode: data.health.mode.toUpperCase() })} />
      <TradingPanel ctx={ctx} health={data.health} />
      <OverviewSummary ctx={ctx} data={data} />
      <div class="grid two">
        <section class="panel">
          <h2>
            <a href="/positions">{t("nav.positions")}</a>
          </h2>
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th>{t("col.market")}</th>
                  <th class="num">{t("col.volume")}</th>
                  <th class="num">{t("col.avgPrice")}</th>
                  <th class="num">{t("col.markPrice")}</th>
                  <th class="num">{t("col.unrealised")}</th>
                </tr>
              </thead>
              <PositionsCompactBody ctx={ctx} positions={data.positions} />
            </table>
          </div>
        </section>
        <FillsPanel ctx={ctx} fills={data.fills} id="ov-fills" title={t("overview.recentFills")} href="/orders?view=fills" />
        <section class="panel">
          <h2>
            <a href="/actors">{t("overview.actorHealth")}</a>
          </h2>
          <ActorHealthPanel ctx={ctx} actors={data.actors} />
        </section>
        <section class="panel">
          <h2>{t("overview.recentAlerts")}</h2>
          <AlertList ctx={ctx} alerts={data.alerts} />
        </section>
      </div>
    </Layout>
  );
};
