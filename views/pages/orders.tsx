import type { FC } from "hono/jsx";
import { Badge, EmptyRow, href, MarketCell, PageHead, Pager, SideCell, SortHeader, type Tone } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { formatKrw, formatKst, formatPrice, formatVolume } from "../format.ts";
import { Layout } from "../layout.tsx";
import type { FillLine, OrderLine } from "../models.ts";
import { FillRow } from "./overview.tsx";

/**
 * Orders and fills: one page, two views (`?view=orders|fills`), each filtered, sorted and paged on
 * the server by query parameters (so every state is a link), with a CSV export of the same filter.
 */

export const ORDER_STATES = ["pending_submit", "open", "partially_filled", "filled", "cancelled", "rejected", "unknown"] as const;
export const ORDER_SORTS = ["created_desc", "created_asc", "market_asc", "market_desc", "price_desc", "price_asc"] as const;
export const FILL_SORTS = ["ts_desc", "ts_asc", "market_asc", "market_desc", "price_desc", "price_asc", "funds_desc", "funds_asc"] as const;
export type OrderSort = (typeof ORDER_SORTS)[number];
export type FillSort = (typeof FILL_SORTS)[number];

export interface RecordsQuery {
  readonly view: "orders" | "fills";
  readonly market?: string;
  readonly side?: "bid" | "ask";
  readonly state?: string;
  readonly sort: string;
  readonly limit: number;
  readonly offset: number;
}

export type RecordsData =
  | { readonly view: "orders"; readonly rows: readonly OrderLine[]; readonly hasNext: boolean }
  | { readonly view: "fills"; readonly rows: readonly FillLine[]; readonly hasNext: boolean };

const STATE_TONE: Readonly<Record<string, Tone>> = {
  pending_submit: "muted",
  open: "info",
  partially_filled: "info",
  filled: "ok",
  cancelled: "muted",
  rejected: "bad",
  unknown: "warn",
};

/** Query values that survive paging and sorting (`view` included, defaults left out). */
function keepQuery(q: RecordsQuery): Record<string, string | undefined> {
  return { view: q.view === "orders" ? undefined : q.view, market: q.market, side: q.side, state: q.view === "orders" ? q.state : undefined, limit: q.limit === 50 ? undefined : String(q.limit) };
}

