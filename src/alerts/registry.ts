/**
 * The configured channels: the fixed ones from the environment plus the ones the operator manages
 * on the dashboard (table `alert_channels`). Secret fields of stored channels (tokens, passwords,
 * webhook URLs) are sealed with the secrets box before they reach the database and are never
 * handed back to a page: views carry only which secret fields are set.
 *
 * Stored config JSON: the public fields as they are, the secret ones under `sealed`:
 * `{"chatIds":["123"],"format":"markdown","sealed":{"botToken":"v1:<iv>:<ciphertext>"}}`.
 */
import type { Db } from "../db/index.ts";
import { type AlertChannelRow, type ChangeOrigin, createAlertChannel, deleteAlertChannel, getAlertChannel, listAlertChannels, updateAlertChannel } from "../db/repos/alerts.ts";
import type { Logger } from "../log.ts";
import { type AlertChannel, CHANNEL_KINDS, type ChannelKind } from "../ports/alerts.ts";
import type { Clock } from "../ports/clock.ts";
import { buildChannels, type ChannelDeps } from "./channels/build.ts";
import { type ChannelSpec, type FieldErrors, parseChannelConfig, SECRET_FIELDS, secretValues, summarize } from "./config.ts";

/**
 * Encrypts secret fields at rest: the server's AES-256-GCM secrets box (`SecretsBox.seal/open`,
 * src/server/secrets.ts) fits as it is. `context` is bound into the ciphertext
 * (`alert_channels.<id>.<field>`), so a sealed value copied onto another channel or field does not open.
 */
export interface SecretSealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

/** A channel as the settings page shows it: never a secret value. */
export interface ChannelView {
  /** `env:telegram`, `db:3` (Telegram delivery channels add `:<chat id>` to it). */
  readonly id: string;
  readonly dbId: number | null;
  readonly source: "env" | "db";
  readonly kind: ChannelKind;
  readonly name: string;
  readonly enabled: boolean;
  /** The public settings (chat ids, host, recipients, minimum severity…). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Which secret fields hold a value. */
  readonly secretsSet: readonly string[];
  readonly updatedAt?: number;
  readonly updatedBy?: string;
  /** One line of non-secret settings (chats, SMTP server, URL hosts); absent when the settings do not open. */
  readonly summary?: string;
  /** Why a stored channel is not in use (its secrets cannot be opened, or it no longer validates). */
  readonly problem?: string;
}

export type SaveResult = { readonly ok: true; readonly channel: ChannelView } | { readonly ok: false; readonly errors: FieldErrors };

export interface ChannelInput {
  readonly kind?: string;
  readonly name?: string;
  readonly enabled?: boolean;
  /** Form fields; a secret field left empty keeps its stored value on update. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Optional secret fields to remove on update (an empty field keeps the stored value). */
  readonly clearSecrets?: readonly string[];
}

export interface ChannelRegistryOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sealer: SecretSealer;
  readonly envSpecs: readonly ChannelSpec[];
  readonly channelDeps: ChannelDeps;
  /** Told every secret value in use, for the log scrubber. */
  readonly onSecret?: (value: string) => void;
  /** Called after the channel set changed (the service restarts Telegram bots). */
  readonly onChange?: () => void;
}

interface Loaded {
  readonly row: AlertChannelRow;
  readonly spec: ChannelSpec | null;
  readonly problem?: string;
}

const NAME_MAX = 80;

function publicConfig(kind: ChannelKind, config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (!SECRET_FIELDS[kind].includes(k) && k !== "sealed") out[k] = v;
  return out;
}

function isKind(s: unknown): s is ChannelKind {
  return typeof s === "string" && (CHANNEL_KINDS as readonly string[]).includes(s);
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && v.trim() === "");
}

export class ChannelRegistry {
  private loaded: Loaded[] = [];
  private built: readonly AlertChannel[] = [];
  private readonly envChannels: readonly AlertChannel[];

  constructor(private readonly options: ChannelRegistryOptions) {
    this.envChannels = options.envSpecs.flatMap((s) => buildChannels(s, options.channelDeps));
    for (const s of options.envSpecs) for (const v of secretValues(s)) options.onSecret?.(v);
    this.built = this.envChannels;
  }

  /** The delivery channels in use now (environment + enabled stored ones that open and validate). */
  channels(): readonly AlertChannel[] {
    return this.built;
  }

