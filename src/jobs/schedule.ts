import type { Clock } from "../ports/clock.ts";

const KST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** The next KST midnight strictly after `now` (epoch ms). */
export function nextKstMidnight(now: number): number {
  return (Math.floor((now + KST_OFFSET_MS) / DAY_MS) + 1) * DAY_MS - KST_OFFSET_MS;
}

/** The KST calendar date (YYYY-MM-DD) of an instant. */
export function kstDate(ts: number): string {
  return new Date(ts + KST_OFFSET_MS).toISOString().slice(0, 10);
}

export interface Job {
  cancel(): void;
}

/**
 * Run `task` at each instant `next(now)` returns, on the given clock (simulated clocks included).
 * A failing task is reported and the schedule goes on: a job never takes the process down.
 */
export function scheduleRecurring(clock: Clock, next: (now: number) => number, task: (at: number) => Promise<void> | void, onError: (err: unknown) => void): Job {
  let id: number | null = null;
  let cancelled = false;
  const arm = () => {
    if (cancelled) return;
    const at = next(clock.now());
    id = clock.setTimeout(() => {
      Promise.resolve()
        .then(() => task(at))
        .catch(onError)
        .finally(arm);
    }, Math.max(0, at - clock.now()));
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      if (id !== null) clock.clearTimeout(id);
    },
  };
}

/** Every `periodMs`, aligned to multiples of the period. */
export function every(periodMs: number): (now: number) => number {
  return (now) => (Math.floor(now / periodMs) + 1) * periodMs;
}
