import type { CandleSeries, TimeWindow } from "../data/index.ts";

/**
 * Walk-forward folds over the run's time span. The span (first candle's open to last candle's
 * close, all markets) is cut into `folds + 1` equal segments on the candle grid; fold f (1-based)
 * fits on its in-sample window and is scored on segment f, the next one in time:
 *
 * - `rolling`: in-sample = segment f - 1 (every in-sample window has the same length);
 * - `anchored`: in-sample = segments 0 .. f - 1 (the window grows from the start).
 *
 * Out-of-sample windows never overlap and are always later than their in-sample window, so an
 * out-of-sample score never saw its candles while the parameters were chosen.
 */
export const WINDOW_MODES = ["rolling", "anchored"] as const;
export type WindowMode = (typeof WINDOW_MODES)[number];

export interface Fold {
  /** 1-based. */
  readonly index: number;
  readonly inSample: TimeWindow;
  readonly outOfSample: TimeWindow;
}

export function walkForwardFolds(series: readonly CandleSeries[], folds: number, mode: WindowMode): Fold[] {
  if (!Number.isInteger(folds) || folds < 1) throw new RangeError(`folds must be a positive integer, got ${folds}`);
  if (series.length === 0) throw new RangeError("no candle series");
  const intervalMs = series[0]!.intervalMs;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    if (s.length === 0) continue;
    start = Math.min(start, s.ts[0]!);
    end = Math.max(end, s.ts[s.length - 1]! + intervalMs);
  }
  const slots = Math.floor((end - start) / intervalMs);
  const segments = folds + 1;
  if (!(slots >= segments * 2)) throw new RangeError(`${slots} candle slots cannot make ${folds} folds`);
  const bound = (j: number) => (j === segments ? end : start + Math.floor((j * slots) / segments) * intervalMs);
  const out: Fold[] = [];
  for (let f = 1; f <= folds; f++) {
    out.push({
      index: f,
      inSample: { fromTs: mode === "rolling" ? bound(f - 1) : bound(0), toTs: bound(f) },
      outOfSample: { fromTs: bound(f), toTs: bound(f + 1) },
    });
  }
  return out;
}
