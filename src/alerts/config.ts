/**
 * Channel settings: one zod schema per channel kind (the dashboard form and the environment are
 * validated by the same schemas), which of their fields are secrets (stored sealed, never shown
 * back), and the channels configured by environment variables.
 */
import { z } from "zod";
import { ALERT_SEVERITIES, type ChannelKind } from "../ports/alerts.ts";
import { isMailAddress } from "./smtp.ts";
import type { Lang } from "./format.ts";

const severity = (fallback: (typeof ALERT_SEVERITIES)[number]) => z.enum(ALERT_SEVERITIES, { error: "info, warning or critical" }).default(fallback);

const httpUrl = z.string().trim().refine((s) => {
  try {
    return ["http:", "https:"].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}, "a URL starting with http:// or https://");

const address = z.string().trim().refine(isMailAddress, "an e-mail address like bot@example.com");

/** A comma- or whitespace-separated list from a form field or env var, or an array; at least one item. */
const list = (item: z.ZodType<string>, emptyMessage: string) =>
  z.preprocess((v) => (typeof v === "string" ? v.split(/[\s,]+/).filter((s) => s.length > 0) : (v ?? [])), z.array(item).min(1, emptyMessage));

/** true/false from a checkbox, an env var (1/0, yes/no, on/off) or JSON. */
const flag = z.preprocess((v) => {
  if (typeof v !== "string") return v;
  const t = v.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(t)) return true;
  if (["0", "false", "no", "off", ""].includes(t)) return false;
  return v;
}, z.boolean({ error: "true or false" }));

export const telegramConfigSchema = z.object({
  botToken: z.string().trim().regex(/^\d{3,}:[A-Za-z0-9_-]{20,}$/, "a bot token from @BotFather, like 123456789:AA…"),
  /** Chats that receive alerts and may send commands: numeric ids (groups are negative) or @channel names. */
  chatIds: list(z.string().regex(/^(-?\d+|@[A-Za-z0-9_]{5,})$/, "a chat id like 123456789 or -1001234567890"), "at least one chat id"),
  apiUrl: httpUrl.optional(),
  /** MarkdownV2 (bold headline) or plain text. */
  format: z.enum(["markdown", "plain"]).default("markdown"),
  minSeverity: severity("info"),
  /** Alerts below this severity arrive without a notification sound. */
  quietBelow: severity("warning"),
});

export const slackConfigSchema = z.object({
  webhookUrl: httpUrl,
  minSeverity: severity("info"),
});

export const emailConfigSchema = z.object({
  host: z.string().trim().min(1, "the SMTP server's host name"),
  port: z.coerce.number().int().min(1).max(65_535).default(587),
  /** Implicit TLS (usually port 465); otherwise STARTTLS per `starttls`. */
  secure: flag.default(false),
  /** A checkbox ("on", "true") means required; unchecked or "false" means auto. */
  starttls: z.preprocess((v) => {
    if (typeof v === "boolean") return v ? "required" : "auto";
    if (typeof v !== "string") return v;
    const t = v.trim().toLowerCase();
    return ["on", "true", "1", "yes"].includes(t) ? "required" : ["off", "false", "0", "no", ""].includes(t) ? "auto" : t;
  }, z.enum(["auto", "required", "never"], { error: "auto, required or never" }).default("auto")),
  user: z.string().trim().optional(),
  password: z.string().optional(),
  from: address,
  to: list(address, "at least one recipient"),
  subjectPrefix: z.string().max(40).default("[bithumb-bot]"),
  minSeverity: severity("warning"),
});

export const webhookConfigSchema = z.object({
  url: httpUrl,
  /** HMAC-SHA256 key for the X-Alert-Signature header (optional, at least 16 characters). */
  secret: z.string().min(16, "at least 16 characters").optional(),
  minSeverity: severity("info"),
});

export type TelegramConfig = z.output<typeof telegramConfigSchema>;
export type SlackConfig = z.output<typeof slackConfigSchema>;
export type EmailConfig = z.output<typeof emailConfigSchema>;
export type WebhookConfig = z.output<typeof webhookConfigSchema>;

export const CHANNEL_SCHEMAS = {
  telegram: telegramConfigSchema,
  slack: slackConfigSchema,
  email: emailConfigSchema,
  webhook: webhookConfigSchema,
} as const;

/** Fields stored sealed by the secrets box and never rendered back (tokens, passwords, webhook URLs). */
export const SECRET_FIELDS: Readonly<Record<ChannelKind, readonly string[]>> = {
  telegram: ["botToken"],
  slack: ["webhookUrl"],
  email: ["password"],
  webhook: ["url", "secret"],
};

/** A channel's validated settings, tagged with its kind. */
export type ChannelSpec =
  | { readonly kind: "telegram"; readonly id: string; readonly name: string; readonly config: TelegramConfig }
  | { readonly kind: "slack"; readonly id: string; readonly name: string; readonly config: SlackConfig }
  | { readonly kind: "email"; readonly id: string; readonly name: string; readonly config: EmailConfig }
  | { readonly kind: "webhook"; readonly id: string; readonly name: string; readonly config: WebhookConfig };

/** Field name -> message, for the settings form. */
export type FieldErrors = Readonly<Record<string, string>>;

export type ParsedConfig<K extends ChannelKind> = { readonly ok: true; readonly config: z.output<(typeof CHANNEL_SCHEMAS)[K]> } | { readonly ok: false; readonly errors: FieldErrors };

