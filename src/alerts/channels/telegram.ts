import type { AlertChannel, AlertMessage, DeliveryResult } from "../../ports/alerts.ts";
import { severityAtLeast } from "../../ports/alerts.ts";
import type { Clock } from "../../ports/clock.ts";
import type { TelegramConfig } from "../config.ts";
import type { Lang } from "../format.ts";
import { renderTelegram } from "../render.ts";
import { TelegramApi } from "../telegram/api.ts";

export interface TelegramChannelDeps {
  readonly clock: Clock;
  readonly lang: Lang;
}

/**
 * One channel per chat: each chat has its own rate limit at Telegram and its own delivery record,
 * and a retry never re-sends to a chat that already got the message.
 */
export function createTelegramChannels(base: { id: string; name: string }, config: TelegramConfig, deps: TelegramChannelDeps): AlertChannel[] {
  const api = new TelegramApi({ token: config.botToken, apiUrl: config.apiUrl, clock: deps.clock });
  return config.chatIds.map((chatId) => ({
    id: `${base.id}:${chatId}`,
    kind: "telegram" as const,
    name: `${base.name} → ${chatId}`,
    minSeverity: config.minSeverity,
    async send(message: AlertMessage, signal?: AbortSignal): Promise<DeliveryResult> {
      const silent = !severityAtLeast(message.severity, config.quietBelow);
      const rendered = renderTelegram(message, deps.lang, config.format);
      const first = await api.sendMessage(chatId, rendered.text, { parseMode: rendered.parse_mode, silent, signal });
      // A MarkdownV2 text Telegram cannot parse is refused for good: send it as plain text instead.
      if (!first.ok && rendered.parse_mode && first.status === 400 && /parse entities/i.test(first.error ?? "")) {
        return api.sendMessage(chatId, renderTelegram(message, deps.lang, "plain").text, { silent, signal });
      }
      return first;
    },
  }));
}