const Filters: FC<{ ctx: ViewContext; query: RecordsQuery; markets: readonly string[] }> = ({ ctx, query, markets }) => {
  const { t } = ctx;
  return (
    <form method="get" action="/orders" class="filters" hx-get="/orders" hx-trigger="change, submit" hx-target="#records" hx-select="#records" hx-swap="outerHTML" hx-push-url="true">
      <input type="hidden" name="view" value={query.view} />
      <label>
        <span>{t("col.market")}</span>
        <select name="market">
          <option value="">{t("filter.any")}</option>
          {markets.map((m) => (
            <option value={m} selected={query.market === m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t("col.side")}</span>
        <select name="side">
          <option value="">{t("filter.any")}</option>
          <option value="bid" selected={query.side === "bid"}>
            {t("side.bid")}
          </option>
          <option value="ask" selected={query.side === "ask"}>
            {t("side.ask")}
          </option>
        </select>
      </label>
      {query.view === "orders" ? (
        <label>
          <span>{t("col.state")}</span>
          <select name="state">
            <option value="">{t("filter.any")}</option>
            {ORDER_STATES.map((s) => (
              <option value={s} selected={query.state === s}>
                {t(`order.${s}`)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        <span>{t("filter.pageSize")}</span>
        <select name="limit">
          {[20, 50, 100, 200].map((n) => (
            <option value={String(n)} selected={query.limit === n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <input type="hidden" name="sort" value={query.sort} />
      <button type="submit" class="btn">
        {t("markets.apply")}
      </button>
    </form>
  );
};

const OrdersTable: FC<{ ctx: ViewContext; rows: readonly OrderLine[]; query: RecordsQuery }> = ({ ctx, rows, query }) => {
  const { t, lang } = ctx;
  const keep = keepQuery(query);
  return (
    <table class="table">
      <thead>
        <tr>
          <SortHeader label={t("col.createdKst")} sortKey="created" current={query.sort} base="/orders" query={keep} />
          <SortHeader label={t("col.market")} sortKey="market" current={query.sort} base="/orders" query={keep} />
          <th>{t("col.side")}</th>
          <th>{t("col.type")}</th>
          <th>{t("col.state")}</th>
          <SortHeader label={t("col.price")} sortKey="price" current={query.sort} base="/orders" query={keep} class="num" />
          <th class="num">{t("col.volume")}</th>
          <th class="num">{t("col.executed")}</th>
          <th class="num">{t("col.funds")}</th>
          <th class="num">{t("col.fee")}</th>
          <th>{t("col.reason")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <EmptyRow cols={11} text={t("orders.none")} />
        ) : (
          rows.map((o) => (
            <tr title={o.lastError ?? undefined}>
              <td class="time">{formatKst(o.createdAt)}</td>
              <MarketCell market={o.market} />
              <SideCell ctx={ctx} side={o.side} />
              <td>{o.type}</td>
              <td>
                <Badge tone={STATE_TONE[o.state] ?? "muted"}>{(ORDER_STATES as readonly string[]).includes(o.state) ? t(`order.${o.state as "open"}`) : o.state}</Badge>
              </td>
              <td class="num">{o.type === "price" ? formatKrw(o.price, lang) : formatPrice(o.price)}</td>
              <td class="num">{formatVolume(o.volume)}</td>
              <td class="num">{formatVolume(o.executedVolume)}</td>
              <td class="num">{formatKrw(o.executedFunds, lang)}</td>
              <td class="num">{formatKrw(o.paidFee, lang)}</td>
              <td>
                {o.reason}
                {o.lastError ? <div class="error-text small">{o.lastError}</div> : null}
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
};

const FillsTable: FC<{ ctx: ViewContext; rows: readonly FillLine[]; query: RecordsQuery }> = ({ ctx, rows, query }) => {
  const { t } = ctx;
  const keep = keepQuery(query);
  return (
    <table class="table">
      <thead>
        <tr>
          <SortHeader label={t("col.timeKst")} sortKey="ts" current={query.sort} base="/orders" query={keep} />
          <SortHeader label={t("col.market")} sortKey="market" current={query.sort} base="/orders" query={keep} />
          <th>{t("col.side")}</th>
          <SortHeader label={t("col.price")} sortKey="price" current={query.sort} base="/orders" query={keep} class="num" />
          <th class="num">{t("col.volume")}</th>
          <SortHeader label={t("col.funds")} sortKey="funds" current={query.sort} base="/orders" query={keep} class="num" />
          <th class="num">{t("col.fee")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <EmptyRow cols={7} text={t("fills.none")} />
        ) : (
          rows.map((f) => <FillRow ctx={ctx} fill={f} amounts />)
        )}
      </tbody>
    </table>
  );
};

export const OrdersPage: FC<{ ctx: ViewContext; query: RecordsQuery; data: RecordsData; markets: readonly string[] }> = ({ ctx, query, data, markets }) => {
  const { t } = ctx;
  const keep = keepQuery(query);
  const csv = href(query.view === "orders" ? "/orders.csv" : "/fills.csv", { market: query.market, side: query.side, state: query.view === "orders" ? query.state : undefined, sort: query.sort });
  return (
    <Layout ctx={ctx} title={t("nav.orders")}>
      <PageHead title={t("nav.orders")} sub={t("orders.sub")}>
        <a class="btn" href={csv} download>
          {t("orders.csv")}
        </a>
      </PageHead>
      <nav class="tabs" aria-label={t("orders.views")}>
        <a href={href("/orders", { ...keep, view: undefined, state: undefined, sort: undefined })} aria-current={query.view === "orders" ? "page" : undefined}>
          {t("orders.tab.orders")}
        </a>
        <a href={href("/orders", { ...keep, view: "fills", state: undefined, sort: undefined })} aria-current={query.view === "fills" ? "page" : undefined}>
          {t("orders.tab.fills")}
        </a>
      </nav>
      <Filters ctx={ctx} query={query} markets={markets} />
      <div id="records">
        <div class="table-wrap">
          {data.view === "orders" ? <OrdersTable ctx={ctx} rows={data.rows} query={query} /> : <FillsTable ctx={ctx} rows={data.rows} query={query} />}
        </div>
        <Pager ctx={ctx} base="/orders" query={{ ...keep, sort: query.sort }} offset={query.offset} limit={query.limit} count={data.rows.length} hasNext={data.hasNext} />
      </div>
    </Layout>
  );
};
