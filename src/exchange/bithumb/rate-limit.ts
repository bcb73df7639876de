import { RetryableError } from "../../core/errors.ts";
import { type Clock, sleep } from "../../ports/clock.ts";

/**
 * Client-side request budget per Bithumb rate-limit category (API.md 7). Bithumb counts per IP and
 * per category and blocks a category that overflows, so one limiter instance should serve every
 * client that shares the IP (pass the same instance to each).
 *
 * The model is an exact sliding window: a request may start when fewer than `limit` requests
 * started in the preceding `windowMs`. Callers reserve a start slot at once (FIFO, no thundering
 * herd) and sleep on the injected clock until it comes. A 429 blocks the category until its
 * Retry-After (or one window when none is given). Waits are bounded: a request whose slot is more
 * than `maxWaitMs` away fails at once with `RetryableError` code `rate_limited`.
 */

export interface GroupLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/** REST categories (API.md 7). Batch create/cancel have their own 20/s budget. */
export const REST_RATE_LIMITS = {
  "public:candle": { limit: 150, windowMs: 1_000 },
  "public:orderbook": { limit: 150, windowMs: 1_000 },
  "public:ticker": { limit: 150, windowMs: 1_000 },
  "public:trade": { limit: 150, windowMs: 1_000 },
  "public:other": { limit: 150, windowMs: 1_000 },
  "private:order-create": { limit: 140, windowMs: 1_000 },
  "private:order-cancel": { limit: 140, windowMs: 1_000 },
  "private:other": { limit: 140, windowMs: 1_000 },
  "private:batch": { limit: 20, windowMs: 1_000 },
} as const satisfies Record<string, GroupLimit>;

export type EndpointGroup = keyof typeof REST_RATE_LIMITS;

/** WebSocket connection attempts: 10 per second per IP, public and private alike (API.md 7). */
export const WS_CONNECT_LIMITS = { "ws:connect": { limit: 10, windowMs: 1_000 } } as const satisfies Record<string, GroupLimit>;

export interface GroupStats {
  /** Requests let through. */
  acquired: number;
  /** Requests that had to wait for a slot. */
  waits: number;
  /** Total time spent waiting, ms. */
  waitedMs: number;
  /** Requests refused because their wait would exceed `maxWaitMs`. */
  refused: number;
  /** 429 answers reported through `block`. */
  throttled: number;
}

export interface RateLimiterOptions<G extends string> {
  readonly clock: Clock;
  readonly limits: Readonly<Record<G, GroupLimit>>;
  /** Longest a request may wait for its slot, ms (default 5,000). */
  readonly maxWaitMs?: number;
}

interface GroupState {
  readonly limit: number;
  readonly windowMs: number;
  /** Start times of the last `limit` requests (past or reserved future), ascending. */
  readonly starts: number[];
  blockedUntil: number;
  readonly stats: GroupStats;
}

export class RateLimiter<G extends string = EndpointGroup> {
  private readonly clock: Clock;
  private readonly maxWaitMs: number;
  private readonly groups = new Map<G, GroupState>();

  constructor(options: RateLimiterOptions<G>) {
    this.clock = options.clock;
    this.maxWaitMs = options.maxWaitMs ?? 5_000;
    for (const [group, { limit, windowMs }] of Object.entries(options.limits) as [G, GroupLimit][]) {
      if (!(limit >= 1) || !(windowMs > 0)) throw new RangeError(`bad limit for ${group}: ${limit} per ${windowMs} ms`);
      this.groups.set(group, {
        limit,
        windowMs,
        starts: [],
        blockedUntil: 0,
        stats: { acquired: 0, waits: 0, waitedMs: 0, refused: 0, throttled: 0 },
      });
    }
  }

  /**
   * Wait for a slot in `group`. Resolves when the request may start, with the time waited in ms
   * (0 when the slot was free; for metrics); rejects with `RetryableError('rate_limited')` when
   * the slot is more than `maxWaitMs` away (or the group is blocked that long), and with the
   * signal's reason when aborted.
   */
  async acquire(group: G, signal?: AbortSignal): Promise<number> {
    const state = this.state(group);
    const deadline = this.clock.now() + this.maxWaitMs;
    const startedAt = this.clock.now();
    let waited = false;
    for (;;) {
      const slot = this.reserve(group, state, deadline);
      const delay = slot - this.clock.now();
      if (delay > 0) {
        waited = true;
        await sleep(this.clock, delay, signal);
      }
      // A 429 reported while we slept voids the reservation: take a new slot after the block.
      if (state.blockedUntil <= this.clock.now()) break;
    }
    state.stats.acquired++;
    if (!waited) return 0;
    const waitedMs = this.clock.now() - startedAt;
    state.stats.waits++;
    state.stats.waitedMs += waitedMs;
    return waitedMs;
  }

  /** The server said 429: no request of `group` starts before `untilMs` (epoch ms). */
  block(group: G, untilMs: number): void {
    const state = this.state(group);
    state.blockedUntil = Math.max(state.blockedUntil, untilMs);
    state.stats.throttled++;
  }

  /** Block `group` for `retryAfterMs` from now, or for one window when the server gave no hint. */
  blockFor(group: G, retryAfterMs: number | undefined): void {
    const state = this.state(group);
    this.block(group, this.clock.now() + (retryAfterMs ?? state.windowMs));
  }

  /** Counters per group, copied (for metrics). */
  stats(): Record<G, GroupStats> {
    const out = {} as Record<G, GroupStats>;
    for (const [group, state] of this.groups) out[group] = { ...state.stats };
    return out;
  }

  private state(group: G): GroupState {
    const state = this.groups.get(group);
    if (!state) throw new RangeError(`unknown rate-limit group ${group}`);
    return state;
  }

  /** Book the earliest start time allowed by the window and any block, or refuse past `deadline`. */
  private reserve(group: G, state: GroupState, deadline: number): number {
    const now = this.clock.now();
    const { starts, limit, windowMs } = state;
    // Entries that can no longer constrain any future slot.
    while (starts.length > 0 && starts[0]! <= now - windowMs) starts.shift();
    let slot = Math.max(now, state.blockedUntil);
    if (starts.length >= limit) slot = Math.max(slot, starts[starts.length - limit]! + windowMs);
    if (starts.length > 0) slot = Math.max(slot, starts[starts.length - 1]!);
    if (slot > deadline) {
      state.stats.refused++;
      throw new RetryableError({
        code: "rate_limited",
        retryAfterMs: slot - now,
        message: `rate limit ${group}: next slot in ${slot - now} ms exceeds the ${this.maxWaitMs} ms wait bound`,
      });
    }
    starts.push(slot);
    // Only the last `limit` starts matter for the next reservation.
    if (starts.length > limit) starts.splice(0, starts.length - limit);
    return slot;
  }
}

/** The REST limiter with API.md 7's budgets. */
export function createRestRateLimiter(clock: Clock, maxWaitMs?: number): RateLimiter<EndpointGroup> {
  return new RateLimiter({ clock, limits: REST_RATE_LIMITS, maxWaitMs });
}
