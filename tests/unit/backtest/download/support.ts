/**
 * Test doubles for the downloader: an in-memory exchange that serves candles under either reading
 * of Bithumb's `count` parameter, an in-memory store that records every page, and a clock whose
 * timers fire at once (time jumps forward by the delay), so retry backoff costs no real time.
 */
import { RejectedError } from "../../../../src/core/errors.ts";
import { INTERVAL_MS, type Candle, type Interval, type Market, type Ticker } from "../../../../src/core/model.ts";
import type { CandleStore } from "../../../../src/backtest/download/index.ts";
import type { Clock, TimerId } from "../../../../src/ports/clock.ts";
import type { CandleQuery, MarketDataSource } from "../../../../src/ports/exchange.ts";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
const KST = 9 * HOUR;

/**
 * How the server reads `count`: `count` = the newest `count` candles before `to`, skipping periods
 * without trades (the simulator); `window` = the candles inside the `count` periods before `to`
 * (Upbit's reading, where a page can be short or empty in the middle of history).
 */
export type CountReading = "count" | "window";

/** Deterministic hourly candles on [startTs, endTs) minus the hours in `missing`. */
export function hourlyCandles(startTs: number, endTs: number, missing: (ts: number) => boolean = () => false): Candle[] {
  const out: Candle[] = [];
  let price = 50_000_000;
  for (let ts = startTs; ts < endTs; ts += HOUR) {
    const open = price;
    const close = open + (((ts / HOUR) * 7919) % 2001) - 1000;
    price = close;
    if (missing(ts)) continue;
    out.push({ ts, open, high: Math.max(open, close) + 500, low: Math.min(open, close) - 500, close, volume: 1 + ((ts / HOUR) % 13) / 8 });
  }
  return out;
}

/** Open time of the KST day / month containing `ts` (written here independently of src/). */
function kstDay(ts: number): number {
  return Math.floor((ts + KST) / DAY) * DAY - KST;
}
function kstMonth(ts: number): number {
  const d = new Date(ts + KST);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - KST;
}

/** Hourly candles folded into KST days or months. */
function fold(hourly: readonly Candle[], periodOf: (ts: number) => number): Candle[] {
  const out: Candle[] = [];
  for (const c of hourly) {
    const ts = periodOf(c.ts);
    const last = out[out.length - 1];
    if (last && last.ts === ts) {
      out[out.length - 1] = { ts, open: last.open, high: Math.max(last.high, c.high), low: Math.min(last.low, c.low), close: c.close, volume: last.volume + c.volume };
    } else out.push({ ...c, ts });
  }
  return out;
}

export interface FakeSourceOptions {
  readonly market?: Market;
  /** The 1h candles; days and months are folded from them (KST calendar). */
  readonly hourly: readonly Candle[];
  /** The exchange's clock (ticker timestamp). */
  now: number;
  readonly reading: CountReading;
}

/** One getCandles call as the source saw it. */
export interface SeenQuery extends CandleQuery {
  readonly returned: number;
}

export class FakeCandleSource implements MarketDataSource {
  readonly market: Market;
  hourly: Candle[];
  now: number;
  readonly reading: CountReading;
  readonly queries: SeenQuery[] = [];
  tickerCalls = 0;
  /** Errors thrown by the next getCandles calls, one per call (undefined = answer normally). */
  failures: (Error | undefined)[] = [];
  /** Rewrites a page before it is returned (to inject defects). */
  tamper: ((page: Candle[], query: CandleQuery) => Candle[]) | undefined;

  constructor(options: FakeSourceOptions) {
    this.market = options.market ?? "KRW-BTC";
    this.hourly = [...options.hourly];
    this.now = options.now;
    this.reading = options.reading;
  }

  private series(interval: Interval): Candle[] {
    if (interval === "1h") return this.hourly;
    if (interval === "1d") return fold(this.hourly, kstDay);
    if (interval === "1M") return fold(this.hourly, kstMonth);
    throw new Error(`fake source serves 1h, 1d and 1M, not ${interval}`);
  }

