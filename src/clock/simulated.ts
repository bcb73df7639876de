import type { Clock, TimerId } from "../ports/clock.ts";

interface Timer {
  readonly id: TimerId;
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire in (due time, creation order) during
 * `advance`/`set`, with `now()` equal to each timer's due time while it runs, so code that chains
 * timers (backoff, heartbeats, XState `after` delays) behaves as it would in real time.
 */
export class SimulatedClock implements Clock {
  private current: number;
  private nextId = 1;
  private seq = 0;
  private timers = new Map<TimerId, Timer>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    const id = this.nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.timers.set(id, { id, due: this.current + delay, seq: this.seq++, fn });
    return id;
  }

  clearTimeout(id: TimerId): void {
    this.timers.delete(id);
  }

  /** Number of timers still waiting. */
  pending(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.set(this.current + Math.max(0, ms));
  }

  /** Move time to `ts` (never backwards), firing due timers in order. */
  set(ts: number): void {
    if (ts < this.current) throw new RangeError(`simulated clock cannot go back from ${this.current} to ${ts}`);
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > ts) break;
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = ts;
  }

  /** Fire everything due now (zero-delay timers scheduled by callbacks included). */
  flush(): void {
    this.set(this.current);
  }

  /**
   * Advance in steps, letting promise callbacks run between timers. Use this when timer callbacks
   * start async work (fetches, awaited handlers) that schedules further timers.
   */
  async advanceAsync(ms: number, step = ms): Promise<void> {
    const end = this.current + Math.max(0, ms);
    while (this.current < end) {
      const next = this.earliest();
      const target = Math.min(end, next ? Math.max(next.due, this.current) : end, this.current + step);
      this.set(target);
      await new Promise<void>((r) => queueMicrotask(r));
      await new Promise<void>((r) => setImmediate(r));
    }
    this.flush();
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
