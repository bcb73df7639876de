export { createAlertAdmin, type AlertAdminOptions, type AlertAdminPort } from "./admin.ts";
export { createAlertService, type AlertService, type AlertServiceOptions } from "./service.ts";
export { createAlerter, DEFAULT_DEDUPE_WINDOW_MS, DEFAULT_QUEUE_LIMIT, DEFAULT_RETRY, type Alerter, type AlerterOptions, type AlerterStats, type ChannelTestResult, type DeliveryOutcome, type RetryPolicy } from "./dispatcher.ts";
export { alertFor, type AlertEvent } from "./events.ts";
export { createErrorRateMonitor, createRestartStormMonitor, RateWatch, type ErrorRateMonitor, type ErrorRateMonitorOptions, type RateSpike, type RateWatchOptions, type RestartStormMonitor, type RestartStormMonitorOptions } from "./rate-watch.ts";
export { DEFAULT_RATE_LIMIT, TokenBucket, type RateLimit } from "./rate-limit.ts";
export { Deduplicator } from "./dedupe.ts";
export {
  ALERT_ENV_VARS,
  ALERT_SECRET_ENV_VARS,
  CHANNEL_SCHEMAS,
  channelsFromEnv,
  emailConfigSchema,
  parseChannelConfig,
  SECRET_FIELDS,
  secretValues,
  summarize,
  slackConfigSchema,
  telegramConfigSchema,
  webhookConfigSchema,
  type AlertEnv,
  type ChannelSpec,
  type EmailConfig,
  type EnvChannels,
  type FieldErrors,
  type SlackConfig,
  type TelegramConfig,
  type WebhookConfig,
} from "./config.ts";
export { ChannelRegistry, type ChannelInput, type ChannelRegistryOptions, type ChannelView, type SaveResult, type SecretSealer } from "./registry.ts";
export { buildChannels, createEmailChannel, createSlackChannel, createTelegramChannels, createWebhookChannel, signWebhook, verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, type ChannelDeps } from "./channels/index.ts";
export { formatDuration, formatKrw, formatKst, formatPercent, formatPriceKrw, formatVolume, kstDay, LANGS, severityLabel, type Lang } from "./format.ts";
export { escapeMarkdownV2, escapeMarkdownV2Code, escapeSlack, renderEmailSubject, renderPlainText, renderSlack, renderTelegram, renderWebhookBody } from "./render.ts";
export { composeMail, encodeHeaderWords, formatMailDate } from "./mail.ts";
export { dotStuff, isMailAddress, sendMail, SmtpError, type Envelope, type SmtpOptions, type SmtpSent } from "./smtp.ts";
export { TELEGRAM_API_URL, TelegramApi, type TelegramUpdate } from "./telegram/api.ts";
export { createTelegramBot, type TelegramBot, type TelegramBotOptions } from "./telegram/bot.ts";
export { parseCommand, parseMarketArg, TelegramCommands, type CommandContext, type CommandOutcome } from "./telegram/commands.ts";
