import { and, asc, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { Candle, Interval, Market, MarketInfo } from "../../core/model.ts";
import type { Db } from "../client.ts";
import { candles, markets, traderState } from "../schema.ts";

export type MarketRow = typeof markets.$inferSelect;
export type TraderStateRow = typeof traderState.$inferSelect;

export interface MarketSyncResult {
  readonly added: Market[];
  readonly delisted: Market[];
  readonly warningChanged: { market: Market; warning: string }[];
}

/**
 * Bring the market table in line with the exchange's listing, in one transaction, and say what
 * changed: new listings get an actor, delisted ones are flattened, warning changes block entries.
 */
export function syncMarkets(db: Db, listed: readonly MarketInfo[], now: number): MarketSyncResult {
  return db.transaction((tx) => {
    const existing = new Map(tx.select().from(markets).all().map((r) => [r.code, r]));
    const seen = new Set<string>();
    const result: MarketSyncResult = { added: [], delisted: [], warningChanged: [] };
    for (const m of listed) {
      seen.add(m.market);
      const row = existing.get(m.market);
      if (!row) {
        tx.insert(markets).values({ code: m.market, koreanName: m.koreanName, englishName: m.englishName, warning: m.warning, active: true, listedAt: now, updatedAt: now }).run();
        result.added.push(m.market);
        continue;
      }
      if (!row.active) result.added.push(m.market);
      if (row.warning !== m.warning) result.warningChanged.push({ market: m.market, warning: m.warning });
      tx.update(markets)
        .set({ koreanName: m.koreanName, englishName: m.englishName, warning: m.warning, active: true, delistedAt: null, updatedAt: now })
        .where(eq(markets.code, m.market))
        .run();
    }
    for (const row of existing.values()) {
      if (row.active && !seen.has(row.code)) {
        tx.update(markets).set({ active: false, delistedAt: now, updatedAt: now }).where(eq(markets.code, row.code)).run();
        result.delisted.push(row.code as Market);
      }
    }
    return result;
  });
}

export function listMarkets(db: Db, options: { activeOnly?: boolean } = {}): MarketRow[] {
  return db
    .select()
    .from(markets)
    .where(options.activeOnly ? eq(markets.active, true) : undefined)
    .orderBy(asc(markets.code))
    .all();
}

export function getMarket(db: Db, code: string): MarketRow | undefined {
  return db.select().from(markets).where(eq(markets.code, code)).get();
}

/** Rows per multi-row upsert: 8 bound values a row, well under SQLite's variable limit. */
const CANDLE_CHUNK = 500;

/**
 * Store closed candles (re-storing the same candle overwrites it with the exchange's values), in
 * one transaction of multi-row upserts: a row-at-a-time upsert is the slow part of a download.
 * Up to one chunk (a trader's candle close: one row) is a single statement, atomic by itself, so
 * it skips the transaction's BEGIN and COMMIT (or savepoint, inside a caller's transaction).
 */
export function saveCandles(db: Db, market: Market, interval: Interval, rows: readonly Candle[]): void {
  if (rows.length === 0) return;
  if (rows.length <= CANDLE_CHUNK) {
    upsertCandles(db, market, interval, rows);
    return;
  }
  db.transaction((tx) => {
    for (let i = 0; i < rows.length; i += CANDLE_CHUNK) upsertCandles(tx, market, interval, rows.slice(i, i + CANDLE_CHUNK));
  });
}

/** One multi-row upsert statement. */
function upsertCandles(db: Db, market: Market, interval: Interval, rows: readonly Candle[]): void {
  const excluded = (col: string) => sql.raw(`excluded.${col}`);
  db.insert(candles)
    .values(rows.map((c) => ({ market, interval, ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })))
    .onConflictDoUpdate({
      target: [candles.market, candles.interval, candles.ts],
      set: { open: excluded("open"), high: excluded("high"), low: excluded("low"), close: excluded("close"), volume: excluded("volume") },
    })
    .run();
}

/** Candles oldest first, optionally in [fromTs, toTs), at most `limit` of the most recent. */
export function loadCandles(db: Db, market: Market, interval: Interval, options: { fromTs?: number; toTs?: number; limit?: number } = {}): Candle[] {
  const conds = [eq(candles.market, market), eq(candles.interval, interval)];
  if (options.fromTs !== undefined) conds.push(gte(candles.ts, options.fromTs));
  if (options.toTs !== undefined) conds.push(lt(candles.ts, options.toTs));
  const rows = db
    .select({ ts: candles.ts, open: candles.open, high: candles.high, low: candles.low, close: candles.close, volume: candles.volume })
    .from(candles)
    .where(and(...conds))
    .orderBy(desc(candles.ts))
    .limit(options.limit ?? 100_000)
    .all();
  return rows.reverse();
}

/** One stored candle series: which market and interval, how many candles, from when to when. */
export interface CandleSeriesInfo {
  readonly market: string;
  readonly interval: string;
  readonly count: number;
  readonly fromTs: number;
  readonly toTs: number;
}

/** Every (market, interval) in the candles table with its size and span, optionally of one market. */
export function listCandleSeries(db: Db, market?: Market): CandleSeriesInfo[] {
  return db
    .select({ market: candles.market, interval: candles.interval, count: sql<number>`count(*)`, fromTs: sql<number>`min(${candles.ts})`, toTs: sql<number>`max(${candles.ts})` })
    .from(candles)
    .where(market ? eq(candles.market, market) : undefined)
    .groupBy(candles.market, candles.interval)
    .orderBy(asc(candles.market), asc(candles.interval))
    .all();
}

export function getTraderState(db: Db, market: Market): TraderStateRow | undefined {
  return db.select().from(traderState).where(eq(traderState.market, market)).get();
}

export function listTraderStates(db: Db): TraderStateRow[] {
  return db.select().from(traderState).all();
}

/** Persist a trader's durable state (operator pause/halt flags, strategy state, last candle). */
export function saveTraderState(
  db: Db,
  market: Market,
  patch: { paused?: boolean; halted?: boolean; strategyState?: unknown; lastCandleTs?: number },
  now: number,
): void {
  const set = {
    ...(patch.paused !== undefined ? { paused: patch.paused } : {}),
    ...(patch.halted !== undefined ? { halted: patch.halted } : {}),
    ...(patch.strategyState !== undefined ? { strategyState: JSON.stringify(patch.strategyState) } : {}),
    ...(patch.lastCandleTs !== undefined ? { lastCandleTs: patch.lastCandleTs } : {}),
    updatedAt: now,
  };
  db.insert(traderState)
    .values({ market, paused: false, halted: false, ...set })
    .onConflictDoUpdate({ target: traderState.market, set })
    .run();
}
