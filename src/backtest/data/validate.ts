import { medianInPlace } from "../../core/stats/index.ts";
import { ModeCounter, type CandleColumns } from "./series.ts";
import { isoTs, type DataIssue } from "./issues.ts";

/** Default outlier threshold in robust standard deviations (see `findOutliers`). */
export const DEFAULT_OUTLIER_K = 20;

/** 1 / Phi^-1(3/4): scales a median absolute deviation to a normal standard deviation. */
const MAD_TO_SIGMA = 1.482602218505602;
/** sqrt(pi / 2): scales a mean absolute deviation to a normal standard deviation. */
const MEAN_ABS_TO_SIGMA = 1.2533141373155003;

/** Fewer returns than this give no trustworthy spread: no outlier check. */
const MIN_RETURNS_FOR_OUTLIERS = 20;

/** One month interval: no fixed grid, so gap and alignment checks are skipped for it. */
const MONTH_MS = 2_592_000_000;

/**
 * Non-negative remainder of integer milliseconds (ts before 1970 included). Floor division rather
 * than `%`: a double `%` is an fmod call, several times slower on half a million rows, and for
 * integers below 2^53 the quotient never rounds across an integer.
 */
function mod(t: number, m: number): number {
  return t - Math.floor(t / m) * m;
}

/**
 * Where the interval grid sits: the most common `ts mod interval` (0 for UTC-aligned hours; 15h for
 * days that start at 00:00 KST). The mode rather than the first row's phase, so that one
 * misaligned first row cannot make every other row look misaligned.
 */
export function gridPhase(ts: ArrayLike<number>, intervalMs: number): number {
  const counter = new ModeCounter();
  for (let i = 0; i < ts.length; i++) counter.add(mod(ts[i]!, intervalMs));
  return counter.mode() ?? 0;
}

function lineOf(lines: ArrayLike<number> | undefined, i: number): number {
  return lines === undefined ? 0 : lines[i]!;
}

export interface RowDefects {
  readonly issues: DataIssue[];
  /** 1 where the row has at least one row defect. */
  readonly defective: Uint8Array;
}

/**
 * Per-row value checks and ordering checks, in file order.
 *
 * Values: high >= max(open, close), low <= min(open, close), high >= low, prices > 0, volume >= 0.
 * Order (over rows whose values passed and, for grid intervals, whose ts is on the grid, see
 * `gridPhase`): a ts equal to one already seen is a `duplicate`, a ts below the largest seen
 * is `out-of-order`. Misaligned and value-defective rows do not move the order bookkeeping, so one
 * mistyped row cannot make every later row look out of order.
 */
export function findRowDefects(
  columns: CandleColumns,
  intervalMs: number,
  lines?: ArrayLike<number>,
  phase = gridPhase(columns.ts, intervalMs),
): RowDefects {
  const { ts, open, high, low, close, volume } = columns;
  const n = ts.length;
  const state: DefectScan = { columns, lines, intervalMs, phase, gridded: intervalMs !== MONTH_MS, issues: [], defective: new Uint8Array(n), maxTs: -Infinity, seen: null };
  const gridded = state.gridded;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    const o = open[i]!;
    const h = high[i]!;
    const l = low[i]!;
    const c = close[i]!;
    // The usual row, checked inline: positive prices (l > 0 and h >= o, c >= l), consistent OHLC,
    // volume >= 0, on the grid, later than every row so far. Anything else: `checkRow`.
    const clean = l > 0 && h >= o && h >= c && l <= o && l <= c && volume[i]! >= 0 && (!gridded || mod(t, intervalMs) === phase) && t > state.maxTs;
    if (clean) {
      state.maxTs = t;
      state.seen?.add(t);
    } else checkRow(state, i);
  }
  return { issues: state.issues, defective: state.defective };
}

/**
 * `findRowDefects` on the grid the rows are on, finding that grid's phase on the way: the first
 * row's phase is assumed, and when no row turns out misaligned (the usual file) it is the phase of
 * every row, so the mode (`gridPhase`, a pass of its own) is computed only when some row is off
 * the assumed grid; if the mode then differs, the check is redone on it. Same result as
 * `findRowDefects(columns, intervalMs, lines, gridPhase(columns.ts, intervalMs))`.
 */
