import { Hono } from "hono";
import type { AssetUrls } from "../../../views/context.ts";
import { formatKst } from "../../../views/format.ts";
import { translator } from "../../../views/i18n.ts";
import { ActorsPage } from "../../../views/pages/actors.tsx";
import { ErrorPage } from "../../../views/pages/login.tsx";
import { MarketPage } from "../../../views/pages/market.tsx";
import { MARKET_FILTERS, MarketsPage, type MarketFilter, type MarketsQuery } from "../../../views/pages/markets.tsx";
import { FILL_SORTS, ORDER_SORTS, ORDER_STATES, OrdersPage, type RecordsData, type RecordsQuery } from "../../../views/pages/orders.tsx";
import { OverviewPage } from "../../../views/pages/overview.tsx";
import { PositionsPage } from "../../../views/pages/positions.tsx";
import { INTERVALS, isMarket, type Interval, type Market } from "../../core/model.ts";
import { getMarket, getPosition, listCandleSeries, listFills, listMarkets, listOpenPositions, listOrders, type FillSort, type OrderSort } from "../../db/index.ts";
import { csrfProtect, isLang, originOf, requireUser, type DashboardEnv } from "./contract.ts";
import { csvStream, exportFilename, type CsvTable } from "./csv.ts";
import type { DashboardDeps } from "./deps.ts";
import {
  chartPayload,
  directReads,
  fillLine,
  listingReader,
  marketLines,
  marketLiveData,
  marketSortOf,
  orderLine,
  overviewData,
  positionLines,
  selectMarkets,
} from "./read-models.ts";
import { audit, type Ctx, finish, readForm, rememberLang, renderPage, safeBack, viewContext } from "./request.ts";
import type { FillRow, OrderRow } from "../../db/index.ts";

/**
 * The reading pages (any logged-in user): overview, markets, a market, positions, orders and
 * fills with their CSV export, actors; and the language switch. Queries are read leniently: a
 * value outside its list is ignored (the page shows its default), and every value reaches the
 * database only as a bound parameter through the repo verbs.
 */

const PAGE_SIZES = [20, 50, 100, 200] as const;
/** Rows in one CSV export (the repo reads them a page at a time). */
export const MAX_EXPORT_ROWS = 50_000;
const EXPORT_PAGE = 1000;

const oneOf = <T extends string>(values: readonly T[], v: string | undefined, fallback: T): T => (v !== undefined && (values as readonly string[]).includes(v) ? (v as T) : fallback);

function marketsQuery(c: Ctx): MarketsQuery {
  return {
    q: (c.req.query("q") ?? "").slice(0, 40),
    filter: oneOf<MarketFilter>(MARKET_FILTERS, c.req.query("filter"), "all"),
    sort: marketSortOf(c.req.query("sort")),
  };
}

/** The orders page's query; `view` given for the CSV exports, which have their own path. */
function recordsQuery(c: Ctx, fixedView?: RecordsQuery["view"]): RecordsQuery {
  const view = fixedView ?? (c.req.query("view") === "fills" ? "fills" : "orders");
  const market = c.req.query("market");
  const side = c.req.query("side");
  const limit = Number(c.req.query("limit"));
  const offset = Number(c.req.query("offset"));
  return {
    view,
    market: isMarket(market) ? market : undefined,
    side: side === "bid" || side === "ask" ? side : undefined,
    state: view === "orders" ? oneOf<string>(ORDER_STATES, c.req.query("state"), "") || undefined : undefined,
    sort: view === "orders" ? oneOf<string>(ORDER_SORTS, c.req.query("sort"), "created_desc") : oneOf<string>(FILL_SORTS, c.req.query("sort"), "ts_desc"),
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : 50,
    offset: Number.isSafeInteger(offset) && offset > 0 ? Math.min(offset, 1_000_000_000) : 0,
  };
}

const ORDER_CSV: CsvTable<OrderRow> = {
  header: ["id", "created_at_ms", "created_kst", "market", "side", "type", "state", "price", "volume", "executed_volume", "executed_funds", "paid_fee", "reason", "client_order_id", "exchange_order_id", "last_error"],
  row: (o) => [o.id, o.createdAt, formatKst(o.createdAt), o.market, o.side, o.type, o.state, o.price, o.volume, o.executedVolume, o.executedFunds, o.paidFee, o.reason, o.clientOrderId, o.exchangeOrderId, o.lastError],
};

const FILL_CSV: CsvTable<FillRow> = {
  header: ["id", "ts_ms", "time_kst", "market", "side", "price", "volume", "funds", "fee", "exchange_order_id"],
  row: (f) => [f.id, f.ts, formatKst(f.ts), f.market, f.side, f.price, f.volume, f.funds, f.fee, f.exchangeOrderId],
};

