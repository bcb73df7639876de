import type { Interval, Market } from "../../core/model.ts";
import type { CandleColumns, CandleSeries } from "../data/index.ts";
import { makeSeries } from "../data/index.ts";
import type { BacktestConfig } from "../engine/index.ts";
import type { CandidateEvaluation } from "./evaluate.ts";
import type { Fold } from "./folds.ts";

/**
 * Messages between the optimizer and its worker threads. Candle columns travel once, in
 * SharedArrayBuffers (every worker reads the same memory, nothing is copied per job); jobs and
 * results are small JSON-like objects.
 */
export interface SharedSeries {
  readonly market: Market;
  readonly interval: Interval;
  readonly columns: CandleColumns;
}

export type ToWorker =
  | { readonly type: "init"; readonly series: readonly SharedSeries[]; readonly folds: readonly Fold[] }
  | { readonly type: "job"; readonly id: number; readonly config: BacktestConfig };

export type FromWorker =
  | { readonly type: "result"; readonly id: number; readonly evaluation: CandidateEvaluation }
  | { readonly type: "error"; readonly id: number; readonly message: string };

function sharedCopy(column: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(column.byteLength));
  out.set(column);
  return out;
}

/** The series' columns copied once into shared memory. */
export function shareSeries(series: readonly CandleSeries[]): SharedSeries[] {
  return series.map((s) => ({
    market: s.market,
    interval: s.interval,
    columns: { ts: sharedCopy(s.ts), open: sharedCopy(s.open), high: sharedCopy(s.high), low: sharedCopy(s.low), close: sharedCopy(s.close), volume: sharedCopy(s.volume) },
  }));
}

export function seriesFromShared(shared: readonly SharedSeries[]): CandleSeries[] {
  return shared.map((s) => makeSeries(s.market, s.interval, s.columns));
}