export function findRowDefectsOnGrid(columns: CandleColumns, intervalMs: number, lines?: ArrayLike<number>): RowDefects & { readonly phase: number } {
  const ts = columns.ts;
  const assumed = ts.length > 0 ? mod(ts[0]!, intervalMs) : 0;
  const defects = findRowDefects(columns, intervalMs, lines, assumed);
  if (!defects.issues.some((issue) => issue.kind === "misaligned")) return { ...defects, phase: assumed };
  const phase = gridPhase(ts, intervalMs);
  return phase === assumed ? { ...defects, phase } : { ...findRowDefects(columns, intervalMs, lines, phase), phase };
}

/** What `findRowDefects` carries from row to row. */
interface DefectScan {
  readonly columns: CandleColumns;
  readonly lines: ArrayLike<number> | undefined;
  readonly intervalMs: number;
  readonly phase: number;
  readonly gridded: boolean;
  readonly issues: DataIssue[];
  readonly defective: Uint8Array;
  /** Largest ts among the rows that passed so far. */
  maxTs: number;
  /** Built only once an out-of-order row appears: then a duplicate may match any earlier ts. */
  seen: Set<number> | null;
}

/** Every check on row i, for the rows the inline test in `findRowDefects` did not pass. */
function checkRow(state: DefectScan, i: number): void {
  const { ts, open, high, low, close, volume } = state.columns;
  const t = ts[i]!;
  const o = open[i]!;
  const h = high[i]!;
  const l = low[i]!;
  const c = close[i]!;
  const flag = (kind: DataIssue["kind"], message: string) => {
    state.defective[i] = 1;
    state.issues.push({ kind, line: lineOf(state.lines, i), ts: t, message });
  };
  if (!(o > 0 && h > 0 && l > 0 && c > 0)) flag("non-positive-price", `price <= 0 (open ${o}, high ${h}, low ${l}, close ${c})`);
  if (h < o || h < c || l > o || l > c || h < l) flag("ohlc", `inconsistent OHLC (open ${o}, high ${h}, low ${l}, close ${c})`);
  if (volume[i]! < 0) flag("negative-volume", `volume ${volume[i]} < 0`);
  if (state.gridded && mod(t, state.intervalMs) !== state.phase) {
    flag("misaligned", `ts ${isoTs(t)} is off the ${state.intervalMs} ms grid the other rows are on`);
    return;
  }
  if (state.defective[i] === 1) return;
  if (t > state.maxTs) {
    state.maxTs = t;
    state.seen?.add(t);
  } else if (t === state.maxTs || state.seen?.has(t)) {
    flag("duplicate", `ts ${isoTs(t)} appears again`);
  } else {
    if (state.seen === null) {
      const seen = new Set<number>();
      for (let j = 0; j < i; j++) if (state.defective[j] === 0) seen.add(ts[j]!);
      state.seen = seen;
    }
    if (state.seen.has(t)) flag("duplicate", `ts ${isoTs(t)} appears again`);
    else {
      flag("out-of-order", `ts ${isoTs(t)} comes after ${isoTs(state.maxTs)}`);
      state.seen.add(t);
    }
  }
}

/**
 * Missing grid slots between consecutive rows of increasing ts that sit on the interval grid
 * (see `gridPhase`). Duplicate, out-of-order and misaligned rows are passed over; rows
 * with bad values still occupy their slot. One issue per gap, on the line of the first row after
 * it, with the number of missing candles.
 */
export function findGaps(ts: ArrayLike<number>, intervalMs: number, lines?: ArrayLike<number>, phase = gridPhase(ts, intervalMs)): DataIssue[] {
  const issues: DataIssue[] = [];
  if (intervalMs === MONTH_MS || ts.length === 0) return issues;
  let prev = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (!(t > prev) || mod(t, intervalMs) !== phase) continue;
    const missing = Math.ceil((t - prev) / intervalMs) - 1;
    if (missing > 0 && prev !== -Infinity) {
      issues.push({
        kind: "gap",
        line: lineOf(lines, i),
        ts: t,
        previousTs: prev,
        missing,
        message: `${missing} missing candle${missing === 1 ? "" : "s"} between ${isoTs(prev)} and ${isoTs(t)}`,
      });
    }
    prev = t;
  }
  return issues;
}

