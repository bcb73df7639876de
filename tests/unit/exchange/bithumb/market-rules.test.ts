import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { RetryableError } from "../../../../src/core/errors.ts";
import { DEFAULT_FEE_RATE, DEFAULT_MIN_TOTAL_KRW, type Market, type MarketRules, type OrderChance } from "../../../../src/core/model.ts";
import { MarketRulesCache } from "../../../../src/exchange/bithumb/market-rules.ts";

function rules(market: Market, minTotal: number): MarketRules {
  return { market, bidFee: 0.0004, askFee: 0.0004, makerBidFee: 0.0004, makerAskFee: 0.0004, minTotalBid: minTotal, minTotalAsk: minTotal, state: "active" };
}

/** A fake `orders/chance` reader whose answers the test scripts. */
function reader() {
  const calls: Market[] = [];
  let answer: (market: Market) => Promise<OrderChance> = async (market) => ({ rules: rules(market, 7_000) });
  return {
    calls,
    set(fn: (market: Market) => Promise<OrderChance>) {
      answer = fn;
    },
    fetchChance: (market: Market) => {
      calls.push(market);
      return answer(market);
    },
  };
}

describe("MarketRulesCache", () => {
  it("reads orders/chance once per TTL on the clock, per market", async () => {
    const clock = new SimulatedClock(0);
    const r = reader();
    const cache = new MarketRulesCache({ clock, fetchChance: r.fetchChance, ttlMs: 60_000 });
    expect((await cache.get("KRW-BTC")).minTotalBid).toBe(7_000);
    await cache.get("KRW-BTC");
    await cache.get("KRW-ETH");
    expect(r.calls).toEqual(["KRW-BTC", "KRW-ETH"]);
    clock.advance(60_000);
    await cache.get("KRW-BTC");
    expect(r.calls).toEqual(["KRW-BTC", "KRW-ETH", "KRW-BTC"]);
    expect(cache.isFromExchange("KRW-BTC")).toBe(true);
  });

  it("concurrent callers share one read", async () => {
    const r = reader();
    const cache = new MarketRulesCache({ clock: new SimulatedClock(0), fetchChance: r.fetchChance });
    await Promise.all([cache.get("KRW-BTC"), cache.get("KRW-BTC"), cache.get("KRW-BTC")]);
    expect(r.calls).toHaveLength(1);
  });

  it("falls back to 5,000 KRW / 0.25% when nothing was ever read, and retries after retryMs", async () => {
    const clock = new SimulatedClock(0);
    const r = reader();
    r.set(async () => {
      throw new RetryableError({ code: "http_500", message: "down" });
    });
    const cache = new MarketRulesCache({ clock, fetchChance: r.fetchChance, retryMs: 30_000 });
    const fallback = await cache.get("KRW-XRP");
    expect(fallback).toMatchObject({ minTotalBid: DEFAULT_MIN_TOTAL_KRW, minTotalAsk: DEFAULT_MIN_TOTAL_KRW, bidFee: DEFAULT_FEE_RATE, askFee: DEFAULT_FEE_RATE, state: "unknown" });
    expect(cache.isFromExchange("KRW-XRP")).toBe(false);
    await cache.get("KRW-XRP");
    expect(r.calls).toHaveLength(1); // not hammered on every order
    clock.advance(30_000);
    r.set(async (market) => ({ rules: rules(market, 9_000) }));
    expect((await cache.get("KRW-XRP")).minTotalBid).toBe(9_000);
  });

  it("keeps the last rules read when a refresh fails", async () => {
    const clock = new SimulatedClock(0);
    const r = reader();
    const cache = new MarketRulesCache({ clock, fetchChance: r.fetchChance, ttlMs: 1_000 });
    await cache.get("KRW-BTC");
    clock.advance(1_000);
    r.set(async () => {
      throw new Error("network");
    });
    expect((await cache.get("KRW-BTC")).minTotalBid).toBe(7_000);
    expect(cache.isFromExchange("KRW-BTC")).toBe(true);
  });

  it("invalidate forces a re-read", async () => {
    const r = reader();
    const cache = new MarketRulesCache({ clock: new SimulatedClock(0), fetchChance: r.fetchChance });
    await cache.get("KRW-BTC");
    cache.invalidate("KRW-BTC");
    await cache.get("KRW-BTC");
    cache.invalidate();
    await cache.get("KRW-BTC");
    expect(r.calls).toHaveLength(3);
  });
});
