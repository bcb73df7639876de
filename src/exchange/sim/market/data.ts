import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ParseError } from "../../../core/errors.ts";
import { isMarket, type Market } from "../../../core/model.ts";
import { isOnTick, roundPrice } from "../../../core/orders/krw.ts";
import { MINUTE_MS } from "../time.ts";
import { MIN_TRADE_UNITS } from "./synth.ts";

/**
 * One market's recorded 1-minute candles, column-wise (typed arrays keep hundreds of markets
 * cheap). Prices are on Bithumb's tick grid; volumes are integer counts of 10^-8 coin so the
 * synthetic trades can split them exactly.
 */
export interface BaseSeries {
  readonly market: Market;
  /** Candle open times, UTC epoch ms, strictly increasing, minute-aligned. */
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Traded base quantity in units of 10^-8. */
  readonly volumeUnits: Float64Array;
  /** Where the rows came from (for logs and the admin state). */
  readonly source: string;
}

/** `upbit-KRW-BTC-1m.csv.gz` -> `KRW-BTC`: any prefix, a KRW market code, then `-1m.csv[.gz]`. */
const FILE_RE = /(?:^|-)(KRW-[A-Z0-9]{1,15})-1m\.csv(\.gz)?$/;

const VOLUME_SCALE = 1e8;

const onGrid = (price: number) => (isOnTick(price) ? price : roundPrice(price));

/** Volume text -> integer 10^-8 units, rounding half-up beyond 8 decimals. */
function volumeUnits(text: string): number {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (m) {
    const frac = (m[2] ?? "").padEnd(9, "0");
    const units = Number(m[1]) * VOLUME_SCALE + Number(frac.slice(0, 8));
    return frac.charCodeAt(8) >= 53 /* '5' */ ? units + 1 : units;
  }
  const n = Number(text);
  return Number.isFinite(n) ? Math.round(n * VOLUME_SCALE) : Number.NaN;
}

/**
 * Parse `ts,open,high,low,close,volume` rows (header optional). Rows must be ascending,
 * minute-aligned and internally consistent; prices are snapped onto the KRW tick grid (a monotone
 * rounding, so high >= open/close >= low still holds). Rows with zero volume are dropped: an
 * exchange emits no candle for a minute without trades. A volume below 4 x 10^-8 is raised to that
 * floor so the minute can hold the four trades (open, high, low, close) that reproduce it.
 */
export function parseCandleCsv(text: string, market: Market, source: string): BaseSeries {
  const lines = text.split("\n");
  const cols: number[][] = [[], [], [], [], [], []];
  let lastTs = -Infinity;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || (i === 0 && /^[a-z]/i.test(line))) continue;
    const cells = line.split(",");
    const where = `${source}:${i + 1}`;
    if (cells.length < 6) throw new ParseError("expected ts,open,high,low,close,volume", where, line);
    const ts = Number(cells[0]);
    const o = Number(cells[1]);
    const h = Number(cells[2]);
    const l = Number(cells[3]);
    const c = Number(cells[4]);
    const v = volumeUnits(cells[5]!);
    if (!Number.isSafeInteger(ts) || ts % MINUTE_MS !== 0) throw new ParseError("ts must be a minute-aligned epoch ms", where, cells[0]);
    if (ts <= lastTs) throw new ParseError("rows must be strictly ascending by ts", where, cells[0]);
    if (!(o > 0 && h > 0 && l > 0 && c > 0) || !Number.isFinite(h)) throw new ParseError("prices must be positive numbers", where, line);
    if (h < Math.max(o, c) || l > Math.min(o, c)) throw new ParseError("high/low do not bound open/close", where, line);
    if (!Number.isFinite(v) || v < 0) throw new ParseError("volume must be a non-negative number", where, cells[5]);
    lastTs = ts;
    if (v === 0) continue;
    cols[0]!.push(ts);
    cols[1]!.push(onGrid(o));
    cols[2]!.push(onGrid(h));
    cols[3]!.push(onGrid(l));
    cols[4]!.push(onGrid(c));
    cols[5]!.push(Math.max(v, MIN_TRADE_UNITS));
  }
  if (cols[0]!.length === 0) throw new ParseError("no candles with volume", source);
  const [ts, open, high, low, close, volume] = cols.map((c) => Float64Array.from(c)) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  return { market, ts, open, high, low, close, volumeUnits: volume, source };
}

/** The market a data file holds, or undefined when the name does not follow the 1m pattern. */
export function marketOfFile(name: string): Market | undefined {
  const m = FILE_RE.exec(name);
  return m && isMarket(m[1]) ? m[1] : undefined;
}

/** Parsed files by path, size and mtime: a process that starts several simulators parses each file once. */
const parsed = new Map<string, { readonly stamp: string; readonly series: Promise<BaseSeries> }>();

async function readSeries(path: string, market: Market): Promise<BaseSeries> {
  const st = statSync(path);
  const stamp = `${st.size}:${st.mtimeMs}`;
  const hit = parsed.get(path);
  if (hit && hit.stamp === stamp) return hit.series;
  const series = (async () => {
    const bytes = new Uint8Array(await Bun.file(path).arrayBuffer());
    const text = new TextDecoder().decode(path.endsWith(".gz") ? Bun.gunzipSync(bytes) : bytes);
    return parseCandleCsv(text, market, path);
  })();
  parsed.set(path, { stamp, series });
  series.catch(() => parsed.delete(path));
  return series;
}

/**
 * Load every `*-KRW-XXX-1m.csv` / `.csv.gz` in `dir` (or only `markets`). When a market has both
 * forms the plain `.csv` wins. Throws when a requested market has no file.
 */
export async function loadCandleDir(dir: string, markets?: readonly Market[]): Promise<BaseSeries[]> {
  const files = new Map<Market, string>();
  for (const name of readdirSync(dir).sort()) {
    const market = marketOfFile(name);
    if (!market) continue;
    const existing = files.get(market);
    if (!existing || (existing.endsWith(".gz") && !name.endsWith(".gz"))) files.set(market, name);
  }
  const wanted = markets ?? [...files.keys()].sort();
  const missing = wanted.filter((m) => !files.has(m));
  if (missing.length > 0) throw new Error(`no 1m candle file for ${missing.join(", ")} in ${dir}`);
  if (wanted.length === 0) throw new Error(`no *-KRW-XXX-1m.csv(.gz) files in ${dir}`);
  return Promise.all(wanted.map((market) => readSeries(join(dir, files.get(market)!), market)));
}
