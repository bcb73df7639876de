import type { Interval } from "../../core/model.ts";
import type { Db } from "../../db/index.ts";
import type { Logger } from "../../log.ts";
import type { AlertChannelView, AlertView, DeliveryResult, NewAlertChannel } from "../../ports/alerts.ts";
import type { Clock } from "../../ports/clock.ts";
import type { ControlPort } from "../../ports/control.ts";
import type { UserService } from "../auth/users.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { SecretsBox } from "../secrets.ts";

/**
 * Everything the dashboard needs from the rest of the bot. The services of the other parts of
 * issue 6 (users, tokens and secrets from the platform, alert channels from the alerter) come in
 * as narrow views of their real types; a missing one turns its settings section into a "not
 * available" note instead of failing the page.
 *
 * Services signal an expected refusal (a taken user name, an invalid channel setting, the last
 * admin) by throwing `ApiError` (src/server/errors.ts) with a 4xx status, optionally with
 * per-field messages; the dashboard shows that message (and the fields next to their inputs). Any
 * other error is logged and shown as a generic failure.
 */
export interface DashboardDeps {
  readonly control: ControlPort;
  readonly db: Db;
  /** The runtime clock: audit timestamps, "today". */
  readonly clock: Clock;
  readonly logger: Logger;
  /** The traders' candle interval (what the market charts read from the candles table). */
  readonly interval: Interval;
  /** Users and roles (the platform's `auth.users`). */
  readonly users?: UserAdmin;
  /** API tokens (the platform's `auth.tokens`). */
  readonly tokens?: TokenAdmin;
  /** The secrets box (exchange keys). */
  readonly secrets?: SecretStore;
  readonly alerts?: AlertAdmin;
  readonly backtests?: BacktestSettings;
  readonly live?: LiveSettings;
}

export interface LiveSettings {
  /** How often the shared broadcaster samples the bot (default 1,000 ms). */
  readonly tickMs?: number;
  /** Idle gap after which a client gets a heartbeat (default 5,000 ms; Bun cuts idle streams at 10 s). */
  readonly heartbeatMs?: number;
  /** Wall clock for ticks and heartbeats (default: `deps.clock`). Pass the system clock when the runtime's clock is scaled. */
  readonly clock?: Clock;
}

export interface BacktestSettings {
  /** Folder of candle files offered as data (`data/candles`). */
  readonly candlesDir: string;
  /** Folder the dashboard writes its reports to (and the only one it serves reports from). */
  readonly reportsDir: string;
  /** Backtests running at once, each in its own worker thread (default 1). */
  readonly maxConcurrent?: number;
  /** The bot's database file: offers markets' stored candles as data (the worker opens it read-only). */
  readonly dbPath?: string;
}

/** The platform's user service, as far as the settings page uses it (each change is audited there). */
export type UserAdmin = Pick<UserService, "listUsers" | "createUser" | "setRole" | "setLang" | "disableUser" | "enableUser" | "resetPassword">;

/** The platform's token service (a new token's plaintext is returned once; changes are audited there). */
export type TokenAdmin = Pick<TokenService, "listTokens" | "createToken" | "revokeToken">;

/** The secrets box: the dashboard writes and deletes exchange keys, and asks who set them; it never reads a value. */
export type SecretStore = Pick<SecretsBox, "saveSecret" | "deleteSecret" | "secretInfo" | "available">;

/** The exchange API keys kept in the secrets box. */
export const EXCHANGE_KEY_NAMES = ["bithumb.access_key", "bithumb.secret_key"] as const;

export type { AlertChannelView, AlertView, NewAlertChannel };

/** Alert channels and recent alerts (the alerter, src/alerts). */
export interface AlertAdmin {
  listChannels(): readonly AlertChannelView[] | Promise<readonly AlertChannelView[]>;
  recentAlerts(limit: number): readonly AlertView[] | Promise<readonly AlertView[]>;
  /** Sends a test alert through one channel now; `by` (the logged-in user) is named in the message and the alerter's log. */
  testChannel(id: string, by: string): Promise<DeliveryResult>;
  createChannel(input: NewAlertChannel, by: string): Promise<unknown>;
  setChannelEnabled(id: string, enabled: boolean, by: string): Promise<unknown>;
  deleteChannel(id: string, by: string): Promise<unknown>;
}
