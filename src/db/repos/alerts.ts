import { and, desc, eq, gte, inArray, lt } from "drizzle-orm";
import type { Db } from "../client.ts";
import { alertChannels as alertChannelsTable, alerts as alertsTable } from "../schema.ts";
import { recordAudit } from "./audit.ts";

/** One channel's delivery of one alert, as stored in `alerts.channels_json`. */
export interface AlertDelivery {
  /** `env:telegram:12345`, `db:3`. */
  readonly channel: string;
  readonly kind: string;
  readonly ok: boolean;
  readonly attempts: number;
  /** Why it failed (secret-free), or `dropped: …` when it was never attempted. */
  readonly error?: string;
  /** When the final attempt ended (epoch ms). */
  readonly at: number;
}

export interface NewAlertRow {
  readonly ts: number;
  readonly severity: "info" | "warning" | "critical";
  readonly key: string;
  readonly title: string;
  readonly text: string;
  /** Held back by de-duplication (stored for the record, not sent). */
  readonly suppressed: boolean;
}

export interface AlertRecord extends NewAlertRow {
  readonly id: number;
  readonly deliveries: readonly AlertDelivery[];
}

function toRecord(row: typeof alertsTable.$inferSelect): AlertRecord {
  let deliveries: AlertDelivery[] = [];
  try {
    const parsed: unknown = JSON.parse(row.channelsJson);
    if (Array.isArray(parsed)) deliveries = parsed as AlertDelivery[];
  } catch {
    // A damaged column reads as "no deliveries recorded".
  }
  return { id: row.id, ts: row.ts, severity: row.severity as NewAlertRow["severity"], key: row.key, title: row.title, text: row.text, suppressed: row.suppressed, deliveries };
}

/** Store one alert as raised; returns its id. */
export function recordAlert(db: Db, alert: NewAlertRow): number {
  return db
    .insert(alertsTable)
    .values({ ts: alert.ts, severity: alert.severity, key: alert.key, title: alert.title, text: alert.text, suppressed: alert.suppressed, channelsJson: "[]" })
    .returning({ id: alertsTable.id })
    .get().id;
}

/** Replace the delivery results of an alert (the dispatcher writes them as channels finish). */
export function setAlertDeliveries(db: Db, id: number, deliveries: readonly AlertDelivery[]): void {
  db.update(alertsTable).set({ channelsJson: JSON.stringify(deliveries) }).where(eq(alertsTable.id, id)).run();
}

/** A held-back alert that is now being sent (the trailing delivery of a de-duplication window). */
export function markAlertReleased(db: Db, id: number): void {
  db.update(alertsTable).set({ suppressed: false }).where(eq(alertsTable.id, id)).run();
}

export interface AlertQuery {
  readonly limit?: number;
  /** Include alerts held back by de-duplication (default false). */
  readonly includeSuppressed?: boolean;
  readonly severities?: readonly NewAlertRow["severity"][];
  readonly key?: string;
  /** Only alerts with an id below this (paging back). */
  readonly beforeId?: number;
  readonly sinceTs?: number;
}

/** Newest first. */
export function listAlerts(db: Db, query: AlertQuery = {}): AlertRecord[] {
  const where = and(
    query.includeSuppressed ? undefined : eq(alertsTable.suppressed, false),
    query.severities && query.severities.length > 0 ? inArray(alertsTable.severity, [...query.severities]) : undefined,
    query.key !== undefined ? eq(alertsTable.key, query.key) : undefined,
    query.beforeId !== undefined ? lt(alertsTable.id, query.beforeId) : undefined,
    query.sinceTs !== undefined ? gte(alertsTable.ts, query.sinceTs) : undefined,
  );
  return db
    .select()
    .from(alertsTable)
    .where(where)
    .orderBy(desc(alertsTable.id))
    .limit(Math.min(Math.max(1, query.limit ?? 100), 1000))
    .all()
    .map(toRecord);
}

