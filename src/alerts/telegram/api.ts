/**
 * The two Telegram Bot API methods we use: `sendMessage` (alerts and command answers) and
 * `getUpdates` (long polling for commands). The base URL is configurable (TELEGRAM_API_URL) so
 * tests point it at a local fake. Answers are parsed at the edge.
 *
 * The bot token is part of every URL path (`/bot<token>/<method>`), so URLs are never logged or
 * put into errors, and anything the server echoes back is scrubbed of the token.
 */
import { z } from "zod";
import type { DeliveryResult } from "../../ports/alerts.ts";
import type { Clock } from "../../ports/clock.ts";
import { failureResult, HttpFailure, httpRequest, isRetryableStatus, scrubSecrets } from "../http.ts";

export const TELEGRAM_API_URL = "https://api.telegram.org";

export interface TelegramApiOptions {
  readonly token: string;
  /** Default https://api.telegram.org. */
  readonly apiUrl?: string;
  readonly clock: Clock;
  /** Deadline of a plain call (long polls add their own wait). Default 10 s. */
  readonly timeoutMs?: number;
}

const envelopeSchema = z.object({
  ok: z.boolean(),
  result: z.unknown().optional(),
  description: z.string().optional(),
  error_code: z.number().optional(),
  parameters: z.object({ retry_after: z.number().optional(), migrate_to_chat_id: z.number().optional() }).optional(),
});

const messageSchema = z.object({
  message_id: z.number().int(),
  /** Unix seconds. */
  date: z.number(),
  chat: z.object({ id: z.number(), type: z.string() }),
  from: z.object({ id: z.number(), is_bot: z.boolean().optional(), username: z.string().optional() }).optional(),
  text: z.string().optional(),
});

export type TelegramMessage = z.output<typeof messageSchema>;

export interface TelegramUpdate {
  readonly updateId: number;
  /** Absent for update kinds we do not handle (edits, channel posts, callbacks…). */
  readonly message?: TelegramMessage;
}

export type TelegramFailure = { readonly ok: false; readonly status?: number; readonly error: string; readonly retryable: boolean; readonly retryAfterMs?: number };
export type TelegramResult<T> = { readonly ok: true; readonly result: T } | TelegramFailure;

/** Parse the `result` of getUpdates; updates that do not fit keep their id so the offset still advances. */
export function parseUpdates(result: unknown): TelegramUpdate[] {
  if (!Array.isArray(result)) return [];
  const out: TelegramUpdate[] = [];
  for (const raw of result) {
    const id = (raw as { update_id?: unknown })?.update_id;
    if (typeof id !== "number" || !Number.isInteger(id)) continue;
    const message = messageSchema.safeParse((raw as { message?: unknown }).message);
    out.push(message.success ? { updateId: id, message: message.data } : { updateId: id });
  }
  return out;
}

export class TelegramApi {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: TelegramApiOptions) {
    this.base = (options.apiUrl ?? TELEGRAM_API_URL).replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The values to scrub from anything we log. */
  get secrets(): readonly string[] {
    return [this.options.token];
  }

  /** Call a method with a JSON body; never throws. */
  async call(method: string, params: Record<string, unknown>, extra: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<TelegramResult<unknown>> {
    const secrets = this.secrets;
    try {
      const answer = await httpRequest(this.options.clock, {
        url: `${this.base}/bot${this.options.token}/${method}`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(params),
        timeoutMs: extra.timeoutMs ?? this.timeoutMs,
        signal: extra.signal,
      });
      let parsed: z.output<typeof envelopeSchema> | null = null;
      try {
        const r = envelopeSchema.safeParse(JSON.parse(answer.body));
        if (r.success) parsed = r.data;
      } catch {
        parsed = null;
      }
      if (parsed?.ok && answer.status >= 200 && answer.status < 300) return { ok: true, result: parsed.result };
      const status = parsed?.error_code ?? answer.status;
      const retryAfter = parsed?.parameters?.retry_after;
      const description = parsed?.description ?? (answer.body.slice(0, 200) || "no description");
      return {
        ok: false,
        status,
        error: scrubSecrets(`Telegram ${method}: ${status} ${description}`, secrets),
        retryable: isRetryableStatus(status),
        ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}),
      };
    } catch (e) {
      const failure = failureResult(e, secrets);
      return { ok: false, error: `Telegram ${method}: ${failure.error}`, retryable: !(e instanceof HttpFailure && e.reason === "aborted") };
    }
  }

  /** Send a text message; the result as a delivery outcome. */
  async sendMessage(chatId: string, text: string, options: { parseMode?: "MarkdownV2"; silent?: boolean; signal?: AbortSignal } = {}): Promise<DeliveryResult & { status?: number }> {
    const r = await this.call(
      "sendMessage",
      {
        chat_id: chatId,
        text,
        ...(options.parseMode ? { parse_mode: options.parseMode } : {}),
        ...(options.silent ? { disable_notification: true } : {}),
        link_preview_options: { is_disabled: true },
      },
      { signal: options.signal },
    );
    if (r.ok) return { ok: true, retryable: false };
    return { ok: false, retryable: r.retryable, error: r.error, ...(r.status !== undefined ? { status: r.status } : {}), ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}) };
  }

  /**
   * Long-poll for updates after `offset` (the last seen update_id + 1), waiting up to
   * `timeoutSec` on the server; the request deadline allows for that wait.
   */
  async getUpdates(offset: number | null, timeoutSec: number, signal?: AbortSignal): Promise<TelegramResult<TelegramUpdate[]>> {
    const r = await this.call("getUpdates", { ...(offset !== null ? { offset } : {}), timeout: timeoutSec, allowed_updates: ["message"] }, { timeoutMs: timeoutSec * 1000 + this.timeoutMs, signal });
    return r.ok ? { ok: true, result: parseUpdates(r.result) } : r;
  }
}
