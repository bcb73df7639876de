import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import type { ExchangeOrder, Market, OrderType, Side, TimeInForce } from "../../core/model.ts";
import { ACTIVE_ORDER_STATES, fillDelta, type LocalOrderState, localStateOf, isFinalState } from "../../core/orders/lifecycle.ts";
import { applyFill, type ClosedTrade, type Holding } from "../../core/portfolio/position.ts";
import type { Db } from "../client.ts";
import { closedTrades, fills, orders, positions, signals } from "../schema.ts";
import { holdingFromRow, saveHolding } from "./positions.ts";

export type OrderRow = typeof orders.$inferSelect;
export type FillRow = typeof fills.$inferSelect;

export interface NewOrderIntent {
  readonly clientOrderId: string;
  readonly market: Market;
  readonly side: Side;
  readonly type: OrderType;
  readonly timeInForce?: TimeInForce;
  readonly price?: number;
  readonly volume?: number;
  readonly priority: number;
  readonly reason: string;
  /** The decision this order carries out (unique): see `orders.intentKey`. */
  readonly intentKey?: string;
  readonly external?: boolean;
}

export interface SignalRecord {
  readonly market: Market;
  readonly kind: string;
  readonly strength?: number;
  readonly reasons: readonly string[];
  readonly candleTs?: number;
  readonly outcome?: "approved" | "denied" | "ignored";
  readonly deniedReason?: string;
  readonly details?: unknown;
}

/**
 * Record an order intent with its client order id BEFORE anything is sent, together with the
 * signal that caused it, in one transaction: after a crash the id is there to look the order up.
 * Returns null (and records nothing) when an order for the same `intentKey` already exists.
 */
