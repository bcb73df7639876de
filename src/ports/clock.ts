/**
 * Time comes only from a Clock handed in (ARCHITECTURE rule 6). The shape is a superset of what
 * XState's `clock` actor option takes (`setTimeout`/`clearTimeout`), so one object drives both the
 * machines and the rest of the runtime, and tests advance a simulated clock instead of sleeping.
 */
export type TimerId = number;

export interface Clock {
  /** Current time, epoch ms. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

/** A promise that resolves after `ms` on the given clock (simulated clocks resolve on advance). */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const id = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clock.clearTimeout(id);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
