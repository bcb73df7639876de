import { ParseError } from "../../core/errors.ts";
import type { Market } from "../../core/model.ts";
import {
  type CandleCsvImport,
  type CandleSeries,
  candleFingerprint,
  type DataIssueKind,
  type DataPolicy,
  isoTs,
  lowerBound,
  readCandleCsvFile,
  type TimeWindow,
  windowSeries,
} from "../data/index.ts";

/** Candle files read for a run, with what validation found and the data's fingerprint. */
export interface LoadedData {
  readonly series: readonly CandleSeries[];
  readonly files: readonly { readonly path: string; readonly imported: CandleCsvImport }[];
  /** `candleFingerprint` of every series. */
  readonly fingerprint: string;
}

export interface LoadOptions {
  /** Market of the ONE file given (otherwise each file name must name its market). */
  readonly market?: Market;
  readonly policy?: DataPolicy;
  /** Raw bytes of a file (see `CandleFileOptions.readFile`). */
  readonly readFile?: (path: string) => Promise<Uint8Array<ArrayBuffer>>;
}

function messageOf(e: unknown): string {
  const err = e as { code?: string; message?: string };
  if (err.code === "ENOENT") return "no such file";
  if (err.code === "EISDIR") return "is a directory";
  if (err.code === "EACCES") return "permission denied";
  return err.message ?? String(e);
}

/**
 * Read and validate candle files (CSV or gzip) for one run: markets from the file names (or
 * `market` for a single file), the interval inferred from the data and shared by all files, each
 * market at most once. Throws `ParseError` naming the file on any problem.
 */
export async function loadCandleFiles(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedData> {
  if (paths.length === 0) throw new ParseError("no data file given");
  if (options.market !== undefined && paths.length > 1) throw new ParseError("a market can only be given for a single data file (each file name names its market)");
  const files = await Promise.all(
    paths.map(async (path) => {
      try {
        return { path, imported: await readCandleCsvFile(path, { market: options.market, policy: options.policy, readFile: options.readFile }) };
      } catch (e) {
        if (e instanceof ParseError) throw e;
        throw new ParseError(`cannot read: ${messageOf(e)}`, path);
      }
    }),
  );
  const series = files.map((f) => f.imported.series);
  const markets = new Map<Market, string>();
  for (const f of files) {
    const s = f.imported.series;
    if (s.length === 0) throw new ParseError("no candles in the file", f.path);
    const other = markets.get(s.market);
    if (other !== undefined) throw new ParseError(`${s.market} is already given by ${other}`, f.path);
    markets.set(s.market, f.path);
    if (s.interval !== series[0]!.interval) throw new ParseError(`interval ${s.interval} differs from ${series[0]!.interval} in ${files[0]!.path}: all markets of a run share one interval`, f.path);
  }
  return { series, files, fingerprint: candleFingerprint(series) };
}

function countKinds(imported: CandleCsvImport): Map<DataIssueKind, { count: number; missing: number }> {
  const kinds = new Map<DataIssueKind, { count: number; missing: number }>();
  for (const issue of imported.issues) {
    const entry = kinds.get(issue.kind) ?? { count: 0, missing: 0 };
    entry.count++;
    entry.missing += issue.missing ?? 0;
    kinds.set(issue.kind, entry);
  }
  return kinds;
}

/** One line per file: market, interval, candles, span, and the validation findings by kind. */
export function dataSummaryLines(data: LoadedData): string[] {
  return data.files.map(({ path, imported }) => {
    const s = imported.series;
    const findings = [...countKinds(imported)].map(([kind, { count, missing }]) =>
      kind === "gap" ? `${count} gaps (${missing} candles missing, not filled)` : kind === "outlier" ? `${count} outliers (kept)` : `${count} rows: ${kind}`,
    );
    const extra = [imported.dropped > 0 ? `${imported.dropped} rows dropped` : "", imported.filled > 0 ? `${imported.filled} candles forward-filled` : ""].filter((x) => x !== "");
    const notes = [...findings, ...extra];
    return `${path}: ${s.market} ${s.interval}, ${s.length} candles, ${isoTs(s.ts[0]!)} to ${isoTs(s.ts[s.length - 1]!)}${notes.length > 0 ? `; ${notes.join(", ")}` : ""}`;
  });
}

/** The candles a run over a time window uses (`selectWindow`). */
export interface WindowedData {
  /** The data cut to the window and its warm-up; `fingerprint` is of exactly these candles. */
  readonly data: LoadedData;
  /** Where trading starts (the engine's `startTs`): the window's start, undefined without one. */
  readonly startTs: number | undefined;
  /** Candles from `startTs` on, all markets together (what the engine trades). */
  readonly tradedCandles: number;
}

/**
 * Cut loaded data to `[fromTs, toTs)` (either side may be open): each market keeps its candles in
 * the window plus up to `warmup` candles before it, which only warm the strategy up (the engine
 * gets `startTs = fromTs`), so trading can start at the first candle of the window with its
 * indicators ready, and the result does not depend on how much history the file has before it.
 * A market with no candle in the window is an error naming its file.
 */
export function selectWindow(data: LoadedData, window: Partial<TimeWindow>, warmup: number): WindowedData {
  const fromTs = window.fromTs ?? Number.NEGATIVE_INFINITY;
  const toTs = window.toTs ?? Number.POSITIVE_INFINITY;
  const count = (series: readonly CandleSeries[]) => series.reduce((n, s) => n + s.length - lowerBound(s.ts, fromTs), 0);
  if (window.fromTs === undefined && window.toTs === undefined) return { data, startTs: undefined, tradedCandles: count(data.series) };
  const series = windowSeries(data.series, { fromTs, toTs }, warmup);
  for (const f of data.files) {
    const s = f.imported.series;
    if (series.some((w) => w.market === s.market)) continue;
    const from = window.fromTs === undefined ? "the start" : isoTs(window.fromTs);
    const to = window.toTs === undefined ? "the end" : isoTs(window.toTs);
    throw new ParseError(`no ${s.market} candle from ${from} to ${to} (the file has ${isoTs(s.ts[0]!)} to ${isoTs(s.ts[s.length - 1]!)})`, f.path);
  }
  return {
    data: { series, files: data.files, fingerprint: candleFingerprint(series) },
    startTs: window.fromTs,
    tradedCandles: count(series),
  };
}
