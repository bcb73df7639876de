import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openCsvCandleStore, sqliteCandleStore } from "../../../../src/backtest/download/index.ts";
import { readCandleCsvFile } from "../../../../src/backtest/data/index.ts";
import type { Candle } from "../../../../src/core/model.ts";
import { loadCandles, openDb, type DbHandle } from "../../../../src/db/index.ts";

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const candle = (i: number, close = 100 + i): Candle => ({ ts: T0 + i * H, open: 100, high: Math.max(100, close) + 0.5, low: Math.min(100, close) - 0.5, close, volume: 0.1 * (i + 1) });
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => candle(a + k));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "download-store-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("openCsvCandleStore", () => {
  it("creates the file with a header, appends pages and reads back the same doubles", async () => {
    const path = join(dir, "KRW-BTC-1h.csv");
    const store = openCsvCandleStore(path, "KRW-BTC", "1h");
    expect(existsSync(path)).toBe(false);
    store.write(range(0, 3));
    store.write([{ ...candle(3), volume: 0.1 + 0.2 }]);
    await store.flush();
    expect(readFileSync(path, "utf8").split("\n").slice(0, 2)).toEqual(["ts,open,high,low,close,volume", `${T0},100,100.5,99.5,100,0.1`]);
    const back = await readCandleCsvFile(path, { interval: "1h" });
    expect(back.issues).toEqual([]);
    expect(Array.from(back.series.volume)).toEqual([0.1, 0.2, 0.30000000000000004, 0.1 + 0.2]);
    expect(Array.from(await store.storedTimes(T0 + H, T0 + 3 * H))).toEqual([T0 + H, T0 + 2 * H]);
  });

  it("writes a header-only file for a run that found nothing", async () => {
    const path = join(dir, "empty.csv");
    await openCsvCandleStore(path, "KRW-BTC", "1h").flush();
    expect(readFileSync(path, "utf8")).toBe("ts,open,high,low,close,volume\n");
  });

  it("continues an existing file after its last row", async () => {
    const path = join(dir, "btc.csv");
    const first = openCsvCandleStore(path, "KRW-BTC", "1h");
    first.write(range(0, 5));
    const second = openCsvCandleStore(path, "KRW-BTC", "1h");
    expect(second.rowsAtOpen).toBe(5);
    expect(Array.from(await second.storedTimes(0, Infinity))).toEqual(range(0, 5).map((c) => c.ts));
    second.write(range(5, 8));
    await second.flush();
    const back = await readCandleCsvFile(path, { market: "KRW-BTC", interval: "1h" });
    expect(Array.from(back.series.ts)).toEqual(range(0, 8).map((c) => c.ts));
  });

  it("cuts off a torn last line left by an interrupted write", async () => {
    const path = join(dir, "btc.csv");
    openCsvCandleStore(path, "KRW-BTC", "1h").write(range(0, 4));
    appendFileSync(path, `${T0 + 4 * H},100,101,99,10`);
    const store = openCsvCandleStore(path, "KRW-BTC", "1h");
    expect(store.repairedBytes).toBe(`${T0 + 4 * H},100,101,99,10`.length);
    expect(store.rowsAtOpen).toBe(4);
    store.write(range(4, 6));
    const back = await readCandleCsvFile(path, { market: "KRW-BTC", interval: "1h" });
    expect(back.issues).toEqual([]);
    expect(back.series.length).toBe(6);
  });

  it("merges pages before the last row with an atomic rewrite on flush", async () => {
    const path = join(dir, "btc.csv");
    openCsvCandleStore(path, "KRW-BTC", "1h").write(range(300, 305));
    const store = openCsvCandleStore(path, "KRW-BTC", "1h");
    store.write(range(0, 3));
    store.write(range(3, 6));
    // Not on disk until flush: the file stays a clean, ordered CSV at every moment.
    expect((await readCandleCsvFile(path, { market: "KRW-BTC", interval: "1h" })).series.length).toBe(5);
    await store.flush();
    const back = await readCandleCsvFile(path, { market: "KRW-BTC", interval: "1h" });
    expect(Array.from(back.series.ts)).toEqual([...range(0, 6), ...range(300, 305)].map((c) => c.ts));
    expect(existsSync(`${path}.tmp`)).toBe(false);
    store.write(range(305, 307));
    await store.flush();
    expect((await readCandleCsvFile(path, { market: "KRW-BTC", interval: "1h" })).series.length).toBe(13);
  });

  it("refuses files it must not extend: duplicates, another interval, another market, gzip", () => {
    const dup = join(dir, "dup.csv");
    writeFileSync(dup, `ts,open,high,low,close,volume\n${T0},1,1,1,1,1\n${T0},1,1,1,1,1\n`);
    expect(() => openCsvCandleStore(dup, "KRW-BTC", "1h")).toThrow(/cannot continue this file: 1 row\(s\).*line 3/);
    const minutes = join(dir, "minutes.csv");
    writeFileSync(minutes, `ts,open,high,low,close,volume\n${T0},1,1,1,1,1\n${T0 + 60_000},1,1,1,1,1\n${T0 + 120_000},1,1,1,1,1\n`);
    expect(() => openCsvCandleStore(minutes, "KRW-BTC", "1h")).toThrow(/holds 1m candles/);
    expect(() => openCsvCandleStore(join(dir, "upbit-KRW-ETH-1h.csv"), "KRW-BTC", "1h")).not.toThrow();
    writeFileSync(join(dir, "upbit-KRW-ETH-1h.csv"), "ts,open,high,low,close,volume\n");
    expect(() => openCsvCandleStore(join(dir, "upbit-KRW-ETH-1h.csv"), "KRW-BTC", "1h")).toThrow(/file name says KRW-ETH/);
    expect(() => openCsvCandleStore(join(dir, "x.csv.gz"), "KRW-BTC", "1h")).toThrow(/gzip/);
  });
});

describe("sqliteCandleStore", () => {
  let handle: DbHandle;
  beforeEach(() => {
    handle = openDb({ path: ":memory:" });
  });
  afterEach(() => handle.close());

  it("lists stored times of one market and interval in chunks, ascending, within the range", async () => {
    const store = sqliteCandleStore({ db: handle.db, market: "KRW-BTC", interval: "1h", chunkSize: 7 });
    store.write(range(0, 30));
    sqliteCandleStore({ db: handle.db, market: "KRW-ETH", interval: "1h" }).write(range(0, 40));
    sqliteCandleStore({ db: handle.db, market: "KRW-BTC", interval: "1m" }).write(range(50, 60));
    expect(Array.from(await store.storedTimes(T0, Infinity))).toEqual(range(0, 30).map((c) => c.ts));
    expect(Array.from(await store.storedTimes(T0 + 3 * H, T0 + 24 * H))).toEqual(range(3, 24).map((c) => c.ts));
    expect((await store.storedTimes(T0 + 100 * H, T0 + 200 * H)).length).toBe(0);
  });

  it("writes each page in one transaction: a failing row leaves the page out entirely", () => {
    const store = sqliteCandleStore({ db: handle.db, market: "KRW-BTC", interval: "1h" });
    store.write(range(0, 3));
    const broken = [...range(3, 6), { ...candle(6), close: Number.NaN, open: null as unknown as number }];
    expect(() => store.write(broken)).toThrow();
    expect(loadCandles(handle.db, "KRW-BTC", "1h").map((c) => c.ts)).toEqual(range(0, 3).map((c) => c.ts));
  });
});