  async getCandles(query: CandleQuery): Promise<Candle[]> {
    if (query.market !== this.market) throw new RejectedError({ code: "not_found", status: 404, message: `Code not found: ${query.market}` });
    const failure = this.failures.shift();
    if (failure) throw failure;
    const to = query.to ?? Infinity;
    const count = query.count ?? 1;
    // Only candles that have started by the exchange's clock exist (the newest may be forming).
    const visible = this.series(query.interval).filter((c) => c.ts < to && c.ts <= this.now);
    const page =
      this.reading === "count" ? visible.slice(Math.max(0, visible.length - count)) : visible.filter((c) => c.ts >= to - count * INTERVAL_MS[query.interval]);
    const out = this.tamper ? this.tamper([...page], query) : page;
    this.queries.push({ ...query, returned: out.length });
    return out;
  }

  async getTickers(markets: readonly Market[]): Promise<Ticker[]> {
    this.tickerCalls++;
    if (!markets.includes(this.market)) throw new RejectedError({ code: "not_found", status: 404, message: `Code not found: ${markets.join(",")}` });
    const last = this.hourly[this.hourly.length - 1]!;
    return [
      {
        market: this.market,
        tradePrice: last.close,
        openingPrice: last.open,
        highPrice: last.high,
        lowPrice: last.low,
        prevClosingPrice: last.open,
        change: "EVEN",
        changeRate: 0,
        signedChangeRate: 0,
        tradeVolume: 0,
        accTradeVolume24h: 0,
        accTradePrice24h: 0,
        tradeTimestamp: this.now,
        timestamp: this.now,
      },
    ];
  }

  async listMarkets(): Promise<never> {
    throw new Error("not used by the downloader");
  }
  async getOrderbooks(): Promise<never> {
    throw new Error("not used by the downloader");
  }
  async getRecentTrades(): Promise<never> {
    throw new Error("not used by the downloader");
  }

  /** The hourly candles the downloader should end up with for [from, to). */
  expected(from: number, to: number): Candle[] {
    return this.hourly.filter((c) => c.ts >= from && c.ts < to && c.ts + HOUR <= this.now);
  }

  /** getCandles queries for the main interval (not the day/month probes). */
  pageQueries(interval: Interval = "1h"): SeenQuery[] {
    return this.queries.filter((q) => q.interval === interval);
  }
}

/** A store in memory that keeps every page and can fail on a chosen write. */
export class MemoryStore implements CandleStore {
  readonly description = "memory";
  candles: Candle[] = [];
  readonly pages: Candle[][] = [];
  flushes = 0;
  /** Throw on the write with this 1-based number (simulates a crash mid-run). */
  failOnWrite: number | undefined;

  constructor(initial: readonly Candle[] = []) {
    this.candles = [...initial].sort((a, b) => a.ts - b.ts);
  }

  storedTimes(fromTs: number, toTs: number): Float64Array {
    return Float64Array.from(this.candles.filter((c) => c.ts >= fromTs && c.ts < toTs).map((c) => c.ts));
  }

  write(candles: readonly Candle[]): void {
    if (this.failOnWrite === this.pages.length + 1) throw new Error("disk full (simulated)");
    for (const c of candles) if (this.candles.some((k) => k.ts === c.ts)) throw new Error(`candle ${c.ts} stored twice`);
    this.pages.push([...candles]);
    this.candles = [...this.candles, ...candles].sort((a, b) => a.ts - b.ts);
  }

  flush(): void {
    this.flushes++;
  }
}

/** Timers fire on the next microtask and move the clock to their due time. */
export class InstantClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly cancelled = new Set<TimerId>();
  slept = 0;

  constructor(start = 0) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.nextId++;
    const due = this.current + Math.max(0, ms);
    queueMicrotask(() => {
      if (this.cancelled.delete(id)) return;
      this.slept += due - this.current > 0 ? due - this.current : 0;
      this.current = Math.max(this.current, due);
      fn();
    });
    return id;
  }
  clearTimeout(id: TimerId): void {
    this.cancelled.add(id);
  }
}