/**
 * Close-to-close jumps far outside the series' own spread. With r = ln(close_i / close_j) over
 * consecutive rows of increasing ts (rows marked in `exclude` passed over), a row is an outlier when |r - median(r)| > k x sigma, where
 * sigma = 1.4826 x MAD(r) (the median absolute deviation scaled to a normal standard deviation;
 * it ignores the jumps it is looking for, unlike a plain standard deviation). When more than half
 * the returns are equal (MAD = 0, e.g. quiet one-minute data) sigma falls back to 1.2533 x the mean
 * absolute deviation; when that is 0 too, nothing is an outlier. With fewer than 20 returns there
 * is no check. Reported, never dropped.
 */
export function findOutliers(
  columns: Pick<CandleColumns, "ts" | "close">,
  k = DEFAULT_OUTLIER_K,
  lines?: ArrayLike<number>,
  exclude?: Uint8Array,
): DataIssue[] {
  const { ts, close } = columns;
  const n = ts.length;
  const returns = new Float64Array(n);
  const rowOf = new Int32Array(n);
  const m = closeRatios(ts, close, exclude ?? new Uint8Array(n), returns, rowOf);
  if (m < MIN_RETURNS_FOR_OUTLIERS) return [];
  const r = returns.subarray(0, m);
  logInPlace(r);
  // One scratch copy serves the median of r, then (overwritten) holds the deviations.
  const deviations = r.slice();
  const center = medianInPlace(deviations);
  const absSum = absoluteDeviations(r, center, deviations);
  const mad = medianInPlace(deviations.slice());
  const sigma = mad > 0 ? MAD_TO_SIGMA * mad : MEAN_ABS_TO_SIGMA * (absSum / m);
  if (!(sigma > 0)) return [];
  const limit = k * sigma;
  const issues: DataIssue[] = [];
  for (let i = 0; i < m; i++) {
    if (deviations[i]! > limit) {
      const row = rowOf[i]!;
      const pct = (Math.exp(r[i]!) - 1) * 100;
      issues.push({
        kind: "outlier",
        line: lineOf(lines, row),
        ts: ts[row]!,
        message: `close moved ${pct.toFixed(2)}% from the previous close: ${(deviations[i]! / sigma).toFixed(1)} robust deviations (limit ${k})`,
      });
    }
  }
  return issues;
}

// The passes of `findOutliers`, each a small function of its own: the check runs once per file,
// mostly before the JIT has optimised it, and small loops are optimised soonest.

/**
 * close_i / close_j over consecutive rows of increasing ts with a positive close, rows marked in
 * `exclude` passed over, into `ratios` (with each ratio's row in `rowOf`). Returns how many.
 */
function closeRatios(ts: ArrayLike<number>, close: ArrayLike<number>, exclude: Uint8Array, ratios: Float64Array, rowOf: Int32Array): number {
  const n = ts.length;
  let m = 0;
  let prevTs = -Infinity;
  let prevClose = NaN;
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    const c = close[i]!;
    if (!(t > prevTs) || !(c > 0) || exclude[i] === 1) continue;
    if (prevClose > 0) {
      ratios[m] = c / prevClose;
      rowOf[m] = i;
      m++;
    }
    prevTs = t;
    prevClose = c;
  }
  return m;
}

function logInPlace(xs: Float64Array): void {
  for (let i = 0; i < xs.length; i++) xs[i] = Math.log(xs[i]!);
}

/** |x - center| of every x into `out`; returns their sum. */
function absoluteDeviations(xs: Float64Array, center: number, out: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = Math.abs(xs[i]! - center);
    out[i] = d;
    sum += d;
  }
  return sum;
}
