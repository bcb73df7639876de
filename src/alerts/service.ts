/**
 * The alerts module assembled: channels from the environment and the database, the dispatcher
 * (the runtime's AlertSink), the Telegram command bots and the test button. `main.ts` builds one
 * with `createAlertService`, hands `service.alerter.alert` to the runtime as `deps.alert`, calls
 * `start()` after the runtime and `stop()` at shutdown.
 */
import type { Db } from "../db/index.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "../ports/clock.ts";
import type { ControlPort } from "../ports/control.ts";
import type { EnvChannels, TelegramConfig } from "./config.ts";
import { type Alerter, type AlerterOptions, type ChannelTestResult, createAlerter, type RetryPolicy } from "./dispatcher.ts";
import type { RateLimit } from "./rate-limit.ts";
import { ChannelRegistry, type SecretSealer } from "./registry.ts";
import type { SmtpOptions } from "./smtp.ts";
import { TelegramApi } from "./telegram/api.ts";
import { createTelegramBot, type TelegramBot } from "./telegram/bot.ts";
import { TelegramCommands } from "./telegram/commands.ts";

export interface AlertServiceOptions {
  readonly db: Db;
  /** Wall clock: delivery pacing, retries, Telegram message ages. */
  readonly clock: Clock;
  /** Runtime time (simulated in sim mode) for audit rows and "today" in /profit (default: clock). */
  readonly runtimeNow?: () => number;
  readonly logger: Logger;
  /** `channelsFromEnv(...)`: the environment's channels and language. */
  readonly env: EnvChannels;
  /** Seals secret fields of dashboard-managed channels. */
  readonly sealer: SecretSealer;
  readonly random?: () => number;
  /**
   * The running bot; with it, Telegram chats may send commands. Usually handed to `start()`
   * instead: the alerter must exist before the runtime (which raises alerts while it starts).
   */
  readonly control?: ControlPort;
  /** Poll Telegram for commands (default true when a control port is given). */
  readonly telegramCommands?: boolean;
  readonly rateLimit?: RateLimit;
  readonly dedupeWindowMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly queueLimit?: number;
  /** Every delivery outcome per channel (main feeds `metrics.alertDeliveriesTotal`). */
  readonly onOutcome?: AlerterOptions["onOutcome"];
  readonly smtpTls?: SmtpOptions["tls"];
  /** Per-request deadline of the channels (default 10 s HTTP, 15 s per SMTP step). */
  readonly timeoutMs?: number;
  /** Told every secret value in use (tokens, passwords), for the log scrubber. */
  readonly onSecret?: (value: string) => void;
  readonly telegram?: { readonly pollTimeoutSec?: number; readonly maxCommandAgeMs?: number; readonly backoff?: { readonly baseMs: number; readonly maxMs: number } };
}

export interface AlertService {
  readonly alerter: Alerter;
  readonly channels: ChannelRegistry;
  /** The settings page's test button: `db:3`, `env:telegram`, a kind, or a stored channel's number; `by` is who pressed it. */
  testChannel(idOrKind: string | number, by: string): Promise<ChannelTestResult[]>;
  /** Load the stored channels and start the Telegram command bots (commands need `control`, here or in the options). */
  start(options?: { control?: ControlPort }): Promise<void>;
  /** Give queued deliveries up to `drainMs` (default 3 s), then stop everything. */
  stop(options?: { drainMs?: number }): Promise<void>;
}

interface RunningBot {
  readonly signature: string;
  readonly bot: TelegramBot;
}

export function createAlertService(options: AlertServiceOptions): AlertService {
  const { db, clock, logger } = options;
  const lang = options.env.lang;
  const random = options.random ?? Math.random;
  const runtimeNow = options.runtimeNow ?? (() => clock.now());
  const log = logger.child({ component: "alerts" });
  const bots = new Map<string, RunningBot>();
  let started = false;
  /** Bot restarts run one after another: two quick channel edits must not start two pollers. */
  let syncing: Promise<void> = Promise.resolve();
  const requestSync = (): Promise<void> => {
    syncing = syncing.then(syncBots).catch((err: unknown) => log.error({ err }, "telegram: could not restart the command bots"));
    return syncing;
  };

  const registry = new ChannelRegistry({
    db,
    clock,
    logger: log,
    sealer: options.sealer,
    envSpecs: options.env.specs,
    channelDeps: { clock, lang, random, ...(options.smtpTls ? { smtpTls: options.smtpTls } : {}), ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) },
    onSecret: options.onSecret,
    onChange: () => {
      if (started) void requestSync();
    },
  });

  const alerter = createAlerter({
    channels: () => registry.channels(),
    clock,
    db,
    logger: log,
    lang,
    random,
    rateLimit: options.rateLimit,
    dedupeWindowMs: options.dedupeWindowMs,
    retry: options.retry,
    queueLimit: options.queueLimit,
    onOutcome: options.onOutcome,
  });

  let control = options.control;
  const commandsEnabled = () => control !== undefined && options.telegramCommands !== false;

  /** One bot per token (two pollers on one token make Telegram answer 409), obeying the union of its chats. */
  function wantedBots(): Map<string, { token: string; apiUrl?: string; chatIds: string[] }> {
    const wanted = new Map<string, { token: string; apiUrl?: string; chatIds: string[] }>();
    if (!commandsEnabled()) return wanted;
    for (const spec of registry.specs()) {
      if (spec.kind !== "telegram") continue;
      const c: TelegramConfig = spec.config;
      const entry = wanted.get(c.botToken) ?? { token: c.botToken, ...(c.apiUrl ? { apiUrl: c.apiUrl } : {}), chatIds: [] };
      for (const id of c.chatIds) if (!entry.chatIds.includes(id)) entry.chatIds.push(id);
      wanted.set(c.botToken, entry);
    }
    return wanted;
  }

  async function syncBots(): Promise<void> {
    const wanted = wantedBots();
    for (const [token, running] of [...bots]) {
      const w = wanted.get(token);
      if (!w || JSON.stringify(w) !== running.signature) {
        bots.delete(token);
        await running.bot.stop();
      }
    }
    for (const [token, w] of wanted) {
      if (bots.has(token)) continue;
      const api = new TelegramApi({ token, apiUrl: w.apiUrl, clock });
      const commands = new TelegramCommands({ control: control!, db, lang, runtimeNow, now: () => clock.now(), random });
      const bot = createTelegramBot({
        api,
        commands,
        allowedChatIds: w.chatIds,
        db,
        clock,
        runtimeNow,
        logger: log.child({ component: "telegram-bot" }),
        random,
        ...options.telegram,
      });
      bots.set(token, { signature: JSON.stringify(w), bot });
      bot.start();
      log.info({ chats: w.chatIds.length }, "telegram: listening for commands");
    }
  }

  return {
    alerter,
    channels: registry,
    testChannel(idOrKind, by) {
      return alerter.test(typeof idOrKind === "number" ? `db:${idOrKind}` : idOrKind, by);
    },
    async start(startOptions = {}) {
      control = startOptions.control ?? control;
      try {
        registry.reload();
      } catch (err) {
        log.error({ err }, "alerts: could not load the stored channels; using the environment's only");
      }
      started = true;
      await requestSync();
      log.info({ channels: registry.channels().map((c) => c.id) }, "alerts: channels ready");
    },
    async stop(stopOptions = {}) {
      started = false;
      await syncing;
      await Promise.all([...bots.values()].map((b) => b.bot.stop()));
      bots.clear();
      await alerter.flush(stopOptions.drainMs ?? 3_000);
      alerter.stop();
    },
  };
}
