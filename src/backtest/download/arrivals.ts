import { INTERVAL_MS, type Candle, type Interval } from "../../core/model.ts";
import { candlesToColumns, findGaps, findRowDefects, gridPhase, isoTs, type DataIssue } from "../data/index.ts";

/** What the checks found in the candles that arrived. */
export interface ArrivalReport {
  /** Missing grid slots between consecutive candles (arrived ones and their stored neighbours). */
  readonly gaps: readonly DataIssue[];
  /** Value and alignment defects (`ohlc`, `non-positive-price`, `negative-volume`, `misaligned`): reported, still stored. */
  readonly defects: readonly DataIssue[];
  /** Candles dropped because their open time was already seen (`duplicate` / `out-of-order`). */
  readonly duplicates: readonly DataIssue[];
}

/**
 * Runs the import validators of `src/backtest/data` over candles as they arrive, page by page, so
 * the downloader reports the same findings a later CSV import would: gaps are reported (never
 * filled), repeated or backwards open times are dropped, defective values are reported and kept
 * as the exchange sent them. Gap checks carry over page boundaries and include the stored candles
 * on either side of each fetched stretch.
 */
export class ArrivalChecks {
  private readonly intervalMs: number;
  private phase: number | undefined;
  private lastTs: number | undefined;
  private readonly gaps: DataIssue[] = [];
  private readonly defects: DataIssue[] = [];
  private readonly duplicates: DataIssue[] = [];

  constructor(interval: Interval) {
    this.intervalMs = INTERVAL_MS[interval];
  }

  /** A new stretch begins after the stored candle `before` (undefined: nothing stored before it). */
  startStretch(before: number | undefined): void {
    this.lastTs = before;
  }

  /** Check one page (ascending by the port's contract) and return the candles to store. */
  accept(page: readonly Candle[]): Candle[] {
    const fresh: Candle[] = [];
    const seen = new Set<number>(this.lastTs === undefined ? [] : [this.lastTs]);
    let maxTs = this.lastTs ?? -Infinity;
    for (const candle of page) {
      if (candle.ts > maxTs) {
        fresh.push(candle);
        seen.add(candle.ts);
        maxTs = candle.ts;
      } else {
        const kind = seen.has(candle.ts) ? "duplicate" : "out-of-order";
        this.duplicates.push({ kind, line: 0, ts: candle.ts, message: `ts ${isoTs(candle.ts)} arrived ${kind === "duplicate" ? "twice" : "out of order"}; dropped` });
      }
    }
    if (fresh.length === 0) return fresh;
    const columns = candlesToColumns(fresh);
    this.phase ??= this.lastTs !== undefined ? gridPhase([this.lastTs], this.intervalMs) : gridPhase(columns.ts, this.intervalMs);
    this.defects.push(...findRowDefects(columns, this.intervalMs, undefined, this.phase).issues);
    this.gaps.push(...findGaps(this.lastTs === undefined ? columns.ts : [this.lastTs, ...columns.ts], this.intervalMs, undefined, this.phase));
    this.lastTs = maxTs;
    return fresh;
  }

  /** The stretch ends at the stored candle `after` (undefined: nothing stored after it). */
  endStretch(after: number | undefined): void {
    if (this.lastTs !== undefined && after !== undefined) {
      this.phase ??= gridPhase([this.lastTs], this.intervalMs);
      this.gaps.push(...findGaps([this.lastTs, after], this.intervalMs, undefined, this.phase));
    }
    this.lastTs = undefined;
  }

  report(): ArrivalReport {
    return { gaps: [...this.gaps], defects: [...this.defects], duplicates: [...this.duplicates] };
  }
}