export function recordOrderIntent(db: Db, intent: NewOrderIntent, now: number, signal?: SignalRecord): OrderRow | null {
  return db.transaction((tx) => {
    if (intent.intentKey !== undefined && tx.select({ id: orders.id }).from(orders).where(eq(orders.intentKey, intent.intentKey)).get()) return null;
    if (signal) insertSignal(tx, signal, now);
    return tx
      .insert(orders)
      .values({
        clientOrderId: intent.clientOrderId,
        market: intent.market,
        side: intent.side,
        type: intent.type,
        timeInForce: intent.timeInForce ?? null,
        price: intent.price ?? null,
        volume: intent.volume ?? null,
        state: "pending_submit",
        priority: intent.priority,
        reason: intent.reason,
        intentKey: intent.intentKey ?? null,
        external: intent.external ?? false,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
  });
}

/** Record a signal on its own (a denial, or an exit without an order). */
export function recordSignal(db: Db, signal: SignalRecord, now: number): void {
  insertSignal(db, signal, now);
}

function insertSignal(db: Db, signal: SignalRecord, now: number): void {
  db.insert(signals)
    .values({
      ts: now,
      market: signal.market,
      kind: signal.kind,
      strength: signal.strength ?? null,
      reasons: JSON.stringify(signal.reasons),
      candleTs: signal.candleTs ?? null,
      outcome: signal.outcome ?? "approved",
      deniedReason: signal.deniedReason ?? null,
      details: signal.details === undefined ? null : JSON.stringify(signal.details),
    })
    .run();
}

export function findOrderByClientId(db: Db, clientOrderId: string): OrderRow | undefined {
  return db.select().from(orders).where(eq(orders.clientOrderId, clientOrderId)).get();
}

export function findOrderByExchangeId(db: Db, exchangeOrderId: string): OrderRow | undefined {
  return db.select().from(orders).where(eq(orders.exchangeOrderId, exchangeOrderId)).get();
}

/** Orders not yet final: what the order manager must drive or reconcile. */
export function listActiveOrders(db: Db, market?: Market): OrderRow[] {
  const where = market ? and(inArray(orders.state, [...ACTIVE_ORDER_STATES]), eq(orders.market, market)) : inArray(orders.state, [...ACTIVE_ORDER_STATES]);
  return db.select().from(orders).where(where).orderBy(asc(orders.priority), asc(orders.id)).all();
}

/** Count the submit attempt and remember when it went out. */
export function markOrderSubmitting(db: Db, clientOrderId: string, now: number): void {
  db.update(orders)
    .set({ attempts: sql`${orders.attempts} + 1`, submittedAt: now, updatedAt: now })
    .where(eq(orders.clientOrderId, clientOrderId))
    .run();
}

export function markOrderAccepted(db: Db, clientOrderId: string, exchangeOrderId: string, now: number): void {
  db.update(orders)
    .set({ exchangeOrderId, state: "open", lastError: null, updatedAt: now })
    .where(and(eq(orders.clientOrderId, clientOrderId), inArray(orders.state, ["pending_submit", "unknown"])))
    .run();
}

/**
 * An order that never existed on the exchange (refused, or confirmed absent and given up) no longer
 * holds its decision's intent key: the same decision may be tried again (a stop that was refused
 * must be able to fire once more). The key is kept, suffixed with the row id, for the record.
 */
export function releaseIntentKey(db: Db, clientOrderId: string): void {
  db.update(orders)
    .set({ intentKey: sql`${orders.intentKey} || '~' || ${orders.id}` })
    .where(and(eq(orders.clientOrderId, clientOrderId), isNull(orders.exchangeOrderId), isNotNull(orders.intentKey)))
    .run();
}

/** Move an order to a state the exchange did not report (rejected, unknown, pending again). */
export function markOrderState(db: Db, clientOrderId: string, state: LocalOrderState, now: number, lastError?: string): void {
  db.update(orders)
    .set({ state, updatedAt: now, lastError: lastError ?? null, closedAt: isFinalState(state) ? now : null })
    .where(eq(orders.clientOrderId, clientOrderId))
    .run();
}

export interface ExchangeOrderApplied {
  readonly order: OrderRow;
  readonly fill?: FillRow;
  readonly holding: Holding | null;
  readonly closedTrade?: ClosedTrade;
  /** True when the report changed nothing that was recorded. */
  readonly unchanged: boolean;
}

/**
 * Apply what the exchange says about one of our orders: state, cumulative executions, and the new
 * fill (if any) with its effect on the position, all in one transaction. Idempotent: the same
 * report applied twice records nothing the second time (fills are keyed by cumulative volume).
 */
export function applyExchangeOrder(db: Db, clientOrderId: string, report: ExchangeOrder, now: number): ExchangeOrderApplied {
  return db.transaction((tx) => {
    const row = tx.select().from(orders).where(eq(orders.clientOrderId, clientOrderId)).get();
    if (!row) throw new Error(`no order with client id ${clientOrderId}`);
    const delta = fillDelta(row, report);
    const state = localStateOf(report.state, report.executedVolume);
    const stateChanged = row.state !== state || row.exchangeOrderId !== report.orderId;
    if (!delta && !stateChanged) {
      const holding = holdingFromRow(tx.select().from(positions).where(eq(positions.market, row.market)).get());
      return { order: row, holding, unchanged: true };
    }
    let fill: FillRow | undefined;
    const positionRow = tx.select().from(positions).where(eq(positions.market, row.market)).get();
    let holding: Holding | null = holdingFromRow(positionRow);
    let closedTrade: ClosedTrade | undefined;
    if (delta) {
      const price = delta.price > 0 ? delta.price : fallbackPrice(row, report);
      fill = tx
        .insert(fills)
        .values({
          orderId: row.id,
          exchangeOrderId: report.orderId,
          cumVolume: delta.cumVolume,
          tradeId: null,
          market: row.market,
          side: row.side,
          price,
          volume: delta.volume,
          funds: delta.funds > 0 ? delta.funds : price * delta.volume,
          fee: delta.fee,
          ts: now,
        })
        .onConflictDoNothing()
        .returning()
        .get();
      if (fill) {
        const outcome = applyFill(holding, { market: row.market as Market, side: row.side as Side, price, volume: delta.volume, fee: delta.fee, ts: now });
        holding = outcome.holding;
        closedTrade = outcome.closed;
        saveHolding(tx, row.market as Market, holding, now);
        if (closedTrade) {
          tx.insert(closedTrades)
            .values({ ...closedTrade, risk: positionRow?.risk ?? null, exitReason: row.reason })
            .run();
        }
      }
    }
    const updated = tx
      .update(orders)
      .set({
        exchangeOrderId: report.orderId,
        state,
        executedVolume: report.executedVolume,
        executedFunds: report.executedFunds,
        paidFee: report.paidFee,
        updatedAt: now,
        closedAt: isFinalState(state) ? (row.closedAt ?? now) : null,
      })
      .where(eq(orders.id, row.id))
      .returning()
      .get();
    return { order: updated, fill, holding, closedTrade, unchanged: false };
  });
}

/** When a report carries volume but no funds (v1 reads), price the fill from its trades or the order. */
function fallbackPrice(row: OrderRow, report: ExchangeOrder): number {
  const trades = report.trades ?? [];
  if (trades.length > 0) {
    const vol = trades.reduce((s, t) => s + t.volume, 0);
    const funds = trades.reduce((s, t) => s + t.funds, 0);
    if (vol > 0 && funds > 0) return funds / vol;
  }
  return report.price ?? row.price ?? 0;
}

/** Adopt an order found on the exchange that this bot has no record of (placed by hand, or lost). */
export function adoptExternalOrder(db: Db, report: ExchangeOrder, now: number): OrderRow {
  const clientOrderId = report.clientOrderId ?? `ext-${report.orderId}`;
  return db
    .insert(orders)
    .values({
      clientOrderId,
      exchangeOrderId: report.orderId,
      market: report.market,
      side: report.side,
      type: report.type,
      timeInForce: report.timeInForce ?? null,
      price: report.price ?? null,
      volume: report.volume ?? null,
      state: localStateOf(report.state, report.executedVolume),
      priority: 2,
      reason: "external",
      executedVolume: report.executedVolume,
      executedFunds: report.executedFunds,
      paidFee: report.paidFee,
      external: true,
      createdAt: report.createdAt,
      updatedAt: now,
    })
    .returning()
    .get();
}

/** Sort keys of `listOrders`: a column and a direction (ties broken by id in the same direction). */
export type OrderSort = `${"created" | "market" | "price"}_${"asc" | "desc"}`;

export interface OrderFilter {
  readonly market?: string;
  readonly state?: string;
  readonly side?: string;
  readonly limit?: number;
  readonly offset?: number;
  readonly sort?: OrderSort;
}

const ORDER_SORT_COLUMNS = { created: orders.id, market: orders.market, price: orders.price } as const;

/** Orders for the API and dashboard: filtered with bound parameters (never string-built SQL). */
export function listOrders(db: Db, filter: OrderFilter = {}): OrderRow[] {
  const conds: SQL[] = [];
  if (filter.market) conds.push(eq(orders.market, filter.market));
  if (filter.state) conds.push(eq(orders.state, filter.state));
  if (filter.side) conds.push(eq(orders.side, filter.side));
  const [key, dir] = (filter.sort ?? "created_desc").split("_") as [keyof typeof ORDER_SORT_COLUMNS, "asc" | "desc"];
  const order = dir === "asc" ? asc : desc;
  return db
    .select()
    .from(orders)
    .where(conds.length > 0 ? and(...conds) : undefined)
    .orderBy(order(ORDER_SORT_COLUMNS[key] ?? orders.id), order(orders.id))
    .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
    .offset(Math.max(filter.offset ?? 0, 0))
    .all();
}

/** Sort keys of `listFills`. */
export type FillSort = `${"ts" | "market" | "price" | "funds"}_${"asc" | "desc"}`;

export interface FillFilter {
  readonly market?: string;
  readonly side?: string;
  /** Fills at or after this time (epoch ms). */
  readonly fromTs?: number;
  readonly limit?: number;
  readonly offset?: number;
  /** Default `ts_desc` (newest first). */
  readonly sort?: FillSort;
}

/**
 * Fills are recorded as they happen, so id order is time order: sorting by time uses the primary
 * key (a "latest fills" read stays an index walk however many fills there are).
 */
const FILL_SORT_COLUMNS = { ts: fills.id, market: fills.market, price: fills.price, funds: fills.funds } as const;

export function listFills(db: Db, filter: FillFilter = {}): FillRow[] {
  const conds: SQL[] = [];
  if (filter.market) conds.push(eq(fills.market, filter.market));
  if (filter.side) conds.push(eq(fills.side, filter.side));
  if (filter.fromTs !== undefined) conds.push(gte(fills.ts, filter.fromTs));
  const [key, dir] = (filter.sort ?? "ts_desc").split("_") as [keyof typeof FILL_SORT_COLUMNS, "asc" | "desc"];
  const order = dir === "asc" ? asc : desc;
  return db
    .select()
    .from(fills)
    .where(conds.length > 0 ? and(...conds) : undefined)
    .orderBy(order(FILL_SORT_COLUMNS[key] ?? fills.id), order(fills.id))
    .limit(Math.min(Math.max(filter.limit ?? 100, 1), 1000))
    .offset(Math.max(filter.offset ?? 0, 0))
    .all();
}

export type SignalRow = typeof signals.$inferSelect;

/** Recent signals (entries, exits, denials), newest first, optionally of one market. */
export function listSignals(db: Db, filter: { market?: string; limit?: number } = {}): SignalRow[] {
  return db
    .select()
    .from(signals)
    .where(filter.market ? eq(signals.market, filter.market) : undefined)
    .orderBy(desc(signals.ts), desc(signals.id))
    .limit(Math.min(Math.max(filter.limit ?? 50, 1), 1000))
    .all();
}

export function countOrdersByState(db: Db): Record<string, number> {
  const rows = db.select({ state: orders.state, n: sql<number>`count(*)` }).from(orders).groupBy(orders.state).all();
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
