import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../../src/core/random.ts";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { CLIENT_ORDER_ID_MAX_LENGTH, isValidClientOrderId } from "../../../../src/core/orders/client-order-id.ts";
import { ClientOrderIdFactory, newClientOrderId } from "../../../../src/exchange/bithumb/client-order-id.ts";

/** A deterministic uniform [0, 1) source. */
const seeded = mulberry32;

describe("isValidClientOrderId (API.md 4.7.1: 1-36 of A-Z a-z 0-9 - _)", () => {
  it.each(["a", "A-z_09", "x".repeat(36), "C0101000003152350309", "-", "_"])("accepts %j", (id) => {
    expect(isValidClientOrderId(id)).toBe(true);
  });

  it.each(["", "x".repeat(37), "a b", "a.b", "a/b", "한글", "a+b", "a\n", 42, null, undefined])("refuses %j", (id) => {
    expect(isValidClientOrderId(id)).toBe(false);
  });

  it("states its maximum", () => {
    expect(CLIENT_ORDER_ID_MAX_LENGTH).toBe(36);
  });
});

describe("newClientOrderId", () => {
  it("makes valid ids of the form prefix-time-random", () => {
    const id = newClientOrderId("ema", seeded(1), Date.UTC(2026, 10, 26));
    expect(isValidClientOrderId(id)).toBe(true);
    expect(id).toMatch(/^ema-[0-9a-z]{9}-[0-9a-z]{12}$/);
    expect(newClientOrderId("", seeded(1), 5)).toMatch(/^00000000[0-9a-z]-[0-9a-z]{12}$/);
    expect(newClientOrderId("A".repeat(12), () => 0.999999, 36 ** 9 - 1).length).toBeLessThanOrEqual(CLIENT_ORDER_ID_MAX_LENGTH);
  });

  it("sorts by time as plain strings", () => {
    const rnd = seeded(7);
    const times = [0, 9, 10, 35, 36, 1_000, 1_700_000_000_000, 1_800_000_000_000, 36 ** 9 - 1];
    const ids = times.map((t) => newClientOrderId("p", rnd, t));
    expect([...ids].sort()).toEqual(ids);
  });

  it("does not repeat across 20,000 draws in the same millisecond", () => {
    const rnd = seeded(42);
    const ids = new Set(Array.from({ length: 20_000 }, () => newClientOrderId("bot", rnd, 1_700_000_000_000)));
    expect(ids.size).toBe(20_000);
  });

  it("refuses bad prefixes, times and random sources", () => {
    expect(() => newClientOrderId("has-dash", seeded(1), 0)).toThrow(RangeError);
    expect(() => newClientOrderId("x".repeat(13), seeded(1), 0)).toThrow(RangeError);
    expect(() => newClientOrderId("p", seeded(1), -1)).toThrow(RangeError);
    expect(() => newClientOrderId("p", () => 1, 0)).toThrow(RangeError);
  });
});

describe("ClientOrderIdFactory", () => {
  it("is strictly increasing within a millisecond and when the clock steps back", () => {
    const clock = new SimulatedClock(1_700_000_000_000);
    const factory = new ClientOrderIdFactory("bot", clock, seeded(3));
    const ids = [factory.next(), factory.next(), factory.next()];
    clock.advance(1);
    ids.push(factory.next());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids.map((id) => id.split("-")[1])).size).toBe(4);
  });

  it("validates its prefix at construction", () => {
    expect(() => new ClientOrderIdFactory("bad prefix", new SimulatedClock(0))).toThrow(RangeError);
  });
});
