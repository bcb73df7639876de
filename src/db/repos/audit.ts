import { desc, eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { auditLog, config } from "../schema.ts";

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditEntry {
  /** Who: `system`, `supervisor`, an operator's user name, an API token's name. */
  readonly actor: string;
  /** What: `actor.restarted`, `trader.paused`, `trading.flatten_all`, … */
  readonly action: string;
  readonly target?: string;
  readonly details?: unknown;
  /** Where from: client IP, `telegram:<chat>`, `cli`. */
  readonly source?: string;
}

export function recordAudit(db: Db, entry: AuditEntry, now: number): void {
  db.insert(auditLog)
    .values({
      ts: now,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      details: entry.details === undefined ? null : JSON.stringify(entry.details),
      source: entry.source ?? null,
    })
    .run();
}

export function listAudit(db: Db, options: { action?: string; limit?: number } = {}): AuditRow[] {
  return db
    .select()
    .from(auditLog)
    .where(options.action ? eq(auditLog.action, options.action) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(Math.min(options.limit ?? 200, 5000))
    .all();
}

export type ConfigRow = typeof config.$inferSelect;

/** Store a setting with who changed it; the audit row is written in the same transaction. */
export function setConfigValue(db: Db, key: string, value: unknown, by: string, now: number, description?: string, source?: string): void {
  db.transaction((tx) => {
    const row = { key, value: JSON.stringify(value), description: description ?? null, updatedBy: by, updatedAt: now };
    tx.insert(config).values(row).onConflictDoUpdate({ target: config.key, set: row }).run();
    recordAudit(tx, { actor: by, action: "config.changed", target: key, details: { value }, source }, now);
  });
}

export function getConfigValue<T = unknown>(db: Db, key: string): T | undefined {
  const row = db.select().from(config).where(eq(config.key, key)).get();
  return row ? (JSON.parse(row.value) as T) : undefined;
}

export function listConfig(db: Db): ConfigRow[] {
  return db.select().from(config).all();
}
