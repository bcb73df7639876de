import { describe, expect, it } from "vitest";
import { RejectedError } from "../../../../src/core/errors.ts";
import type { MarketRules, OrderRequest } from "../../../../src/core/model.ts";
import { buildV1OrderBody, buildV2OrderBody } from "../../../../src/exchange/bithumb/http/order-request.ts";

const rules: MarketRules = {
  market: "KRW-BTC",
  bidFee: 0.0025,
  askFee: 0.0025,
  makerBidFee: 0.0025,
  makerAskFee: 0.0025,
  minTotalBid: 5_000,
  minTotalAsk: 5_000,
  maxTotal: 1_000_000_000,
  state: "active",
};

const base: OrderRequest = { market: "KRW-BTC", side: "bid", type: "limit", price: 100_000_000, volume: 0.001, clientOrderId: "id-1" };

function refusal(request: OrderRequest, r: MarketRules | undefined = rules): string {
  try {
    buildV2OrderBody(request, r);
  } catch (error) {
    expect(error).toBeInstanceOf(RejectedError);
    return (error as RejectedError).code;
  }
  throw new Error("expected a refusal");
}

describe("buildV2OrderBody: the combinations API.md 4.7.1 allows", () => {
  it.each<[string, Partial<OrderRequest>, Record<string, string>]>([
    ["resting limit", {}, { price: "100000000", volume: "0.001" }],
    ["limit ioc", { timeInForce: "ioc" }, { price: "100000000", volume: "0.001", time_in_force: "ioc" }],
    ["limit fok", { timeInForce: "fok" }, { price: "100000000", volume: "0.001", time_in_force: "fok" }],
    ["limit post_only", { timeInForce: "post_only" }, { price: "100000000", volume: "0.001", time_in_force: "post_only" }],
    ["market buy by amount", { type: "price", price: 20_000, volume: undefined }, { price: "20000" }],
    ["market sell", { type: "market", side: "ask", price: undefined, volume: 0.5 }, { volume: "0.5" }],
    ["best buy ioc", { type: "best", price: 20_000, volume: undefined, timeInForce: "ioc" }, { price: "20000", time_in_force: "ioc" }],
    ["best sell fok", { type: "best", side: "ask", price: undefined, volume: 0.5, timeInForce: "fok" }, { volume: "0.5", time_in_force: "fok" }],
  ])("%s", (_name, overrides, fields) => {
    const request = { ...base, ...overrides };
    expect(buildV2OrderBody(request, rules)).toEqual({ market: "KRW-BTC", side: request.side, order_type: request.type, ...fields, client_order_id: "id-1" });
  });

  it.each<[string, Partial<OrderRequest>, string]>([
    ["limit without volume", { volume: undefined }, "invalid_parameter"],
    ["limit with a NaN price", { price: Number.NaN }, "invalid_parameter"],
    ["limit with a negative volume", { volume: -1 }, "invalid_parameter"],
    ["price order on the ask side", { type: "price", side: "ask", volume: undefined }, "invalid_parameter"],
    ["price order with a volume", { type: "price" }, "invalid_parameter"],
    ["price order with a time in force", { type: "price", volume: undefined, timeInForce: "ioc" }, "invalid_parameter"],
    ["market order on the bid side", { type: "market", price: undefined }, "invalid_parameter"],
    ["market order with a price", { type: "market", side: "ask" }, "invalid_parameter"],
    ["best without time in force", { type: "best", volume: undefined }, "invalid_parameter"],
    ["best post_only", { type: "best", volume: undefined, timeInForce: "post_only" }, "invalid_parameter"],
    ["volume below 8 decimals", { volume: 0.000000001 }, "invalid_parameter"],
    ["KRW amount below 1 won", { type: "price", price: 0.5, volume: undefined }, "invalid_parameter"],
    ["off-tick price", { price: 100_000_500 }, "invalid_price"],
    ["off-tick small price", { price: 1.2345, volume: 10_000 }, "invalid_price"],
    ["under the minimum", { volume: 0.00004 }, "under_min_total"],
    ["market buy under the minimum", { type: "price", price: 4_999, volume: undefined }, "under_min_total"],
    ["over the maximum", { volume: 11 }, "over_max_total"],
    ["client id too long", { clientOrderId: "a".repeat(37) }, "invalid_parameter"],
    ["client id empty", { clientOrderId: "" }, "invalid_parameter"],
    ["client id with a dot", { clientOrderId: "a.b" }, "invalid_parameter"],
  ])("refuses %s", (_name, overrides, code) => {
    expect(refusal({ ...base, ...overrides })).toBe(code);
  });

  it("checks the side's own minimum and the market state", () => {
    const strict = { ...rules, minTotalAsk: 50_000 };
    expect(() => buildV2OrderBody({ ...base, volume: 0.0004 }, strict)).not.toThrow();
    expect(refusal({ ...base, side: "ask", volume: 0.0004 }, strict)).toBe("under_min_total");
    expect(refusal(base, { ...rules, state: "delisted" })).toBe("market_not_active");
    expect(() => buildV2OrderBody(base, { ...rules, state: "ACTIVE" })).not.toThrow();
    expect(() => buildV2OrderBody(base, { ...rules, state: "unknown" })).not.toThrow();
  });

  it("a stated per-market price unit is enforced on top of the tick table", () => {
    expect(refusal({ ...base, price: 100_001_000 }, { ...rules, priceUnit: 5_000 })).toBe("invalid_price");
    expect(() => buildV2OrderBody({ ...base, price: 100_005_000 }, { ...rules, priceUnit: 5_000 })).not.toThrow();
  });

  it("without rules only shape and tick are checked", () => {
    expect(() => buildV2OrderBody({ ...base, volume: 0.00001 })).not.toThrow();
  });

  it("writes small-band prices with their decimals and volumes without float noise", () => {
    expect(buildV2OrderBody({ ...base, price: 0.1233, volume: 0.1 + 0.2 }, undefined)).toMatchObject({ price: "0.1233", volume: "0.3" });
    expect(buildV2OrderBody({ ...base, volume: 0.0012345678999 }, undefined)).toMatchObject({ volume: "0.00123456" });
  });
});

describe("buildV1OrderBody", () => {
  it("uses ord_type and the recorded vector's field order", () => {
    expect(JSON.stringify(buildV1OrderBody({ market: "KRW-BTC", side: "bid", type: "limit", price: 67_000_000, volume: 0.01 }, rules))).toBe(
      '{"market":"KRW-BTC","side":"bid","volume":"0.01","price":"67000000","ord_type":"limit"}',
    );
  });
});
