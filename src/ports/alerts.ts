/**
 * Alerts: what the runtime raises and what a delivery channel (Telegram, Slack, e-mail, webhook)
 * must do with it. The runtime only knows the sink (`actors/deps.ts` `AlertSink`, the same shape
 * as `Alert`); the alerts module (`src/alerts`) rate-limits, de-duplicates, stores and delivers.
 */

export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** One alert as the runtime raises it. `key` identifies "the same alert" for de-duplication. */
export interface Alert {
  readonly severity: AlertSeverity;
  /** Stable identity of the condition: `trading_halted`, `halted:trader:KRW-BTC`, `daily_pnl:2026-11-26`. */
  readonly key: string;
  readonly title: string;
  readonly text: string;
  /** When it happened (runtime clock, epoch ms). */
  readonly ts: number;
}

/** What a channel is handed: the alert plus what the dispatcher knows about its duplicates. */
export interface AlertMessage extends Alert {
  /** Row id in the `alerts` table (null when the database write failed). */
  readonly id: number | null;
  /** How many alerts with this key were held back since the last one delivered. */
  readonly suppressed: number;
}

export const CHANNEL_KINDS = ["telegram", "slack", "email", "webhook"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/**
 * The outcome of one delivery attempt. `retryable` says whether trying again later may succeed
 * (network, timeout, 5xx, 429, SMTP 4xx); `retryAfterMs` is the receiver's own wait, when it gave one.
 */
export interface DeliveryResult {
  readonly ok: boolean;
  readonly retryable: boolean;
  readonly error?: string;
  readonly retryAfterMs?: number;
}

/** One configured destination. `send` never throws: every failure is a `DeliveryResult`. */
export interface AlertChannel {
  /** `env:telegram`, `db:3`: unique among the configured channels. */
  readonly id: string;
  readonly kind: ChannelKind;
  readonly name: string;
  /** Alerts below this severity are not sent here. */
  readonly minSeverity: AlertSeverity;
  send(message: AlertMessage, signal?: AbortSignal): Promise<DeliveryResult>;
}

/** True when `severity` is at least `min` (info < warning < critical). */
export function severityAtLeast(severity: AlertSeverity, min: AlertSeverity): boolean {
  return ALERT_SEVERITIES.indexOf(severity) >= ALERT_SEVERITIES.indexOf(min);
}

/**
 * A configured channel as the settings page and the alerts admin show it: `env:telegram` or `db:3`;
 * only stored (`db:`) channels are `editable` (environment ones change in the environment).
 */
export interface AlertChannelView {
  readonly id: string;
  readonly kind: ChannelKind;
  readonly name: string;
  readonly enabled: boolean;
  readonly minSeverity: AlertSeverity;
  /** Non-secret settings to show (chat ids, host, URL host), already stripped of secrets. */
  readonly summary?: string;
  readonly editable: boolean;
}

/** A recorded alert as the dashboard lists it. */
export interface AlertView {
  readonly id: number;
  readonly ts: number;
  readonly severity: AlertSeverity;
  readonly title: string;
  readonly text: string;
  readonly suppressed: boolean;
}

/** A channel to add: `config` holds the kind's form fields as typed (secret ones included: they are sealed before storing). */
export interface NewAlertChannel {
  readonly kind: ChannelKind;
  readonly name: string;
  readonly minSeverity: AlertSeverity;
  readonly config: Readonly<Record<string, string>>;
}
