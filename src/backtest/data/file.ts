import { ParseError } from "../../core/errors.ts";
import { isMarket, type Market } from "../../core/model.ts";
import { formatCandleCsv, parseCandleCsv, type CandleCsvImport, type CandleCsvOptions } from "./csv.ts";
import type { CandleColumns } from "./series.ts";

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** The `KRW-XXX` market code inside a file name such as `upbit-KRW-BTC-1h.csv.gz`, if any. */
export function marketFromFileName(path: string): Market | undefined {
  const name = path.split(/[\\/]/).pop() ?? path;
  const match = /KRW-[A-Z0-9]{1,15}/.exec(name);
  return match !== null && isMarket(match[0]) ? match[0] : undefined;
}

/**
 * Raw file bytes, gunzipped when the content is gzip (by its magic number, not its name).
 *
 * Bun's gunzip, not `node:zlib` (whose module alone adds ~10 ms to a backtest's start-up). Bun's
 * reads only the first gzip member, though, and a file of several members (`cat a.gz b.gz`) is
 * valid gzip: when the size in the last trailer (uncompressed length mod 2^32) disagrees with what
 * came out, `node:zlib`, which reads every member, decompresses the file instead.
 */
export async function readMaybeGzip(path: string): Promise<Uint8Array> {
  return maybeGunzip(await Bun.file(path).bytes());
}

/** `raw` gunzipped when it is gzip (see `readMaybeGzip`), else `raw` itself. */
export async function maybeGunzip(raw: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (raw[0] !== GZIP_MAGIC_0 || raw[1] !== GZIP_MAGIC_1) return raw;
  const out = Bun.gunzipSync(raw);
  if (raw.length >= 18 && new DataView(raw.buffer, raw.byteOffset + raw.length - 4, 4).getUint32(0, true) === out.length % 2 ** 32) return out;
  const { gunzipSync } = await import("node:zlib");
  return new Uint8Array(gunzipSync(raw));
}

export type CandleFileOptions = Omit<CandleCsvOptions, "market" | "source"> & {
  /** Defaults to the `KRW-XXX` code in the file name. */
  readonly market?: Market;
  /** The file's raw bytes (gzip or not); default `Bun.file(path).bytes()`. A caller that started the read early passes it here. */
  readonly readFile?: (path: string) => Promise<Uint8Array<ArrayBuffer>>;
};

/** Read a `.csv` or `.csv.gz` candle file and validate it (see `parseCandleCsv`). */
export async function readCandleCsvFile(path: string, options: CandleFileOptions = {}): Promise<CandleCsvImport> {
  const market = options.market ?? marketFromFileName(path);
  if (market === undefined) throw new ParseError("no market given and none in the file name (like KRW-BTC)", path);
  const { readFile, ...csvOptions } = options;
  const raw = await (readFile === undefined ? Bun.file(path).bytes() : readFile(path));
  return parseCandleCsv(await maybeGunzip(raw), { ...csvOptions, market, source: path });
}

/** Write candles as CSV in the import format; gzip-compressed when the path ends in `.gz`. */
export async function writeCandleCsvFile(path: string, columns: CandleColumns): Promise<void> {
  const text = formatCandleCsv(columns);
  await Bun.write(path, path.endsWith(".gz") ? Bun.gzipSync(text) : text);
}
