import { mulberry32 } from "../../../../src/core/random.ts";
/** Test-only helpers: fixture loading, the bundled real candles, a seeded PRNG and candle builders. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Candle } from "../../../../src/core/model.ts";

const root = join(import.meta.dirname, "..", "..", "..", "..");

export interface IndicatorFixture {
  readonly indicator: "EMA" | "RSI" | "ATR";
  readonly params: { readonly period: number };
  readonly input: { readonly close: number[]; readonly high?: number[]; readonly low?: number[] };
  readonly expected: (number | null)[];
  readonly alignment: { readonly first_output_index: number };
}

export function indicatorFixture(name: string): IndicatorFixture {
  return JSON.parse(readFileSync(join(root, "tests", "fixtures", "indicators", name), "utf8")) as IndicatorFixture;
}

export interface CandleColumnsData {
  readonly ts: number[];
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly volume: number[];
}

/** A `ts,open,high,low,close,volume` CSV (optionally gzipped) from the repository, as columns. */
export function loadCandleCsv(relativePath: string, limit = Number.POSITIVE_INFINITY): CandleColumnsData {
  const raw = readFileSync(join(root, relativePath));
  const text = (relativePath.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const cols: CandleColumnsData = { ts: [], open: [], high: [], low: [], close: [], volume: [] };
  const lines = text.trim().split("\n");
  for (let i = 1; i < lines.length && i <= limit; i++) {
    const [ts, open, high, low, close, volume] = lines[i]!.split(",").map(Number);
    cols.ts.push(ts!);
    cols.open.push(open!);
    cols.high.push(high!);
    cols.low.push(low!);
    cols.close.push(close!);
    cols.volume.push(volume!);
  }
  return cols;
}

export function toCandles(cols: CandleColumnsData): Candle[] {
  return cols.ts.map((ts, i) => ({ ts, open: cols.open[i]!, high: cols.high[i]!, low: cols.low[i]!, close: cols.close[i]!, volume: cols.volume[i]! }));
}

/** mulberry32 (src/core/random.ts): deterministic randomness for property tests. */
export const prng = mulberry32;

/** A candle with open = previous close by default; every price explicit where a test needs it. */
export function candle(ts: number, close: number, fields: Partial<Omit<Candle, "ts" | "close">> = {}): Candle {
  const open = fields.open ?? close;
  return {
    ts,
    open,
    high: fields.high ?? Math.max(open, close),
    low: fields.low ?? Math.min(open, close),
    close,
    volume: fields.volume ?? 1,
  };
}
