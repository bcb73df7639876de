export { buildChannels, type ChannelDeps } from "./build.ts";
export { createEmailChannel, type EmailChannelDeps } from "./email.ts";
export { createSlackChannel, type HttpChannelDeps } from "./slack.ts";
export { createTelegramChannels, type TelegramChannelDeps } from "./telegram.ts";
export { createWebhookChannel, signWebhook, verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from "./webhook.ts";
