import type { Candle } from "../../core/model.ts";

/**
 * Where downloaded candles of one market and interval go. The downloader writes pages in
 * ascending time order, never a candle the store already holds (it asks `storedTimes` first), and
 * calls `flush` after each stretch it fetched and before it returns (also when interrupted).
 */
export interface CandleStore {
  /** For messages: `data/bot.db (SQLite)`, `out.csv (CSV)`. */
  readonly description: string;
  /** Open times of the stored candles in [fromTs, toTs), ascending. */
  storedTimes(fromTs: number, toTs: number): Float64Array | Promise<Float64Array>;
  /**
   * Persist one page (ascending, at least one candle). All or nothing: an interruption leaves
   * either the whole page stored or none of it.
   */
  write(candles: readonly Candle[]): void | Promise<void>;
  /** Make everything written so far durable (a CSV store rewrites its file here when it must). */
  flush(): void | Promise<void>;
}

