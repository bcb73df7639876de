/**
 * What the paper exchange needs from the simulator's matching engine beyond the sim: a separate
 * maker fee, its own id format, a ledger restored from disk, and trades older than an order never
 * filling it (live trades may predate the order; the replay's never do).
 */
import { describe, expect, it } from "vitest";
import type { Market } from "../../../../src/core/model.ts";
import { type LiquidityLevel, type LiquiditySource, MatchingEngine } from "../../../../src/exchange/sim/engine/engine.ts";
import type { EngineOptions } from "../../../../src/exchange/sim/engine/engine.ts";
import type { OrderInput, SimOrder } from "../../../../src/exchange/sim/engine/types.ts";
import { type Fixed, formatFixed, parseFixed } from "../../../../src/exchange/sim/fixed.ts";
import { paperIds } from "../../../../src/exchange/paper/ids.ts";

const BTC: Market = "KRW-BTC";
const f = (s: string): Fixed => parseFixed(s)!;

const book: LiquiditySource = {
  levels: (_m, side): readonly LiquidityLevel[] => (side === "asks" ? [{ price: 100_001_000, sizeUnits: 50_000_000 }] : [{ price: 100_000_000, sizeUnits: 50_000_000 }]),
  consume: () => {},
};

function engine(over: Partial<EngineOptions> = {}): MatchingEngine {
  return new MatchingEngine({ feeRate: f("0.0025"), minTotal: f("5000"), initialKrw: f("1000000000"), liquidity: book, ...over });
}

const bid = (price: string, volume: string, extra: Partial<OrderInput> = {}): OrderInput => ({ market: BTC, side: "bid", type: "limit", price: f(price), volume: f(volume), ...extra });

describe("MatchingEngine options used by paper mode", () => {
  it("charges the maker rate on resting fills and the taker rate on crossing fills, reserving the dearer one", () => {
    const e = engine({ makerFeeRate: f("0.0004") });
    const resting = e.place(bid("99000000", "0.01"), 1).order;
    expect(formatFixed(resting.reservedFee)).toBe("2475");
    e.onTrade(BTC, 99_000_000, 1_000_000, 2);
    expect(resting.fills.map((x) => [x.maker, formatFixed(x.fee)])).toEqual([[true, "396"]]);
    expect(formatFixed(resting.locked)).toBe("0");
    const crossing = e.place(bid("100001000", "0.01"), 3).order;
    expect(crossing.fills.map((x) => [x.maker, formatFixed(x.fee)])).toEqual([[false, "2500.025"]]);

    const dearMaker = engine({ makerFeeRate: f("0.003") });
    expect(formatFixed(dearMaker.place(bid("99000000", "0.01"), 1).order.reservedFee)).toBe("2970");
  });

  it("never fills an order from a trade stamped before the order was placed", () => {
    const e = engine();
    const o = e.place(bid("99000000", "0.01"), 1_000).order;
    e.onTrade(BTC, 98_000_000, 1_000_000, 999);
    expect(o.executedVolume).toBe(0n);
    e.onTrade(BTC, 98_000_000, 1_000_000, 1_000);
    expect(formatFixed(o.executedVolume)).toBe("0.01");
  });

  it("writes ids with the given format", () => {
    const e = engine({ ids: paperIds("123456") });
    const o = e.place(bid("100001000", "0.01"), 1).order;
    expect(o.id).toBe("C1234561000000000001");
    expect(o.fills[0]!.tradeId).toBe("C1234562000000000001");
  });

  it("continues from a restored ledger: balances, resting priority, sequences", () => {
    const a = engine({ ids: paperIds("123456") });
    const first = a.place(bid("99000000", "0.01"), 1).order;
    const second = a.place(bid("99000000", "0.01"), 2).order;
    a.onTrade(BTC, 98_000_000, 300_000, 3);
    const clone = (o: SimOrder): SimOrder => ({ ...o, fills: [...o.fills] });
    const b = engine({ ids: paperIds("123456"), initialKrw: f("1"), restore: { accounts: a.balances(), orders: a.orders().map((o) => clone(o as SimOrder)), ...a.sequences } });
    expect(b.balances()).toEqual(a.balances());
    b.onTrade(BTC, 98_000_000, 1_000_000, 4); // 0.01: the rest of the first order, then half of the second
    expect(formatFixed(b.find({ id: first.id })!.executedVolume)).toBe("0.01");
    expect(formatFixed(b.find({ id: second.id })!.executedVolume)).toBe("0.003");
    expect(b.find({ id: second.id })!.fills[0]!.tradeId).toBe("C1234562000000000003");
    expect(b.place(bid("100001000", "0.01"), 5).order.id).toBe("C1234561000000000003");
    expect(b.find({ clientOrderId: "none" })).toBeUndefined();
  });

  it("refuses a restored ledger whose locks differ from what its open orders hold", () => {
    const a = engine();
    a.place(bid("99000000", "0.01"), 1);
    const accounts = a.balances().map((x) => (x.currency === "KRW" ? { ...x, locked: x.locked + 1n } : x));
    expect(() => engine({ restore: { accounts, orders: a.orders() as SimOrder[], ...a.sequences } })).toThrow(/inconsistent/);
    expect(() => engine({ restore: { accounts: a.balances(), orders: a.orders() as SimOrder[], orderSeq: 0, tradeSeq: 0 } })).toThrow(/sequence/);
  });
});
