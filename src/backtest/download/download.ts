import { isExchangeError, isRetryable } from "../../core/errors.ts";
import { INTERVAL_MS, type Candle, type Interval, type Market } from "../../core/model.ts";
import type { Logger } from "../../log.ts";
import { type Clock, sleep } from "../../ports/clock.ts";
import type { CandleQuery, MarketDataSource } from "../../ports/exchange.ts";
import { isoTs, type DataIssue } from "../data/index.ts";
import { ArrivalChecks } from "./arrivals.ts";
import { firstTradingDayAfter } from "./history.ts";
import { candleEnd, DAY_MS, firstOpenAtOrAfter, isMinuteInterval, periodStart } from "./periods.ts";
import { CANDLES_PER_REQUEST, planSegments, requestSpanMs, type Segment, windowsIn } from "./plan.ts";
import type { CandleStore } from "./store.ts";

/** How the downloader retries a page that failed with a retryable error (on top of the client's own retries). */
export interface PageRetryPolicy {
  /** Consecutive failures of one request tolerated before the download stops. */
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_PAGE_RETRY: PageRetryPolicy = { maxRetries: 8, baseDelayMs: 1_000, maxDelayMs: 30_000 };

export interface DownloadProgress {
  /** Request windows walked so far. */
  readonly done: number;
  /** Estimated windows in all: done + what is left (shrinks when a history probe skips time). */
  readonly total: number;
  /** Candles stored by this run so far. */
  readonly stored: number;
  /** Requests sent so far (pages, probes and the exchange-time lookup). */
  readonly requests: number;
  /** Open time the walk has reached. */
  readonly position: number;
}

export interface DownloadOptions {
  readonly source: MarketDataSource;
  readonly store: CandleStore;
  readonly clock: Clock;
  readonly market: Market;
  readonly interval: Interval;
  /** First open time wanted (epoch ms, inclusive). */
  readonly from: number;
  /** Exclusive end (epoch ms); default and upper bound: the exchange's current time. */
  readonly to?: number;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Stops the download between pages; what is stored stays consistent and the result says `completed: false`. */
  readonly signal?: AbortSignal;
  readonly retry?: PageRetryPolicy;
  readonly logger?: Logger;
}

export interface DownloadResult {
  readonly market: Market;
  readonly interval: Interval;
  /** The range walked: first open time at or after `from`, and the exclusive end. */
  readonly start: number;
  readonly end: number;
  /** True when `to` was absent or later than the exchange's clock, so the end is the exchange's time. */
  readonly endIsExchangeTime: boolean;
  /** False when interrupted through `signal`. */
  readonly completed: boolean;
  /** Candles in the range that were already stored before this run. */
  readonly alreadyStored: number;
  /** Candles this run stored. */
  readonly stored: number;
  /** Open times of the first and last candle this run stored. */
  readonly firstStored?: number;
  readonly lastStored?: number;
  /** Stretches that were fetched (everything not already stored). */
  readonly segments: readonly Segment[];
  readonly requests: number;
  /** Requests repeated after a retryable failure (by the downloader; the client may retry inside). */
  readonly retries: number;
  /** Still-forming candles that were seen and not stored. */
  readonly formingSkipped: number;
  readonly gaps: readonly DataIssue[];
  readonly defects: readonly DataIssue[];
  readonly duplicates: readonly DataIssue[];
  readonly elapsedMs: number;
  /** Things worth telling the user (fallbacks taken, time skipped by a history probe). */
  readonly notes: readonly string[];
}

/** Counts and retries requests; sleeps on the injected clock. */
class Requests {
  count = 0;
  retries = 0;
  constructor(
    private readonly clock: Clock,
    private readonly policy: PageRetryPolicy,
    private readonly signal: AbortSignal | undefined,
    private readonly logger: Logger | undefined,
  ) {}

