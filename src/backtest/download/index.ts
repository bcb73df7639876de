export { ArrivalChecks, type ArrivalReport } from "./arrivals.ts";
export { openCsvCandleStore, type CsvCandleStore } from "./csv-store.ts";
export {
  DEFAULT_PAGE_RETRY,
  downloadCandles,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  type PageRetryPolicy,
} from "./download.ts";
export { firstTradingDayAfter, type CandlePageFetcher } from "./history.ts";
export { candleEnd, firstOpenAtOrAfter, isMinuteInterval, periodStart } from "./periods.ts";
export { CANDLES_PER_REQUEST, planSegments, requestSpanMs, windowsIn, type Segment, type SegmentKind } from "./plan.ts";
export { sqliteCandleStore, type SqliteCandleStoreOptions } from "./sqlite-store.ts";
export type { CandleStore } from "./store.ts";
export { formatDownloadSummary, formatElapsed } from "./summary.ts";
