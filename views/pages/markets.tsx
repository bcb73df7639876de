import type { FC } from "hono/jsx";
import { ActionButton, Badge, EmptyRow, oobAttr, PageHead, Signed, SortHeader, TraderBadge, WarningBadge } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { formatKrw, formatPercent, formatPrice, formatVolume } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { MarketLine } from "../models.ts";

/** Filters of the markets list (`?filter=`). */
export const MARKET_FILTERS = ["all", "traded", "holding", "caution", "attention"] as const;
export type MarketFilter = (typeof MARKET_FILTERS)[number];
export const MARKET_SORTS = ["market_asc", "market_desc", "price_asc", "price_desc", "change_asc", "change_desc"] as const;
export type MarketSort = (typeof MARKET_SORTS)[number];

export interface MarketsQuery {
  readonly q: string;
  readonly filter: MarketFilter;
  readonly sort: MarketSort;
}

/** The id of a market's row: the live "markets" topic replaces rows by it. */
export const marketRowId = (market: string) => `m-${market}`;

/** Pause/resume for a market's trader (operators only). */
export const TraderControls: FC<{ ctx: ViewContext; market: string; state?: string }> = ({ ctx, market, state }) => {
  if (!ctx.can.operate || state === undefined) return null;
  return state === "paused" || state === "halted" ? (
    <ActionButton ctx={ctx} action={`/markets/${market}/resume`} label={ctx.t("action.resume")} kind="primary" />
  ) : (
    <ActionButton ctx={ctx} action={`/markets/${market}/pause`} label={ctx.t("action.pause")} />
  );
};

/** Ids of a market's price and change cells: live price ticks replace just these, not the row. */
export const priceCellId = (market: string) => `mp-${market}`;
export const changeCellId = (market: string) => `mc-${market}`;

export const PriceCell: FC<{ market: string; price: number | undefined; oob?: boolean }> = ({ market, price, oob }) => (
  <td id={priceCellId(market)} class="num" {...oobAttr(oob)}>
    {formatPrice(price)}
  </td>
);

export const ChangeCell: FC<{ market: string; changeRate: number | undefined; oob?: boolean }> = ({ market, changeRate, oob }) => (
  <td id={changeCellId(market)} class="num" {...oobAttr(oob)}>
    <Signed value={changeRate}>{formatPercent(changeRate, { signed: true })}</Signed>
  </td>
);

export const MarketRow: FC<{ ctx: ViewContext; row: MarketLine; oob?: boolean }> = ({ ctx, row, oob }) => (
  <tr id={marketRowId(row.market)} {...oobAttr(oob)} class={row.listed ? undefined : "delisted"}>
    <td>
      <a href={`/markets/${row.market}`} class="market">
        {row.market}
      </a>
      <div class="sub-name">{row.name}</div>
    </td>
    <PriceCell market={row.market} price={row.price} />
    <ChangeCell market={row.market} changeRate={row.changeRate} />
    <td>
      {row.state === undefined ? <span class="muted">{ctx.t("market.noTrader")}</span> : <TraderBadge ctx={ctx} state={row.state} />}{" "}
      {row.stale ? <Badge tone="warn">{ctx.t("market.stale")}</Badge> : null}
      {row.listed ? null : <Badge tone="bad">{ctx.t("market.delisted")}</Badge>}
    </td>
    <td>
      <WarningBadge ctx={ctx} warning={row.warning} />
    </td>
    <td class="num">
      {row.position ? (
        <>
          {formatVolume(row.position.volume)}
          <div class="sub-name">
            <Signed value={row.position.unrealisedPnl}>{formatKrw(row.position.unrealisedPnl, ctx.lang, { signed: true })}</Signed>
          </div>
        </>
      ) : (
        <span class="muted">–</span>
      )}
    </td>
    {ctx.can.operate ? (
      <td class="actions">
        <TraderControls ctx={ctx} market={row.market} state={row.state} />
      </td>
    ) : null}
  </tr>
);

export const MarketsTable: FC<{ ctx: ViewContext; rows: readonly MarketLine[]; query: MarketsQuery; total: number }> = ({ ctx, rows, query, total }) => {
  const { t } = ctx;
  const keep = { q: query.q || undefined, filter: query.filter === "all" ? undefined : query.filter };
  const cols = ctx.can.operate ? 7 : 6;
  return (
    <div id="markets-table" class="table-wrap">
      <p class="muted count">{t("markets.count", { shown: rows.length, total })}</p>
      <table class="table markets">
        <thead>
          <tr>
            <SortHeader label={t("col.market")} sortKey="market" current={query.sort} base="/markets" query={keep} />
            <SortHeader label={t("col.priceKrw")} sortKey="price" current={query.sort} base="/markets" query={keep} class="num" />
            <SortHeader label={t("col.change")} sortKey="change" current={query.sort} base="/markets" query={keep} class="num" />
            <th>{t("col.trader")}</th>
            <th>{t("col.warning")}</th>
            <th class="num">{t("col.position")}</th>
            {ctx.can.operate ? <th>{t("col.actions")}</th> : null}
          </tr>
        </thead>
        <tbody>{rows.length === 0 ? <EmptyRow cols={cols} text={t("markets.none")} /> : rows.map((row) => <MarketRow ctx={ctx} row={row} />)}</tbody>
      </table>
    </div>
  );
};

export const MarketsPage: FC<{ ctx: ViewContext; rows: readonly MarketLine[]; query: MarketsQuery; total: number }> = ({ ctx, rows, query, total }) => {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t("nav.markets")} live={["markets"]}>
      <PageHead title={t("nav.markets")} sub={t("markets.sub")} />
      <form
        method="get"
        action="/markets"
        class="filters"
        role="search"
        hx-get="/markets"
        hx-trigger="input changed delay:250ms, change, submit"
        hx-target="#markets-table"
        hx-select="#markets-table"
        hx-swap="outerHTML"
        hx-push-url="true"
      >
        <label>
          <span>{t("markets.search")}</span>
          <input type="search" name="q" value={query.q} placeholder={t("markets.searchHint")} autocomplete="off" maxlength={40} />
        </label>
        <label>
          <span>{t("markets.filter")}</span>
          <select name="filter">
            {MARKET_FILTERS.map((f) => (
              <option value={f} selected={query.filter === f}>
                {t(`markets.filter.${f}`)}
              </option>
            ))}
          </select>
        </label>
        <input type="hidden" name="sort" value={query.sort} />
        <button type="submit" class="btn">
          {t("markets.apply")}
        </button>
      </form>
      <MarketsTable ctx={ctx} rows={rows} query={query} total={total} />
    </Layout>
  );
};
