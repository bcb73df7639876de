import type { ActorHealth, AlertLine, ChartPayload, FillLine, MarketLine, OrderLine, OverviewData, PositionLine, SignalLine } from "../../../views/models.ts";
import type { MarketLiveData } from "../../../views/pages/market.tsx";
import type { MarketFilter, MarketSort, MarketsQuery } from "../../../views/pages/markets.tsx";
import { INTERVAL_MS, type Interval, type Market } from "../../core/model.ts";
import { indicatorSet } from "../../core/indicators/index.ts";
import { getMarket, getPosition, listFills, listOpenPositions, listSignals, loadCandles, type Db, type FillRow, type MarketRow, type OrderRow, type PositionRow } from "../../db/index.ts";
import type { ActorSummary, ControlPort, HealthReport, PortfolioSummary, TraderStateName } from "../../ports/control.ts";
import type { Lang } from "./contract.ts";
import type { AlertAdmin } from "./deps.ts";

/**
 * Read models: what the pages show, built from the control port (live state) and the repo verbs
 * (records). Pure functions of their inputs apart from those reads, so the live broadcaster and
 * the page routes build the same shapes the same way.
 */

/** The market's name in the reader's language (the listing's Korean or English name). */
function marketName(row: MarketRow | undefined, lang: Lang): string {
  if (!row) return "";
  return lang === "ko" ? row.koreanName : row.englishName;
}

/** Every listed KRW market (and any market a trader runs for) with its live state. */
export function marketLines(markets: readonly MarketRow[], actors: readonly ActorSummary[], lang: Lang): MarketLine[] {
  const byMarket = new Map(actors.map((a) => [a.market as string, a]));
  const lines: MarketLine[] = [];
  const seen = new Set<string>();
  for (const row of markets) {
    const actor = byMarket.get(row.code);
    // A delisted market stays visible only while the bot still has something there.
    if (!row.active && !actor) continue;
    seen.add(row.code);
    lines.push(marketLine(row.code as Market, row, actor, lang));
  }
  for (const actor of actors) if (!seen.has(actor.market)) lines.push(marketLine(actor.market, undefined, actor, lang));
  return lines;
}

/** One market's line from its listing (if the exchange lists it) and its trader (if the bot runs one). */
export function marketLine(market: Market, row: MarketRow | undefined, actor: ActorSummary | undefined, lang: Lang): MarketLine {
  const position = actor?.position;
  return {
    market,
    name: marketName(row, lang),
    warning: row?.warning ?? actor?.warning ?? "NONE",
    listed: row ? row.active : true,
    price: actor?.lastPrice,
    changeRate: actor?.changeRate,
    state: actor?.state,
    stale: actor?.stale ?? false,
    restarts: actor?.restarts ?? 0,
    position: position ? { volume: position.volume, unrealisedPnl: position.unrealisedPnl } : undefined,
  };
}

const ATTENTION_STATES: ReadonlySet<TraderStateName> = new Set(["halted", "stopped", "paused"]);

function needsAttention(line: MarketLine): boolean {
  return line.stale || (line.state !== undefined && ATTENTION_STATES.has(line.state)) || line.restarts > 0;
}

const FILTERS: Readonly<Record<MarketFilter, (line: MarketLine) => boolean>> = {
  all: () => true,
  traded: (l) => l.state !== undefined,
  holding: (l) => l.position !== undefined,
  caution: (l) => l.warning !== "NONE",
  attention: needsAttention,
};

/** Case-insensitive match on the code (with or without `KRW-`) or the name. */
function matches(line: MarketLine, q: string, other: string): boolean {
  if (q === "") return true;
  const needle = q.toLowerCase();
  return line.market.toLowerCase().includes(needle) || line.name.toLowerCase().includes(needle) || other.toLowerCase().includes(needle);
}

function compareNumbers(a: number | undefined, b: number | undefined): number {
  // Unknown values sort last whatever the direction.
  if (a === undefined) return b === undefined ? 0 : 1;
  if (b === undefined) return -1;
  return a - b;
}

/**
 * The markets list after search, filter and sort. `otherNames` holds the name in the other
 * language, so "비트코인" and "Bitcoin" both find KRW-BTC.
 */
export function selectMarkets(lines: readonly MarketLine[], query: MarketsQuery, otherNames: ReadonlyMap<string, string>): MarketLine[] {
  const keep = FILTERS[query.filter];
  const rows = lines.filter((l) => keep(l) && matches(l, query.q.trim(), otherNames.get(l.market) ?? ""));
  const [key, dir] = query.sort.split("_") as [string, "asc" | "desc"];
  const sign = dir === "desc" ? -1 : 1;
  const byMarket = (a: MarketLine, b: MarketLine) => (a.market < b.market ? -1 : a.market > b.market ? 1 : 0);
  rows.sort((a, b) => {
    if (key === "market") return sign * byMarket(a, b);
    const [x, y] = key === "price" ? [a.price, b.price] : [a.changeRate, b.changeRate];
    if (x === undefined || y === undefined) return compareNumbers(x, y) || byMarket(a, b);
    return sign * (x - y) || byMarket(a, b);
  });
  return rows;
}

