import type { AlertChannel } from "../../ports/alerts.ts";
import type { Clock } from "../../ports/clock.ts";
import type { ChannelSpec } from "../config.ts";
import type { Lang } from "../format.ts";
import type { SmtpOptions } from "../smtp.ts";
import { createEmailChannel } from "./email.ts";
import { createSlackChannel } from "./slack.ts";
import { createTelegramChannels } from "./telegram.ts";
import { createWebhookChannel } from "./webhook.ts";

export interface ChannelDeps {
  readonly clock: Clock;
  readonly lang: Lang;
  readonly random: () => number;
  /** Extra TLS trust for SMTP (a private CA); tests pass the fixture's. */
  readonly smtpTls?: SmtpOptions["tls"];
  /** Per-request deadline for HTTP channels and per-step for SMTP. */
  readonly timeoutMs?: number;
}

/** The delivery channels for one configured destination (Telegram: one per chat). */
export function buildChannels(spec: ChannelSpec, deps: ChannelDeps): AlertChannel[] {
  const base = { id: spec.id, name: spec.name };
  switch (spec.kind) {
    case "telegram":
      return createTelegramChannels(base, spec.config, deps);
    case "slack":
      return [createSlackChannel(base, spec.config, deps)];
    case "email":
      return [createEmailChannel(base, spec.config, { ...deps, ...(deps.smtpTls ? { tls: deps.smtpTls } : {}) })];
    case "webhook":
      return [createWebhookChannel(base, spec.config, deps)];
  }
}
