import type { ScaledClock } from "../../src/clock/scaled.ts";
import type { Market } from "../../src/core/model.ts";
import type { Clock, TimerId } from "../../src/ports/clock.ts";
import type { MarketStream, StreamEvent, StreamSubscription } from "../../src/ports/market-stream.ts";

/**
 * What the runtime is reacting to right now. Everything that can wake the runtime in the benchmark
 * goes through here: a public trade (the trade stream), one of the runtime's own timers (the clock
 * it was given), or a private-stream event (a fill). Each sets `current` while the runtime handles
 * it, so an order request that leaves inside that call is matched to its cause exactly, with no
 * guessing from timestamps.
 */

export type Cause =
  | {
      readonly kind: "trade";
      readonly market: Market;
      /** `performance.now()` when the trade was handed to the runtime. */
      readonly startedAt: number;
      /** When it was due (printed by the exchange): startedAt minus the feed's backlog. */
      readonly dueAt: number;
      /** The first trade of a new candle interval: it closes the market's previous candle. */
      readonly opensCandle: boolean;
      /** Process CPU time (user + system, ms) when the trade was handed over. */
      readonly cpuAt: number;
    }
  | { readonly kind: "timer"; readonly startedAt: number; readonly dueAt: number }
  | { readonly kind: "private"; readonly market: Market | null; readonly startedAt: number; readonly dueAt: number };

/** Process CPU time used so far (user + system, every thread), in ms. */
export function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export class CauseTracker {
  current: Cause | null = null;

  run<T>(cause: Cause, fn: () => T): T {
    const outer = this.current;
    this.current = cause;
    try {
      return fn();
    } finally {
      this.current = outer;
    }
  }
}

/** The runtime's clock with every timer callback run under a `timer` cause. */
export class TracedClock implements Clock {
  constructor(
    private readonly inner: ScaledClock,
    private readonly tracker: CauseTracker,
  ) {}

  now(): number {
    return this.inner.now();
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const dueAt = performance.now() + Math.max(0, ms) / this.inner.speed;
    return this.inner.setTimeout(() => this.tracker.run({ kind: "timer", startedAt: performance.now(), dueAt }, fn), ms);
  }

  clearTimeout(id: TimerId): void {
    this.inner.clearTimeout(id);
  }
}

const eventMarket = (event: StreamEvent): Market | null => (event.type === "myOrder" ? event.order.market : null);

/**
 * The private stream (myOrder / myAsset) of the fake exchange. Like a WebSocket, it delivers each
 * event in its own macrotask, in order, and only while started; each delivery runs under a
 * `private` cause.
 */
export class TracedPrivateStream implements MarketStream {
  private readonly listeners = new Set<(event: StreamEvent) => void>();
  private started = false;

  constructor(
    private readonly tracker: CauseTracker,
    private readonly now: () => number,
  ) {}

  get connected(): boolean {
    return this.started;
  }

  subscribe(_subscription: StreamSubscription): void {}

  onEvent(listener: (event: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.publish({ type: "connected", ts: this.now() });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.publish({ type: "disconnected", ts: this.now(), reason: "stopped" });
    this.started = false;
  }

  publish(event: StreamEvent): void {
    if (!this.started) return;
    const dueAt = performance.now();
    setImmediate(() => {
      const cause: Cause = { kind: "private", market: eventMarket(event), startedAt: performance.now(), dueAt };
      this.tracker.run(cause, () => {
        for (const listener of this.listeners) listener(event);
      });
    });
  }
}
