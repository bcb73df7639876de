/**
 * Bounded polling for end-to-end tests: wait for a condition instead of sleeping a fixed time, and
 * fail with a message that says what never happened (and the last thing seen) when it does not.
 */

export interface PollOptions {
  /** What is awaited, for the timeout message ("the bot to become healthy"). */
  readonly what: string;
  readonly timeoutMs: number;
  /** Pause between probes. */
  readonly intervalMs?: number;
}

/** Thrown by a probe when waiting longer is pointless (the process it waits on has exited). */
export class GiveUp extends Error {}

/** A probe's "not yet": undefined, null or false. */
type NotYet = undefined | null | false;

/**
 * Call `probe` until it returns a value other than undefined/null/false, and return that value.
 * A probe that throws counts as "not yet" (a server still starting refuses connections), except
 * with `GiveUp`, which ends the wait at once; the last error or value is quoted on a timeout.
 */
export async function waitFor<T>(probe: () => T | NotYet | Promise<T | NotYet>, options: PollOptions): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let last = "nothing yet";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as T;
      last = `probe returned ${String(value)}`;
    } catch (e) {
      if (e instanceof GiveUp) throw new Error(`gave up waiting for ${options.what}: ${e.message}`);
      last = `probe threw ${e instanceof Error ? e.message : String(e)}`;
    }
    if (performance.now() >= deadline) throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what} (${last})`);
    await Bun.sleep(Math.min(interval, Math.max(1, deadline - performance.now())));
  }
}

/** Resolve with the promise's value, or reject naming `what` after `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