export const marketSortOf = (v: string | undefined): MarketSort => (v && /^(market|price|change)_(asc|desc)$/.test(v) ? (v as MarketSort) : "market_asc");

/**
 * Open positions with their marks: the control port's mark (the trader's last price) when there
 * is one, and the stored stop and trailing anchor.
 */
export function positionLines(rows: readonly PositionRow[], actors: readonly ActorSummary[], listingOf: (market: string) => MarketRow | undefined, lang: Lang, trailingEnabled: boolean): PositionLine[] {
  const byMarket = new Map(actors.map((a) => [a.market as string, a]));
  return rows
    .filter((r) => r.volume > 0)
    .map((r) => {
      const actor = byMarket.get(r.market);
      const mark = actor?.position?.markPrice ?? actor?.lastPrice;
      const value = mark === undefined ? undefined : mark * r.volume;
      const unrealised = actor?.position?.unrealisedPnl ?? (value === undefined ? undefined : value - r.costBasis);
      return {
        market: r.market as Market,
        name: marketName(listingOf(r.market), lang),
        volume: r.volume,
        avgPrice: r.avgPrice,
        costBasis: r.costBasis,
        markPrice: mark,
        value,
        unrealisedPnl: unrealised,
        pnlRate: unrealised === undefined || r.costBasis <= 0 ? undefined : unrealised / r.costBasis,
        stop: r.stop,
        highWater: r.highWater,
        trailingEnabled,
        entryTs: r.entryTs,
        status: r.status,
        traderState: actor?.state,
      };
    })
    .sort((a, b) => (a.market < b.market ? -1 : 1));
}

export const fillLine = (f: FillRow): FillLine => ({ id: f.id, ts: f.ts, market: f.market, side: f.side, price: f.price, volume: f.volume, funds: f.funds, fee: f.fee });

export const orderLine = (o: OrderRow): OrderLine => ({
  id: o.id,
  createdAt: o.createdAt,
  market: o.market,
  side: o.side,
  type: o.type,
  state: o.state,
  price: o.price,
  volume: o.volume,
  executedVolume: o.executedVolume,
  executedFunds: o.executedFunds,
  paidFee: o.paidFee,
  reason: o.reason,
  clientOrderId: o.clientOrderId,
  exchangeOrderId: o.exchangeOrderId,
  lastError: o.lastError,
});

export function actorHealth(actors: readonly ActorSummary[]): ActorHealth {
  const byState: Partial<Record<TraderStateName, number>> = {};
  for (const a of actors) byState[a.state] = (byState[a.state] ?? 0) + 1;
  const attention = actors
    .filter((a) => a.state === "halted" || a.state === "stopped" || a.stale || a.restarts > 0 || a.lastError !== undefined)
    .map((a) => ({ market: a.market, state: a.state, restarts: a.restarts, stale: a.stale, lastError: a.lastError }));
  return { total: actors.length, byState, attention };
}

/** A market's listing by code, read one row at a time (positions name a few markets, not all). */
export function listingReader(db: Db): (market: string) => MarketRow | undefined {
  return (market) => getMarket(db, market);
}

/**
 * The reads behind the overview. The page reads each once; the live broadcaster's per-tick
 * snapshot implements the same interface with every read memoised, so the overview and the other
 * topics of a tick share one read of each source.
 */
export interface OverviewReads {
  actors(): readonly ActorSummary[];
  health(): HealthReport;
  portfolio(): PortfolioSummary;
  positions(): readonly PositionRow[];
  /** A market's listing (for its name). */
  listing(market: string): MarketRow | undefined;
  trailing(): boolean;
  fills(): readonly FillRow[];
  alerts(): Promise<readonly AlertLine[] | null>;
}

export interface OverviewSources {
  readonly control: ControlPort;
  readonly db: Db;
  readonly alerts?: AlertAdmin;
}

/**
 * The reads behind a market's page: its trader (from the actors listing, which a live tick reads
 * once for every topic), listing, stored position, latest signals and fills.
 */
export interface MarketReads {
  actors(): readonly ActorSummary[];
  listing(market: string): MarketRow | undefined;
  trailing(): boolean;
  position(market: Market): PositionRow | undefined;
  signals(market: Market): readonly SignalLine[];
  marketFills(market: Market): readonly FillRow[];
}

export const RECENT_FILLS = 10;
export const RECENT_ALERTS = 10;
/** Fills and signals on a market's page. */
export const MARKET_FILLS = 20;
export const MARKET_SIGNALS = 30;

