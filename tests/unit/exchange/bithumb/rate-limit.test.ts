import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { RetryableError } from "../../../../src/core/errors.ts";
import { createRestRateLimiter, RateLimiter, REST_RATE_LIMITS } from "../../../../src/exchange/bithumb/rate-limit.ts";

/** Start `n` acquires and record the clock time each one is let through. */
function startMany(limiter: RateLimiter<"g">, clock: SimulatedClock, n: number): { starts: number[]; done: Promise<unknown> } {
  const starts: number[] = [];
  const done = Promise.all(Array.from({ length: n }, () => limiter.acquire("g").then(() => starts.push(clock.now()))));
  return { starts, done };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe("RateLimiter", () => {
  it("has API.md 7's budgets", () => {
    expect(REST_RATE_LIMITS["public:candle"].limit).toBe(150);
    expect(REST_RATE_LIMITS["public:other"].limit).toBe(150);
    expect(REST_RATE_LIMITS["private:order-create"].limit).toBe(140);
    expect(REST_RATE_LIMITS["private:order-cancel"].limit).toBe(140);
    expect(REST_RATE_LIMITS["private:other"].limit).toBe(140);
    expect(REST_RATE_LIMITS["private:batch"].limit).toBe(20);
  });

  it("lets `limit` requests through at once and spaces the rest so no window holds more", async () => {
    const clock = new SimulatedClock(10_000);
    const limiter = new RateLimiter({ clock, limits: { g: { limit: 3, windowMs: 1_000 } }, maxWaitMs: 10_000 });
    const { starts, done } = startMany(limiter, clock, 7);
    await settle();
    await clock.advanceAsync(3_000, 50);
    await done;
    expect(starts).toEqual([10_000, 10_000, 10_000, 11_000, 11_000, 11_000, 12_000]);
    // Sliding-window invariant: any `limit + 1` consecutive starts span at least one window.
    for (let i = 3; i < starts.length; i++) expect(starts[i]! - starts[i - 3]!).toBeGreaterThanOrEqual(1_000);
    const stats = limiter.stats().g;
    expect(stats.acquired).toBe(7);
    expect(stats.waits).toBe(4);
    expect(stats.waitedMs).toBe(3 * 1_000 + 2_000);
  });

  it("keeps the groups independent", async () => {
    const clock = new SimulatedClock(0);
    const limiter = new RateLimiter({ clock, limits: { a: { limit: 1, windowMs: 1_000 }, b: { limit: 1, windowMs: 1_000 } } });
    await limiter.acquire("a");
    await limiter.acquire("b"); // would wait if the groups shared a budget
    expect(limiter.stats().b.waits).toBe(0);
  });

  it("fails fast with rate_limited when the slot is beyond maxWaitMs (never waits forever)", async () => {
    const clock = new SimulatedClock(0);
    const limiter = new RateLimiter({ clock, limits: { g: { limit: 1, windowMs: 1_000 } }, maxWaitMs: 500 });
    await limiter.acquire("g");
    const error = await limiter.acquire("g").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).code).toBe("rate_limited");
    expect((error as RetryableError).retryAfterMs).toBe(1_000);
    expect(limiter.stats().g.refused).toBe(1);
    // The refused request did not take a slot: the next one is on time after the window.
    clock.advance(1_000);
    await limiter.acquire("g");
    expect(limiter.stats().g.acquired).toBe(2);
  });

  it("a 429 blocks the group until Retry-After, even for requests already waiting", async () => {
    const clock = new SimulatedClock(0);
    const limiter = new RateLimiter({ clock, limits: { g: { limit: 1, windowMs: 100 } }, maxWaitMs: 10_000 });
    await limiter.acquire("g");
    let passedAt = -1;
    const waiting = limiter.acquire("g").then(() => (passedAt = clock.now()));
    await settle();
    limiter.blockFor("g", 2_000); // server said 429, Retry-After 2 s
    await clock.advanceAsync(3_000, 50);
    await waiting;
    expect(passedAt).toBe(2_000);
    expect(limiter.stats().g.throttled).toBe(1);
  });

  it("a 429 without Retry-After blocks for one window", async () => {
    const clock = new SimulatedClock(0);
    const limiter = new RateLimiter({ clock, limits: { g: { limit: 10, windowMs: 1_000 } } });
    limiter.blockFor("g", undefined);
    let passedAt = -1;
    const p = limiter.acquire("g").then(() => (passedAt = clock.now()));
    await clock.advanceAsync(2_000, 100);
    await p;
    expect(passedAt).toBe(1_000);
  });

  it("a block longer than maxWaitMs refuses at once", async () => {
    const clock = new SimulatedClock(0);
    const limiter = createRestRateLimiter(clock, 1_000);
    limiter.blockFor("private:order-create", 60_000);
    await expect(limiter.acquire("private:order-create")).rejects.toMatchObject({ code: "rate_limited", retryAfterMs: 60_000 });
    await limiter.acquire("private:other");
  });

  it("an aborted wait rejects with the abort reason", async () => {
    const clock = new SimulatedClock(0);
    const limiter = new RateLimiter({ clock, limits: { g: { limit: 1, windowMs: 1_000 } } });
    await limiter.acquire("g");
    const controller = new AbortController();
    const p = limiter.acquire("g", controller.signal);
    controller.abort(new Error("gone"));
    await expect(p).rejects.toThrow("gone");
  });

  it("rejects unknown groups and nonsense limits", async () => {
    const clock = new SimulatedClock(0);
    expect(() => new RateLimiter({ clock, limits: { g: { limit: 0, windowMs: 1_000 } } })).toThrow(RangeError);
    const limiter = new RateLimiter({ clock, limits: { g: { limit: 1, windowMs: 1_000 } } });
    await expect(limiter.acquire("h" as "g")).rejects.toThrow(RangeError);
  });
});
