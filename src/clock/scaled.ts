import type { Clock, TimerId } from "../ports/clock.ts";

/**
 * Simulated time that runs `speed` times faster than the wall clock, anchored at a chosen instant:
 * `now() = anchorSimMs + (realNow - anchorRealMs) * speed`. Timers wait `ms / speed` real
 * milliseconds. The exchange simulator replays candles on one of these, and in `sim` mode the bot
 * runs on an identical one (same anchor and speed), so both agree on what time it is.
 */
export class ScaledClock implements Clock {
  readonly speed: number;
  private readonly anchorSimMs: number;
  private readonly anchorRealMs: number;
  private readonly realNow: () => number;

  constructor(options: { anchorSimMs: number; speed: number; anchorRealMs?: number; realNow?: () => number }) {
    if (!(options.speed > 0) || !Number.isFinite(options.speed)) throw new RangeError(`speed must be > 0, got ${options.speed}`);
    this.speed = options.speed;
    this.realNow = options.realNow ?? Date.now;
    this.anchorSimMs = options.anchorSimMs;
    this.anchorRealMs = options.anchorRealMs ?? this.realNow();
  }

  now(): number {
    return Math.floor(this.anchorSimMs + (this.realNow() - this.anchorRealMs) * this.speed);
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    return setTimeout(fn, Math.max(0, ms) / this.speed) as unknown as TimerId;
  }

  clearTimeout(id: TimerId): void {
    clearTimeout(id as unknown as ReturnType<typeof setTimeout>);
  }

  /** Anchor and speed, enough for another process to build an identical clock. */
  describe(): { nowMs: number; speed: number } {
    return { nowMs: this.now(), speed: this.speed };
  }
}