export function pageRoutes(deps: DashboardDeps, assets: AssetUrls): Hono<DashboardEnv> {
  const { control, db } = deps;
  const user = requireUser();

  async function notFound(c: Ctx, text: string): Promise<Response> {
    return renderPage(c, <ErrorPage ctx={viewContext(c, deps, assets)} status={404} message={text} />, 404);
  }

  /** The other language's names, so a search finds a market by either name. */
  function otherNames(lang: "ko" | "en"): Map<string, string> {
    return new Map(listMarkets(db).map((m) => [m.code, lang === "ko" ? m.englishName : m.koreanName]));
  }

  return new Hono<DashboardEnv>()
    .get("/", user, async (c) => {
      const ctx = viewContext(c, deps, assets);
      const data = await overviewData(directReads(deps), ctx.lang);
      return renderPage(c, <OverviewPage ctx={ctx} data={data} />);
    })
    .get("/markets", user, (c) => {
      const ctx = viewContext(c, deps, assets);
      const query = marketsQuery(c);
      const all = marketLines(listMarkets(db), control.listActors(), ctx.lang);
      const rows = selectMarkets(all, query, otherNames(ctx.lang));
      return renderPage(c, <MarketsPage ctx={ctx} rows={rows} query={query} total={all.length} />);
    })
    .get("/markets/:market", user, (c) => {
      const ctx = viewContext(c, deps, assets);
      const code = c.req.param("market");
      if (!isMarket(code) || (!control.getActor(code) && !getMarket(db, code))) return notFound(c, ctx.t("error.noMarket", { market: code }));
      const market: Market = code;
      const intervals = [...new Set([deps.interval, ...listCandleSeries(db, market).map((s) => s.interval)])].filter((i): i is Interval => (INTERVALS as readonly string[]).includes(i));
      const interval = oneOf<Interval>(intervals, c.req.query("interval"), deps.interval);
      const params = control.currentParams().strategy;
      const periods = { emaFast: params.emaFast, emaSlow: params.emaSlow, rsi: params.rsiPeriod, atr: params.atrPeriod };
      // The same data the market's live topic sends (marketLiveData), plus the chart.
      const live = marketLiveData(directReads(deps), market, ctx.lang);
      const data = { ...live, chart: chartPayload(db, market, interval, periods, getPosition(db, market)), intervals };
      return renderPage(c, <MarketPage ctx={ctx} data={data} />);
    })
    .get("/positions", user, (c) => {
      const ctx = viewContext(c, deps, assets);
      const positions = positionLines(listOpenPositions(db), control.listActors(), listingReader(db), ctx.lang, control.currentParams().strategy.trailingStop.enabled);
      return renderPage(c, <PositionsPage ctx={ctx} positions={positions} />);
    })
    .get("/orders", user, (c) => {
      const ctx = viewContext(c, deps, assets);
      const q = recordsQuery(c);
      const page = { market: q.market, side: q.side, limit: q.limit + 1, offset: q.offset };
      let data: RecordsData;
      if (q.view === "orders") {
        const rows = listOrders(db, { ...page, state: q.state, sort: q.sort as OrderSort });
        data = { view: "orders", rows: rows.slice(0, q.limit).map(orderLine), hasNext: rows.length > q.limit };
      } else {
        const rows = listFills(db, { ...page, sort: q.sort as FillSort });
        data = { view: "fills", rows: rows.slice(0, q.limit).map(fillLine), hasNext: rows.length > q.limit };
      }
      const markets = [...new Set([...control.listActors().map((a) => a.market as string), ...listMarkets(db, { activeOnly: true }).map((m) => m.code)])].sort();
      return renderPage(c, <OrdersPage ctx={ctx} query={q} data={data} markets={markets} />);
    })
    .get("/orders.csv", user, (c) => {
      const q = recordsQuery(c, "orders");
      const filter = { market: q.market, side: q.side, state: q.state, sort: q.sort as OrderSort };
      const body = csvStream(ORDER_CSV, (offset) => listOrders(db, { ...filter, limit: EXPORT_PAGE, offset }), { pageSize: EXPORT_PAGE, maxRows: MAX_EXPORT_ROWS });
      return csvResponse(c, body, exportFilename("orders", q.market, deps.clock.now()));
    })
    .get("/fills.csv", user, (c) => {
      const q = recordsQuery(c, "fills");
      const filter = { market: q.market, side: q.side, sort: q.sort as FillSort };
      const body = csvStream(FILL_CSV, (offset) => listFills(db, { ...filter, limit: EXPORT_PAGE, offset }), { pageSize: EXPORT_PAGE, maxRows: MAX_EXPORT_ROWS });
      return csvResponse(c, body, exportFilename("fills", q.market, deps.clock.now()));
    })
    .get("/actors", user, (c) => {
      const ctx = viewContext(c, deps, assets);
      return renderPage(c, <ActorsPage ctx={ctx} tree={control.actorTree()} actors={control.listActors()} />);
    })
    .post("/lang", user, csrfProtect(), async (c) => {
      const form = (await readForm(c)).values;
      const lang = form["lang"];
      const back = safeBack(form["back"], "/");
      if (!isLang(lang)) return finish(c, { kind: "error", text: translator("ko")("error.badRequest") }, back, 400);
      const principal = c.get("principal");
      if (principal?.kind === "user") {
        // Saved with the user (the users service audits it); kept in a cookie for this browser as
        // well, so the page follows at once and also when the users service is not there.
        rememberLang(c, principal.userId, lang);
        let saved = false;
        try {
          if (deps.users) {
            deps.users.setLang(principal.userId, lang, originOf(c));
            saved = true;
          }
        } catch (err) {
          deps.logger.warn({ err, user: principal.name }, "could not save the language; kept for this browser");
        }
        if (!saved) audit(c, deps, "user.lang", principal.name, { lang });
      }
      return finish(c, { kind: "ok", text: translator(lang)("lang.changed") }, back);
    });
}

function csvResponse(c: Ctx, body: ReadableStream<Uint8Array>, filename: string): Response {
  return c.body(body, 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${filename}"`,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
}
