import { describe, expect, it } from "vitest";
import { lossFractionAt } from "../../../../src/core/fees.ts";
import { floorKrw } from "../../../../src/core/orders/krw.ts";
import { checkEntry, type EntryApproval, orderProblems, RISK_PRESETS, sizeEntry } from "../../../../src/core/risk/index.ts";
import { context, RULES } from "./support.ts";

/**
 * Sizing edge cases with 10,000,000 KRW equity and default params (3 % max risk, 25 % weight cap,
 * half-Kelly prior = 1.25 % risked, 0.25 % fees).
 */
const FEES = { bid: 0.0025, ask: 0.0025 };
const BTC = { market: "KRW-BTC", price: 100_000_000, stop: 98_000_000 } as const;

function approved(decision: ReturnType<typeof checkEntry>): EntryApproval {
  if (decision.kind !== "approve") throw new Error(`denied: ${decision.reason}: ${decision.detail}`);
  return decision;
}

describe("sizing: which cap binds", () => {
  it("the per-market weight cap binds with a tight stop: 25 % of equity", () => {
    const a = approved(checkEntry(BTC, context()));
    expect(a.sizing.binding).toBe("weight");
    expect(a.notional).toBe(2_500_000);
    expect(a.order).toEqual({ market: "KRW-BTC", side: "bid", type: "price", price: 2_500_000 });
  });

  it("the Kelly cap binds with a wide stop (prior: 1.25 % of equity risked)", () => {
    const a = approved(checkEntry({ market: "KRW-BTC", price: 100, stop: 80 }, context()));
    expect(a.sizing.binding).toBe("kelly");
    expect(a.sizing.lossFraction).toBeCloseTo(0.2 + 0.0025 + 0.0025 * 0.8, 15);
    expect(a.notional).toBe(floorKrw((0.0125 * 10_000_000) / a.sizing.lossFraction));
  });

  it("the max-risk cap binds when Kelly allows more: a stop hit loses 3 % of equity, fees included", () => {
    const a = approved(checkEntry({ market: "KRW-BTC", price: 100, stop: 80 }, context({ params: { kelly: { ...RISK_PRESETS.default.kelly, enabled: false } } })));
    expect(a.sizing.binding).toBe("risk");
    const loss = a.notional * lossFractionAt(100, 80, FEES);
    expect(loss).toBeLessThanOrEqual(300_000);
    expect(loss).toBeGreaterThan(300_000 - 1);
  });

  it("the cash cap binds when little KRW is free, leaving room for the fee", () => {
    const a = approved(checkEntry(BTC, context({ portfolio: { availableKrw: 1_000_000 } })));
    expect(a.sizing.binding).toBe("cash");
    expect(a.notional).toBe(floorKrw(1_000_000 / 1.0025));
    expect(a.notional * 1.0025).toBeLessThanOrEqual(1_000_000);
  });

  it("the exchange maximum cuts an order that every cap allows", () => {
    const a = approved(checkEntry(BTC, context({ rules: { maxTotal: 1_000_000 } })));
    expect(a.notional).toBe(1_000_000);
  });

  it("the sizing function reports every cap", () => {
    const s = sizeEntry({ equity: 10_000_000, cash: 10_000_000, price: 100, stop: 98, fees: FEES, params: RISK_PRESETS.default, kellyRiskFraction: 0.0125 });
    expect(Object.keys(s.caps).sort()).toEqual(["cash", "kelly", "risk", "weight"]);
    expect(s.caps.weight).toBe(2_500_000);
    expect(s.caps.cash).toBeCloseTo(10_000_000 / 1.0025, 6);
  });

  it("all_available (the classic backtest) spends every available KRW less the fee", () => {
    const a = approved(checkEntry(BTC, context({ params: RISK_PRESETS.classic })));
    expect(a.sizing.binding).toBe("cash");
    expect(a.notional).toBe(floorKrw(10_000_000 / 1.0025));
  });
});

describe("sizing: edge cases", () => {
  it("zero equity is denied", () => {
    const d = checkEntry(BTC, context({ portfolio: { equity: 0, availableKrw: 0 } }));
    expect(d).toMatchObject({ kind: "deny", reason: "zero_equity" });
  });

  it("a stop above the price is denied, and so is a stop at the price", () => {
    expect(checkEntry({ ...BTC, stop: 101_000_000 }, context())).toMatchObject({ kind: "deny", reason: "invalid_stop" });
    expect(checkEntry({ ...BTC, stop: BTC.price }, context())).toMatchObject({ kind: "deny", reason: "invalid_stop" });
  });

  it("a price that is not a positive number is denied", () => {
    expect(checkEntry({ ...BTC, price: Number.NaN }, context())).toMatchObject({ kind: "deny", reason: "invalid_price" });
    expect(checkEntry({ ...BTC, price: 0, stop: -1 }, context())).toMatchObject({ kind: "deny", reason: "invalid_price" });
  });

  it("a stop at or below zero counts as losing the whole notional", () => {
    const a = approved(checkEntry({ market: "KRW-BTC", price: 100, stop: -5 }, context({ params: { kelly: { ...RISK_PRESETS.default.kelly, enabled: false } } })));
    expect(a.sizing.lossFraction).toBeCloseTo(1 + 0.0025, 15);
  });

  it("a size under the exchange minimum is denied, not sent", () => {
    const d = checkEntry(BTC, context({ portfolio: { availableKrw: 4_000 } }));
    expect(d).toMatchObject({ kind: "deny", reason: "below_minimum" });
  });

  it("no free KRW is denied as insufficient", () => {
    expect(checkEntry(BTC, context({ portfolio: { availableKrw: 0 } }))).toMatchObject({ kind: "deny", reason: "insufficient_krw" });
  });

  it("reserved KRW is never traded: it comes out of equity and available cash", () => {
    const a = approved(checkEntry(BTC, context({ params: { ...RISK_PRESETS.classic, reservedKrw: 9_990_000 } })));
    expect(a.notional).toBe(9_975);
    // With the default caps, 25 % of the 10,000 KRW left is under the minimum.
    expect(checkEntry(BTC, context({ params: { reservedKrw: 9_990_000 } }))).toMatchObject({ kind: "deny", reason: "below_minimum" });
    expect(a.notional * 1.0025).toBeLessThanOrEqual(10_000);
    expect(checkEntry(BTC, context({ params: { reservedKrw: 10_000_000 } }))).toMatchObject({ kind: "deny", reason: "zero_equity" });
    expect(checkEntry(BTC, context({ params: { reservedKrw: 5_000_000 }, portfolio: { availableKrw: 5_000_000 } }))).toMatchObject({
      kind: "deny",
      reason: "insufficient_krw",
    });
  });

  it("every approved order passes the exchange checks", () => {
    for (const portfolio of [{}, { availableKrw: 1_000_000 }, { equity: 50_000, availableKrw: 50_000 }]) {
      const d = checkEntry(BTC, context({ portfolio }));
      if (d.kind === "approve") expect(orderProblems(d.order, RULES, BTC.price)).toEqual([]);
    }
  });
});