/** Validate one kind's settings; errors keyed by field (first message per field). */
export function parseChannelConfig<K extends ChannelKind>(kind: K, input: unknown): ParsedConfig<K> {
  const r = CHANNEL_SCHEMAS[kind].safeParse(input);
  if (r.success) return { ok: true, config: r.data as z.output<(typeof CHANNEL_SCHEMAS)[K]> };
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : "_";
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/**
 * The alert settings from the environment, already parsed by the config loader (names as in
 * .env.example). Unset = channel not configured.
 */
export interface AlertEnv {
  readonly ALERT_LANG?: string;
  readonly TELEGRAM_BOT_TOKEN?: string;
  readonly TELEGRAM_CHAT_IDS?: string;
  readonly TELEGRAM_API_URL?: string;
  readonly SLACK_WEBHOOK_URL?: string;
  readonly SMTP_HOST?: string;
  readonly SMTP_PORT?: string | number;
  readonly SMTP_SECURE?: string | boolean;
  readonly SMTP_STARTTLS?: string;
  readonly SMTP_USER?: string;
  readonly SMTP_PASSWORD?: string;
  readonly SMTP_FROM?: string;
  readonly SMTP_TO?: string;
  readonly ALERT_WEBHOOK_URL?: string;
  readonly ALERT_WEBHOOK_SECRET?: string;
}

export interface EnvChannels {
  readonly lang: Lang;
  readonly specs: readonly ChannelSpec[];
  /** One line per bad setting: `TELEGRAM_CHAT_IDS: at least one chat id`. */
  readonly problems: readonly string[];
  /** Secret values to hand to the log scrubber. */
  readonly secrets: readonly string[];
}

const ENV_FIELD: Readonly<Record<ChannelKind, Readonly<Record<string, string>>>> = {
  telegram: { botToken: "TELEGRAM_BOT_TOKEN", chatIds: "TELEGRAM_CHAT_IDS", apiUrl: "TELEGRAM_API_URL" },
  slack: { webhookUrl: "SLACK_WEBHOOK_URL" },
  email: { host: "SMTP_HOST", port: "SMTP_PORT", secure: "SMTP_SECURE", starttls: "SMTP_STARTTLS", user: "SMTP_USER", password: "SMTP_PASSWORD", from: "SMTP_FROM", to: "SMTP_TO" },
  webhook: { url: "ALERT_WEBHOOK_URL", secret: "ALERT_WEBHOOK_SECRET" },
};

/** Every environment variable the alerts read (for the config schema: all optional strings). */
export const ALERT_ENV_VARS = ["ALERT_LANG", ...new Set(Object.values(ENV_FIELD).flatMap((f) => Object.values(f)))] as const;

/** The ones whose values are secrets (never echoed in config errors, scrubbed from logs). */
export const ALERT_SECRET_ENV_VARS = ["TELEGRAM_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SMTP_PASSWORD", "ALERT_WEBHOOK_URL", "ALERT_WEBHOOK_SECRET"] as const;

const blank = (v: unknown) => v === undefined || (typeof v === "string" && v.trim() === "");

/**
 * The channels the environment configures (ids `env:<kind>`), validated by the channel schemas.
 * A kind is configured when any of its variables is set; then its required ones must be too.
 */
export function channelsFromEnv(env: AlertEnv): EnvChannels {
  const problems: string[] = [];
  const specs: ChannelSpec[] = [];
  const lang: Lang = env.ALERT_LANG === "en" ? "en" : "ko";
  if (!blank(env.ALERT_LANG) && env.ALERT_LANG !== "ko" && env.ALERT_LANG !== "en") problems.push("ALERT_LANG: ko or en");
  for (const kind of Object.keys(ENV_FIELD) as ChannelKind[]) {
    const fields = ENV_FIELD[kind];
    const input: Record<string, unknown> = {};
    for (const [field, name] of Object.entries(fields)) {
      const value = (env as Record<string, unknown>)[name];
      if (!blank(value)) input[field] = value;
    }
    if (Object.keys(input).length === 0) continue;
    const parsed = parseChannelConfig(kind, input);
    if (!parsed.ok) {
      for (const [field, message] of Object.entries(parsed.errors)) problems.push(`${fields[field] ?? field}: ${message}`);
      continue;
    }
    specs.push({ kind, id: `env:${kind}`, name: `${kind} (env)`, config: parsed.config } as ChannelSpec);
  }
  return { lang, specs, problems, secrets: specs.flatMap(secretValues) };
}

/** The host of a URL (secret URLs are summarised by their host only). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
}

/** One line of non-secret settings for a channel list: chats, SMTP server and recipients, URL hosts. */
export function summarize(spec: ChannelSpec): string {
  switch (spec.kind) {
    case "telegram":
      return `chats ${spec.config.chatIds.join(", ")} · ${spec.config.format}${spec.config.apiUrl ? ` · ${hostOf(spec.config.apiUrl)}` : ""}`;
    case "slack":
      return hostOf(spec.config.webhookUrl);
    case "email":
      return `${spec.config.host}:${spec.config.port}${spec.config.secure ? " (TLS)" : spec.config.starttls === "never" ? "" : " (STARTTLS)"} → ${spec.config.to.join(", ")}`;
    case "webhook":
      return `${hostOf(spec.config.url)}${spec.config.secret ? " · signed" : ""}`;
  }
}

/** The secret values of a channel's settings (for log scrubbing). */
export function secretValues(spec: ChannelSpec): string[] {
  const config = spec.config as Record<string, unknown>;
  return SECRET_FIELDS[spec.kind].map((f) => config[f]).filter((v): v is string => typeof v === "string" && v.length >= 4);
}
