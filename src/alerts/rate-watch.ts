/**
 * Spike detection over a sliding window: "more than N events in the last T ms". Used for
 * error-rate spikes (exchange errors per minute) and restart storms (actor restarts per window).
 *
 * Events are counted in fixed buckets (memory stays bounded however hard the storm), the window
 * slides bucket by bucket, and a spike fires once when the count reaches the threshold; it fires
 * again only after the count has fallen below `resetBelow` (hysteresis), so a rate hovering
 * around the threshold does not flap.
 */
import type { Clock } from "../ports/clock.ts";
import type { AlertEvent } from "./events.ts";

export interface RateWatchOptions {
  readonly clock: Clock;
  readonly windowMs: number;
  /** Events in the window that make a spike. */
  readonly threshold: number;
  /** Re-arm once the window holds fewer events than this (default half the threshold). */
  readonly resetBelow?: number;
  /** Bucket width (default a 60th of the window, at least 1 ms). */
  readonly bucketMs?: number;
}

export interface RateSpike {
  readonly ts: number;
  readonly count: number;
  readonly windowMs: number;
  readonly threshold: number;
  readonly byKind: Readonly<Record<string, number>>;
}

interface Bucket {
  readonly start: number;
  count: number;
  readonly byKind: Map<string, number>;
}

export class RateWatch {
  private readonly buckets: Bucket[] = [];
  private readonly bucketMs: number;
  private readonly resetBelow: number;
  private firing = false;
  private lastTotal: number | null = null;

  constructor(private readonly options: RateWatchOptions) {
    if (!(options.windowMs > 0) || !(options.threshold > 0)) throw new RangeError("windowMs and threshold must be positive");
    this.bucketMs = Math.max(1, Math.floor(options.bucketMs ?? options.windowMs / 60));
    this.resetBelow = options.resetBelow ?? Math.max(1, Math.floor(options.threshold / 2));
  }

  /** Count `n` events of `kind` now; returns the spike when this crosses the threshold. */
  record(n = 1, kind = "error"): RateSpike | null {
    if (!(n > 0)) return null;
    const now = this.options.clock.now();
    this.prune(now);
    if (this.firing && this.count() < this.resetBelow) this.firing = false;
    const start = now - (now % this.bucketMs);
    let bucket = this.buckets.at(-1);
    if (!bucket || bucket.start !== start) {
      bucket = { start, count: 0, byKind: new Map() };
      this.buckets.push(bucket);
    }
    bucket.count += n;
    bucket.byKind.set(kind, (bucket.byKind.get(kind) ?? 0) + n);
    const count = this.count();
    if (this.firing || count < this.options.threshold) return null;
    this.firing = true;
    return { ts: now, count, windowMs: this.options.windowMs, threshold: this.options.threshold, byKind: this.kinds() };
  }

  /**
   * Feed a cumulative counter (a prom-client counter's value, read periodically): the increase
   * since the last reading is recorded. A counter that went down was reset; its value counts.
   */
  sampleTotal(total: number, kind?: string): RateSpike | null {
    const previous = this.lastTotal;
    this.lastTotal = total;
    if (previous === null) return null;
    return this.record(total >= previous ? total - previous : total, kind);
  }

  /** Events in the current window. */
  current(): number {
    this.prune(this.options.clock.now());
    return this.count();
  }

  private count(): number {
    let sum = 0;
    for (const b of this.buckets) sum += b.count;
    return sum;
  }

  private kinds(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const b of this.buckets) for (const [k, n] of b.byKind) out[k] = (out[k] ?? 0) + n;
    return out;
  }

  /** Drop buckets that started a whole window ago (the window is at most one bucket short, never long). */
  private prune(now: number): void {
    const from = now - this.options.windowMs;
    while (this.buckets.length > 0 && this.buckets[0]!.start <= from) this.buckets.shift();
  }
}

export interface ErrorRateMonitorOptions extends RateWatchOptions {
  /** What errs, named in the alert key: `exchange`, `exchange:/v1/orders`. */
  readonly source: string;
  /** Where the spike goes (usually `alerter.notify`). */
  readonly notify: (event: AlertEvent) => void;
}

export interface ErrorRateMonitor {
  /** One error happened (`kind`: retryable, rejected, fatal, timeout, an HTTP status…). */
  error(kind?: string): void;
  /** A cumulative error counter's current value (see `RateWatch.sampleTotal`). */
  sampleTotal(total: number, kind?: string): void;
}

/** Error-rate spike detection that raises an `error_rate_spike` alert. */
export function createErrorRateMonitor(options: ErrorRateMonitorOptions): ErrorRateMonitor {
  const watch = new RateWatch(options);
  const raise = (spike: RateSpike | null) => {
    if (spike) options.notify({ type: "error_rate_spike", ts: spike.ts, source: options.source, errors: spike.count, windowMs: spike.windowMs, threshold: spike.threshold, byKind: spike.byKind });
  };
  return {
    error: (kind) => raise(watch.record(1, kind)),
    sampleTotal: (total, kind) => raise(watch.sampleTotal(total, kind)),
  };
}

export interface RestartStormMonitorOptions extends RateWatchOptions {
  readonly notify: (event: AlertEvent) => void;
}

export interface RestartStormMonitor {
  /** An actor was restarted by the supervisor. */
  restarted(actorId: string, error?: string): void;
}

/**
 * Restart storms across the whole supervisor tree: many actors restarting at once usually means a
 * shared cause (the exchange, the network, the database) that per-actor intensity limits miss.
 */
export function createRestartStormMonitor(options: RestartStormMonitorOptions): RestartStormMonitor {
  const watch = new RateWatch(options);
  return {
    restarted(actorId, error) {
      const spike = watch.record(1, actorId);
      if (!spike) return;
      const actors = Object.keys(spike.byKind);
      options.notify({
        type: "restart_storm",
        ts: spike.ts,
        restarts: spike.count,
        windowMs: spike.windowMs,
        ...(actors.length === 1 ? { actorId: actors[0] } : {}),
        ...(error ? { lastError: `${actorId}: ${error}` } : {}),
      });
    },
  };
}
