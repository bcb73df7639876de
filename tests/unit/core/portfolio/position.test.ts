import { describe, expect, it } from "vitest";
import { applyFill, unrealisedPnl } from "../../../../src/core/portfolio/position.ts";

const m = "KRW-BTC" as const;

describe("position accounting", () => {
  it("averages buys and realises PnL net of fees on both sides", () => {
    let r = applyFill(null, { market: m, side: "bid", price: 100, volume: 1, fee: 0.25, ts: 1 });
    r = applyFill(r.holding, { market: m, side: "bid", price: 200, volume: 1, fee: 0.5, ts: 2 });
    expect(r.holding?.avgPrice).toBe(150);
    expect(r.holding?.costBasis).toBe(300.75);
    expect(r.holding?.entryTs).toBe(1);
    expect(unrealisedPnl(r.holding!, 160)).toBeCloseTo(320 - 300.75, 12);
    const half = applyFill(r.holding, { market: m, side: "ask", price: 180, volume: 1, fee: 0.45, ts: 3 });
    expect(half.realised).toBeCloseTo(180 - 0.45 - 150.375, 12);
    expect(half.holding?.volume).toBe(1);
    const all = applyFill(half.holding, { market: m, side: "ask", price: 120, volume: 1, fee: 0.3, ts: 4 });
    expect(all.holding).toBeNull();
    expect(all.closed).toMatchObject({ entryTs: 1, exitTs: 4, entryPrice: 150, exitPrice: 150, volume: 2 });
    expect(all.closed!.pnl).toBeCloseTo(180 - 0.45 + 120 - 0.3 - 300.75, 9);
    expect(all.closed!.fee).toBeCloseTo(0.25 + 0.5 + 0.45 + 0.3, 12);
  });

  it("ignores a sell with no holding and caps an oversized sell at the held volume", () => {
    expect(applyFill(null, { market: m, side: "ask", price: 1, volume: 1, fee: 0, ts: 1 }).holding).toBeNull();
    const h = applyFill(null, { market: m, side: "bid", price: 10, volume: 1, fee: 0, ts: 1 }).holding;
    const r = applyFill(h, { market: m, side: "ask", price: 12, volume: 5, fee: 0, ts: 2 });
    expect(r.holding).toBeNull();
    expect(r.closed?.volume).toBe(1);
    expect(r.realised).toBe(2);
  });

  it("rejects NaN and negative fills", () => {
    expect(() => applyFill(null, { market: m, side: "bid", price: Number.NaN, volume: 1, fee: 0, ts: 1 })).toThrow(RangeError);
    expect(() => applyFill(null, { market: m, side: "bid", price: 1, volume: -1, fee: 0, ts: 1 })).toThrow(RangeError);
  });
});
