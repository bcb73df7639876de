/**
 * The crash-safety invariants as pure checks of a recorded view (the bot's database or API) against
 * the exchange's view (the simulator's admin state). Each returns a list of human-readable
 * violations, so a test can `expect(problems).toEqual([])` and a failure says exactly what broke.
 *
 * The exchange is the truth; what must hold between the two views once nothing is in flight:
 * - no intent produced two exchange orders (no client order id twice on the exchange, every
 *   exchange order is one recorded intent of this bot, every recorded exchange id is exactly one
 *   exchange order, no decision key behind two exchange orders);
 * - every exchange fill is recorded exactly once (per order, recorded fills add up to the
 *   exchange's executed volume, funds and fee, and the order row says the same);
 * - positions equal the exchange's balances (available + locked) at exchange precision.
 */
import type { SimBalance, SimOrder } from "./clients.ts";

/** An order as the bot recorded it (the API item and the database row both fit). */
export interface RecordedOrder {
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly market: string;
  readonly state: string;
  readonly intentKey: string | null;
  readonly executedVolume: number;
  readonly executedFunds?: number;
  readonly paidFee?: number;
  readonly external: boolean;
}

export interface RecordedFill {
  readonly exchangeOrderId: string;
  readonly volume: number;
  readonly funds: number;
  readonly fee: number;
}

export interface RecordedPosition {
  readonly market: string;
  readonly volume: number;
}

/** Bithumb volumes have 8 decimals: two volumes are the same when they round to the same unit. */
export function sameVolume(a: number, b: number): boolean {
  return Math.round(a * 1e8) === Math.round(b * 1e8);
}

/** KRW amounts summed from per-fill differences: equal to well under a won. */
function sameKrw(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b) / 1e6);
}

/** Order states that are still in flight (the recorded view may lag the exchange). */
export const ACTIVE_STATES = new Set(["pending_submit", "unknown", "open", "partially_filled"]);

/** What a final exchange state must be recorded as. */
function expectedLocalState(o: SimOrder): string | null {
  if (o.state === "done") return "filled";
  if (o.state === "cancel") return "cancelled";
  return null;
}

/**
 * No intent produced two exchange orders, and the two views agree on which orders exist.
 * `recorded` must hold every order the bot ever recorded.
 */
export function duplicateOrderProblems(recorded: readonly RecordedOrder[], exchange: readonly SimOrder[]): string[] {
  const problems: string[] = [];
  const byCoid = new Map<string, SimOrder[]>();
  for (const o of exchange) {
    if (o.clientOrderId === undefined) {
      problems.push(`exchange order ${o.uuid} (${o.market} ${o.side}) has no client_order_id: not placed through the order manager`);
      continue;
    }
    byCoid.set(o.clientOrderId, [...(byCoid.get(o.clientOrderId) ?? []), o]);
  }
  for (const [coid, list] of byCoid) {
    if (list.length > 1) problems.push(`client_order_id ${coid} is on the exchange ${list.length} times: ${list.map((o) => o.uuid).join(", ")}`);
  }

  const recordedByCoid = new Map(recorded.map((r) => [r.clientOrderId, r]));
  const recordedByExchangeId = new Map<string, RecordedOrder[]>();
  for (const r of recorded) {
    if (r.external) problems.push(`order ${r.clientOrderId} was adopted as external: the bot lost track of an order it placed`);
    if (r.exchangeOrderId !== null) recordedByExchangeId.set(r.exchangeOrderId, [...(recordedByExchangeId.get(r.exchangeOrderId) ?? []), r]);
  }
  const exchangeById = new Map(exchange.map((o) => [o.uuid, o]));

  for (const o of exchange) {
    if (o.clientOrderId === undefined) continue;
    const r = recordedByCoid.get(o.clientOrderId);
    if (!r) {
      problems.push(`exchange order ${o.uuid} (${o.clientOrderId}) has no recorded intent: it was sent before its intent was stored`);
      continue;
    }
    if (r.exchangeOrderId !== null && r.exchangeOrderId !== o.uuid) problems.push(`intent ${r.clientOrderId} is recorded as ${r.exchangeOrderId} but the exchange has it as ${o.uuid}`);
    if (r.exchangeOrderId === null && !ACTIVE_STATES.has(r.state)) problems.push(`intent ${r.clientOrderId} is recorded as ${r.state} without an exchange order, but the exchange has ${o.uuid} (${o.state})`);
  }
  for (const [exchangeId, rows] of recordedByExchangeId) {
    if (rows.length > 1) problems.push(`exchange order ${exchangeId} is recorded ${rows.length} times: ${rows.map((r) => r.clientOrderId).join(", ")}`);
    const o = exchangeById.get(exchangeId);
    if (!o) problems.push(`recorded order ${rows[0]!.clientOrderId} points at exchange order ${exchangeId}, which the exchange does not have`);
    else if (o.clientOrderId !== rows[0]!.clientOrderId) problems.push(`recorded order ${rows[0]!.clientOrderId} points at ${exchangeId}, which carries ${o.clientOrderId}`);
  }

  const byIntentKey = new Map<string, string[]>();
  for (const o of exchange) {
    const key = o.clientOrderId === undefined ? undefined : recordedByCoid.get(o.clientOrderId)?.intentKey;
    if (key) byIntentKey.set(key, [...(byIntentKey.get(key) ?? []), o.uuid]);
  }
  for (const [key, ids] of byIntentKey) if (ids.length > 1) problems.push(`decision ${key} produced ${ids.length} exchange orders: ${ids.join(", ")}`);
  return problems;
}

