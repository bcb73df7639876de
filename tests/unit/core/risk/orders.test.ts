import { describe, expect, it } from "vitest";
import { isOnTick, KRW_TICK_BANDS, tickSize } from "../../../../src/core/orders/krw.ts";
import { checkEntry, limitBuyDraft, marketBuyDraft, marketSellDraft, orderProblems, RISK_PRESETS } from "../../../../src/core/risk/index.ts";
import { context, RULES } from "./support.ts";

describe("entry orders are valid at every KRW price band", () => {
  // A price inside each band of API.md 9, deliberately off-grid.
  const prices = KRW_TICK_BANDS.map((b) => (b.from === 0 ? 0.56789 : b.from * 1.2345 + b.tick / 3));

  it.each(prices)("a limit entry at reference %d is on the tick grid, 8-decimal, above the minimum and affordable", (price) => {
    const params = { ...RISK_PRESETS.default, entryOrder: { type: "limit" as const, limitOffset: 0.002 } };
    const d = checkEntry({ market: "KRW-BTC", price, stop: price * 0.97 }, context({ params }));
    if (d.kind !== "approve") throw new Error(`${d.reason}: ${d.detail}`);
    expect(d.order.type).toBe("limit");
    expect(isOnTick(d.order.price!)).toBe(true);
    expect(d.order.price!).toBeLessThanOrEqual(price * 1.002);
    expect(d.order.price!).toBeGreaterThan(price * 1.002 - tickSize(price * 1.002) - 1e-12);
    expect(orderProblems(d.order, RULES)).toEqual([]);
    expect(d.notional * 1.0025).toBeLessThanOrEqual(10_000_000);
  });

  it.each(prices)("a market entry at reference %d spends whole KRW above the minimum", (price) => {
    const d = checkEntry({ market: "KRW-BTC", price, stop: price * 0.97 }, context());
    if (d.kind !== "approve") throw new Error(`${d.reason}: ${d.detail}`);
    expect(Number.isInteger(d.order.price)).toBe(true);
    expect(orderProblems(d.order, RULES)).toEqual([]);
  });
});

describe("orderProblems: the last check before sending", () => {
  it("accepts well-formed drafts", () => {
    expect(orderProblems(marketBuyDraft("KRW-BTC", 10_000.7), RULES)).toEqual([]);
    expect(orderProblems(limitBuyDraft("KRW-BTC", 50_050, 0.123456789), RULES)).toEqual([]);
    expect(orderProblems(marketSellDraft("KRW-BTC", 0.1), RULES, 100_000)).toEqual([]);
  });

  it("names every problem Bithumb would refuse", () => {
    const problems = (d: Parameters<typeof orderProblems>[0], ref?: number, rules = RULES) => orderProblems(d, rules, ref).join(" | ");
    expect(problems({ market: "KRW-BTC", side: "bid", type: "limit", price: 50_030, volume: 1 })).toMatch(/not on the KRW tick grid/);
    expect(problems({ market: "KRW-BTC", side: "bid", type: "limit", price: 50_050, volume: 0.123456789 })).toMatch(/more than 8 decimals/);
    expect(problems({ market: "KRW-BTC", side: "bid", type: "limit", price: 1_000, volume: 4 })).toMatch(/under the minimum/);
    expect(problems({ market: "KRW-BTC", side: "bid", type: "price", price: 10_000.5 })).toMatch(/whole KRW/);
    expect(problems({ market: "KRW-BTC", side: "ask", type: "price", price: 10_000 })).toMatch(/bids only/);
    expect(problems({ market: "KRW-BTC", side: "bid", type: "market", volume: 1 }, 10_000)).toMatch(/asks only/);
    expect(problems({ market: "KRW-BTC", side: "ask", type: "market", volume: 1 })).toMatch(/reference price/);
    expect(problems({ market: "KRW-BTC", side: "ask", type: "market", volume: 0 }, 10_000)).toMatch(/not positive/);
    expect(problems(marketBuyDraft("KRW-BTC", 10_000), undefined, { ...RULES, maxTotal: 5_000 })).toMatch(/over the maximum/);
    expect(problems(marketBuyDraft("KRW-BTC", 10_000), undefined, { ...RULES, state: "paused" })).toMatch(/not active/);
    expect(problems(marketBuyDraft("KRW-ETH", 10_000))).toMatch(/rules are for KRW-BTC/);
  });
});
