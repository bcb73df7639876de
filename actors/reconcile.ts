import type { Balance, ExchangeOrder, Market } from "../src/core/model.ts";
import { VOLUME_EPSILON } from "../src/core/portfolio/position.ts";
import {
  adoptExternalOrder,
  applyExchangeOrder,
  type Db,
  findOrderByExchangeId,
  getPosition,
  holdingFromRow,
  listActiveOrders,
  listOpenPositions,
  markOrderState,
  recordAudit,
  saveHolding,
} from "../src/db/index.ts";
import type { Logger } from "../src/log.ts";
import type { Exchange } from "../src/ports/exchange.ts";

/**
 * Reconciliation: make the database agree with the exchange, which is the truth for orders and
 * balances. Runs at start-up (before any trading) and after every private-stream reconnect:
 *
 * 1. every order the database thinks is active is looked up (by client order id): missed fills are
 *    recorded, finished orders closed; an intent the exchange never received stays for the order
 *    manager (it resends with the same id while fresh); an order the exchange lost is closed;
 * 2. open orders on the exchange that the database does not know are adopted as external;
 * 3. positions are set to the exchange balances (available + locked): holdings the bot did not
 *    buy are adopted as external, positions the exchange no longer has are closed.
 *
 * Every difference is returned (and audited) so the caller can count it and alert.
 */

export interface Mismatch {
  readonly kind: "order_missing" | "order_adopted" | "position_adopted" | "position_adjusted" | "position_closed";
  readonly market: string;
  readonly detail: string;
}

export interface ReconcileReport {
  readonly ordersChecked: number;
  readonly ordersUpdated: number;
  readonly mismatches: readonly Mismatch[];
  readonly balances: readonly Balance[];
}

export interface ReconcileDeps {
  readonly exchange: Exchange;
  readonly db: Db;
  readonly now: () => number;
  readonly logger: Logger;
}

const SEARCH_CHUNK = 100;

async function lookupActive(exchange: Exchange, clientOrderIds: readonly string[]): Promise<Map<string, ExchangeOrder>> {
  const found = new Map<string, ExchangeOrder>();
  for (let i = 0; i < clientOrderIds.length; i += SEARCH_CHUNK) {
    const chunk = clientOrderIds.slice(i, i + SEARCH_CHUNK);
    for (const o of await exchange.searchOrders({ clientOrderIds: chunk })) if (o.clientOrderId) found.set(o.clientOrderId, o);
  }
  return found;
}

async function allOpenOrders(exchange: Exchange): Promise<ExchangeOrder[]> {
  const out: ExchangeOrder[] = [];
  let nextKey: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await exchange.listOpenOrders({ limit: 100, nextKey });
    out.push(...res.orders);
    if (!res.nextKey || res.orders.length === 0) break;
    nextKey = res.nextKey;
  }
  return out;
}

/** Volumes equal at exchange precision. */
function sameVolume(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(VOLUME_EPSILON, 1e-8);
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const { exchange, db, now, logger } = deps;
  const mismatches: Mismatch[] = [];
  const active = listActiveOrders(db);
  const found = await lookupActive(exchange, active.map((o) => o.clientOrderId));
  let updated = 0;
  // Markets with an order still in flight: an order that lands or fills between these reads and the
  // balance read below would be counted twice (once by adopting the balance, once when the order
  // manager records its fill), so their positions are left to those orders' fills.
  const inFlight = new Set<string>();

  for (const row of active) {
    let report = found.get(row.clientOrderId);
    // Search may leave out client ids it does not echo; ask for the order directly.
    if (!report) report = (await exchange.getOrder(row.exchangeOrderId ? { orderId: row.exchangeOrderId } : { clientOrderId: row.clientOrderId })) ?? undefined;
    if (report) {
      if (!applyExchangeOrder(db, row.clientOrderId, report, now()).unchanged) updated++;
      if (report.state === "wait") inFlight.add(row.market);
      continue;
    }
    if (row.state === "pending_submit" || row.state === "unknown") {
      inFlight.add(row.market); // a request may still be on its way
      continue; // the order manager decides: resend or abandon
    }
    markOrderState(db, row.clientOrderId, "cancelled", now(), "the exchange has no such order (reconciliation)");
    mismatches.push({ kind: "order_missing", market: row.market, detail: `${row.clientOrderId} was ${row.state} but the exchange has no such order` });
  }

  for (const o of await allOpenOrders(exchange)) {
    const known = (o.clientOrderId && found.has(o.clientOrderId)) || findOrderByExchangeId(db, o.orderId) !== undefined || active.some((a) => a.clientOrderId === o.clientOrderId);
    if (known) continue;
    adoptExternalOrder(db, o, now());
    mismatches.push({ kind: "order_adopted", market: o.market, detail: `open order ${o.orderId} placed outside this bot` });
  }

  const balances = await exchange.getAccounts();
  const held = new Map<string, Balance>();
  for (const b of balances) if (b.currency !== "KRW" && b.balance + b.locked > 0) held.set(`KRW-${b.currency}`, b);
  for (const [market, b] of held) {
    if (inFlight.has(market)) continue;
    const volume = b.balance + b.locked;
    const holding = holdingFromRow(getPosition(db, market as Market));
    if (holding === null) {
      const price = b.avgBuyPrice > 0 ? b.avgBuyPrice : 0;
      saveHolding(db, market as Market, { market: market as Market, volume, avgPrice: price, costBasis: price * volume, entryTs: now(), fees: 0, realisedPnl: 0, soldVolume: 0, soldFunds: 0 }, now(), { external: true });
      mismatches.push({ kind: "position_adopted", market, detail: `exchange holds ${volume} with no position recorded` });
    } else if (!sameVolume(holding.volume, volume)) {
      const ratio = volume / holding.volume;
      saveHolding(db, market as Market, { ...holding, volume, costBasis: holding.costBasis * ratio }, now());
      mismatches.push({ kind: "position_adjusted", market, detail: `recorded ${holding.volume}, exchange holds ${volume}` });
    }
  }
  for (const p of listOpenPositions(db)) {
    if (held.has(p.market) || inFlight.has(p.market)) continue;
    saveHolding(db, p.market as Market, null, now());
    mismatches.push({ kind: "position_closed", market: p.market, detail: `recorded ${p.volume}, exchange holds none` });
  }

  for (const m of mismatches) recordAudit(db, { actor: "system", action: `reconcile.${m.kind}`, target: m.market, details: m.detail }, now());
  if (mismatches.length > 0) logger.warn({ mismatches }, "reconciliation found differences");
  return { ordersChecked: active.length, ordersUpdated: updated, mismatches, balances };
}
