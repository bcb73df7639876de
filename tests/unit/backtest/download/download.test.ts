import { describe, expect, it } from "vitest";
import { downloadCandles, type DownloadOptions, type DownloadProgress } from "../../../../src/backtest/download/index.ts";
import { RejectedError, RetryableError } from "../../../../src/core/errors.ts";
import type { Candle } from "../../../../src/core/model.ts";
import { type CountReading, DAY, FakeCandleSource, HOUR, hourlyCandles, InstantClock, MemoryStore } from "./support.ts";

const T0 = Date.UTC(2024, 0, 1);
const FAST_RETRY = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

function run(source: FakeCandleSource, store: MemoryStore, over: Partial<DownloadOptions> = {}) {
  return downloadCandles({ source, store, clock: new InstantClock(source.now + 1), market: "KRW-BTC", interval: "1h", from: T0, retry: FAST_RETRY, ...over });
}

/** 60 days of hours with a 5-hour gap, a 300-hour gap (longer than a request window) and a last forming hour. */
function gappyHistory(): Candle[] {
  const short = (ts: number) => ts >= T0 + 10 * DAY && ts < T0 + 10 * DAY + 5 * HOUR;
  const long = (ts: number) => ts >= T0 + 20 * DAY && ts < T0 + 20 * DAY + 300 * HOUR;
  return hourlyCandles(T0, T0 + 60 * DAY, (ts) => short(ts) || long(ts));
}

