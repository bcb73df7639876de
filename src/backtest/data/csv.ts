import { ParseError } from "../../core/errors.ts";
import { INTERVAL_MS, type Interval, type Market } from "../../core/model.ts";
import { CSV_HEADER, scanCandleCsv } from "./csv-scan.ts";
import { isRowDefect, type DataIssue } from "./issues.ts";
import { allocateColumns, copyCandle, intervalFromMs, makeSeries, modalSpacing, type CandleColumns, type CandleSeries } from "./series.ts";
import { DEFAULT_OUTLIER_K, findGaps, findOutliers, findRowDefectsOnGrid } from "./validate.ts";

/**
 * What to do with defective rows (see `ROW_DEFECTS`):
 * - `report` (default): keep every readable row in file order, report everything, fill nothing.
 *   Only rows that are not six numbers are left out (they cannot be candles).
 * - `fail`: throw a `ParseError` listing the defects when there is any. Gaps and outliers are
 *   still only reported: they are real market data.
 * - `skip`: drop defective rows; the rest stays in file order (then strictly increasing).
 * - `forward-fill`: `skip`, then fill every gap slot with a flat candle at the previous close
 *   (open = high = low = close, volume 0).
 */
export const DATA_POLICIES = ["report", "fail", "skip", "forward-fill"] as const;
export type DataPolicy = (typeof DATA_POLICIES)[number];

export interface CandleCsvOptions {
  readonly market: Market;
  /** The candle interval; inferred from the modal ts spacing when omitted. */
  readonly interval?: Interval;
  readonly policy?: DataPolicy;
  /** Outlier threshold in robust deviations (default `DEFAULT_OUTLIER_K`). */
  readonly outlierK?: number;
  /** Named in error messages (a file path). */
  readonly source?: string;
}

export interface CandleCsvImport {
  readonly series: CandleSeries;
  /** Every finding, sorted by line (gaps and outliers included), whatever the policy did. */
  readonly issues: readonly DataIssue[];
  /** Data rows read from the file (readable or not). */
  readonly rows: number;
  /** Rows left out: unreadable ones, plus defective ones under skip / forward-fill. */
  readonly dropped: number;
  /** Flat candles inserted by forward-fill. */
  readonly filled: number;
}

/** How many defects a `fail` error message lists before "and N more". */
const FAIL_LISTED = 20;

function inferInterval(ts: Float64Array, source: string): Interval {
  const spacing = modalSpacing(ts);
  const interval = spacing === undefined ? undefined : intervalFromMs(spacing);
  if (interval === undefined) {
    const why = spacing === undefined ? "fewer than two increasing timestamps" : `the usual spacing is ${spacing} ms, not a Bithumb interval`;
    throw new ParseError(`cannot infer the candle interval (${why}); pass it explicitly`, source);
  }
  return interval;
}

function keepRows(columns: CandleColumns, lines: Int32Array, keep: Uint8Array): { columns: CandleColumns; lines: Int32Array } {
  let count = 0;
  for (let i = 0; i < keep.length; i++) count += keep[i]!;
  if (count === keep.length) return { columns, lines };
  const out = allocateColumns(count);
  const outLines = new Int32Array(count);
  let j = 0;
  for (let i = 0; i < keep.length; i++) {
    if (keep[i] === 0) continue;
    copyCandle(out, j, columns, i);
    outLines[j] = lines[i]!;
    j++;
  }
  return { columns: out, lines: outLines };
}

/**
 * Insert flat candles (previous close, volume 0) into every gap of a strictly increasing series.
 * `gaps` must be `findGaps` of these columns.
 */
