/** The paper exchange's small parts: account file, trade tape, live books, ids. */
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { LiveBooks } from "../../../../src/exchange/paper/books.ts";
import { newIdPrefix, paperIds } from "../../../../src/exchange/paper/ids.ts";
import { defaultPaperStorePath } from "../../../../src/exchange/paper/index.ts";
import { PaperStore } from "../../../../src/exchange/paper/store.ts";
import { TradeTape } from "../../../../src/exchange/paper/tape.ts";
import type { SimOrder } from "../../../../src/exchange/sim/engine/types.ts";
import { type Fixed, parseFixed } from "../../../../src/exchange/sim/fixed.ts";
import { BTC, T0, tempDir, trade, XRP } from "./fakes.ts";

const f = (s: string): Fixed => parseFixed(s)!;
const dirs: { cleanup: () => void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function storePath(): string {
  const d = tempDir();
  dirs.push(d);
  return d.path("nested/dir/paper.db");
}

function order(over: Partial<SimOrder> = {}): SimOrder {
  return {
    id: "C1234561000000000001",
    seq: 1,
    clientOrderId: "c-1",
    market: BTC,
    side: "bid",
    type: "limit",
    price: f("99000000"),
    volume: f("0.01"),
    createdAt: T0,
    state: "wait",
    remainingVolume: f("0.006"),
    remainingFunds: 0n,
    executedVolume: f("0.004"),
    executedFunds: f("396000"),
    reservedFee: f("2475"),
    remainingFee: f("1485"),
    paidFee: f("990"),
    locked: f("595485"),
    fills: [{ tradeId: "C1234562000000000001", price: f("99000000"), volume: f("0.004"), funds: f("396000"), fee: f("990"), ts: T0 + 1, maker: true }],
    ...over,
  };
}

describe("PaperStore", () => {
  it("creates the folder and an empty account, then round-trips orders, fills, balances, counters and the tape exactly", () => {
    const path = storePath();
    const store = new PaperStore(path);
    expect(store.load()).toBeUndefined();
    store.create({ idPrefix: "123456", initialKrw: f("10000000"), createdAt: T0 }, [{ currency: "KRW", balance: f("10000000"), locked: 0n, avgBuyPrice: 0n }]);
    const o = order();
    const krw = { currency: "KRW", balance: f("9404515.000000000001"), locked: f("595485"), avgBuyPrice: 0n };
    const btc = { currency: "BTC", balance: f("0.004"), locked: 0n, avgBuyPrice: f("99000000") };
    store.save({ orders: [o], fills: [{ orderId: o.id, index: 0, fill: o.fills[0]! }], balances: [krw, btc], orderSeq: 1, tradeSeq: 1, tape: new Map([[BTC, { ts: T0 + 1, ids: ["a", "b"] }]]) });
    const done = { ...o, state: "done" as const, remainingVolume: 0n, executedVolume: f("0.01"), locked: 0n, finishedAt: T0 + 2, fills: [...o.fills, { ...o.fills[0]!, tradeId: "C1234562000000000002", volume: f("0.006"), ts: T0 + 2 }] };
    store.save({ orders: [done], fills: [{ orderId: o.id, index: 1, fill: done.fills[1]! }], balances: [], orderSeq: 1, tradeSeq: 2, tape: new Map() });
    store.close();

    const reopened = new PaperStore(path);
    const loaded = reopened.load()!;
    reopened.close();
    expect(loaded.meta).toEqual({ idPrefix: "123456", initialKrw: f("10000000"), createdAt: T0 });
    expect(loaded.balances).toEqual([btc, krw]);
    expect(loaded.orders).toEqual([done]);
    expect([loaded.orderSeq, loaded.tradeSeq]).toEqual([1, 2]);
    expect(loaded.tape).toEqual(new Map([[BTC, { ts: T0 + 1, ids: ["a", "b"] }]]));
  });

  it("writes one change atomically: a failing part leaves nothing of it behind", () => {
    const store = new PaperStore(":memory:");
    store.create({ idPrefix: "123456", initialKrw: f("1"), createdAt: T0 }, []);
    const o = order();
    store.save({ orders: [o], fills: [{ orderId: o.id, index: 0, fill: o.fills[0]! }], balances: [], orderSeq: 1, tradeSeq: 1, tape: new Map() });
    const second = order({ id: "C1234561000000000002", seq: 2, clientOrderId: "c-2" });
    // The fill id is already taken: the whole save must roll back, including the new order and the counters.
    expect(() => store.save({ orders: [second], fills: [{ orderId: second.id, index: 0, fill: o.fills[0]! }], balances: [], orderSeq: 2, tradeSeq: 2, tape: new Map([[XRP, { ts: 1, ids: [] }]]) })).toThrow();
    const loaded = store.load()!;
    store.close();
    expect(loaded.orders.map((x) => x.id)).toEqual([o.id]);
    expect([loaded.orderSeq, loaded.tradeSeq]).toEqual([1, 1]);
    expect(loaded.tape.size).toBe(0);
  });

  it("refuses a damaged amount and a file of another schema version", () => {
    const path = storePath();
    const store = new PaperStore(path);
    store.create({ idPrefix: "123456", initialKrw: f("1"), createdAt: T0 }, [{ currency: "KRW", balance: f("1"), locked: 0n, avgBuyPrice: 0n }]);
    store.close();
    const raw = new Database(path);
    raw.exec("UPDATE paper_balances SET balance = '1e5' WHERE currency = 'KRW'");
    raw.close();
    const damaged = new PaperStore(path);
    expect(() => damaged.load()).toThrow(/not a decimal amount/);
    damaged.close();
    const raw2 = new Database(path);
    raw2.exec("UPDATE paper_meta SET value = '99' WHERE key = 'schema_version'");
    raw2.close();
    expect(() => new PaperStore(path)).toThrow(/schema version 99/);
  });
});

describe("TradeTape", () => {
  it("admits each trade once, keeps the newest time and its ids, and reports only what moved", () => {
    const tape = new TradeTape();
    expect(tape.admit(trade(BTC, 1, 1, 10, "a"))).toBe(true);
    expect(tape.admit(trade(BTC, 1, 1, 10, "a"))).toBe(false);
    expect(tape.admit(trade(BTC, 1, 1, 10, "b"))).toBe(true);
    expect(tape.admit(trade(BTC, 1, 1, 5, "c"))).toBe(true); // late but new: no floor yet
    expect(tape.watermark(BTC)).toBe(10);
    expect(tape.watermark(XRP)).toBeUndefined();
    expect(tape.takeChanged()).toEqual(new Map([[BTC, { ts: 10, ids: ["a", "b"] }]]));
    expect(tape.takeChanged().size).toBe(0);
  });

  it("after a restart refuses everything behind the saved watermark and the ids matched at it", () => {
    const tape = new TradeTape(new Map([[BTC, { ts: 10, ids: ["a"] }]]), 2);
    expect(tape.admit(trade(BTC, 1, 1, 9, "old"))).toBe(false);
    expect(tape.admit(trade(BTC, 1, 1, 10, "a"))).toBe(false);
    expect(tape.admit(trade(BTC, 1, 1, 10, "b"))).toBe(true);
    // Past the recent-id bound the watermark still refuses the saved ids.
    for (const id of ["x", "y", "z"]) expect(tape.admit(trade(BTC, 1, 1, 11, id))).toBe(true);
    expect(tape.admit(trade(BTC, 1, 1, 10, "a"))).toBe(false);
    expect(tape.admit(trade(BTC, 1, 1, 11, "x"))).toBe(true); // evicted from the bounded memory, above the floor
  });
});

describe("LiveBooks", () => {
  it("keeps each side best first, merges equal prices, drops unusable levels and ignores older snapshots", () => {
    const clock = new SimulatedClock(T0);
    const books = new LiveBooks(clock, 1_000);
    const levels = [
      { askPrice: 101, askSize: 1, bidPrice: 99, bidSize: 2 },
      { askPrice: 100, askSize: 0.5, bidPrice: 99, bidSize: 0.29 },
      { askPrice: Number.NaN, askSize: 1, bidPrice: 98, bidSize: 0 },
      { askPrice: 102, askSize: -1, bidPrice: 97, bidSize: Number.POSITIVE_INFINITY },
    ];
    books.update({ market: BTC, timestamp: T0, totalAskSize: 0, totalBidSize: 0, levels });
    expect(books.levels(BTC, "asks")).toEqual([
      { price: 100, sizeUnits: 50_000_000 },
      { price: 101, sizeUnits: 100_000_000 },
    ]);
    expect(books.levels(BTC, "bids")).toEqual([{ price: 99, sizeUnits: 229_000_000 }]);
    books.update({ market: BTC, timestamp: T0 - 1, totalAskSize: 0, totalBidSize: 0, levels: [] });
    expect(books.levels(BTC, "asks")).toHaveLength(2);
    books.consume(BTC, "asks", 100, 20_000_000);
    books.consume(BTC, "asks", 101, 100_000_000);
    expect(books.levels(BTC, "asks")).toEqual([{ price: 100, sizeUnits: 30_000_000 }]);
    expect(books.levels(XRP, "bids")).toEqual([]);
  });

  it("judges freshness by when the snapshot arrived here", () => {
    const clock = new SimulatedClock(T0);
    const books = new LiveBooks(clock, 1_000);
    expect(books.isFresh(BTC)).toBe(false);
    books.update({ market: BTC, timestamp: T0 - 3_600_000, totalAskSize: 0, totalBidSize: 0, levels: [] });
    expect(books.isFresh(BTC)).toBe(true);
    clock.advance(1_001);
    expect(books.isFresh(BTC)).toBe(false);
  });
});

describe("paper ids", () => {
  it("draws a 6-digit prefix from the injected randomness and refuses bad input", () => {
    expect(newIdPrefix(() => 0)).toBe("100000");
    expect(newIdPrefix(() => 0.999_999_9)).toBe("999999");
    expect(() => newIdPrefix(() => 1)).toThrow(RangeError);
    expect(() => newIdPrefix(() => Number.NaN)).toThrow(RangeError);
    expect(() => paperIds("12345")).toThrow(RangeError);
    const ids = paperIds("654321");
    expect([ids.order(1), ids.trade(42)]).toEqual(["C6543211000000000001", "C6543212000000000042"]);
    expect(() => ids.order(0)).toThrow(RangeError);
    expect(() => ids.order(1e12)).toThrow(RangeError);
  });
});

describe("defaultPaperStorePath", () => {
  it("puts the paper account next to the bot database", () => {
    expect(defaultPaperStorePath("data/bot.db")).toBe("data/paper.db");
    expect(defaultPaperStorePath("/var/lib/bot/bot.db")).toBe("/var/lib/bot/paper.db");
  });
});
