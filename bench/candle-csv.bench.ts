/**
 * `bun run bench candle-csv`: CSV import speed.
 * Parses a synthetic one-year one-minute CSV (525,600 rows built from the shared BTC 1m candles)
 * with the project's scanner and, as the same-run baseline, with split + Number(). The scanner
 * row comes first, so its first run is cold, as in a `bun run backtest` process.
 */
import { readMaybeGzip, parseCandleCsv, scanCandleCsv, candleFingerprint } from "../src/backtest/data/index.ts";

/** The CSV bytes; built in a function so the row strings are garbage before timing starts. */
async function buildYear(): Promise<Uint8Array<ArrayBuffer>> {
  const source = new TextDecoder().decode(await readMaybeGzip(new URL("../data/candles/upbit-KRW-BTC-1m.csv.gz", import.meta.url).pathname));
  const rows = source.trim().split("\n").slice(1).map((l) => l.split(","));
  const t0 = Date.UTC(2025, 0, 1);
  const lines = ["ts,open,high,low,close,volume"];
  for (let i = 0; i < 525_600; i++) {
    const r = rows[i % rows.length]!;
    lines.push(`${t0 + i * 60_000},${r[1]},${r[2]},${r[3]},${r[4]},${r[5]}`);
  }
  return new TextEncoder().encode(lines.join("\n") + "\n");
}
const bytes = await buildYear();
const gz = Bun.gzipSync(bytes);

function baseline(b: Uint8Array): number {
  const text = new TextDecoder().decode(b).split("\n");
  let s = 0;
  for (let i = 1; i < text.length; i++) {
    const p = text[i]!.split(",");
    if (p.length === 6) for (let j = 0; j < 6; j++) s += Number(p[j]);
  }
  return s;
}

/**
 * `reps` runs; the first is shown on its own: it runs before the JIT has optimised the code, and it
 * is the one a `bun run backtest` process pays (each process reads its file once).
 */
function time(label: string, fn: () => unknown, reps = 7): void {
  Bun.gc(true);
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  const first = ms[0]!;
  ms.sort((a, b) => a - b);
  const median = ms[reps >> 1]!;
  console.log(
    `${label.padEnd(44)} first ${first.toFixed(1).padStart(6)} ms  median ${median.toFixed(1).padStart(6)} ms  min ${ms[0]!.toFixed(1).padStart(6)} ms  ${((525_600 / median) * 1000 / 1e6).toFixed(2)} M rows/s`,
  );
}

console.log(`one-year one-minute CSV: 525,600 rows, ${(bytes.length / 1e6).toFixed(1)} MB (${(gz.length / 1e6).toFixed(1)} MB gzip)`);
time("scanCandleCsv (bytes -> Float64Arrays)", () => scanCandleCsv(bytes));
time("baseline: TextDecoder + split + Number()", () => baseline(bytes));
time("parseCandleCsv (scan + validate, report)", () => parseCandleCsv(bytes, { market: "KRW-BTC" }));
time("gunzip + parseCandleCsv", () => parseCandleCsv(Bun.gunzipSync(gz), { market: "KRW-BTC" }));
const series = parseCandleCsv(bytes, { market: "KRW-BTC" }).series;
time("candleFingerprint (sha256)", () => candleFingerprint([series]));