  async send<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let failures = 0; ; ) {
      this.count++;
      try {
        return await call();
      } catch (error) {
        if (!isRetryable(error) || failures >= this.policy.maxRetries || this.signal?.aborted) throw error;
        failures++;
        this.retries++;
        const backoff = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (failures - 1));
        const delay = Math.max(backoff, (isExchangeError(error) ? error.retryAfterMs : undefined) ?? 0);
        this.logger?.warn({ what, failures, delayMs: delay, error: (error as Error).message }, "download request failed; retrying");
        await sleep(this.clock, delay, this.signal);
      }
    }
  }
}

class Aborted extends Error {}

/**
 * Download the closed candles of one market and interval in [from, to) into `store`, resuming
 * where earlier runs stopped (see `planSegments`) and never storing a candle twice.
 *
 * Walk: each stretch is fetched oldest first in windows of `CANDLES_PER_REQUEST` periods. A
 * window [c, c + 200 periods) is requested as `to = window end, count = periods in it`; every
 * candle the exchange has in the window comes back whether the server counts `count` as candles
 * (skipping empty periods, as the simulator does) or as time slots (Upbit's reading), because
 * the window holds at most `count` periods. Older candles that come along are ignored. So each
 * window is covered exactly, gaps or not, and each is written in one store transaction.
 *
 * Start of history: when a window comes back with no candle at all (nothing before its end, or
 * a whole empty window), one `firstTradingDayAfter` probe (month and day candles, 2-3 requests)
 * finds the next day with trades and the walk jumps there, so a `from` years before a listing
 * costs a few requests, not thousands. Probes run at most once per day of walked time.
 *
 * End: the exchange's clock (the ticker's `timestamp`, capped by the local clock) bounds `to`,
 * and a candle whose period has not ended by then is still forming and is not stored.
 */
export async function downloadCandles(options: DownloadOptions): Promise<DownloadResult> {
  const { store, clock, market, interval, signal } = options;
  const startedAt = clock.now();
  const requests = new Requests(clock, options.retry ?? DEFAULT_PAGE_RETRY, signal, options.logger);
  const notes: string[] = [];

  const exchangeNow = await exchangeTime(options.source, market, clock, requests, notes);
  const start = firstOpenAtOrAfter(interval, options.from);
  const end = Math.min(options.to ?? Infinity, exchangeNow);
  const alreadyStored = await store.storedTimes(start, end);
  const segments = planSegments(alreadyStored, start, end, interval);
  if (start >= end) notes.push(`nothing to fetch: the first candle wanted (${isoTs(start)}) does not open before the end (${isoTs(end)})`);

  const walk = new Walk(options, requests, exchangeNow, notes);
  let completed = true;
  try {
    for (let i = 0; i < segments.length; i++) {
      const later = segments.slice(i + 1).reduce((n, s) => n + windowsIn(s.start, s.end, interval), 0);
      await walk.segment(segments[i]!, later);
    }
  } catch (error) {
    if (!(error instanceof Aborted) && !signal?.aborted) throw error;
    completed = false;
  }

  const found = walk.checks.report();
  return {
    market,
    interval,
    start,
    end,
    endIsExchangeTime: options.to === undefined || options.to > exchangeNow,
    completed,
    alreadyStored: alreadyStored.length,
    stored: walk.stored,
    firstStored: walk.firstStored,
    lastStored: walk.lastStored,
    segments,
    requests: requests.count,
    retries: requests.retries,
    formingSkipped: walk.formingSkipped,
    gaps: found.gaps,
    defects: found.defects,
    duplicates: found.duplicates,
    elapsedMs: clock.now() - startedAt,
    notes,
  };
}

/** A day probe costs 2-3 requests: only worth it when more windows than that are left. */
const PROBE_MIN_WINDOWS = 4;

/** The page-by-page walk over the stretches to fetch, with its counters. */
class Walk {
  readonly checks: ArrivalChecks;
  stored = 0;
  firstStored: number | undefined;
  lastStored: number | undefined;
  formingSkipped = 0;
  private done = 0;
  private readonly periodMs: number;
  private readonly spanMs: number;

  constructor(
    private readonly options: DownloadOptions,
    private readonly requests: Requests,
    private readonly exchangeNow: number,
    private readonly notes: string[],
  ) {
    this.checks = new ArrivalChecks(options.interval);
    this.periodMs = INTERVAL_MS[options.interval];
    this.spanMs = requestSpanMs(options.interval);
  }

