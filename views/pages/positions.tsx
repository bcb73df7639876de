import type { FC } from "hono/jsx";
import { Badge, ConfirmLink, EmptyRow, oobAttr, PageHead, Signed, TraderBadge } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { formatKrw, formatKst, formatPercent, formatPrice, formatVolume } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { PositionLine } from "../models.ts";

/**
 * Open positions with their protective levels. Closing one (or all) goes through a confirmation
 * step: the button is a link to a confirmation page (a dialog with htmx); only the form there
 * sends the command.
 */

export const PositionsTableHead: FC<{ ctx: ViewContext; compact?: boolean }> = ({ ctx, compact }) => {
  const { t } = ctx;
  return (
    <thead>
      <tr>
        {compact ? null : <th>{t("col.market")}</th>}
        <th class="num">{t("col.volume")}</th>
        <th class="num">{t("col.avgPrice")}</th>
        <th class="num">{t("col.markPrice")}</th>
        <th class="num">{t("col.value")}</th>
        <th class="num">{t("col.unrealised")}</th>
        <th class="num">{t("col.stop")}</th>
        <th class="num">{t("col.trailingHigh")}</th>
        <th>{t("col.entryKst")}</th>
        {compact ? null : <th>{t("col.trader")}</th>}
        {ctx.can.operate && !compact ? <th>{t("col.actions")}</th> : null}
      </tr>
    </thead>
  );
};

export const PositionsTableBody: FC<{ ctx: ViewContext; positions: readonly PositionLine[]; id: string; compact?: boolean; oob?: boolean }> = ({ ctx, positions, id, compact, oob }) => {
  const { t, lang } = ctx;
  const cols = compact ? 8 : ctx.can.operate ? 11 : 10;
  return (
    <tbody id={id} {...oobAttr(oob)}>
      {positions.length === 0 ? (
        <EmptyRow cols={cols} text={t("positions.none")} />
      ) : (
        positions.map((p) => (
          <tr>
            {compact ? null : (
              <td>
                <a href={`/markets/${p.market}`} class="market">
                  {p.market}
                </a>
                <div class="sub-name">
                  {p.name} {p.status === "dust" ? <Badge tone="muted">{t("positions.dust")}</Badge> : null}
                </div>
              </td>
            )}
            <td class="num">{formatVolume(p.volume)}</td>
            <td class="num">{formatPrice(p.avgPrice)}</td>
            <td class="num">{formatPrice(p.markPrice)}</td>
            <td class="num">{formatKrw(p.value, lang)}</td>
            <td class="num">
              <Signed value={p.unrealisedPnl}>{formatKrw(p.unrealisedPnl, lang, { signed: true })}</Signed>
              <div class="sub-name">
                <Signed value={p.pnlRate}>{formatPercent(p.pnlRate, { signed: true })}</Signed>
              </div>
            </td>
            <td class="num">{formatPrice(p.stop)}</td>
            <td class="num">
              {p.trailingEnabled ? formatPrice(p.highWater) : <span class="muted">{t("positions.trailingOff")}</span>}
            </td>
            <td class="time">{formatKst(p.entryTs)}</td>
            {compact ? null : <td>{p.traderState ? <TraderBadge ctx={ctx} state={p.traderState} /> : <span class="muted">–</span>}</td>}
            {ctx.can.operate && !compact ? (
              <td class="actions">
                <ConfirmLink href={`/confirm/flatten/${p.market}`} label={t("action.close")} />
              </td>
            ) : null}
          </tr>
        ))
      )}
    </tbody>
  );
};

export const PositionsPage: FC<{ ctx: ViewContext; positions: readonly PositionLine[] }> = ({ ctx, positions }) => {
  const { t, lang } = ctx;
  const totalValue = positions.reduce((s, p) => s + (p.value ?? 0), 0);
  const totalPnl = positions.reduce((s, p) => s + (p.unrealisedPnl ?? 0), 0);
  return (
    <Layout ctx={ctx} title={t("nav.positions")} live={["positions"]}>
      <PageHead title={t("nav.positions")} sub={t("positions.sub", { n: positions.length, value: formatKrw(totalValue, lang), pnl: formatKrw(totalPnl, lang, { signed: true }) })}>
        {ctx.can.operate && positions.length > 0 ? <ConfirmLink href="/confirm/flatten-all" label={t("action.flattenAll")} /> : null}
      </PageHead>
      <div class="table-wrap">
        <table class="table positions">
          <PositionsTableHead ctx={ctx} />
          <PositionsTableBody ctx={ctx} positions={positions} id="positions-body" />
        </table>
      </div>
      <p class="muted small">{t("positions.note")}</p>
    </Layout>
  );
};
