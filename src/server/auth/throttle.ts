/**
 * Login throttling, in memory: a per-key lockout after repeated failures (exponential: each run of
 * `maxFailures` failures locks for twice as long as the previous one) and a plain attempt rate per
 * window. Keys are client addresses and user names; unknown names are tracked exactly like known
 * ones so the answers never tell whether a name exists. Bounded: the oldest keys are forgotten
 * first when `maxKeys` is reached.
 */

export interface LockoutPolicy {
  /** Failures in a row that trigger a lock (and every further multiple of it). */
  readonly maxFailures: number;
  /** The first lock's length; each following lock doubles it. */
  readonly baseLockMs: number;
  readonly maxLockMs: number;
  /** Failures older than this are forgotten (a lock in force is kept until it ends). */
  readonly forgetAfterMs: number;
}

export interface RatePolicy {
  readonly maxAttempts: number;
  readonly windowMs: number;
}

/** 5 failures for a name lock it 15 min, then 30, 60, … up to a day. */
export const DEFAULT_USER_LOCKOUT: LockoutPolicy = { maxFailures: 5, baseLockMs: 15 * 60_000, maxLockMs: 24 * 3_600_000, forgetAfterMs: 24 * 3_600_000 };
/** An address (maybe a whole office behind NAT) gets more room: 20 failures lock it 15 min, then doubling. */
export const DEFAULT_IP_LOCKOUT: LockoutPolicy = { maxFailures: 20, baseLockMs: 15 * 60_000, maxLockMs: 24 * 3_600_000, forgetAfterMs: 24 * 3_600_000 };
/** At most 10 login attempts a minute from one address, successful or not. */
export const DEFAULT_LOGIN_RATE: RatePolicy = { maxAttempts: 10, windowMs: 60_000 };

/** The lock a run of failures earns: 0 below the threshold, then base * 2^(n/max - 1) at each multiple, capped. */
export function lockDuration(policy: LockoutPolicy, failures: number): number {
  if (failures < policy.maxFailures || failures % policy.maxFailures !== 0) return 0;
  const doublings = failures / policy.maxFailures - 1;
  return Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** Math.min(doublings, 30));
}

interface Entry {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

export class LockoutTracker {
  readonly #entries = new Map<string, Entry>();

  constructor(
    readonly policy: LockoutPolicy,
    private readonly maxKeys = 10_000,
  ) {}

  /** When the key's lock ends (epoch ms), or 0 when not locked. */
  lockedUntil(key: string, now: number): number {
    const e = this.#live(key, now);
    return e && e.lockedUntil > now ? e.lockedUntil : 0;
  }

  /** Counts a failure; returns the lock end it caused (0 when none). */
  fail(key: string, now: number): number {
    const e = this.#live(key, now) ?? { failures: 0, lastFailureAt: now, lockedUntil: 0 };
    e.failures += 1;
    e.lastFailureAt = now;
    const lockMs = lockDuration(this.policy, e.failures);
    if (lockMs > 0) e.lockedUntil = now + lockMs;
    this.#entries.delete(key);
    this.#entries.set(key, e); // most recent last, so eviction drops the stalest key
    if (this.#entries.size > this.maxKeys) this.#entries.delete(this.#entries.keys().next().value!);
    return lockMs > 0 ? e.lockedUntil : 0;
  }

  /** A success clears the key's failures. */
  succeed(key: string): void {
    this.#entries.delete(key);
  }

  #live(key: string, now: number): Entry | undefined {
    const e = this.#entries.get(key);
    if (e && e.lockedUntil <= now && now - e.lastFailureAt > this.policy.forgetAfterMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }
}

/** A fixed-window attempt counter per key. */
export class RateLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly policy: RatePolicy,
    private readonly maxKeys = 10_000,
  ) {}

  /** Counts an attempt; returns 0 when allowed, or the ms until the window reopens. */
  hit(key: string, now: number): number {
    let w = this.#windows.get(key);
    if (!w || now - w.start >= this.policy.windowMs) {
      w = { start: now, count: 0 };
      this.#windows.delete(key);
      this.#windows.set(key, w);
      if (this.#windows.size > this.maxKeys) this.#windows.delete(this.#windows.keys().next().value!);
    }
    w.count += 1;
    return w.count > this.policy.maxAttempts ? w.start + this.policy.windowMs - now : 0;
  }
}