  /** Fetch [segment.start, segment.end) window by window; `laterWindows` only feeds the progress total. */
  async segment(segment: Segment, laterWindows: number): Promise<void> {
    const { interval, signal } = this.options;
    this.checks.startStretch(segment.before);
    let cursor = segment.start;
    let probedUntil = -Infinity;
    this.report(cursor, windowsIn(cursor, segment.end, interval) + laterWindows);
    try {
      while (cursor < segment.end) {
        if (signal?.aborted) throw new Aborted();
        const windowEnd = Math.min(cursor + this.spanMs, segment.end);
        const page = await this.fetchWindow(cursor, windowEnd);
        let next = windowEnd;
        const windowsAfter = windowsIn(windowEnd, segment.end, interval);
        if (page === "empty" && isMinuteInterval(interval) && cursor >= probedUntil && windowsAfter >= PROBE_MIN_WINDOWS) {
          const day = await firstTradingDayAfter((q) => this.fetch(q), this.options.market, windowEnd, segment.end);
          next = day === undefined ? segment.end : Math.max(windowEnd, periodStart(interval, day));
          if (next > windowEnd) this.notes.push(`no trades from ${isoTs(windowEnd)} to ${isoTs(next)} (found with day candles); skipped`);
          probedUntil = (day ?? segment.end) + DAY_MS;
        }
        this.done++;
        cursor = next;
        this.report(cursor, windowsIn(cursor, segment.end, interval) + laterWindows);
      }
      this.checks.endStretch(segment.after);
    } finally {
      await this.options.store.flush();
    }
  }

  /**
   * One window [from, to): request it, keep the closed candles that open inside it, check and
   * store them as one page. "empty" when the exchange returned no candle at all (not even older
   * ones), the sign that a history probe may help.
   */
  private async fetchWindow(from: number, to: number): Promise<"empty" | "fetched"> {
    const { interval, market, store } = this.options;
    const count = isMinuteInterval(interval) ? Math.min(CANDLES_PER_REQUEST, Math.ceil((to - from) / this.periodMs)) : CANDLES_PER_REQUEST;
    const page = await this.fetch({ market, interval, to, count });
    const inWindow = page.filter((c) => c.ts >= from && c.ts < to);
    const closed = inWindow.filter((c) => candleEnd(interval, c.ts) <= this.exchangeNow);
    this.formingSkipped += inWindow.length - closed.length;
    const fresh = this.checks.accept(closed);
    if (fresh.length > 0) {
      await store.write(fresh);
      this.stored += fresh.length;
      this.firstStored ??= fresh[0]!.ts;
      this.lastStored = fresh[fresh.length - 1]!.ts;
    }
    return page.length === 0 ? "empty" : "fetched";
  }

  private fetch(query: CandleQuery): Promise<Candle[]> {
    return this.requests.send(`candles ${query.interval} to ${isoTs(query.to ?? 0)}`, () => this.options.source.getCandles(query));
  }

  private report(position: number, windowsLeft: number): void {
    this.options.onProgress?.({ done: this.done, total: this.done + windowsLeft, stored: this.stored, requests: this.requests.count, position });
  }
}

/**
 * The exchange's current time: the ticker's `timestamp`, never later than the local clock. It
 * decides which candles are closed, and it is the exchange's own time (the simulator replays the
 * past). When the ticker cannot be read the local clock is used and a note says so.
 */
async function exchangeTime(source: MarketDataSource, market: Market, clock: Clock, requests: Requests, notes: string[]): Promise<number> {
  const local = clock.now();
  const tickers = await requests.send("ticker", () => source.getTickers([market]));
  const ticker = tickers.find((t) => t.market === market);
  if (ticker === undefined || !Number.isFinite(ticker.timestamp)) {
    notes.push(`the exchange sent no ticker for ${market}; the local clock decides which candles are closed`);
    return local;
  }
  return Math.min(local, ticker.timestamp);
}
