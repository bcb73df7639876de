import { desc, eq, ne } from "drizzle-orm";
import type { Market } from "../../core/model.ts";
import type { Holding } from "../../core/portfolio/position.ts";
import type { Db } from "../client.ts";
import { closedTrades, positions } from "../schema.ts";

export type PositionRow = typeof positions.$inferSelect;
export type ClosedTradeRow = typeof closedTrades.$inferSelect;

/** The holding a position row describes, or null for no/closed position. */
export function holdingFromRow(row: PositionRow | undefined): Holding | null {
  if (!row || row.status === "closed" || row.volume <= 0) return null;
  return {
    market: row.market as Market,
    volume: row.volume,
    avgPrice: row.avgPrice,
    costBasis: row.costBasis,
    entryTs: row.entryTs,
    fees: row.fees,
    realisedPnl: row.realisedPnl,
    soldVolume: row.soldVolume,
    soldFunds: row.soldFunds,
  };
}

/** Write a holding (null closes the position but keeps the row for its history). */
export function saveHolding(db: Db, market: Market, holding: Holding | null, now: number, extra: { external?: boolean } = {}): void {
  if (holding === null) {
    db.update(positions)
      .set({ volume: 0, status: "closed", stop: null, risk: null, highWater: null, exitState: null, updatedAt: now })
      .where(eq(positions.market, market))
      .run();
    return;
  }
  const values = {
    market,
    volume: holding.volume,
    avgPrice: holding.avgPrice,
    costBasis: holding.costBasis,
    fees: holding.fees,
    soldVolume: holding.soldVolume,
    soldFunds: holding.soldFunds,
    entryTs: holding.entryTs,
    realisedPnl: holding.realisedPnl,
    status: "open",
    updatedAt: now,
    ...(extra.external === undefined ? {} : { external: extra.external }),
  };
  db.insert(positions).values(values).onConflictDoUpdate({ target: positions.market, set: values }).run();
}

export function getPosition(db: Db, market: Market): PositionRow | undefined {
  return db.select().from(positions).where(eq(positions.market, market)).get();
}

/** Open (and dust) positions. */
export function listOpenPositions(db: Db): PositionRow[] {
  return db.select().from(positions).where(ne(positions.status, "closed")).all();
}

/**
 * Volume and cost basis of every open (not dust) position: all the risk actor needs to mark
 * unrealised PnL, which it does at every candle close of every market, so only these columns.
 */
export function listOpenPositionCosts(db: Db): { market: string; volume: number; costBasis: number }[] {
  return db.select({ market: positions.market, volume: positions.volume, costBasis: positions.costBasis }).from(positions).where(eq(positions.status, "open")).all();
}

/** Protective levels the strategy keeps, stored for the dashboard and for restarts. */
export function updatePositionExits(db: Db, market: Market, exits: { stop?: number | null; risk?: number | null; highWater?: number | null; exitState?: unknown }, now: number): void {
  db.update(positions)
    .set({
      ...(exits.stop !== undefined ? { stop: exits.stop } : {}),
      ...(exits.risk !== undefined ? { risk: exits.risk } : {}),
      ...(exits.highWater !== undefined ? { highWater: exits.highWater } : {}),
      ...(exits.exitState !== undefined ? { exitState: JSON.stringify(exits.exitState) } : {}),
      updatedAt: now,
    })
    .where(eq(positions.market, market))
    .run();
}

/** Mark a position whose value is below the exchange minimum: it cannot be sold by itself. */
export function markPositionDust(db: Db, market: Market, now: number): void {
  db.update(positions).set({ status: "dust", updatedAt: now }).where(eq(positions.market, market)).run();
}

export function listClosedTrades(db: Db, limit = 200): ClosedTradeRow[] {
  return db.select().from(closedTrades).orderBy(desc(closedTrades.exitTs)).limit(limit).all();
}

/**
 * PnL and initial risk of the most recent closed trades, newest first: what Kelly sizing reads at
 * every entry decision, so only these two columns.
 */
export function listClosedTradeOutcomes(db: Db, limit = 200): { pnl: number; risk: number | null }[] {
  return db.select({ pnl: closedTrades.pnl, risk: closedTrades.risk }).from(closedTrades).orderBy(desc(closedTrades.exitTs)).limit(limit).all();
}
