import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  candleFingerprint,
  candlesToSeries,
  marketFromFileName,
  readCandleCsvFile,
  readMaybeGzip,
  seriesToCandles,
  sliceSeries,
  writeCandleCsvFile,
  type CandleSeries,
} from "../../../../src/backtest/data/index.ts";

const ROOT = join(import.meta.dirname, "../../../..");
const DATA = join(ROOT, "data/candles");
const SHARED = ["BTC-1h", "ETH-1h", "XRP-1h", "BTC-1m", "ETH-1m", "XRP-1m"].map((s) => join(DATA, `upbit-KRW-${s}.csv.gz`));
const FIXTURES = ["bithumb-KRW-ETH-1h.csv", "upbit-KRW-BTC-1d.csv", "upbit-KRW-NEO-1d.csv"].map((f) => join(ROOT, "tests/fixtures/candles", f));

const tmp = mkdtempSync(join(tmpdir(), "candles-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `file name -> [previousTs, ts, missing][]` from the gap lists in data/candles/SOURCES.md. */
function documentedGaps(): Map<string, [number, number, number][]> {
  const text = readFileSync(join(DATA, "SOURCES.md"), "utf8");
  const out = new Map<string, [number, number, number][]>();
  let file = "";
  for (const line of text.split("\n")) {
    const heading = /^### (\S+\.csv)$/.exec(line);
    if (heading) file = heading[1]!;
    const list = /^- gaps \((\d+), (\d+) bars missing\): (.*)$/.exec(line);
    if (!list || file === "") continue;
    const gaps = [...list[3]!.matchAll(/(\S+Z) -> (\S+Z) \((\d+) missing\)/g)].map((m) => [Date.parse(m[1]!), Date.parse(m[2]!), Number(m[3])] as [number, number, number]);
    expect(gaps).toHaveLength(Number(list[1]));
    out.set(file, gaps);
  }
  return out;
}

function plainColumns(text: string): number[][] {
  const cols: number[][] = [[], [], [], [], [], []];
  for (const line of text.split("\n").slice(1)) {
    if (line.trim() === "") continue;
    line.split(",").forEach((f, j) => cols[j]!.push(Number(f)));
  }
  return cols;
}

describe("shared candle files", () => {
  it("parse to exactly the doubles Number() gives, every field of every file", async () => {
    for (const path of [...SHARED, ...FIXTURES]) {
      const { series, issues } = await readCandleCsvFile(path);
      const text = new TextDecoder().decode(await readMaybeGzip(path));
      const expected = plainColumns(text);
      const got = [series.ts, series.open, series.high, series.low, series.close, series.volume];
      for (let j = 0; j < 6; j++) {
        expect(got[j]!.length).toBe(expected[j]!.length);
        // Object.is: bit-exact, so -0 vs 0 would count as a difference too.
        let differing = 0;
        for (let i = 0; i < got[j]!.length; i++) if (!Object.is(got[j]![i], expected[j]![i])) differing++;
        expect(differing, `${path} column ${j}`).toBe(0);
      }
      expect(issues.filter((i) => i.kind !== "gap" && i.kind !== "outlier"), path).toEqual([]);
    }
  });

  it("show exactly the gaps data/candles/SOURCES.md lists", async () => {
    const documented = documentedGaps();
    for (const path of [...SHARED, ...FIXTURES]) {
      const name = path.split("/").pop()!.replace(/\.gz$/, "");
      const { issues, series } = await readCandleCsvFile(path);
      const found = issues.filter((i) => i.kind === "gap").map((g) => [g.previousTs, g.ts, g.missing]);
      expect(found, name).toEqual(documented.get(name));
      // The line of a gap issue is the line of the row after it (header = line 1).
      for (const g of issues.filter((i) => i.kind === "gap")) expect(series.ts[g.line - 2]).toBe(g.ts);
    }
    expect(documented.size).toBe(9);
  });

  it("infer their intervals and markets from spacing and file name", async () => {
    const intervals = [];
    for (const path of [...SHARED, ...FIXTURES]) {
      const { series } = await readCandleCsvFile(path);
      intervals.push(`${series.market} ${series.interval}`);
    }
    expect(intervals).toEqual(["KRW-BTC 1h", "KRW-ETH 1h", "KRW-XRP 1h", "KRW-BTC 1m", "KRW-ETH 1m", "KRW-XRP 1m", "KRW-ETH 1h", "KRW-BTC 1d", "KRW-NEO 1d"]);
  });
});

describe("CSV files", () => {
  it("write and read back .csv and .csv.gz with the same content and fingerprint", async () => {
    const { series } = await readCandleCsvFile(SHARED[2]!);
    const plain = join(tmp, "KRW-XRP.csv");
    const gz = join(tmp, "KRW-XRP.csv.gz");
    await writeCandleCsvFile(plain, series);
    await writeCandleCsvFile(gz, series);
    const fromPlain = (await readCandleCsvFile(plain)).series;
    const fromGz = (await readCandleCsvFile(gz)).series;
    expect(gunzipSync(readFileSync(gz)).toString()).toBe(readFileSync(plain, "utf8"));
    expect(candleFingerprint([fromPlain])).toBe(candleFingerprint([series]));
    expect(candleFingerprint([fromGz])).toBe(candleFingerprint([series]));
    expect(Array.from(fromGz.volume)).toEqual(Array.from(series.volume));
  });

  it("read every member of a multi-member gzip file (Bun's gunzip alone stops after the first)", async () => {
    const header = "ts,open,high,low,close,volume\n";
    const first = "0,1,2,0.5,1.5,10\n3600000,1.5,2,1,1.75,3\n";
    const second = "7200000,1.75,2,1.5,1.8,4\n";
    const path = join(tmp, "KRW-ETH-members.csv.gz");
    await Bun.write(path, new Uint8Array([...gzipSync(header + first), ...gzipSync(second)]));
    expect(new TextDecoder().decode(await readMaybeGzip(path))).toBe(header + first + second);
    expect(Array.from((await readCandleCsvFile(path)).series.close)).toEqual([1.5, 1.75, 1.8]);
    // One member: Bun's own gunzip, same bytes.
    const single = join(tmp, "KRW-ETH-single.csv.gz");
    await Bun.write(single, gzipSync(header + first));
    expect(new TextDecoder().decode(await readMaybeGzip(single))).toBe(header + first);
  });

  it("need a market from the options or the file name", async () => {
    const path = join(tmp, "candles.csv");
    await Bun.write(path, "ts,open,high,low,close,volume\n0,1,1,1,1,1\n3600000,1,1,1,1,1\n");
    await expect(readCandleCsvFile(path)).rejects.toThrow(/no market given/);
    expect((await readCandleCsvFile(path, { market: "KRW-ADA" })).series.market).toBe("KRW-ADA");
    expect(marketFromFileName("/x/upbit-KRW-BTC-1h.csv.gz")).toBe("KRW-BTC");
    expect(marketFromFileName("/KRW-BTC/data.csv")).toBeUndefined();
  });
});

describe("candleFingerprint", () => {
  const base = candlesToSeries(
    [
      { ts: 0, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 },
      { ts: 60_000, open: 1.5, high: 2, low: 1, close: 1.75, volume: 3 },
    ],
    "KRW-BTC",
    "1m",
  );

  function withClose(series: CandleSeries, i: number, close: number): CandleSeries {
    const copy = candlesToSeries(seriesToCandles(series), series.market, series.interval);
    copy.close[i] = close;
    return copy;
  }

  it("is sha256 hex over the content, stable for equal content", () => {
    const fp = candleFingerprint([base]);
    expect(fp).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(candleFingerprint([candlesToSeries(seriesToCandles(base), "KRW-BTC", "1m")])).toBe(fp);
  });

  it("changes with the last bit of any value, the market or the interval", () => {
    const fp = candleFingerprint([base]);
    expect(candleFingerprint([withClose(base, 1, 1.7500000000000002)])).not.toBe(fp);
    expect(candleFingerprint([{ ...base, market: "KRW-ETH" }])).not.toBe(fp);
    expect(candleFingerprint([{ ...base, interval: "3m" }])).not.toBe(fp);
  });

  it("does not depend on the order markets are listed in", () => {
    const eth = { ...base, market: "KRW-ETH" as const };
    expect(candleFingerprint([base, eth])).toBe(candleFingerprint([eth, base]));
  });

  it("hashes a slice's own values only (subarray views)", () => {
    expect(candleFingerprint([sliceSeries(base, 1)])).toBe(candleFingerprint([candlesToSeries(seriesToCandles(base).slice(1), "KRW-BTC", "1m")]));
  });

  it("uses the hasher it is given", () => {
    const seen: number[] = [];
    const fp = candleFingerprint([base], () => ({
      update: (d) => seen.push(typeof d === "string" ? d.length : d.byteLength),
      digest: () => "fixed",
    }));
    expect(fp).toBe("sha256:fixed");
    // version line, header line, then six columns of two doubles.
    expect(seen.slice(2)).toEqual([16, 16, 16, 16, 16, 16]);
  });
});

describe("series helpers", () => {
  it("convert between columns and Candle objects, and slice without copying", async () => {
    const { series } = await readCandleCsvFile(FIXTURES[1]!);
    const candles = seriesToCandles(series);
    expect(candles[0]).toEqual({ ts: 1704153600000, open: 58839000, high: 60997000, low: 58814000, close: 60206000, volume: 8221.19868374 });
    const back = candlesToSeries(candles, series.market, series.interval);
    expect(candleFingerprint([back])).toBe(candleFingerprint([series]));
    const tail = sliceSeries(series, 190);
    expect(tail.length).toBe(series.length - 190);
    expect(tail.close.buffer).toBe(series.close.buffer);
    expect(tail.ts[0]).toBe(series.ts[190]);
  });
});
