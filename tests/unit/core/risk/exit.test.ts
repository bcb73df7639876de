import { describe, expect, it } from "vitest";
import { isDust, orderProblems, planExit, RISK_PRESETS } from "../../../../src/core/risk/index.ts";
import { RULES } from "./support.ts";

/** Exits at a reference price of 100,000 KRW with the 5,000 KRW minimum and a 1 % price margin. */
const PRICE = 100_000;
const params = RISK_PRESETS.default;
const exit = (volume: number, fraction: number) => planExit({ market: "KRW-BTC", volume, fraction, price: PRICE }, RULES, params);

describe("exits and dust", () => {
  it("sells the requested fraction, floored to 8 decimals", () => {
    const d = exit(0.3, 1 / 3);
    expect(d).toMatchObject({ kind: "approve", volume: 0.1, closesPosition: false, adjustment: "as_requested" });
    const odd = exit(1, 1 / 3);
    expect(odd).toMatchObject({ kind: "approve", volume: 0.33333333 });
  });

  it("fraction 1 sells the whole position", () => {
    expect(exit(0.123456789, 1)).toMatchObject({ kind: "approve", volume: 0.12345678, closesPosition: true, adjustment: "as_requested" });
  });

  it("a partial exit that would leave dust sells everything instead", () => {
    // 0.2 held (~20,000 KRW): selling 80 % leaves 0.04 (~3,960 KRW after the margin), under 5,000.
    expect(exit(0.2, 0.8)).toMatchObject({ kind: "approve", volume: 0.2, closesPosition: true, adjustment: "sell_all_to_avoid_dust" });
  });

  it("a partial exit itself under the minimum sells everything when the whole is sellable", () => {
    // 0.09 held (~8,900 KRW): a third (~2,970 KRW) is too small, the remainder is fine.
    expect(exit(0.09, 1 / 3)).toMatchObject({ kind: "approve", volume: 0.09, closesPosition: true, adjustment: "sell_all_too_small_to_split" });
  });

  it("a whole position under the minimum is dust: denied, no order the exchange would refuse", () => {
    expect(exit(0.04, 1)).toMatchObject({ kind: "deny", reason: "dust" });
    expect(isDust(0.04, PRICE, RULES, params.sellMinimumMargin)).toBe(true);
    expect(isDust(0.06, PRICE, RULES, params.sellMinimumMargin)).toBe(false);
  });

  it("nothing to sell is denied", () => {
    expect(exit(0, 1)).toMatchObject({ kind: "deny", reason: "no_position" });
    expect(exit(0.000000001, 1)).toMatchObject({ kind: "deny", reason: "no_position" });
  });

  it("every approved exit passes the exchange checks, and leaves either nothing or a sellable remainder", () => {
    for (const volume of [0.05, 0.0505, 0.09, 0.2, 0.3, 1, 3.14159265]) {
      for (const fraction of [0.1, 0.25, 1 / 3, 0.5, 0.8, 0.99, 1]) {
        const d = exit(volume, fraction);
        if (d.kind !== "approve") continue;
        expect(orderProblems(d.order, RULES, PRICE * (1 - params.sellMinimumMargin))).toEqual([]);
        const left = Number((volume - d.volume).toFixed(8));
        if (!d.closesPosition) expect(isDust(left, PRICE, RULES, params.sellMinimumMargin)).toBe(false);
      }
    }
  });
});
