import { describe, expect, it } from "vitest";
import {
  breakEvenPrice,
  buyCost,
  DEFAULT_FEE_RATES,
  feeOf,
  lossFractionAt,
  makerFeeRates,
  maxBuyNotional,
  sellProceeds,
  takerFeeRates,
} from "../../../src/core/fees.ts";

describe("fees", () => {
  it("reads taker and maker rates from the market rules, falling back to 0.25 %", () => {
    expect(takerFeeRates({ bidFee: 0.0004, askFee: 0.0005 })).toEqual({ bid: 0.0004, ask: 0.0005 });
    expect(takerFeeRates()).toEqual(DEFAULT_FEE_RATES);
    expect(takerFeeRates({ bidFee: Number.NaN, askFee: -1 })).toEqual({ bid: 0.0025, ask: 0.0025 });
    expect(makerFeeRates({ bidFee: 0.0025, askFee: 0.0025, makerBidFee: 0.0004, makerAskFee: Number.NaN })).toEqual({ bid: 0.0004, ask: 0.0025 });
  });

  it("charges the buy fee on top and takes the sell fee out", () => {
    expect(feeOf(1_000_000, 0.0025)).toBe(2_500);
    expect(buyCost(1_000_000, 0.0025)).toBe(1_002_500);
    expect(sellProceeds(1_000_000, 0.0025)).toBe(997_500);
    expect(maxBuyNotional(1_002_500, 0.0025)).toBeCloseTo(1_000_000, 6);
    expect(maxBuyNotional(-5, 0.0025)).toBe(0);
  });

  it("break-even and loss-at-stop include both fees", () => {
    expect(breakEvenPrice(100, { bid: 0.0025, ask: 0.0025 })).toBeCloseTo((100 * 1.0025) / 0.9975, 12);
    expect(lossFractionAt(100, 98, { bid: 0.0025, ask: 0.0025 })).toBeCloseTo(0.02 + 0.0025 + 0.0025 * 0.98, 15);
    expect(lossFractionAt(100, 100, { bid: 0, ask: 0 })).toBe(0);
  });
});