/** The overview's and the market pages' reads straight from the sources (no memo). */
export function directReads(src: OverviewSources): OverviewReads & MarketReads {
  return {
    actors: () => src.control.listActors(),
    health: () => src.control.health(),
    portfolio: () => src.control.portfolio(),
    positions: () => listOpenPositions(src.db),
    listing: listingReader(src.db),
    trailing: () => src.control.currentParams().strategy.trailingStop.enabled,
    fills: () => listFills(src.db, { limit: RECENT_FILLS }),
    alerts: async () => (src.alerts ? (await src.alerts.recentAlerts(RECENT_ALERTS)).map((a): AlertLine => ({ ...a })) : null),
    position: (market) => getPosition(src.db, market),
    signals: (market) => signalLines(src.db, market, MARKET_SIGNALS),
    marketFills: (market) => listFills(src.db, { market, limit: MARKET_FILLS }),
  };
}

/** What a market's page shows apart from the chart: its row, trader, open position, signals and fills. */
export function marketLiveData(reads: MarketReads, market: Market, lang: Lang): MarketLiveData {
  const actor = reads.actors().find((a) => a.market === market);
  const listing = reads.listing(market);
  const stored = reads.position(market);
  return {
    row: marketLine(market, listing, actor, lang),
    actor,
    position: positionLines(stored ? [stored] : [], actor ? [actor] : [], () => listing, lang, reads.trailing()).find((p) => p.status !== "closed"),
    signals: reads.signals(market),
    fills: reads.marketFills(market).map(fillLine),
  };
}

/** Everything on the overview. */
export async function overviewData(reads: OverviewReads, lang: Lang): Promise<OverviewData> {
  const actors = reads.actors();
  return {
    health: reads.health(),
    portfolio: reads.portfolio(),
    positions: positionLines(reads.positions(), actors, (m) => reads.listing(m), lang, reads.trailing()),
    fills: reads.fills().map(fillLine),
    actors: actorHealth(actors),
    alerts: await reads.alerts(),
  };
}

function parseReasons(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.map(String) : [text];
  } catch {
    return [text];
  }
}

export function signalLines(db: Db, market: Market, limit = MARKET_SIGNALS): SignalLine[] {
  return listSignals(db, { market, limit }).map((s) => ({
    id: s.id,
    ts: s.ts,
    kind: s.kind,
    strength: s.strength,
    reasons: parseReasons(s.reasons),
    outcome: s.outcome,
    deniedReason: s.deniedReason,
  }));
}

/** Candles shown on a market chart (about two weeks of hourly candles; the indicators need the first ~60 to warm up). */
export const CHART_CANDLES = 500;

/** Indicator values for the chart: 10 significant digits (a pixel cannot show more), NaN warm-up values as null. */
const chartValues = (a: Float64Array): (number | null)[] => Array.from(a, (v) => (Number.isFinite(v) ? Number(v.toPrecision(10)) : null));

/**
 * The chart of one market: the latest stored candles, the strategy's indicators over them (the
 * same periods the traders use, computed by the core's indicator set), and every fill since the
 * first candle as an entry (buy) or exit (sell) marker at the candle it fell in.
 */
export function chartPayload(db: Db, market: Market, interval: Interval, periods: ChartPayload["periods"], position: PositionRow | undefined): ChartPayload {
  const candles = loadCandles(db, market, interval, { limit: CHART_CANDLES });
  const n = candles.length;
  const col = (pick: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => pick(i));
  const high = col((i) => candles[i]!.high);
  const low = col((i) => candles[i]!.low);
  const close = col((i) => candles[i]!.close);
  const series = indicatorSet({ high, low, close }, { emaFast: periods.emaFast, emaSlow: periods.emaSlow, rsi: periods.rsi, atr: periods.atr });
  const step = INTERVAL_MS[interval];
  const first = candles[0]?.ts;
  const markers =
    first === undefined
      ? []
      : listFills(db, { market, fromTs: first, limit: 1000, sort: "ts_asc" }).map((f) => ({
          ts: first + Math.floor((f.ts - first) / step) * step,
          side: f.side === "ask" ? ("ask" as const) : ("bid" as const),
          price: f.price,
          text: f.side === "ask" ? "S" : "B",
        }));
  const open = position && position.status !== "closed" && position.volume > 0;
  return {
    market,
    interval,
    ts: candles.map((c) => c.ts),
    open: candles.map((c) => c.open),
    high: candles.map((c) => c.high),
    low: candles.map((c) => c.low),
    close: candles.map((c) => c.close),
    volume: candles.map((c) => c.volume),
    emaFast: chartValues(series.emaFast),
    emaSlow: chartValues(series.emaSlow),
    rsi: chartValues(series.rsi),
    atr: chartValues(series.atr),
    periods,
    markers,
    stop: open ? position.stop : null,
    avgPrice: open ? position.avgPrice : null,
  };
}
