import type { Clock, TimerId } from "../ports/clock.ts";

/** Wall-clock time and real timers. The only place outside adapters that reads the real time. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): TimerId {
    return setTimeout(fn, ms) as unknown as TimerId;
  }
  clearTimeout(id: TimerId): void {
    clearTimeout(id as unknown as ReturnType<typeof setTimeout>);
  }
}
