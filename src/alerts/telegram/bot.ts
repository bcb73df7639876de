/**
 * The Telegram command bot: long-polls `getUpdates`, accepts commands only from the allowed chat
 * ids (anything else is ignored, logged and audited as refused), refuses commands that waited
 * too long in Telegram's queue (sent while the bot was down: a stale /flatten must not fire
 * hours later), runs them (commands.ts), audits each one (who = `telegram:<chat id>`) and answers
 * in the chat.
 *
 * Polling errors back off exponentially with jitter (honouring Telegram's retry_after); a 409
 * (a webhook is set, or another process polls with the same token) or 401 (bad token) is logged
 * as an error with what to do, and polling goes on at the slowest pace.
 */
import { type Db, recordAudit } from "../../db/index.ts";
import type { Logger } from "../../log.ts";
import { type Clock, sleep } from "../../ports/clock.ts";
import { truncate } from "../format.ts";
import type { TelegramApi, TelegramUpdate } from "./api.ts";
import { parseCommand, type TelegramCommands } from "./commands.ts";

export interface TelegramBotOptions {
  readonly api: TelegramApi;
  readonly commands: TelegramCommands;
  /** Chats whose commands are obeyed. */
  readonly allowedChatIds: readonly string[];
  readonly db: Db;
  /** Wall clock: polling pace and message ages (Telegram stamps messages in real time). */
  readonly clock: Clock;
  /** Runtime time for audit rows (the runtime's own audit rows use it). */
  readonly runtimeNow?: () => number;
  readonly logger: Logger;
  readonly random?: () => number;
  /** Long-poll wait on Telegram's side (default 25 s). */
  readonly pollTimeoutSec?: number;
  /** Commands older than this are refused (default 2 min). */
  readonly maxCommandAgeMs?: number;
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** The bot's user name, to ignore `/cmd@OtherBot` in groups. */
  readonly botUsername?: string;
}

export interface TelegramBot {
  start(): void;
  /** Stop polling (the in-flight long poll is cancelled) and wait for the loop to end. */
  stop(): Promise<void>;
  /** Updates handled so far (tests and diagnostics). */
  readonly handled: number;
}

/** Telegram's message size limit is 4096 characters. */
const REPLY_MAX = 4_000;

export function createTelegramBot(options: TelegramBotOptions): TelegramBot {
  const { api, clock, logger, db } = options;
  const allowed = new Set(options.allowedChatIds.map(String));
  const random = options.random ?? (() => 0.5);
  const pollTimeoutSec = options.pollTimeoutSec ?? 25;
  const maxAgeMs = options.maxCommandAgeMs ?? 120_000;
  const backoff = options.backoff ?? { baseMs: 1_000, maxMs: 60_000 };
  const runtimeNow = options.runtimeNow ?? (() => clock.now());
  let offset: number | null = null;
  let abort = new AbortController();
  let loop: Promise<void> | null = null;
  let stopped = true;
  let handled = 0;

  function audit(chatId: string, action: string, target: string, details: Record<string, unknown>): void {
    try {
      recordAudit(db, { actor: `telegram:${chatId}`, action, target, details, source: "telegram" }, runtimeNow());
    } catch (err) {
      logger.error({ err, chatId, action }, "telegram: could not write the audit row");
    }
  }

  async function reply(chatId: string, text: string): Promise<void> {
    const r = await api.sendMessage(chatId, truncate(text, REPLY_MAX), { signal: abort.signal });
    if (!r.ok) logger.warn({ chatId, error: r.error }, "telegram: could not answer a command");
  }

  async function handle(update: TelegramUpdate): Promise<void> {
    const m = update.message;
    if (!m || m.text === undefined) return;
    const chatId = String(m.chat.id);
    const command = parseCommand(m.text, options.botUsername);
    const from = m.from?.username ? `@${m.from.username}` : m.from ? String(m.from.id) : undefined;
    const said = truncate(m.text, 200);
    if (!allowed.has(chatId)) {
      logger.warn({ chatId, from, command: command?.name }, "telegram: message from a chat that is not allowed; ignored");
      if (command) audit(chatId, "telegram.refused", "bot", { command: said, from, reason: "chat not allowed" });
      return;
    }
    if (!command) return;
    const ageMs = clock.now() - m.date * 1000;
    if (ageMs > maxAgeMs) {
      logger.warn({ chatId, command: command.name, ageMs }, "telegram: command too old; refused");
      audit(chatId, "telegram.stale", "bot", { command: said, from, ageMs });
      await reply(chatId, options.commands.staleReply(ageMs));
      return;
    }
    const outcome = await options.commands.run(chatId, command);
    logger.info({ chatId, from, action: outcome.action, target: outcome.target }, "telegram command");
    audit(chatId, outcome.action, outcome.target, { ...outcome.details, command: said, from });
    await reply(chatId, outcome.reply);
  }

  function retryDelay(failures: number, retryAfterMs?: number): number {
    const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, failures - 1));
    return Math.max(retryAfterMs ?? 0, Math.round(exp / 2 + (random() * exp) / 2));
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      const r = await api.getUpdates(offset, pollTimeoutSec, abort.signal);
      if (stopped) break;
      if (!r.ok) {
        failures += 1;
        const fatal = r.status === 401 || r.status === 404 || r.status === 409;
        const delay = fatal ? backoff.maxMs : retryDelay(failures, r.retryAfterMs);
        const hint =
          r.status === 409
            ? "another getUpdates poller or a webhook uses this bot token (deleteWebhook, or stop the other process)"
            : r.status === 401 || r.status === 404
              ? "the bot token was refused (check TELEGRAM_BOT_TOKEN)"
              : undefined;
        logger[fatal ? "error" : "warn"]({ status: r.status, error: r.error, retryInMs: delay, ...(hint ? { hint } : {}) }, "telegram: getUpdates failed");
        await sleep(clock, delay, abort.signal).catch(() => undefined);
        continue;
      }
      failures = 0;
      for (const update of r.result) {
        // Acknowledge first: a command that crashes the handler must not be re-delivered forever.
        offset = Math.max(offset ?? 0, update.updateId + 1);
        handled += 1;
        try {
          await handle(update);
        } catch (err) {
          logger.error({ err, updateId: update.updateId }, "telegram: handling an update failed");
        }
      }
    }
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      abort = new AbortController();
      loop = run().catch((err) => logger.error({ err }, "telegram: poll loop ended with an error"));
    },
    async stop() {
      stopped = true;
      abort.abort();
      await loop;
      loop = null;
    },
    get handled() {
      return handled;
    },
  };
}