/**
 * Every exchange fill recorded exactly once: per exchange order, the recorded fills add up to its
 * executed volume (and funds and fee), the order row carries the same totals and the final state.
 */
export function fillProblems(recorded: readonly RecordedOrder[], fills: readonly RecordedFill[], exchange: readonly SimOrder[]): string[] {
  const problems: string[] = [];
  const fillsByOrder = new Map<string, RecordedFill[]>();
  for (const f of fills) fillsByOrder.set(f.exchangeOrderId, [...(fillsByOrder.get(f.exchangeOrderId) ?? []), f]);
  const recordedByCoid = new Map(recorded.map((r) => [r.clientOrderId, r]));
  const exchangeIds = new Set(exchange.map((o) => o.uuid));
  for (const id of fillsByOrder.keys()) if (!exchangeIds.has(id)) problems.push(`fills are recorded for ${id}, which the exchange does not have`);

  for (const o of exchange) {
    const mine = fillsByOrder.get(o.uuid) ?? [];
    const volume = mine.reduce((s, f) => s + f.volume, 0);
    const funds = mine.reduce((s, f) => s + f.funds, 0);
    const fee = mine.reduce((s, f) => s + f.fee, 0);
    const label = `${o.uuid} (${o.clientOrderId ?? "no client id"}, ${o.market} ${o.side} ${o.type}, ${o.state})`;
    if (!sameVolume(volume, o.executedVolume)) problems.push(`${label}: recorded fills add up to ${volume}, the exchange executed ${o.executedVolume} in ${o.tradesCount} trades`);
    else if (o.executedVolume > 0 && (!sameKrw(funds, o.executedFunds) || !sameKrw(fee, o.paidFee))) {
      problems.push(`${label}: recorded fills hold ${funds} KRW and ${fee} fee, the exchange says ${o.executedFunds} and ${o.paidFee}`);
    }
    if (mine.length > o.tradesCount) problems.push(`${label}: ${mine.length} fills recorded for ${o.tradesCount} exchange trades`);
    const r = o.clientOrderId === undefined ? undefined : recordedByCoid.get(o.clientOrderId);
    if (!r) continue; // reported by duplicateOrderProblems
    if (!sameVolume(r.executedVolume, o.executedVolume)) problems.push(`${label}: the order row says ${r.executedVolume} executed, the exchange ${o.executedVolume}`);
    const wanted = expectedLocalState(o);
    if (wanted !== null && r.state !== wanted) problems.push(`${label}: recorded as ${r.state}, the exchange finished it as ${o.state}`);
  }
  return problems;
}

/** Positions equal the exchange's holdings (available + locked) per coin, at exchange precision. */
export function positionProblems(positions: readonly RecordedPosition[], balances: readonly SimBalance[]): string[] {
  const problems: string[] = [];
  const held = new Map<string, number>();
  for (const b of balances) if (b.currency !== "KRW" && b.balance + b.locked > 0) held.set(`KRW-${b.currency}`, b.balance + b.locked);
  const recorded = new Map<string, number>();
  for (const p of positions) if (p.volume > 0) recorded.set(p.market, (recorded.get(p.market) ?? 0) + p.volume);
  for (const market of new Set([...held.keys(), ...recorded.keys()])) {
    const exchange = held.get(market) ?? 0;
    const mine = recorded.get(market) ?? 0;
    if (!sameVolume(exchange, mine)) problems.push(`${market}: position ${mine}, exchange holds ${exchange}`);
  }
  return problems;
}

/** Everything the bot recorded that the invariants compare. */
export interface RecordedView {
  readonly orders: readonly RecordedOrder[];
  readonly fills: readonly RecordedFill[];
  readonly positions: readonly RecordedPosition[];
}

/** All three invariants at once (recorded view and exchange view taken while nothing was in flight). */
export function crossCheck(recorded: RecordedView, exchange: { readonly orders: readonly SimOrder[]; readonly balances: readonly SimBalance[] }): string[] {
  return [
    ...duplicateOrderProblems(recorded.orders, exchange.orders),
    ...fillProblems(recorded.orders, recorded.fills, exchange.orders),
    ...positionProblems(recorded.positions, exchange.balances),
  ];
}