describe.each<CountReading>(["count", "window"])("downloadCandles against a server that reads count as %s", (reading) => {
  it("stores every closed candle of the range, oldest first, gaps reported and not filled", async () => {
    const now = T0 + 60 * DAY - HOUR + 20 * 60_000; // inside the last hour: that candle is still forming
    const source = new FakeCandleSource({ hourly: gappyHistory(), now, reading });
    const store = new MemoryStore();
    const result = await run(source, store);

    expect(store.candles).toEqual(source.expected(T0, Infinity));
    expect(store.candles.length).toBe(60 * 24 - 5 - 300 - 1);
    expect(result).toMatchObject({ completed: true, stored: store.candles.length, alreadyStored: 0, formingSkipped: 1, duplicates: [], defects: [] });
    expect(result.gaps.map((g) => [g.previousTs, g.ts, g.missing])).toEqual([
      [T0 + 10 * DAY - HOUR, T0 + 10 * DAY + 5 * HOUR, 5],
      [T0 + 20 * DAY - HOUR, T0 + 20 * DAY + 300 * HOUR, 300],
    ]);
    // Pages are ascending and each page is one write.
    const flat = store.pages.flat().map((c) => c.ts);
    expect(flat).toEqual([...flat].sort((a, b) => a - b));
    // Every window asked for at most 200 candles and windows never overlap.
    const pages = source.pageQueries();
    expect(pages.every((q) => q.count! <= 200)).toBe(true);
    expect(new Set(pages.map((q) => q.to)).size).toBe(pages.length);
  });

  it("asks one ticker and one request per 200-hour window when history covers the range", async () => {
    const source = new FakeCandleSource({ hourly: hourlyCandles(T0 - 10 * DAY, T0 + 50 * DAY), now: T0 + 50 * DAY, reading });
    const result = await run(source, new MemoryStore());
    expect(source.tickerCalls).toBe(1);
    expect(source.pageQueries().length).toBe(Math.ceil((50 * 24) / 200));
    expect(result.requests).toBe(1 + Math.ceil((50 * 24) / 200));
    expect(result.stored).toBe(50 * 24);
  });

  it("finds the start of history with day candles instead of walking years of empty windows", async () => {
    const listing = T0 + 3 * 365 * DAY + 7 * HOUR;
    const source = new FakeCandleSource({ hourly: hourlyCandles(listing, listing + 20 * DAY), now: listing + 20 * DAY, reading });
    const store = new MemoryStore();
    const result = await run(source, store, { from: T0 });

    expect(store.candles).toEqual(source.hourly);
    const naive = Math.ceil((listing + 20 * DAY - T0) / (200 * HOUR));
    expect(naive).toBeGreaterThan(130);
    // ticker + the empty first window + months + days + the windows from the listing day on.
    expect(result.requests).toBeLessThanOrEqual(1 + 1 + 2 + Math.ceil((21 * 24) / 200) + 1);
    expect(result.notes.join("\n")).toMatch(/no trades from .* skipped/);
  });

  it("stops at --to (exclusive) and never stores the candle that opens at it", async () => {
    const source = new FakeCandleSource({ hourly: hourlyCandles(T0, T0 + 30 * DAY), now: T0 + 30 * DAY, reading });
    const store = new MemoryStore();
    const to = T0 + 10 * DAY + 5 * HOUR;
    const result = await run(source, store, { from: T0 + DAY + 30 * 60_000, to });
    expect(store.candles).toEqual(source.expected(T0 + DAY + HOUR, to));
    expect(result).toMatchObject({ start: T0 + DAY + HOUR, end: to, endIsExchangeTime: false });
    expect(source.pageQueries().every((q) => q.to! <= to)).toBe(true);
  });

  it("bounds the range by the exchange's clock and stores the forming candle on a later run, with its final values", async () => {
    const hourly = hourlyCandles(T0, T0 + 5 * DAY);
    const source = new FakeCandleSource({ hourly, now: T0 + 5 * DAY - 30 * 60_000, reading });
    const forming = hourly[hourly.length - 1]!;
    source.hourly[source.hourly.length - 1] = { ...forming, close: forming.open, high: forming.open + 1, low: forming.open - 1, volume: 0.5 };
    const store = new MemoryStore();
    const first = await run(source, store, { to: T0 + 100 * DAY });
    expect(first).toMatchObject({ endIsExchangeTime: true, formingSkipped: 1, stored: 5 * 24 - 1 });

    source.hourly[source.hourly.length - 1] = forming;
    source.now = T0 + 5 * DAY + 10 * 60_000;
    source.queries.length = 0;
    const second = await run(source, store);
    expect(second).toMatchObject({ stored: 1, alreadyStored: 5 * 24 - 1, formingSkipped: 0 });
    expect(store.candles).toEqual(hourly);
    expect(source.pageQueries().length).toBe(1);
  });

  it("resumes an interrupted run where it stopped: nothing fetched twice, nothing stored twice, nothing missing", async () => {
    const source = new FakeCandleSource({ hourly: gappyHistory(), now: T0 + 60 * DAY, reading });
    const store = new MemoryStore();
    const controller = new AbortController();
    const first = await run(source, store, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 3) controller.abort();
      },
    });
    expect(first.completed).toBe(false);
    expect(store.pages.length).toBeGreaterThan(0);
    expect(store.candles).toEqual(source.expected(T0, store.candles[store.candles.length - 1]!.ts + 1));
    expect(store.flushes).toBeGreaterThan(0);

    const lastBefore = store.candles[store.candles.length - 1]!.ts;
    source.queries.length = 0;
    const second = await run(source, store);
    expect(second.completed).toBe(true);
    expect(second.alreadyStored).toBe(first.stored);
    expect(store.candles).toEqual(source.expected(T0, Infinity));
    // The re-run starts right after the last stored candle.
    const windowsLeft = Math.ceil((T0 + 60 * DAY - (lastBefore + HOUR)) / (200 * HOUR));
    expect(source.pageQueries().length).toBeLessThanOrEqual(windowsLeft + 1);
    expect(Math.min(...source.pageQueries().map((q) => q.to! - 200 * HOUR))).toBeGreaterThanOrEqual(lastBefore + HOUR - 200 * HOUR);
  });

  it("fetches a head before the stored candles and a long hole between them, and trusts short gaps", async () => {
    const hourly = hourlyCandles(T0, T0 + 40 * DAY);
    const source = new FakeCandleSource({ hourly, now: T0 + 40 * DAY, reading });
    const inRange = (a: number, b: number) => hourly.filter((c) => c.ts >= a && c.ts < b);
    // Two earlier runs with separate ranges, and a 6-hour stretch a user deleted by hand.
    const stored = [...inRange(T0 + 5 * DAY, T0 + 10 * DAY), ...inRange(T0 + 25 * DAY, T0 + 30 * DAY)].filter(
      (c) => !(c.ts >= T0 + 26 * DAY && c.ts < T0 + 26 * DAY + 6 * HOUR),
    );
    const store = new MemoryStore(stored);
    const result = await run(source, store);

    expect(result.segments.map((s) => s.kind)).toEqual(["head", "hole", "tail"]);
    expect(store.candles.length).toBe(hourly.length - 6);
    expect(store.candles).toEqual(hourly.filter((c) => !(c.ts >= T0 + 26 * DAY && c.ts < T0 + 26 * DAY + 6 * HOUR)));
    expect(result.stored).toBe(hourly.length - stored.length - 6);
  });
});