export function getAlert(db: Db, id: number): AlertRecord | undefined {
  const row = db.select().from(alertsTable).where(eq(alertsTable.id, id)).get();
  return row ? toRecord(row) : undefined;
}

/** Delete alerts raised before `beforeTs` (retention); returns how many went. */
export function pruneAlerts(db: Db, beforeTs: number): number {
  return db.delete(alertsTable).where(lt(alertsTable.ts, beforeTs)).returning({ id: alertsTable.id }).all().length;
}

export type AlertChannelRow = typeof alertChannelsTable.$inferSelect;

export interface AlertChannelInput {
  readonly kind: "telegram" | "slack" | "email" | "webhook";
  readonly name: string;
  readonly enabled: boolean;
  /** JSON text; secret fields already sealed by the caller. */
  readonly config: string;
}

export interface NewAlertChannel extends Omit<AlertChannelInput, "config"> {
  /** The config JSON for the new row's id (secret fields are sealed bound to the id). */
  readonly config: (id: number) => string;
}

/** Who changed a channel, for the audit row written in the same transaction. */
export interface ChangeOrigin {
  readonly by: string;
  readonly source?: string;
}

export function listAlertChannels(db: Db): AlertChannelRow[] {
  return db.select().from(alertChannelsTable).orderBy(alertChannelsTable.id).all();
}

export function getAlertChannel(db: Db, id: number): AlertChannelRow | undefined {
  return db.select().from(alertChannelsTable).where(eq(alertChannelsTable.id, id)).get();
}

/**
 * Add a channel and its audit row atomically. The config is written once the row has its id (so
 * secrets can be sealed bound to it); a throwing `config` leaves nothing behind. `changed` names
 * the fields set (never their values: some are secrets).
 */
export function createAlertChannel(db: Db, input: NewAlertChannel, origin: ChangeOrigin, now: number, changed: readonly string[] = []): AlertChannelRow {
  return db.transaction((tx) => {
    const inserted = tx
      .insert(alertChannelsTable)
      .values({ kind: input.kind, name: input.name, enabled: input.enabled, config: "{}", createdAt: now, updatedAt: now, updatedBy: origin.by })
      .returning({ id: alertChannelsTable.id })
      .get();
    const row = tx.update(alertChannelsTable).set({ config: input.config(inserted.id) }).where(eq(alertChannelsTable.id, inserted.id)).returning().get()!;
    recordAudit(tx, { actor: origin.by, action: "alert_channel.created", target: `alert_channel:${row.id}`, details: { kind: row.kind, name: row.name, enabled: row.enabled, fields: changed }, source: origin.source }, now);
    return row;
  });
}

export function updateAlertChannel(
  db: Db,
  id: number,
  patch: Partial<Omit<AlertChannelInput, "kind">>,
  origin: ChangeOrigin,
  now: number,
  changed: readonly string[] = [],
): AlertChannelRow | undefined {
  return db.transaction((tx) => {
    const row = tx
      .update(alertChannelsTable)
      .set({ ...patch, updatedAt: now, updatedBy: origin.by })
      .where(eq(alertChannelsTable.id, id))
      .returning()
      .get();
    if (row) recordAudit(tx, { actor: origin.by, action: "alert_channel.updated", target: `alert_channel:${id}`, details: { name: row.name, enabled: row.enabled, fields: changed }, source: origin.source }, now);
    return row;
  });
}

export function deleteAlertChannel(db: Db, id: number, origin: ChangeOrigin, now: number): boolean {
  return db.transaction((tx) => {
    const gone = tx.delete(alertChannelsTable).where(eq(alertChannelsTable.id, id)).returning().get();
    if (gone) recordAudit(tx, { actor: origin.by, action: "alert_channel.deleted", target: `alert_channel:${id}`, details: { kind: gone.kind, name: gone.name }, source: origin.source }, now);
    return gone !== undefined;
  });
}
