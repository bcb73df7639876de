/**
 * One alert, written for each channel: plain text (chat answers, webhook, e-mail body), Telegram
 * MarkdownV2 (with the escaping the Bot API demands, or the message is refused), Slack Block Kit,
 * and an e-mail subject. Every function is pure.
 */
import type { AlertMessage } from "../ports/alerts.ts";
import { formatKst, type Lang, SEVERITY_MARK, severityLabel, suppressedNote, truncate } from "./format.ts";

/** Telegram refuses messages over 4096 characters; the body is cut well before, escapes included. */
const TELEGRAM_TEXT_MAX = 3_500;
/** Slack Block Kit limits: header text 150 characters, section text 3000. */
const SLACK_HEADER_MAX = 150;
const SLACK_SECTION_MAX = 2_900;

/** The first line of an alert: mark, severity and title. */
function headline(message: AlertMessage, lang: Lang): string {
  return `${SEVERITY_MARK[message.severity]} [${severityLabel(message.severity, lang)}] ${message.title}`;
}

/** The last line: when, and which condition (the de-duplication key). */
function footer(message: AlertMessage): string {
  return `${formatKst(message.ts)} · ${message.key}`;
}

/** The alert as plain text: headline, body, the suppressed-duplicates note, time and key. */
export function renderPlainText(message: AlertMessage, lang: Lang): string {
  const lines = [headline(message, lang), "", message.text];
  if (message.suppressed > 0) lines.push("", suppressedNote(message.suppressed, lang));
  lines.push("", footer(message));
  return lines.join("\n");
}

const MARKDOWN_V2_SPECIAL = /[_*[\]()~`>#+\-=|{}.!\\]/g;

/**
 * Escape text for Telegram MarkdownV2 outside code entities: each of `_*[]()~\`>#+-=|{}.!` and the
 * backslash itself gets a preceding backslash (Bot API "MarkdownV2 style").
 */
export function escapeMarkdownV2(text: string): string {
  return text.replace(MARKDOWN_V2_SPECIAL, "\\$&");
}

/** Escape text for inside a MarkdownV2 `code` or `pre` entity: only the backtick and the backslash. */
export function escapeMarkdownV2Code(text: string): string {
  return text.replace(/[`\\]/g, "\\$&");
}

export type TelegramFormat = "plain" | "markdown";

/** What `sendMessage` takes besides the chat id. */
export interface TelegramText {
  readonly text: string;
  readonly parse_mode?: "MarkdownV2";
}

/** The alert for Telegram: bold headline, escaped body, the key as inline code (MarkdownV2), or plain text. */
export function renderTelegram(message: AlertMessage, lang: Lang, format: TelegramFormat): TelegramText {
  const body = truncate(message.text, TELEGRAM_TEXT_MAX);
  if (format === "plain") return { text: renderPlainText({ ...message, text: body }, lang) };
  const lines = [`*${escapeMarkdownV2(headline(message, lang))}*`, "", escapeMarkdownV2(body)];
  if (message.suppressed > 0) lines.push("", `_${escapeMarkdownV2(suppressedNote(message.suppressed, lang))}_`);
  lines.push("", `${escapeMarkdownV2(formatKst(message.ts))} · \`${escapeMarkdownV2Code(message.key)}\``);
  return { text: lines.join("\n"), parse_mode: "MarkdownV2" };
}

/** Slack mrkdwn: only `&`, `<` and `>` are control characters (they start links and mentions). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export interface SlackPayload {
  /** Shown in notifications and by clients that cannot draw blocks. */
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/** The alert as an incoming-webhook payload: a header, the body as a section, and a context line. */
export function renderSlack(message: AlertMessage, lang: Lang): SlackPayload {
  const context = [footer(message)];
  if (message.suppressed > 0) context.unshift(suppressedNote(message.suppressed, lang));
  return {
    text: truncate(`${headline(message, lang)}: ${message.text}`, SLACK_SECTION_MAX),
    blocks: [
      { type: "header", text: { type: "plain_text", text: truncate(headline(message, lang), SLACK_HEADER_MAX), emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: escapeSlack(truncate(message.text, SLACK_SECTION_MAX)) || " " } },
      { type: "context", elements: context.map((t) => ({ type: "mrkdwn", text: escapeSlack(t) })) },
    ],
  };
}

/** The e-mail subject: `[prefix] [심각] title` (encoded for the header by the mail writer). */
export function renderEmailSubject(message: AlertMessage, lang: Lang, prefix: string): string {
  const subject = `[${severityLabel(message.severity, lang)}] ${message.title}`;
  return truncate(prefix ? `${prefix} ${subject}` : subject, 200).replace(/[\r\n]+/g, " ");
}

/** The JSON body of the generic webhook (documented in docs/alerts.md). */
export function renderWebhookBody(message: AlertMessage, lang: Lang): Record<string, unknown> {
  return {
    id: message.id,
    ts: message.ts,
    severity: message.severity,
    key: message.key,
    title: message.title,
    text: message.text,
    suppressed: message.suppressed,
    lang,
    rendered: renderPlainText(message, lang),
  };
}
