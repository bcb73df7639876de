/**
 * Equity watermarks for the daily-loss and drawdown brakes: the equity at the start of the current
 * KST day (Bithumb's day; daily PnL is booked at KST midnight) and the highest equity seen. Plain
 * JSON state, updated in place by `markEquity` (same ownership rule as the indicators), so the
 * backtester can mark every candle without allocating.
 */
export interface EquityMarks {
  /** KST day number of the last mark (days since 1970-01-01 in UTC+9). */
  day: number;
  /** Equity when the current KST day began (the last mark of the previous day). */
  dayStartEquity: number;
  peakEquity: number;
  lastEquity: number;
}

const KST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** The KST calendar day of an epoch-ms timestamp, as a day number. */
export function kstDay(ts: number): number {
  return Math.floor((ts + KST_OFFSET_MS) / DAY_MS);
}

export function equityMarksInit(ts: number, equity: number): EquityMarks {
  return { day: kstDay(ts), dayStartEquity: equity, peakEquity: equity, lastEquity: equity };
}

/** Record the equity at `ts` (in place; returns `marks`). A new KST day starts from the previous mark. */
export function markEquity(marks: EquityMarks, ts: number, equity: number): EquityMarks {
  const day = kstDay(ts);
  if (day !== marks.day) {
    marks.day = day;
    marks.dayStartEquity = marks.lastEquity;
  }
  if (equity > marks.peakEquity) marks.peakEquity = equity;
  marks.lastEquity = equity;
  return marks;
}

/** Loss since the start of the day as a share of the day's starting equity (0 when up). */
export function dailyLossFraction(dayStartEquity: number, equity: number): number {
  return dayStartEquity > 0 ? Math.max(0, (dayStartEquity - equity) / dayStartEquity) : 0;
}

/** Drawdown from the peak as a share of the peak (0 at a new high). */
export function drawdownFraction(peakEquity: number, equity: number): number {
  return peakEquity > 0 ? Math.max(0, (peakEquity - equity) / peakEquity) : 0;
}
