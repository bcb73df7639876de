/**
 * Numbers, money and times as the dashboard shows them, the Korean way: KRW in whole won with
 * thousands separators (`1,234,567원` in Korean, `₩1,234,567` in English), coin prices with the
 * decimals of their tick band, coin volumes with up to 8 decimals and no float noise, times in KST.
 *
 * Written by hand (on the report's `formatNumber`) rather than with `Intl`, whose output depends on
 * the runtime's ICU data: the same value must give the same text on every machine and in tests.
 */
import { formatNumber } from "../src/backtest/report/format.ts";
import { formatDecimal, tickBand } from "../src/core/orders/krw.ts";

export type Lang = "ko" | "en";

/** Shown for a value that is not known (missing mark price, no data yet). */
export const DASH = "\u2013";

const KST_OFFSET_MS = 9 * 3_600_000;

const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

function withWon(number: string, lang: Lang): string {
  if (lang === "ko") return `${number}원`;
  return number.startsWith("-") || number.startsWith("+") ? `${number[0]}₩${number.slice(1)}` : `₩${number}`;
}

/** A KRW amount in whole won: `1,234,567원` / `₩1,234,567`; `signed` adds `+` to gains. */
export function formatKrw(amount: number | null | undefined, lang: Lang, options: { signed?: boolean } = {}): string {
  if (!finite(amount)) return DASH;
  const won = Math.round(amount);
  const text = formatNumber(won, 0);
  return withWon(options.signed && won > 0 ? `+${text}` : text, lang);
}

/** Trailing zeros of a decimal fraction removed (`0.1200` -> `0.12`, `5.000` -> `5`). */
function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/**
 * A coin price with the decimals its KRW tick band uses, as the exchange shows it:
 * `95,000,000` for BTC, `0.1234` for a sub-won coin. No unit (tables say KRW in the header).
 */
export function formatPrice(price: number | null | undefined): string {
  if (!finite(price)) return DASH;
  const decimals = price > 0 ? tickBand(price).decimals : 0;
  // One more digit than the band for averages (an average of on-tick fills is off-tick).
  const text = formatNumber(price, Math.min(decimals + 1, 8));
  return trimZeros(text);
}

/** A price with its unit: `95,000,000원` / `₩95,000,000`. */
export function formatPriceKrw(price: number | null | undefined, lang: Lang): string {
  const text = formatPrice(price);
  return text === DASH ? DASH : withWon(text, lang);
}

/** A coin quantity with up to 8 decimals, grouped, no trailing zeros: `1,234.5` or `0.00012345`. */
export function formatVolume(volume: number | null | undefined): string {
  if (!finite(volume)) return DASH;
  const negative = volume < 0;
  const [whole, frac] = formatDecimal(Math.abs(volume)).split(".");
  const text = `${formatNumber(Number(whole), 0)}${frac === undefined ? "" : `.${frac}`}`;
  return negative && text !== "0" ? `-${text}` : text;
}

/** A fraction as a percentage: 0.01234 -> `1.23%`, with `signed`: `+1.23%`. */
export function formatPercent(fraction: number | null | undefined, options: { signed?: boolean; digits?: number } = {}): string {
  if (!finite(fraction)) return DASH;
  const text = formatNumber(fraction * 100, options.digits ?? 2);
  const isZero = Number(text.replace(/[,-]/g, "")) === 0;
  return `${options.signed && fraction > 0 && !isZero ? "+" : ""}${isZero ? text.replace(/^-/, "") : text}%`;
}

/** A plain number with grouping and up to `digits` decimals (trailing zeros dropped). */
export function formatPlain(x: number | null | undefined, digits = 2): string {
  if (!finite(x)) return DASH;
  return trimZeros(formatNumber(x, digits));
}

/** Epoch ms as Korean time, `2026-11-26 21:05:09` (tables say KST in the header). */
export function formatKst(ts: number | null | undefined): string {
  if (!finite(ts)) return DASH;
  return new Date(ts + KST_OFFSET_MS).toISOString().slice(0, 19).replace("T", " ");
}

/** Epoch ms as a KST date and minute, `2026-11-26 21:05`. */
export function formatKstMinute(ts: number | null | undefined): string {
  const text = formatKst(ts);
  return text === DASH ? DASH : text.slice(0, 16);
}

/** The KST calendar day (YYYY-MM-DD) of an instant: Bithumb's trading day. */
export function kstDay(ts: number): string {
  return new Date(ts + KST_OFFSET_MS).toISOString().slice(0, 10);
}

/** A duration: `3시간 12분` / `3h 12m`, `45초` / `45s` below a minute. */
export function formatDuration(ms: number | null | undefined, lang: Lang): string {
  if (!finite(ms) || ms < 0) return DASH;
  const seconds = Math.floor(ms / 1000);
  const units = lang === "ko" ? { d: "일", h: "시간", m: "분", s: "초" } : { d: "d", h: "h", m: "m", s: "s" };
  if (seconds < 60) return `${seconds}${units.s}`;
  const minutes = Math.floor(seconds / 60);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}${units.d} ${hours}${units.h}`;
  if (hours > 0) return `${hours}${units.h} ${mins}${units.m}`;
  return `${mins}${units.m}`;
}

/** Direction of a signed value, for colouring: gains and rises are `up`. */
export function direction(x: number | null | undefined): "up" | "down" | "flat" {
  if (!finite(x) || x === 0) return "flat";
  return x > 0 ? "up" : "down";
}
