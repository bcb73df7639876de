/**
 * Words and numbers for alert texts and chat answers, in Korean (default) or English. Written by
 * hand rather than with `Intl`, whose output depends on the runtime's ICU data: the same alert
 * must give the same bytes (and the same de-duplication key text) everywhere.
 */
import { formatNumber } from "../backtest/report/format.ts";
import { formatDecimal, tickBand } from "../core/orders/krw.ts";
import type { AlertSeverity } from "../ports/alerts.ts";

export type Lang = "ko" | "en";
export const LANGS = ["ko", "en"] as const satisfies readonly Lang[];

const KST_OFFSET_MS = 9 * 3_600_000;

/** A KRW amount in whole won, the Korean way: `12,345,678원` (ko) or `₩12,345,678` (en, as the dashboard writes it). */
export function formatKrw(amount: number, lang: Lang, options: { signed?: boolean } = {}): string {
  if (!Number.isFinite(amount)) return "–";
  const won = Math.round(amount);
  const sign = options.signed && won > 0 ? "+" : "";
  return withUnit(sign + formatNumber(won, 0), lang);
}

/** Decimals shown for a price that is not on the tick grid (an average price, a computed stop). */
const OFF_GRID_DECIMALS = 4;

/**
 * A coin price in KRW as the exchange writes it: `0.1234원` for a sub-1-won coin, `95,000,000원`
 * for BTC; a price off the tick grid (an average price) keeps up to four decimals rather than
 * being rounded to a price that was never paid.
 */
export function formatPriceKrw(price: number, lang: Lang): string {
  if (!Number.isFinite(price)) return "–";
  const decimals = Math.max(price > 0 ? tickBand(price).decimals : 0, OFF_GRID_DECIMALS);
  return withUnit(trimZeros(formatNumber(price, decimals)), lang);
}

function withUnit(number: string, lang: Lang): string {
  if (lang === "ko") return `${number}원`;
  return number.startsWith("-") || number.startsWith("+") ? `${number[0]}₩${number.slice(1)}` : `₩${number}`;
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** A coin quantity with up to 8 decimals and no trailing zeros: `0.0123 BTC`. */
export function formatVolume(volume: number, currency: string): string {
  if (!Number.isFinite(volume)) return `– ${currency}`;
  const [whole, frac] = formatDecimal(volume).split(".");
  return `${formatNumber(Number(whole), 0)}${frac === undefined ? "" : `.${frac}`} ${currency}`;
}

/** A fraction as a percentage: 0.01234 -> `+1.23%` (signed) or `1.23%`. */
export function formatPercent(fraction: number, options: { signed?: boolean; digits?: number } = {}): string {
  if (!Number.isFinite(fraction)) return "–";
  const digits = options.digits ?? 2;
  const text = formatNumber(fraction * 100, digits);
  return `${options.signed && fraction > 0 && Number(text.replace(/,/g, "")) !== 0 ? "+" : ""}${text}%`;
}

/** Epoch ms as Korean time: `2026-11-26 21:05:09 KST`. */
export function formatKst(ts: number): string {
  return `${new Date(ts + KST_OFFSET_MS).toISOString().slice(0, 19).replace("T", " ")} KST`;
}

/** The KST calendar date of an instant (YYYY-MM-DD), Bithumb's trading day. */
export function kstDay(ts: number): string {
  return new Date(ts + KST_OFFSET_MS).toISOString().slice(0, 10);
}

/** A duration: `3시간 12분` / `3h 12m`, `45초` / `45s` below a minute. */
export function formatDuration(ms: number, lang: Lang): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return lang === "ko" ? `${seconds}초` : `${seconds}s`;
  const minutes = Math.round(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const units = lang === "ko" ? { d: "일", h: "시간", m: "분" } : { d: "d", h: "h", m: "m" };
  const parts: string[] = [];
  if (days > 0) parts.push(`${days}${units.d}`);
  if (hours > 0) parts.push(`${hours}${units.h}`);
  if (mins > 0 && days === 0) parts.push(`${mins}${units.m}`);
  return parts.join(" ") || (lang === "ko" ? "0분" : "0m");
}

const SEVERITY_LABELS: Readonly<Record<Lang, Readonly<Record<AlertSeverity, string>>>> = {
  ko: { info: "알림", warning: "경고", critical: "심각" },
  en: { info: "Info", warning: "Warning", critical: "Critical" },
};

export function severityLabel(severity: AlertSeverity, lang: Lang): string {
  return SEVERITY_LABELS[lang][severity];
}

/** One mark per severity, so a phone's notification list shows the urgent ones at a glance. */
export const SEVERITY_MARK: Readonly<Record<AlertSeverity, string>> = { info: "🔵", warning: "🟠", critical: "🔴" };

/** The note added to an alert that stands for held-back duplicates. */
export function suppressedNote(count: number, lang: Lang): string {
  return lang === "ko" ? `같은 알림 ${formatNumber(count, 0)}건이 생략되었습니다.` : `${formatNumber(count, 0)} similar alert${count === 1 ? " was" : "s were"} suppressed.`;
}

/**
 * Cut `text` to at most `max` UTF-16 units (how Telegram and Slack count), marking the cut with an
 * ellipsis and never splitting a character (an emoji is two units).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = "";
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + "…";
}