  /** Every usable channel setting (environment first), for components that need the raw settings (the Telegram bot). */
  specs(): ChannelSpec[] {
    return [...this.options.envSpecs, ...this.loaded.filter((l) => l.row.enabled && l.spec).map((l) => l.spec!)];
  }

  /** Read the stored channels again, open their secrets and rebuild the delivery channels. */
  reload(): void {
    const loaded = listAlertChannels(this.options.db).map((row) => this.open(row));
    this.loaded = loaded;
    this.built = [...this.envChannels, ...loaded.filter((l) => l.row.enabled && l.spec).flatMap((l) => buildChannels(l.spec!, this.options.channelDeps))];
    this.options.onChange?.();
  }

  private open(row: AlertChannelRow): Loaded {
    if (!isKind(row.kind)) return { row, spec: null, problem: `unknown kind ${row.kind}` };
    let stored: Record<string, unknown>;
    try {
      stored = JSON.parse(row.config) as Record<string, unknown>;
    } catch {
      return { row, spec: null, problem: "stored settings are not valid JSON" };
    }
    const plain: Record<string, unknown> = { ...stored };
    delete plain.sealed;
    const sealed = (stored.sealed ?? {}) as Record<string, unknown>;
    for (const [field, value] of Object.entries(sealed)) {
      if (typeof value !== "string") continue;
      try {
        plain[field] = this.options.sealer.open(value, sealContext(row.id, field));
      } catch {
        this.options.logger.error({ channel: row.id, field }, "alerts: a stored channel secret cannot be decrypted (was SECRETS_KEY changed?)");
        return { row, spec: null, problem: `secret ${field} cannot be decrypted (was the secrets key changed?)` };
      }
    }
    const parsed = parseChannelConfig(row.kind, plain);
    if (!parsed.ok) return { row, spec: null, problem: `invalid settings: ${Object.entries(parsed.errors).map(([f, m]) => `${f}: ${m}`).join("; ")}` };
    const spec = { kind: row.kind, id: `db:${row.id}`, name: row.name, config: parsed.config } as ChannelSpec;
    for (const v of secretValues(spec)) this.options.onSecret?.(v);
    return { row, spec };
  }

  /** Every channel for the settings page, environment ones first (read-only there). */
  list(): ChannelView[] {
    const env: ChannelView[] = this.options.envSpecs.map((s) => ({
      id: s.id,
      dbId: null,
      source: "env",
      kind: s.kind,
      name: s.name,
      enabled: true,
      config: publicConfig(s.kind, s.config as Record<string, unknown>),
      secretsSet: SECRET_FIELDS[s.kind].filter((f) => !blank((s.config as Record<string, unknown>)[f])),
      summary: summarize(s),
    }));
    return [...env, ...this.loaded.map((l) => this.view(l))];
  }

  private view(l: Loaded): ChannelView {
    const kind = l.row.kind as ChannelKind;
    let stored: Record<string, unknown> = {};
    try {
      stored = JSON.parse(l.row.config) as Record<string, unknown>;
    } catch {
      stored = {};
    }
    const sealed = (stored.sealed ?? {}) as Record<string, unknown>;
    return {
      id: `db:${l.row.id}`,
      dbId: l.row.id,
      source: "db",
      kind,
      name: l.row.name,
      enabled: l.row.enabled,
      config: publicConfig(kind, l.spec ? (l.spec.config as Record<string, unknown>) : stored),
      secretsSet: Object.keys(sealed).filter((k) => typeof sealed[k] === "string"),
      updatedAt: l.row.updatedAt,
      updatedBy: l.row.updatedBy,
      ...(l.spec ? { summary: summarize(l.spec) } : {}),
      ...(l.problem ? { problem: l.problem } : {}),
    };
  }

