import { appendFileSync, existsSync, readFileSync, renameSync, truncateSync } from "node:fs";
import { ParseError } from "../../core/errors.ts";
import { INTERVAL_MS, type Candle, type Interval, type Market } from "../../core/model.ts";
import {
  allocateColumns,
  candlesToColumns,
  copyCandle,
  CSV_HEADER,
  formatCandleCsv,
  intervalFromMs,
  marketFromFileName,
  modalSpacing,
  parseCandleCsv,
  writeCandleCsvFile,
  type CandleColumns,
  lowerBound,
  type RowDefect,
} from "../data/index.ts";
import type { CandleStore } from "./store.ts";

/** Row defects that make a file unsafe to continue: its order or its rows cannot be trusted. */
const BLOCKING_DEFECTS: ReadonlySet<string> = new Set<RowDefect>(["invalid-field", "duplicate", "out-of-order"]);
const LF = 10;

export interface CsvCandleStore extends CandleStore {
  /** Bytes of an unfinished last line cut off when the file was opened (an interrupted write). */
  readonly repairedBytes: number;
  /** Rows the file held when it was opened. */
  readonly rowsAtOpen: number;
}

/** Two ascending, disjoint column sets as one ascending set. */
function mergeColumns(a: CandleColumns, b: CandleColumns): CandleColumns {
  const n = a.ts.length;
  const m = b.ts.length;
  const out = allocateColumns(n + m);
  let i = 0;
  let j = 0;
  for (let k = 0; k < n + m; k++) {
    const fromA = j >= m || (i < n && a.ts[i]! < b.ts[j]!);
    if (fromA) copyCandle(out, k, a, i++);
    else copyCandle(out, k, b, j++);
  }
  return out;
}

/** CSV rows without the header line. */
function rowsText(candles: readonly Candle[]): string {
  return formatCandleCsv(candlesToColumns(candles)).slice(CSV_HEADER.length + 1);
}

/** Cut an unfinished last line (no trailing LF) off the file; returns the bytes removed. */
function repairTornTail(path: string, bytes: Uint8Array): { bytes: Uint8Array; removed: number } {
  if (bytes.length === 0 || bytes[bytes.length - 1] === LF) return { bytes, removed: 0 };
  const keep = bytes.lastIndexOf(LF) + 1;
  truncateSync(path, keep);
  return { bytes: bytes.subarray(0, keep), removed: bytes.length - keep };
}

/** Refuse a file that is not a clean earlier download of this market and interval. */
function checkResumable(path: string, market: Market, interval: Interval, bytes: Uint8Array): CandleColumns {
  const named = marketFromFileName(path);
  if (named !== undefined && named !== market) {
    throw new ParseError(`the file name says ${named}, but --market is ${market}; choose another file`, path);
  }
  const imported = parseCandleCsv(bytes, { market, interval, policy: "report", source: path });
  const blocking = imported.issues.filter((issue) => BLOCKING_DEFECTS.has(issue.kind));
  if (blocking.length > 0) {
    const first = blocking[0]!;
    throw new ParseError(
      `cannot continue this file: ${blocking.length} row(s) are unreadable, duplicated or out of order (first: line ${first.line}: ${first.message}); fix it or write to a new file`,
      path,
    );
  }
  const spacing = modalSpacing(imported.series.ts);
  const spacingInterval = spacing === undefined ? undefined : intervalFromMs(spacing);
  if (spacing !== undefined && spacing !== INTERVAL_MS[interval] && spacingInterval !== undefined) {
    throw new ParseError(`the file holds ${spacingInterval} candles (usual spacing ${spacing} ms), not ${interval}; choose another file`, path);
  }
  return imported.series;
}

/**
 * A `ts,open,high,low,close,volume` file (the import format of `src/backtest/data`) as a download
 * target, continued where an earlier run stopped:
 *
 * - On open, a torn last line (a write cut short by a kill or power loss) is cut off, and the file
 *   must be a clean earlier download: readable rows, strictly increasing ts, same market (when the
 *   file name names one) and interval. Anything else is refused with a `ParseError` rather than
 *   extended.
 * - Pages after the last row are appended at once, one `appendFileSync` call per page.
 * - Pages before the last row (a head before the first row, a refetched hole) are kept in memory
 *   and merged on `flush` by writing a temporary file and renaming it over the old one, so the
 *   file on disk is always a complete, ordered CSV.
 *
 * Plain CSV only: appending to gzip is refused (write `.csv` and compress afterwards).
 */
export function openCsvCandleStore(path: string, market: Market, interval: Interval): CsvCandleStore {
  if (path.endsWith(".gz")) throw new ParseError("gzip output is not supported (the file is appended to page by page); write .csv and compress it afterwards", path);
  let columns = allocateColumns(0);
  let repairedBytes = 0;
  let exists = existsSync(path);
  if (exists) {
    const repaired = repairTornTail(path, readFileSync(path));
    repairedBytes = repaired.removed;
    if (repaired.bytes.length > 0) columns = checkResumable(path, market, interval, repaired.bytes);
    else exists = false;
  }
  const rowsAtOpen = columns.ts.length;
  /** Rows appended since `columns` was last rebuilt (all after its last row). */
  let appended: Candle[] = [];
  /** Rows waiting for a rewrite (before the last row). */
  let pending: Candle[] = [];

  const lastTs = () => (appended.length > 0 ? appended[appended.length - 1]!.ts : columns.ts.length > 0 ? columns.ts[columns.ts.length - 1]! : -Infinity);
  const allColumns = () => (appended.length > 0 ? mergeColumns(columns, candlesToColumns(appended)) : columns);

  return {
    description: `${path} (CSV)`,
    repairedBytes,
    rowsAtOpen,
    storedTimes(fromTs, toTs) {
      const ts = allColumns().ts;
      return ts.slice(lowerBound(ts, fromTs), lowerBound(ts, toTs));
    },
    write(candles) {
      if (candles.length === 0) return;
      if (candles[0]!.ts > lastTs()) {
        appendFileSync(path, (exists ? "" : `${CSV_HEADER}\n`) + rowsText(candles));
        exists = true;
        appended.push(...candles);
      } else {
        pending.push(...candles);
      }
    },
    async flush() {
      if (pending.length === 0) {
        if (!exists) {
          appendFileSync(path, `${CSV_HEADER}\n`);
          exists = true;
        }
        return;
      }
      const merged = mergeColumns(allColumns(), candlesToColumns(pending.sort((a, b) => a.ts - b.ts)));
      for (let i = 1; i < merged.ts.length; i++) {
        if (!(merged.ts[i]! > merged.ts[i - 1]!)) throw new RangeError(`${path}: candle ${merged.ts[i]} would be stored twice`);
      }
      const temporary = `${path}.tmp`;
      await writeCandleCsvFile(temporary, merged);
      renameSync(temporary, path);
      exists = true;
      columns = merged;
      appended = [];
      pending = [];
    },
  };
}
