import { ParseError } from "../../core/errors.ts";
import type { Market } from "../../core/model.ts";
import { type CandleCsvImport, type CandleSeries, candleFingerprint, type DataIssueKind, type DataPolicy, isoTs, readCandleCsvFile } from "../data/index.ts";

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
        return { path, imported: await readCandleCsvFile(path, { market: options.market, policy: options.policy }) };
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
