import type { Market, Trade } from "../../src/core/model.ts";
import type { MarketStream, StreamEvent, StreamSubscription } from "../../src/ports/market-stream.ts";
import type { Random } from "../../src/core/random.ts";
import { type CauseTracker, cpuNow } from "./causes.ts";
import type { PriceWalks, SyntheticMarket } from "./synthetic-market.ts";

/**
 * A public `MarketStream` that pushes synthetic trades at a fixed total rate, paced on the wall
 * clock, each trade to a market drawn at random. Like a WebSocket client it hands every message to
 * the listeners in its own macrotask (microtasks drain in between), so promise continuations the
 * runtime schedules for one message (order acks, fills) run before the next message arrives, as
 * they would on a real socket.
 *
 * The listeners handle each trade under a `trade` cause (causes.ts): an order request that leaves
 * inside that call was caused by that trade, which is how the benchmark matches orders to ticks.
 */

/** Most trade backlogs a pump keeps (a systematic sample of every trade beyond that). */
const BACKLOG_SAMPLES = 1_000_000;

export interface PumpReport {
  readonly emitted: number;
  readonly planned: number;
  /** Emission delay behind schedule (ms) of every trade, or of every n-th in a long run (at most
   * BACKLOG_SAMPLES): how far the runtime let the feed fall behind. */
  readonly backlogMs: Float64Array;
  readonly elapsedMs: number;
}

export interface TradeStreamOptions {
  readonly markets: readonly SyntheticMarket[];
  readonly walks: PriceWalks;
  readonly random: Random;
  readonly tradesPerSecond: number;
  readonly intervalMs: number;
  readonly tracker: CauseTracker;
  /** Exchange timestamp (runtime clock, epoch ms) of a trade due at `performance.now()` = `perfMs`. */
  readonly timestampAt: (perfMs: number) => number;
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class SyntheticTradeStream implements MarketStream {
  /** The markets of the last subscription (every market is streamed whatever it says). */
  subscribed: readonly Market[] = [];
  private readonly listeners = new Set<(event: StreamEvent) => void>();
  private readonly lastBucket: Float64Array;
  private readonly options: TradeStreamOptions;
  private started = false;
  private seq = 0;
  private halted = false;

  constructor(options: TradeStreamOptions) {
    this.options = options;
    this.lastBucket = new Float64Array(options.markets.length).fill(-1);
  }

  get connected(): boolean {
    return this.started;
  }

  subscribe(subscription: StreamSubscription): void {
    this.subscribed = subscription.trade ?? [];
  }

  onEvent(listener: (event: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.publish({ type: "connected", ts: this.options.timestampAt(performance.now()) });
  }

  async stop(): Promise<void> {
    this.halted = true;
    if (!this.started) return;
    this.started = false;
    this.publish({ type: "disconnected", ts: this.options.timestampAt(performance.now()), reason: "stopped" });
  }

  /**
   * Push `tradesPerSecond` trades for `durationMs` of wall time. A trade is never sent before it
   * is due; when the runtime is slow the feed falls behind and `backlogMs` says by how much.
   */
  async pump(durationMs: number): Promise<PumpReport> {
    const { tradesPerSecond } = this.options;
    const planned = Math.floor((tradesPerSecond * durationMs) / 1000);
    const spacing = 1000 / tradesPerSecond;
    // Every `stride`-th trade's backlog is kept, at most BACKLOG_SAMPLES of them (8 MB): a long run
    // would otherwise hold 8 bytes per trade (48 MB for 20 minutes), inside the RSS it measures.
    // Touched now, so its pages are in RSS before the run is measured rather than during it.
    const stride = Math.max(1, Math.ceil(planned / BACKLOG_SAMPLES));
    const backlogMs = new Float64Array(Math.ceil(planned / stride)).fill(0);
    const t0 = performance.now();
    let i = 0;
    while (i < planned && !this.halted) {
      const dueAt = t0 + i * spacing;
      const wait = dueAt - performance.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      const sentAt = this.emitTrade(dueAt);
      if (i % stride === 0) backlogMs[i / stride] = sentAt - dueAt;
      i++;
      await nextMacrotask();
    }
    return { emitted: i, planned, backlogMs: backlogMs.subarray(0, Math.ceil(i / stride)), elapsedMs: performance.now() - t0 };
  }

  /** Emit one trade due at `dueAt`; returns when it was handed over. */
  private emitTrade(dueAt: number): number {
    const { markets, walks, random, intervalMs, timestampAt, tracker } = this.options;
    const i = Math.floor(random() * markets.length);
    const market = markets[i]!.info.market;
    const timestamp = timestampAt(dueAt);
    const bucket = Math.floor(timestamp / intervalMs);
    const opensCandle = this.lastBucket[i] !== -1 && bucket !== this.lastBucket[i];
    this.lastBucket[i] = bucket;
    const trade: Trade = { market, timestamp, price: walks.step(i), volume: 0.01 + random(), side: random() < 0.5 ? "ASK" : "BID", sequentialId: String(++this.seq) };
    const cpuAt = cpuNow();
    const startedAt = performance.now();
    tracker.run({ kind: "trade", market, startedAt, dueAt, opensCandle, cpuAt }, () => this.publish({ type: "trade", trade }));
    return startedAt;
  }

  private publish(event: StreamEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
