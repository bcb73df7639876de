import type { Candle, Interval, Market } from "../../core/model.ts";
import { type Db, loadCandles, saveCandles } from "../../db/index.ts";
import type { CandleStore } from "./store.ts";

export interface SqliteCandleStoreOptions {
  readonly db: Db;
  readonly market: Market;
  readonly interval: Interval;
  /** Shown in messages (the database path). */
  readonly label?: string;
  /** Rows per `loadCandles` call while listing stored times (bounds memory on long ranges). */
  readonly chunkSize?: number;
}

const DEFAULT_CHUNK = 100_000;

/**
 * The SQLite candle table (`candles`, keyed by market + interval + ts) as a download target. Each
 * page is one `saveCandles` call, which is one transaction: a killed process leaves whole pages.
 */
export function sqliteCandleStore(options: SqliteCandleStoreOptions): CandleStore {
  const { db, market, interval } = options;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  return {
    description: `${options.label ?? "database"} (SQLite)`,
    storedTimes(fromTs, toTs) {
      // loadCandles returns the newest `limit` rows of the range, so walk back chunk by chunk.
      const chunks: Candle[][] = [];
      let upper = toTs;
      for (;;) {
        const rows = loadCandles(db, market, interval, { fromTs, toTs: upper, limit: chunkSize });
        if (rows.length > 0) chunks.push(rows);
        if (rows.length < chunkSize) break;
        upper = rows[0]!.ts;
      }
      const out = new Float64Array(chunks.reduce((n, c) => n + c.length, 0));
      let i = 0;
      for (let k = chunks.length - 1; k >= 0; k--) for (const row of chunks[k]!) out[i++] = row.ts;
      return out;
    },
    write(candles) {
      saveCandles(db, market, interval, candles);
    },
    flush() {},
  };
}
