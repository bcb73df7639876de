export { DATA_POLICIES, forwardFill, formatCandleCsv, hasRowDefects, parseCandleCsv } from "./csv.ts";
export type { CandleCsvImport, CandleCsvOptions, DataPolicy } from "./csv.ts";
export { CSV_COLUMNS, CSV_HEADER, scanCandleCsv, type ScannedRows } from "./csv-scan.ts";
export { marketFromFileName, maybeGunzip, readCandleCsvFile, readMaybeGzip, writeCandleCsvFile, type CandleFileOptions } from "./file.ts";
export { candleFingerprint, sha256Hasher, type IncrementalHasher } from "./fingerprint.ts";
export { isoTs, isRowDefect, ROW_DEFECTS, type DataIssue, type DataIssueKind, type RowDefect } from "./issues.ts";
export {
  allocateColumns,
  candleAt,
  candlesToColumns,
  candlesToSeries,
  copyCandle,
  intervalFromMs,
  makeSeries,
  modalSpacing,
  readCandle,
  ModeCounter,
  seriesToCandles,
  sliceSeries,
  type CandleColumns,
  type CandleSeries,
  type MutableCandle,
} from "./series.ts";
export { DEFAULT_OUTLIER_K, findGaps, findOutliers, findRowDefects, findRowDefectsOnGrid, gridPhase, type RowDefects } from "./validate.ts";
export { lowerBound, type TimeWindow, windowSeries } from "./window.ts";