export function forwardFill(columns: CandleColumns, intervalMs: number, gaps: readonly DataIssue[]): { columns: CandleColumns; filled: number } {
  const filled = gaps.reduce((sum, g) => sum + (g.missing ?? 0), 0);
  if (filled === 0) return { columns, filled };
  const n = columns.ts.length;
  const out = allocateColumns(n + filled);
  let j = 0;
  for (let i = 0; i < n; i++) {
    const t = columns.ts[i]!;
    if (i > 0) {
      const prevClose = out.close[j - 1]!;
      for (let slot = out.ts[j - 1]! + intervalMs; slot < t; slot += intervalMs) {
        out.ts[j] = slot;
        out.open[j] = out.high[j] = out.low[j] = out.close[j] = prevClose;
        out.volume[j] = 0;
        j++;
      }
    }
    copyCandle(out, j, columns, i);
    j++;
  }
  return { columns: out, filled };
}

function failMessage(defects: readonly DataIssue[], source: string): string {
  const listed = defects.slice(0, FAIL_LISTED).map((d) => `  line ${d.line}: ${d.kind}: ${d.message}`);
  const more = defects.length > FAIL_LISTED ? [`  ... and ${defects.length - FAIL_LISTED} more`] : [];
  return [`${defects.length} defective row(s) in ${source}:`, ...listed, ...more].join("\n");
}

/**
 * Read and validate `ts,open,high,low,close,volume` CSV bytes (see `scanCandleCsv`) into a
 * columnar series, applying the policy. Throws `ParseError` for a wrong header, an interval that
 * cannot be inferred, or (policy `fail`) any defective row.
 */
export function parseCandleCsv(input: Uint8Array | string, options: CandleCsvOptions): CandleCsvImport {
  const source = options.source ?? options.market;
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const policy = options.policy ?? "report";
  const scanned = scanCandleCsv(bytes);
  const rows = scanned.columns.ts.length + scanned.issues.length;
  const interval = options.interval ?? inferInterval(scanned.columns.ts, source);
  const intervalMs = INTERVAL_MS[interval];

  const defects = findRowDefectsOnGrid(scanned.columns, intervalMs, scanned.lines);
  const phase = defects.phase;
  const rowDefects = [...scanned.issues, ...defects.issues];
  if (policy === "fail" && rowDefects.length > 0) {
    throw new ParseError(failMessage(rowDefects.sort((a, b) => a.line - b.line), source), source, rowDefects);
  }
  const dropDefective = policy === "skip" || policy === "forward-fill";
  const kept = dropDefective ? keepRows(scanned.columns, scanned.lines, defects.defective.map((d) => 1 - d)) : scanned;
  const gaps = findGaps(kept.columns.ts, intervalMs, kept.lines, phase);
  // Under `report` the defective rows are still there: jumps are measured around them.
  const outliers = findOutliers(kept.columns, options.outlierK ?? DEFAULT_OUTLIER_K, kept.lines, dropDefective ? undefined : defects.defective);
  const { columns, filled } = policy === "forward-fill" ? forwardFill(kept.columns, intervalMs, gaps) : { columns: kept.columns, filled: 0 };

  const issues = [...rowDefects, ...gaps, ...outliers].sort((a, b) => a.line - b.line);
  return {
    series: makeSeries(options.market, interval, columns),
    issues,
    rows,
    dropped: rows - kept.columns.ts.length,
    filled,
  };
}

/** True when any issue is a row defect (as opposed to gaps and outliers only). */
export function hasRowDefects(issues: readonly DataIssue[]): boolean {
  return issues.some((i) => isRowDefect(i.kind));
}

/**
 * The series as CSV text in the import format: header, one row per candle, numbers written in
 * JavaScript's shortest round-trip form, so reading the text back gives the same doubles.
 */
export function formatCandleCsv(columns: CandleColumns): string {
  const { ts, open, high, low, close, volume } = columns;
  const parts = new Array<string>(ts.length + 2);
  parts[0] = CSV_HEADER;
  for (let i = 0; i < ts.length; i++) parts[i + 1] = `${ts[i]},${open[i]},${high[i]},${low[i]},${close[i]},${volume[i]}`;
  parts[ts.length + 1] = "";
  return parts.join("\n");
}