  /** Add a channel from the settings form. */
  create(input: ChannelInput, origin: ChangeOrigin): SaveResult {
    if (!isKind(input.kind)) return { ok: false, errors: { kind: `one of ${CHANNEL_KINDS.join(", ")}` } };
    const name = (input.name ?? "").trim();
    if (!name || name.length > NAME_MAX) return { ok: false, errors: { name: `a name of 1 to ${NAME_MAX} characters` } };
    const config = this.withoutBlanks(input.config ?? {});
    const parsed = parseChannelConfig(input.kind, config);
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    const kind = input.kind;
    const row = this.sealing(() =>
      createAlertChannel(this.options.db, { kind, name, enabled: input.enabled ?? true, config: (id) => this.seal(id, kind, parsed.config as Record<string, unknown>) }, origin, this.options.clock.now(), Object.keys(config)),
    );
    if ("errors" in row) return { ok: false, errors: row.errors };
    this.reload();
    return { ok: true, channel: this.viewById(row.id)! };
  }

  /** Change a stored channel; secret fields left empty keep their stored values. */
  update(id: number, input: ChannelInput, origin: ChangeOrigin): SaveResult {
    const row = getAlertChannel(this.options.db, id);
    if (!row || !isKind(row.kind)) return { ok: false, errors: { _: "no such channel" } };
    const name = input.name === undefined ? row.name : input.name.trim();
    if (!name || name.length > NAME_MAX) return { ok: false, errors: { name: `a name of 1 to ${NAME_MAX} characters` } };
    let configText = row.config;
    const changed = [...Object.keys(this.withoutBlanks(input.config ?? {})), ...(input.clearSecrets ?? [])];
    if (input.config || input.clearSecrets) {
      const current = this.open(row);
      const base: Record<string, unknown> = current.spec ? { ...(current.spec.config as Record<string, unknown>) } : {};
      if (!current.spec) {
        // A channel that no longer opens can still be repaired: every secret must then be given again.
        for (const f of SECRET_FIELDS[row.kind]) delete base[f];
      }
      for (const f of Object.keys(input.config ?? {})) if (!SECRET_FIELDS[row.kind].includes(f)) delete base[f];
      for (const f of input.clearSecrets ?? []) if (SECRET_FIELDS[row.kind].includes(f)) delete base[f];
      const merged = { ...base, ...this.withoutBlanks(input.config ?? {}) };
      const parsed = parseChannelConfig(row.kind, merged);
      if (!parsed.ok) return { ok: false, errors: parsed.errors };
      const kind = row.kind;
      const sealed = this.sealing(() => this.seal(id, kind, parsed.config as Record<string, unknown>));
      if (typeof sealed !== "string") return { ok: false, errors: sealed.errors };
      configText = sealed;
    }
    updateAlertChannel(this.options.db, id, { name, enabled: input.enabled ?? row.enabled, config: configText }, origin, this.options.clock.now(), [...changed, ...(input.enabled !== undefined && input.enabled !== row.enabled ? ["enabled"] : []), ...(name !== row.name ? ["name"] : [])]);
    this.reload();
    return { ok: true, channel: this.viewById(id)! };
  }

  remove(id: number, origin: ChangeOrigin): boolean {
    const gone = deleteAlertChannel(this.options.db, id, origin, this.options.clock.now());
    if (gone) this.reload();
    return gone;
  }

  /** Run a step that seals secrets; a box that cannot seal (no SECRETS_KEY) becomes a form error. */
  private sealing<T>(step: () => T): T | { errors: FieldErrors } {
    try {
      return step();
    } catch (err) {
      if (err instanceof SealFailed) return { errors: { _: err.message } };
      throw err;
    }
  }

  private viewById(id: number): ChannelView | undefined {
    const l = this.loaded.find((x) => x.row.id === id);
    return l ? this.view(l) : undefined;
  }

  /** Empty form fields mean "not given" (an empty secret keeps the stored one). */
  private withoutBlanks(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) if (!blank(v)) out[k] = v;
    return out;
  }

  private seal(id: number, kind: ChannelKind, config: Record<string, unknown>): string {
    const out: Record<string, unknown> = {};
    const sealed: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
      if (v === undefined) continue;
      if (!SECRET_FIELDS[kind].includes(k)) out[k] = v;
      else {
        try {
          sealed[k] = this.options.sealer.seal(String(v), sealContext(id, k));
        } catch (err) {
          throw new SealFailed(err instanceof Error ? err.message : String(err));
        }
      }
    }
    return JSON.stringify({ ...out, sealed });
  }
}

/** The secrets box refused to seal (usually: no SECRETS_KEY configured). */
class SealFailed extends Error {}

/** What a sealed field is bound to. */
function sealContext(id: number, field: string): string {
  return `alert_channels.${id}.${field}`;
}
