import { describe, expect, it } from "vitest";
import type { Market } from "../../../../src/core/model.ts";
import { parseOrderBody } from "../../../../src/exchange/sim/engine/validate.ts";
import { SimApiError } from "../../../../src/exchange/sim/errors.ts";
import { formatFixed } from "../../../../src/exchange/sim/fixed.ts";

const known = (m: Market) => m === "KRW-BTC";

function refusal(body: unknown, api: "v1" | "v2" = "v2"): string {
  try {
    parseOrderBody(body, api, known);
  } catch (e) {
    if (e instanceof SimApiError) return `${e.status} ${e.errorName}`;
    throw e;
  }
  return "accepted";
}

describe("parseOrderBody", () => {
  it("reads a v2 limit order with every optional field", () => {
    const o = parseOrderBody({ market: "KRW-BTC", side: "bid", order_type: "limit", price: "67000000", volume: "0.01", time_in_force: "post_only", client_order_id: "A-z_09" }, "v2", known);
    expect({ ...o, price: formatFixed(o.price!), volume: formatFixed(o.volume!) }).toEqual({
      market: "KRW-BTC",
      side: "bid",
      type: "limit",
      price: "67000000",
      volume: "0.01",
      timeInForce: "post_only",
      clientOrderId: "A-z_09",
    });
  });

  it("names the type ord_type on v1 and order_type on v2", () => {
    expect(refusal({ market: "KRW-BTC", side: "bid", ord_type: "limit", price: "1000", volume: "10" }, "v1")).toBe("accepted");
    expect(refusal({ market: "KRW-BTC", side: "bid", ord_type: "limit", price: "1000", volume: "10" }, "v2")).toBe("400 invalid_parameter");
  });

  it.each([
    ["unknown market", { market: "KRW-DOGE", side: "bid", order_type: "limit", price: "1", volume: "1" }],
    ["lower-case market", { market: "krw-btc", side: "bid", order_type: "limit", price: "1", volume: "1" }],
    ["bad side", { market: "KRW-BTC", side: "buy", order_type: "limit", price: "1", volume: "1" }],
    ["limit without volume", { market: "KRW-BTC", side: "bid", order_type: "limit", price: "1" }],
    ["market buy as ask", { market: "KRW-BTC", side: "ask", order_type: "price", price: "10000" }],
    ["market buy with volume", { market: "KRW-BTC", side: "bid", order_type: "price", price: "10000", volume: "1" }],
    ["market sell as bid", { market: "KRW-BTC", side: "bid", order_type: "market", volume: "1" }],
    ["market sell with price", { market: "KRW-BTC", side: "ask", order_type: "market", volume: "1", price: "1" }],
    ["best without ioc/fok", { market: "KRW-BTC", side: "bid", order_type: "best", price: "10000" }],
    ["best with post_only", { market: "KRW-BTC", side: "bid", order_type: "best", price: "10000", time_in_force: "post_only" }],
    ["tif on a market order", { market: "KRW-BTC", side: "ask", order_type: "market", volume: "1", time_in_force: "ioc" }],
    ["gtc (not a Bithumb value)", { market: "KRW-BTC", side: "bid", order_type: "limit", price: "1", volume: "1", time_in_force: "gtc" }],
    ["9 volume decimals", { market: "KRW-BTC", side: "bid", order_type: "limit", price: "1", volume: "0.123456789" }],
    ["negative price", { market: "KRW-BTC", side: "bid", order_type: "limit", price: "-1", volume: "1" }],
    ["exponent notation", { market: "KRW-BTC", side: "bid", order_type: "limit", price: "1e8", volume: "1" }],
    ["client_order_id too long", { market: "KRW-BTC", side: "bid", order_type: "limit", price: "1", volume: "1", client_order_id: "x".repeat(37) }],
    ["client_order_id with a dot", { market: "KRW-BTC", side: "bid", order_type: "limit", price: "1", volume: "1", client_order_id: "a.b" }],
    ["empty client_order_id", { market: "KRW-BTC", side: "bid", order_type: "limit", price: "1", volume: "1", client_order_id: "" }],
    ["not an object", ["market", "KRW-BTC"]],
  ])("refuses %s with 400 invalid_parameter", (_name, body) => {
    expect(refusal(body)).toBe("400 invalid_parameter");
  });

  it("accepts a 36-character client_order_id and JSON numbers for amounts", () => {
    expect(refusal({ market: "KRW-BTC", side: "bid", order_type: "limit", price: 1000, volume: 10, client_order_id: "x".repeat(36) })).toBe("accepted");
  });
});