describe("downloadCandles failures", () => {
  const history = () => hourlyCandles(T0, T0 + 40 * DAY);

  it("retries retryable failures with backoff, honouring Retry-After, and counts the retries", async () => {
    const source = new FakeCandleSource({ hourly: history(), now: T0 + 40 * DAY, reading: "count" });
    const throttled = () => new RetryableError({ code: "too_many_requests", status: 429, retryAfterMs: 700, message: "429" });
    source.failures = [undefined, throttled(), throttled()];
    const clock = new InstantClock(source.now);
    const store = new MemoryStore();
    const result = await downloadCandles({ source, store, clock, market: "KRW-BTC", interval: "1h", from: T0, retry: FAST_RETRY });
    expect(result.completed).toBe(true);
    expect(result.retries).toBe(2);
    expect(store.candles).toEqual(source.expected(T0, Infinity));
    expect(clock.slept).toBeGreaterThanOrEqual(700 + 700);
  });

  it("gives up after maxRetries consecutive failures and keeps every page stored so far", async () => {
    const source = new FakeCandleSource({ hourly: history(), now: T0 + 40 * DAY, reading: "count" });
    const down = () => new RetryableError({ code: "network", message: "connection reset" });
    source.failures = [undefined, undefined, down(), down(), down(), down()];
    const store = new MemoryStore();
    await expect(run(source, store)).rejects.toThrow("connection reset");
    expect(store.pages.length).toBe(2);
    expect(store.flushes).toBe(1);
  });

  it("does not retry a refusal, and says which market the exchange does not know", async () => {
    const source = new FakeCandleSource({ hourly: history(), now: T0 + 40 * DAY, reading: "count" });
    source.failures = [undefined, new RejectedError({ code: "invalid_parameter", message: "bad count" })];
    await expect(run(source, new MemoryStore())).rejects.toThrow("bad count");
    expect(source.queries.length).toBe(1);
    await expect(run(source, new MemoryStore(), { market: "KRW-NOPE" })).rejects.toThrow("Code not found: KRW-NOPE");
  });

  it("a crash while writing leaves whole pages, and the next run completes the range", async () => {
    const source = new FakeCandleSource({ hourly: history(), now: T0 + 40 * DAY, reading: "window" });
    const store = new MemoryStore();
    store.failOnWrite = 3;
    await expect(run(source, store)).rejects.toThrow("disk full");
    expect(store.candles).toEqual(source.expected(T0, T0 + 400 * HOUR));
    store.failOnWrite = undefined;
    await run(source, store);
    expect(store.candles).toEqual(source.expected(T0, Infinity));
  });

  it("drops repeated and backwards candles, reports defective values and keeps them as received", async () => {
    const source = new FakeCandleSource({ hourly: history(), now: T0 + 40 * DAY, reading: "count" });
    source.tamper = (page, query) => {
      if (query.interval !== "1h" || page.length < 10) return page;
      const broken = { ...page[4]!, high: page[4]!.low - 1 };
      return [...page.slice(0, 4), broken, page[3]!, page[2]!, ...page.slice(5)];
    };
    const store = new MemoryStore();
    const result = await run(source, store);
    const pages = source.pageQueries().length;
    expect(result.duplicates.map((d) => d.kind)).toEqual(Array.from({ length: pages }, () => ["duplicate", "duplicate"]).flat());
    expect(result.defects.length).toBe(pages);
    expect(result.defects.every((d) => d.kind === "ohlc")).toBe(true);
    expect(store.candles.length).toBe(40 * 24);
    expect(store.candles.filter((c) => c.high < c.low).length).toBe(pages);
  });

  it("reports progress: done counts windows, the total never drops below it and ends equal to it", async () => {
    const source = new FakeCandleSource({ hourly: history(), now: T0 + 40 * DAY, reading: "count" });
    const seen: DownloadProgress[] = [];
    await run(source, new MemoryStore(), { onProgress: (p) => seen.push(p) });
    expect(seen[0]).toMatchObject({ done: 0, total: Math.ceil((40 * 24) / 200), stored: 0 });
    expect(seen.every((p) => p.done <= p.total)).toBe(true);
    const last = seen[seen.length - 1]!;
    expect(last).toMatchObject({ done: last.total, stored: 40 * 24, requests: 1 + last.total });
  });
});
