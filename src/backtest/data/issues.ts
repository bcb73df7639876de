/**
 * What candle validation can find. Row defects make a row unusable as a candle (the `skip`
 * policy drops them, `fail` refuses the file); `gap` and `outlier` describe the market, not a
 * broken row, so they are only reported (exchanges emit no candle for an hour without trades, and
 * a flash crash is real).
 */
export const ROW_DEFECTS = [
  /** Not six finite numbers (missing, empty or non-numeric field, extra fields). */
  "invalid-field",
  /** Same ts as an earlier row. */
  "duplicate",
  /** ts earlier than an earlier row's. */
  "out-of-order",
  /** ts off the interval grid most rows are on (`gridPhase`). */
  "misaligned",
  /** high < max(open, close), low > min(open, close) or high < low. */
  "ohlc",
  /** open, high, low or close <= 0. */
  "non-positive-price",
  "negative-volume",
] as const;

export type RowDefect = (typeof ROW_DEFECTS)[number];
export type DataIssueKind = RowDefect | "gap" | "outlier";

export interface DataIssue {
  readonly kind: DataIssueKind;
  /**
   * 1-based line in the file (the header is line 1). For a gap: the line of the first row after
   * it. 0 when the candles did not come from a file.
   */
  readonly line: number;
  /** The row's ts when it could be read. */
  readonly ts: number | null;
  readonly message: string;
  /** gap only: the last ts before the gap and the number of missing grid slots. */
  readonly previousTs?: number;
  readonly missing?: number;
}

export function isRowDefect(kind: DataIssueKind): kind is RowDefect {
  return (ROW_DEFECTS as readonly string[]).includes(kind);
}

/** ISO-8601 UTC text of an epoch-ms timestamp, for messages. */
export function isoTs(ts: number): string {
  return Number.isFinite(ts) ? new Date(ts).toISOString().replace(".000Z", "Z") : String(ts);
}
