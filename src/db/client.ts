import { Database, type Statement } from "bun:sqlite";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle, type BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import * as schema from "./schema.ts";

export type Database_ = BunSQLiteDatabase<typeof schema>;
/** A transaction handle: same query API as the database. */
export type Tx = Parameters<Parameters<Database_["transaction"]>[0]>[0];
/** What repo verbs take: the database, or the transaction they are composed into. */
export type Db = Database_ | Tx;

/** An open database: the drizzle handle for repos and the raw handle for pragmas and backups. */
export interface DbHandle {
  readonly db: Database_;
  readonly sqlite: Database;
  readonly path: string;
  close(): void;
}

/** Most distinct statements kept compiled; longer SQL texts (multi-row inserts) are not kept. */
const STATEMENT_CACHE_SIZE = 256;
const STATEMENT_CACHE_MAX_SQL = 4_096;

/**
 * Make `sqlite.prepare` compile each SQL text once. drizzle's bun-sqlite session calls `prepare`
 * for every query it runs and never reuses the statement, so every repo call paid for compiling
 * its SQL again (the largest single native cost of a candle close in `bench/runtime.bench.ts`).
 * Statements run to completion synchronously, so sharing one per SQL text is safe; calls that bind
 * parameters at prepare time are not cached. Returns the function that finalizes the cache.
 */
function cacheStatements(sqlite: Database): () => void {
  const statements = new Map<string, Statement>();
  const compile = sqlite.prepare.bind(sqlite) as (sql: string, params?: unknown) => Statement;
  const prepare = (sql: string, params?: unknown): Statement => {
    if (params !== undefined || sql.length > STATEMENT_CACHE_MAX_SQL) return compile(sql, params);
    let stmt = statements.get(sql);
    if (stmt === undefined) {
      stmt = compile(sql);
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      statements.set(sql, stmt);
    }
    return stmt;
  };
  sqlite.prepare = prepare as Database["prepare"];
  return () => {
    for (const stmt of statements.values()) stmt.finalize();
    statements.clear();
  };
}

export const DEFAULT_MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations", import.meta.url));

export interface OpenDbOptions {
  /** File path, or `:memory:` for tests. */
  readonly path: string;
  readonly migrationsFolder?: string;
  readonly readonly?: boolean;
}

/**
 * Opens (creating if needed) the SQLite file in WAL mode and applies pending migrations. WAL lets
 * the dashboard read while the traders write; `synchronous = NORMAL` is durable across process
 * crashes (only an OS crash can lose the last transactions), which is the failure we test.
 */
export function openDb(options: OpenDbOptions): DbHandle {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = options.readonly ? new Database(options.path, { readonly: true, strict: true }) : new Database(options.path, { create: true, strict: true });
  const dropStatements = cacheStatements(sqlite);
  if (!options.readonly) {
    sqlite.exec("PRAGMA journal_mode = WAL;");
    sqlite.exec("PRAGMA synchronous = NORMAL;");
  }
  sqlite.exec("PRAGMA foreign_keys = ON;");
  sqlite.exec("PRAGMA busy_timeout = 5000;");
  const db = drizzle({ client: sqlite, schema });
  const folder = options.migrationsFolder ?? DEFAULT_MIGRATIONS_FOLDER;
  if (!options.readonly && migrationsPending(sqlite, folder)) migrate(db, { migrationsFolder: folder });
  const close = () => {
    dropStatements();
    closeNow(sqlite);
  };
  return { db, sqlite, path: options.path, close };
}

/**
 * True unless the newest migration in the journal is already recorded. drizzle's `migrate` reads
 * and hashes every SQL file on each open; short-lived tools (a backtest storing its run) skip that.
 */
function migrationsPending(sqlite: Database, folder: string): boolean {
  try {
    const journal = JSON.parse(readFileSync(join(folder, "meta", "_journal.json"), "utf8")) as { entries: { when: number }[] };
    const newest = journal.entries.at(-1)?.when ?? 0;
    const stmt = sqlite.prepare("SELECT max(created_at) AS applied FROM __drizzle_migrations");
    const row = stmt.get() as { applied: number | null } | null;
    stmt.finalize();
    return !(row?.applied != null && Number(row.applied) >= newest);
  } catch {
    return true; // no migrations table yet (a new database) or no journal: let drizzle decide
  }
}

/**
 * Close for real. bun:sqlite's plain `close()` defers while cached statements exist, leaving the
 * WAL files attached (a restore or reopen then finds the database locked); `close(true)` releases
 * them now.
 */
function closeNow(sqlite: Database): void {
  try {
    sqlite.close(true);
  } catch {
    sqlite.close();
  }
}
