/**
 * The alerts as the dashboard's settings and overview pages use them (the `AlertAdmin` interface
 * of src/server/dashboard/deps.ts, matched structurally so this module does not depend on the
 * server): channel list with non-secret summaries, recent alerts, add / enable / delete a stored
 * channel, and the test button. A refused change (invalid settings, an environment channel,
 * a box without SECRETS_KEY) is thrown as the error `refuse` builds (the composition root passes
 * one that makes the server's 4xx ApiError with per-field messages).
 */
import type { Db } from "../db/index.ts";
import { listAlerts } from "../db/repos/alerts.ts";
import type { AlertChannelView, AlertSeverity, AlertView, DeliveryResult, NewAlertChannel } from "../ports/alerts.ts";
import type { FieldErrors } from "./config.ts";
import type { AlertService } from "./service.ts";

export interface AlertAdminOptions {
  readonly service: Pick<AlertService, "channels" | "testChannel">;
  readonly db: Db;
  /** The error to throw for a refused change: message plus per-field messages. */
  readonly refuse: (message: string, fields: Record<string, string[]>) => Error;
}

export interface AlertAdminPort {
  listChannels(): readonly AlertChannelView[];
  recentAlerts(limit: number): readonly AlertView[];
  /** Sends a test alert through a channel now, in the name of `by` (the user who pressed the button). */
  testChannel(id: string, by: string): Promise<DeliveryResult>;
  createChannel(input: NewAlertChannel, by: string): Promise<AlertChannelView>;
  setChannelEnabled(id: string, enabled: boolean, by: string): Promise<AlertChannelView>;
  deleteChannel(id: string, by: string): Promise<void>;
}

/** `db:3` -> 3; anything else (an environment channel, garbage) -> null. */
function storedId(id: string): number | null {
  const m = /^db:(\d+)$/.exec(id);
  return m ? Number(m[1]) : null;
}

export function createAlertAdmin(options: AlertAdminOptions): AlertAdminPort {
  const { service, db, refuse } = options;
  const registry = service.channels;

  function refusal(errors: FieldErrors): Error {
    const fields: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(errors)) if (k !== "_") fields[k] = [v];
    const general = errors._ ?? Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join("; ");
    return refuse(general || "invalid channel settings", fields);
  }

  function viewOf(id: string): AlertChannelView {
    const v = listChannels().find((c) => c.id === id);
    if (!v) throw refuse("no such channel", {});
    return v;
  }

  function listChannels(): AlertChannelView[] {
    return registry.list().map((v) => ({
      id: v.id,
      kind: v.kind,
      name: v.name,
      enabled: v.enabled,
      minSeverity: (v.config.minSeverity as AlertSeverity | undefined) ?? "info",
      ...(v.summary !== undefined ? { summary: v.summary } : v.problem ? { summary: v.problem } : {}),
      editable: v.source === "db",
    }));
  }

  function requireStored(id: string): number {
    const n = storedId(id);
    if (n === null) throw refuse("channels from environment variables are changed in the environment", {});
    return n;
  }

  return {
    listChannels,
    recentAlerts: (limit) => listAlerts(db, { limit }).map((a) => ({ id: a.id, ts: a.ts, severity: a.severity, title: a.title, text: a.text, suppressed: a.suppressed })),
    async testChannel(id, by) {
      const results = await service.testChannel(id, by);
      if (results.length === 0) return { ok: false, retryable: false, error: "no such channel" };
      const failed = results.filter((r) => !r.ok);
      if (failed.length === 0) return { ok: true, retryable: false };
      return { ok: false, retryable: failed.every((r) => r.retryable), error: failed.map((r) => (results.length > 1 ? `${r.channel}: ${r.error}` : (r.error ?? "failed"))).join("; ") };
    },
    async createChannel(input, by) {
      const r = registry.create({ kind: input.kind, name: input.name, config: { ...input.config, minSeverity: input.minSeverity } }, { by });
      if (!r.ok) throw refusal(r.errors);
      return viewOf(r.channel.id);
    },
    async setChannelEnabled(id, enabled, by) {
      const r = registry.update(requireStored(id), { enabled }, { by });
      if (!r.ok) throw refusal(r.errors);
      return viewOf(id);
    },
    async deleteChannel(id, by) {
      if (!registry.remove(requireStored(id), { by })) throw refuse("no such channel", {});
    },
  };
}
