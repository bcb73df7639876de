/**
 * Read the bot's SQLite database from the test process (read-only, through the repo verbs), while
 * the bot runs or after it died: everything the crash-safety invariants compare with the exchange.
 */
import { type AuditRow, type FillRow, listAudit, listFills, listOpenPositions, listOrders, openDb, type OrderRow, type PositionRow } from "../../../src/db/index.ts";

export interface BotDbSnapshot {
  readonly orders: readonly OrderRow[];
  readonly fills: readonly FillRow[];
  readonly positions: readonly PositionRow[];
}

function allPages<T>(page: (offset: number) => T[]): T[] {
  const out: T[] = [];
  for (let offset = 0; ; offset += 1000) {
    const rows = page(offset);
    out.push(...rows);
    if (rows.length < 1000) return out;
  }
}

function withDb<T>(path: string, read: (db: ReturnType<typeof openDb>["db"]) => T): T {
  const handle = openDb({ path, readonly: true });
  try {
    // One read transaction: orders, fills and positions from the same moment.
    return handle.db.transaction((tx) => read(tx as unknown as ReturnType<typeof openDb>["db"]), { behavior: "deferred" });
  } finally {
    handle.close();
  }
}

/** Every order and fill ever recorded (oldest first) and the open positions, as of one moment. */
export function readBotDb(path: string): BotDbSnapshot {
  return withDb(path, (db) => ({
    orders: allPages((offset) => listOrders(db, { sort: "created_asc", limit: 1000, offset })),
    fills: allPages((offset) => listFills(db, { limit: 1000, offset })),
    positions: listOpenPositions(db),
  }));
}

/** How many drizzle migrations the database records as applied. */
export function appliedMigrations(path: string): number {
  const handle = openDb({ path, readonly: true });
  try {
    return (handle.sqlite.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
  } finally {
    handle.close();
  }
}

/** Audit rows whose action starts with `prefix` (e.g. `reconcile.`), newest first. */
export function readAudit(path: string, prefix: string): AuditRow[] {
  return withDb(path, (db) => listAudit(db, { limit: 5000 }).filter((a) => a.action.startsWith(prefix)));
}
