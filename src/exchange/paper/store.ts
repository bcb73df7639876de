import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Market } from "../../core/model.ts";
import type { AccountBalance, CancelType, OrderSide, ReadonlyOrder, SimFill, SimOrder, SimOrderState, SimOrderType, SimTimeInForce } from "../sim/engine/types.ts";
import { type Fixed, formatFixed, parseFixed } from "../sim/fixed.ts";
import type { TapeMark } from "./tape.ts";

/**
 * The paper account on disk: its own small SQLite file (default `data/paper.db`, next to the bot
 * database) so paper balances, orders and fills survive a restart. bun:sqlite with prepared
 * statements, not drizzle: drizzle lives only under `src/db/` (ARCHITECTURE rule 11), and this
 * store has a handful of verbs. Every write is one synchronous transaction (TOOLCHAIN.md 5).
 *
 * Amounts are stored as exact decimal text (`formatFixed`), so a reload gives back the very same
 * bigint ledger: no float ever touches a balance.
 */

const SCHEMA_VERSION = "1";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS paper_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS paper_balances (
  currency TEXT PRIMARY KEY, balance TEXT NOT NULL, locked TEXT NOT NULL, avg_buy_price TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS paper_orders (
  id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, client_order_id TEXT UNIQUE,
  market TEXT NOT NULL, side TEXT NOT NULL, type TEXT NOT NULL, time_in_force TEXT,
  price TEXT, volume TEXT, created_at INTEGER NOT NULL, state TEXT NOT NULL,
  remaining_volume TEXT NOT NULL, remaining_funds TEXT NOT NULL, executed_volume TEXT NOT NULL,
  executed_funds TEXT NOT NULL, reserved_fee TEXT NOT NULL, remaining_fee TEXT NOT NULL,
  paid_fee TEXT NOT NULL, locked TEXT NOT NULL, cancel_type TEXT, finished_at INTEGER
);
CREATE TABLE IF NOT EXISTS paper_fills (
  trade_id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES paper_orders(id), idx INTEGER NOT NULL,
  price TEXT NOT NULL, volume TEXT NOT NULL, funds TEXT NOT NULL, fee TEXT NOT NULL, ts INTEGER NOT NULL,
  maker INTEGER NOT NULL, UNIQUE (order_id, idx)
);
CREATE TABLE IF NOT EXISTS paper_tape (market TEXT PRIMARY KEY, last_trade_ts INTEGER NOT NULL, last_trade_ids TEXT NOT NULL);
`;

/** Who the account is: fixed when the file is created. */
export interface PaperAccountMeta {
  /** Random digits every order and fill id of this account starts with (see ids.ts). */
  readonly idPrefix: string;
  readonly initialKrw: Fixed;
  readonly createdAt: number;
}

/** Everything a restart needs. */
export interface PaperAccountSnapshot {
  readonly meta: PaperAccountMeta;
  readonly balances: AccountBalance[];
  /** Oldest first, fills in execution order. */
  readonly orders: SimOrder[];
  readonly orderSeq: number;
  readonly tradeSeq: number;
  /** How far the public tape was matched, per market (see tape.ts). */
  readonly tape: Map<Market, TapeMark>;
}

/** One engine operation's effect, written in one transaction. */
export interface PaperChange {
  readonly orders: readonly ReadonlyOrder[];
  readonly fills: readonly { readonly orderId: string; readonly index: number; readonly fill: SimFill }[];
  readonly balances: readonly AccountBalance[];
  readonly orderSeq: number;
  readonly tradeSeq: number;
  readonly tape: ReadonlyMap<Market, TapeMark>;
}

interface OrderRow {
  id: string;
  seq: number;
  client_order_id: string | null;
  market: string;
  side: string;
  type: string;
  time_in_force: string | null;
  price: string | null;
  volume: string | null;
  created_at: number;
  state: string;
  remaining_volume: string;
  remaining_funds: string;
  executed_volume: string;
  executed_funds: string;
  reserved_fee: string;
  remaining_fee: string;
  paid_fee: string;
  locked: string;
  cancel_type: string | null;
  finished_at: number | null;
}

interface FillRow {
  trade_id: string;
  order_id: string;
  price: string;
  volume: string;
  funds: string;
  fee: string;
  ts: number;
  maker: number;
}

/** A stored amount; a value that is not exact decimal text means the file was damaged. */
function amount(text: string | null, what: string): Fixed {
  const value = text === null ? undefined : parseFixed(text);
  if (value === undefined) throw new Error(`paper store: ${what} is not a decimal amount: ${JSON.stringify(text)}`);
  return value;
}

function toOrder(row: OrderRow, fills: SimFill[]): SimOrder {
  const where = `order ${row.id}`;
  return {
    id: row.id,
    seq: row.seq,
    ...(row.client_order_id !== null ? { clientOrderId: row.client_order_id } : {}),
    market: row.market as Market,
    side: row.side as OrderSide,
    type: row.type as SimOrderType,
    ...(row.time_in_force !== null ? { timeInForce: row.time_in_force as SimTimeInForce } : {}),
    ...(row.price !== null ? { price: amount(row.price, `${where} price`) } : {}),
    ...(row.volume !== null ? { volume: amount(row.volume, `${where} volume`) } : {}),
    createdAt: row.created_at,
    state: row.state as SimOrderState,
    remainingVolume: amount(row.remaining_volume, `${where} remaining_volume`),
    remainingFunds: amount(row.remaining_funds, `${where} remaining_funds`),
    executedVolume: amount(row.executed_volume, `${where} executed_volume`),
    executedFunds: amount(row.executed_funds, `${where} executed_funds`),
    reservedFee: amount(row.reserved_fee, `${where} reserved_fee`),
    remainingFee: amount(row.remaining_fee, `${where} remaining_fee`),
    paidFee: amount(row.paid_fee, `${where} paid_fee`),
    locked: amount(row.locked, `${where} locked`),
    ...(row.cancel_type !== null ? { cancelType: row.cancel_type as CancelType } : {}),
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    fills,
  };
}

function toFill(row: FillRow): SimFill {
  const where = `fill ${row.trade_id}`;
  return {
    tradeId: row.trade_id,
    price: amount(row.price, `${where} price`),
    volume: amount(row.volume, `${where} volume`),
    funds: amount(row.funds, `${where} funds`),
    fee: amount(row.fee, `${where} fee`),
    ts: row.ts,
    maker: row.maker === 1,
  };
}

function tapeIds(json: string, market: string): string[] {
  const ids: unknown = JSON.parse(json);
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) throw new Error(`paper store: tape ids of ${market} are not a list of strings`);
  return ids as string[];
}

const text = formatFixed;
const optionalText = (v: Fixed | undefined) => (v === undefined ? null : formatFixed(v));

/** The paper account's SQLite file. */
export class PaperStore {
  private readonly db: Database;
  private readonly upsertOrder: Statement;
  private readonly insertFill: Statement;
  private readonly upsertBalance: Statement;
  private readonly upsertMeta: Statement;
  private readonly upsertTape: Statement;
  private closed = false;

  /** Open (creating the file, its folder and tables when needed). `:memory:` works for tests. */
  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { create: true, strict: true });
    this.db.exec("PRAGMA journal_mode = WAL;");
    this.db.exec("PRAGMA synchronous = NORMAL;");
    this.db.exec("PRAGMA foreign_keys = ON;");
    this.db.exec("PRAGMA busy_timeout = 5000;");
    this.db.exec(SCHEMA);
    const version = this.meta("schema_version");
    if (version !== undefined && version !== SCHEMA_VERSION) throw new Error(`paper store ${path}: schema version ${version}, expected ${SCHEMA_VERSION}`);
    this.upsertOrder = this.db.prepare(
      `INSERT INTO paper_orders (id, seq, client_order_id, market, side, type, time_in_force, price, volume, created_at, state,
         remaining_volume, remaining_funds, executed_volume, executed_funds, reserved_fee, remaining_fee, paid_fee, locked, cancel_type, finished_at)
       VALUES ($id, $seq, $client_order_id, $market, $side, $type, $time_in_force, $price, $volume, $created_at, $state,
         $remaining_volume, $remaining_funds, $executed_volume, $executed_funds, $reserved_fee, $remaining_fee, $paid_fee, $locked, $cancel_type, $finished_at)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, remaining_volume = excluded.remaining_volume,
         remaining_funds = excluded.remaining_funds, executed_volume = excluded.executed_volume, executed_funds = excluded.executed_funds,
         remaining_fee = excluded.remaining_fee, paid_fee = excluded.paid_fee, locked = excluded.locked,
         cancel_type = excluded.cancel_type, finished_at = excluded.finished_at`,
    );
    this.insertFill = this.db.prepare(
      `INSERT INTO paper_fills (trade_id, order_id, idx, price, volume, funds, fee, ts, maker)
       VALUES ($trade_id, $order_id, $idx, $price, $volume, $funds, $fee, $ts, $maker)`,
    );
    this.upsertBalance = this.db.prepare(
      `INSERT INTO paper_balances (currency, balance, locked, avg_buy_price) VALUES ($currency, $balance, $locked, $avg_buy_price)
       ON CONFLICT (currency) DO UPDATE SET balance = excluded.balance, locked = excluded.locked, avg_buy_price = excluded.avg_buy_price`,
    );
    this.upsertMeta = this.db.prepare(`INSERT INTO paper_meta (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    this.upsertTape = this.db.prepare(
      `INSERT INTO paper_tape (market, last_trade_ts, last_trade_ids) VALUES ($market, $ts, $ids)
       ON CONFLICT (market) DO UPDATE SET last_trade_ts = excluded.last_trade_ts, last_trade_ids = excluded.last_trade_ids`,
    );
  }

  /** The saved account, or `undefined` for a new file. */
  load(): PaperAccountSnapshot | undefined {
    const idPrefix = this.meta("id_prefix");
    if (idPrefix === undefined) return undefined;
    const fillsByOrder = new Map<string, SimFill[]>();
    for (const row of this.db.query<FillRow, []>("SELECT * FROM paper_fills ORDER BY order_id, idx").all()) {
      let list = fillsByOrder.get(row.order_id);
      if (!list) fillsByOrder.set(row.order_id, (list = []));
      list.push(toFill(row));
    }
    const orders = this.db.query<OrderRow, []>("SELECT * FROM paper_orders ORDER BY seq").all().map((row) => toOrder(row, fillsByOrder.get(row.id) ?? []));
    const balances = this.db
      .query<{ currency: string; balance: string; locked: string; avg_buy_price: string }, []>("SELECT * FROM paper_balances ORDER BY currency")
      .all()
      .map((r) => ({ currency: r.currency, balance: amount(r.balance, `${r.currency} balance`), locked: amount(r.locked, `${r.currency} locked`), avgBuyPrice: amount(r.avg_buy_price, `${r.currency} avg_buy_price`) }));
    const tape = new Map<Market, TapeMark>();
    for (const r of this.db.query<{ market: string; last_trade_ts: number; last_trade_ids: string }, []>("SELECT * FROM paper_tape").all()) {
      tape.set(r.market as Market, { ts: r.last_trade_ts, ids: tapeIds(r.last_trade_ids, r.market) });
    }
    return {
      meta: { idPrefix, initialKrw: amount(this.meta("initial_krw") ?? null, "initial_krw"), createdAt: Number(this.meta("created_at")) },
      balances,
      orders,
      orderSeq: Number(this.meta("order_seq") ?? 0),
      tradeSeq: Number(this.meta("trade_seq") ?? 0),
      tape,
    };
  }

  /** Write a new account (meta and starting balances) in one transaction. */
  create(meta: PaperAccountMeta, balances: readonly AccountBalance[]): void {
    this.db.transaction(() => {
      this.setMeta("schema_version", SCHEMA_VERSION);
      this.setMeta("id_prefix", meta.idPrefix);
      this.setMeta("initial_krw", text(meta.initialKrw));
      this.setMeta("created_at", String(meta.createdAt));
      this.setMeta("order_seq", "0");
      this.setMeta("trade_seq", "0");
      for (const b of balances) this.writeBalance(b);
    })();
  }

  /** Record one operation's orders, new fills, balances and counters atomically. */
  save(change: PaperChange): void {
    this.db.transaction(() => {
      for (const o of change.orders) {
        this.upsertOrder.run({
          id: o.id,
          seq: o.seq,
          client_order_id: o.clientOrderId ?? null,
          market: o.market,
          side: o.side,
          type: o.type,
          time_in_force: o.timeInForce ?? null,
          price: optionalText(o.price),
          volume: optionalText(o.volume),
          created_at: o.createdAt,
          state: o.state,
          remaining_volume: text(o.remainingVolume),
          remaining_funds: text(o.remainingFunds),
          executed_volume: text(o.executedVolume),
          executed_funds: text(o.executedFunds),
          reserved_fee: text(o.reservedFee),
          remaining_fee: text(o.remainingFee),
          paid_fee: text(o.paidFee),
          locked: text(o.locked),
          cancel_type: o.cancelType ?? null,
          finished_at: o.finishedAt ?? null,
        });
      }
      for (const { orderId, index, fill } of change.fills) {
        this.insertFill.run({
          trade_id: fill.tradeId,
          order_id: orderId,
          idx: index,
          price: text(fill.price),
          volume: text(fill.volume),
          funds: text(fill.funds),
          fee: text(fill.fee),
          ts: fill.ts,
          maker: fill.maker ? 1 : 0,
        });
      }
      for (const b of change.balances) this.writeBalance(b);
      this.setMeta("order_seq", String(change.orderSeq));
      this.setMeta("trade_seq", String(change.tradeSeq));
      this.writeTape(change.tape);
    })();
  }

  /** Remember how far the public tape was matched (on shutdown; fills record it themselves). */
  saveTape(tape: ReadonlyMap<Market, TapeMark>): void {
    this.db.transaction(() => this.writeTape(tape))();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private meta(key: string): string | undefined {
    return this.db.query<{ value: string }, [string]>("SELECT value FROM paper_meta WHERE key = ?").get(key)?.value;
  }

  private setMeta(key: string, value: string): void {
    this.upsertMeta.run({ key, value });
  }

  private writeTape(tape: ReadonlyMap<Market, TapeMark>): void {
    for (const [market, mark] of tape) this.upsertTape.run({ market, ts: mark.ts, ids: JSON.stringify(mark.ids) });
  }

  private writeBalance(b: AccountBalance): void {
    this.upsertBalance.run({ currency: b.currency, balance: text(b.balance), locked: text(b.locked), avg_buy_price: text(b.avgBuyPrice) });
  }
}
