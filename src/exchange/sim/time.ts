/**
 * Calendar helpers for the wire formats: Bithumb is a KST (UTC+9, no DST) exchange, so daily
 * accumulations, day/week/month candles and `created_at` stamps are in KST, while some fields are
 * UTC. All inputs and outputs are epoch milliseconds; nothing here reads the clock.
 */

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
export const KST_OFFSET_MS = 9 * HOUR_MS;

const pad2 = (n: number) => String(n).padStart(2, "0");

function parts(ms: number) {
  const d = new Date(ms);
  return {
    y: d.getUTCFullYear(),
    mo: pad2(d.getUTCMonth() + 1),
    d: pad2(d.getUTCDate()),
    h: pad2(d.getUTCHours()),
    mi: pad2(d.getUTCMinutes()),
    s: pad2(d.getUTCSeconds()),
  };
}

/** `yyyy-MM-ddTHH:mm:ss` in UTC (candle_date_time_utc). */
export function utcDateTime(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}:${p.s}`;
}

/** `yyyy-MM-ddTHH:mm:ss` in KST (candle_date_time_kst). */
export function kstDateTime(ms: number): string {
  return utcDateTime(ms + KST_OFFSET_MS);
}

/** `yyyy-MM-ddTHH:mm:ss+09:00` (order `created_at`). */
export function kstIso(ms: number): string {
  return `${kstDateTime(ms)}+09:00`;
}

/** `yyyyMMdd` / `HHmmss` of `ms` shifted by `offsetMs` (0 = UTC, KST_OFFSET_MS = KST). */
export function compactDate(ms: number, offsetMs: number): string {
  const p = parts(ms + offsetMs);
  return `${p.y}${p.mo}${p.d}`;
}
export function compactTime(ms: number, offsetMs: number): string {
  const p = parts(ms + offsetMs);
  return `${p.h}${p.mi}${p.s}`;
}

/** `yyyy-MM-dd` / `HH:mm:ss` of `ms` shifted by `offsetMs`. */
export function dashedDate(ms: number, offsetMs: number): string {
  const p = parts(ms + offsetMs);
  return `${p.y}-${p.mo}-${p.d}`;
}
export function colonTime(ms: number, offsetMs: number): string {
  const p = parts(ms + offsetMs);
  return `${p.h}:${p.mi}:${p.s}`;
}

/** Start of the minute containing `ms`. */
export function minuteStart(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** 00:00 KST of the day containing `ms`. */
export function kstDayStart(ms: number): number {
  return Math.floor((ms + KST_OFFSET_MS) / DAY_MS) * DAY_MS - KST_OFFSET_MS;
}

/** 00:00 UTC of the day containing `ms`. */
export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Monday 00:00 KST of the week containing `ms`. */
export function kstWeekStart(ms: number): number {
  const day = Math.floor((ms + KST_OFFSET_MS) / DAY_MS);
  const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Monday
  return (day - weekday) * DAY_MS - KST_OFFSET_MS;
}

/** The 1st of the month, 00:00 KST, containing `ms`. */
export function kstMonthStart(ms: number): number {
  const d = new Date(ms + KST_OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - KST_OFFSET_MS;
}

/** The 1st of the month after the one containing `ms`, 00:00 KST. */
export function nextKstMonthStart(ms: number): number {
  const d = new Date(ms + KST_OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - KST_OFFSET_MS;
}

const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parse the candle `to` parameter (API.md 3.6): `yyyy-MM-dd'T'HH:mm:ss'Z'`, `yyyy-MM-dd HH:mm:ss`,
 * or ISO 8601 with an offset. Without a zone the time is KST (Bithumb's stated default, unlike
 * Upbit's UTC). Returns undefined when the text is not a valid date-time.
 */
export function parseDateTime(text: string, defaultOffsetMs = KST_OFFSET_MS): number | undefined {
  const m = DATE_TIME_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0", zone] = m;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, "0")));
  const check = new Date(local);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offset = defaultOffsetMs;
  if (zone === "Z") offset = 0;
  else if (zone) {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    offset = sign * (Number(digits.slice(0, 2)) * HOUR_MS + Number(digits.slice(2)) * MINUTE_MS);
  }
  return local - offset;
}

/** A time parameter given as epoch milliseconds (digits only) or as a date-time (see parseDateTime). */
export function parseTimeParam(text: string): number | undefined {
  if (/^\d{10,14}$/.test(text)) return Number(text);
  return parseDateTime(text);
}
