import { INTERVAL_MS, type Interval } from "../../core/model.ts";

/**
 * Bithumb's candle calendar, as far as the downloader needs it (API.md 3.6): minute candles
 * (1m .. 4h) sit on a UTC grid of their length; day, week and month candles follow the KST
 * calendar (days from 00:00 KST = 15:00 UTC, weeks from Monday, months from the 1st). The KST
 * reading is UNCONFIRMED for Bithumb, so nothing here decides what is stored: `candleEnd` works
 * from a candle's own open time (right for either zone), and `periodStart` only places request
 * windows, where a wrong guess costs nothing (windows are filtered by open time).
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
const KST_OFFSET_MS = 9 * HOUR_MS;
/** The Unix epoch was a Thursday; weeks start 4 days later in the cycle, on Monday. */
const MONDAY_SHIFT_MS = 4 * DAY_MS;

function floorTo(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

/** True for the intervals on a fixed UTC grid (1m .. 4h): the ones a day probe can speed up. */
export function isMinuteInterval(interval: Interval): boolean {
  return INTERVAL_MS[interval] < DAY_MS;
}

/** Open time of the candle period that contains `t`. */
export function periodStart(interval: Interval, t: number): number {
  switch (interval) {
    case "1d":
      return floorTo(t + KST_OFFSET_MS, DAY_MS) - KST_OFFSET_MS;
    case "1w":
      return floorTo(t + KST_OFFSET_MS - MONDAY_SHIFT_MS, WEEK_MS) + MONDAY_SHIFT_MS - KST_OFFSET_MS;
    case "1M": {
      const kst = new Date(t + KST_OFFSET_MS);
      return Date.UTC(kst.getUTCFullYear(), kst.getUTCMonth(), 1) - KST_OFFSET_MS;
    }
    default:
      return floorTo(t, INTERVAL_MS[interval]);
  }
}

/**
 * Exclusive end of the candle that opens at `openTs`: a candle is closed (final) once the
 * exchange's clock has reached this. Months add one calendar month in KST wall time, which keeps
 * the day and time of day for a month opening at 00:00 KST and for one opening at 00:00 UTC alike.
 */
export function candleEnd(interval: Interval, openTs: number): number {
  if (interval !== "1M") return openTs + INTERVAL_MS[interval];
  const kst = new Date(openTs + KST_OFFSET_MS);
  return (
    Date.UTC(kst.getUTCFullYear(), kst.getUTCMonth() + 1, kst.getUTCDate(), kst.getUTCHours(), kst.getUTCMinutes(), kst.getUTCSeconds(), kst.getUTCMilliseconds()) -
    KST_OFFSET_MS
  );
}

/** The first period open time at or after `t` (where a download starting at `t` begins). */
export function firstOpenAtOrAfter(interval: Interval, t: number): number {
  const start = periodStart(interval, t);
  return start === t ? t : candleEnd(interval, start);
}

export { DAY_MS };
