import { describe, expect, it } from "vitest";
import type { Market } from "../../../../src/core/model.ts";
import { type LiquidityLevel, type LiquiditySource, MatchingEngine } from "../../../../src/exchange/sim/engine/engine.ts";
import type { EngineEvent, OrderInput, ReadonlyOrder } from "../../../../src/exchange/sim/engine/types.ts";
import { SimApiError } from "../../../../src/exchange/sim/errors.ts";
import { type Fixed, fixedFromNumber, formatFixed, parseFixed } from "../../../../src/exchange/sim/fixed.ts";
import { mulberry32 } from "../../../../src/core/random.ts";

const BTC: Market = "KRW-BTC";
const f = (s: string): Fixed => parseFixed(s)!;
const RATE = "0.0025";

/** A hand-made book: price -> coin size; consumed as the engine takes it. */
class FakeBook implements LiquiditySource {
  asks: LiquidityLevel[];
  bids: LiquidityLevel[];
  constructor(asks: [number, number][], bids: [number, number][]) {
    this.asks = asks.map(([price, size]) => ({ price, sizeUnits: Math.round(size * 1e8) }));
    this.bids = bids.map(([price, size]) => ({ price, sizeUnits: Math.round(size * 1e8) }));
  }
  levels(_m: Market, side: "asks" | "bids"): readonly LiquidityLevel[] {
    return this[side];
  }
  consume(_m: Market, side: "asks" | "bids", price: number, units: number): void {
    const i = this[side].findIndex((l) => l.price === price);
    const left = this[side][i]!.sizeUnits - units;
    if (left > 0) this[side][i] = { price, sizeUnits: left };
    else this[side].splice(i, 1);
  }
}

function setup(book = new FakeBook([[100_001_000, 0.5], [100_002_000, 1], [100_003_000, 2]], [[100_000_000, 0.5], [99_999_000, 1], [99_998_000, 2]]), krw = "1000000000") {
  const engine = new MatchingEngine({ feeRate: f(RATE), minTotal: f("5000"), initialKrw: f(krw), liquidity: book });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { engine, book, events };
}

const limit = (side: "bid" | "ask", price: string, volume: string, extra: Partial<OrderInput> = {}): OrderInput => ({ market: BTC, side, type: "limit", price: f(price), volume: f(volume), ...extra });

function rejected(fn: () => unknown): SimApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SimApiError) return e;
    throw e;
  }
  throw new Error("expected a SimApiError");
}

const s = (o: ReadonlyOrder) => ({
  state: o.state,
  executed: formatFixed(o.executedVolume),
  remaining: formatFixed(o.remainingVolume),
  funds: formatFixed(o.executedFunds),
  fee: formatFixed(o.paidFee),
  locked: formatFixed(o.locked),
});

describe("MatchingEngine: resting limit orders", () => {
  it("locks price x volume + fee for a bid and fills it partially, then fully, at its own price", () => {
    const { engine, events } = setup();
    const { order } = engine.place(limit("bid", "99000000", "0.01"), 1_000);
    expect(order.state).toBe("wait");
    expect(formatFixed(order.reservedFee)).toBe("2475");
    expect(formatFixed(order.locked)).toBe("992475");
    expect(formatFixed(engine.balance("KRW").balance)).toBe("999007525");
    expect(formatFixed(engine.balance("KRW").locked)).toBe("992475");

    engine.onTrade(BTC, 99_001_000, 1_000_000, 2_000); // above the bid: nothing
    expect(order.executedVolume).toBe(0n);
    engine.onTrade(BTC, 98_990_000, 400_000, 3_000); // 0.004 BTC trades through: fills 0.004 at 99,000,000
    expect(s(order)).toEqual({ state: "wait", executed: "0.004", remaining: "0.006", funds: "396000", fee: "990", locked: "595485" });
    engine.onTrade(BTC, 99_000_000, 10_000_000, 4_000); // touches the price: fills the rest
    expect(s(order)).toEqual({ state: "done", executed: "0.01", remaining: "0", funds: "990000", fee: "2475", locked: "0" });
    expect(order.fills.map((x) => [formatFixed(x.price), formatFixed(x.volume), x.maker])).toEqual([
      ["99000000", "0.004", true],
      ["99000000", "0.006", true],
    ]);
    expect(formatFixed(engine.balance("KRW").balance)).toBe("999007525");
    expect(engine.balance("KRW").locked).toBe(0n);
    expect(formatFixed(engine.balance("BTC").balance)).toBe("0.01");
    expect(formatFixed(engine.balance("BTC").avgBuyPrice)).toBe("99000000");
    const states = events.filter((e) => e.type === "order").map((e) => e.type === "order" && e.state);
    expect(states).toEqual(["wait", "trade", "trade", "done"]);
  });

  it("shares one trade's volume between resting orders in price-time priority", () => {
    const { engine } = setup();
    const a = engine.place(limit("bid", "99000000", "0.01"), 1).order;
    const b = engine.place(limit("bid", "99500000", "0.01"), 2).order;
    const c = engine.place(limit("bid", "99000000", "0.01"), 3).order;
    engine.onTrade(BTC, 98_000_000, 1_500_000, 10); // 0.015 BTC
    expect(formatFixed(b.executedVolume)).toBe("0.01"); // best price first
    expect(formatFixed(a.executedVolume)).toBe("0.005"); // then the earlier of the two at 99,000,000
    expect(c.executedVolume).toBe(0n);
  });

  it("fills a resting ask when the tape trades at or above it and pays the proceeds minus fee", () => {
    const { engine } = setup();
    engine.setBalance("BTC", f("0.02"), 0);
    const { order } = engine.place(limit("ask", "101000000", "0.02"), 1);
    expect(formatFixed(engine.balance("BTC").locked)).toBe("0.02");
    engine.onTrade(BTC, 100_999_000, 10_000_000, 2);
    expect(order.state).toBe("wait");
    engine.onTrade(BTC, 101_500_000, 10_000_000, 3);
    expect(s(order)).toEqual({ state: "done", executed: "0.02", remaining: "0", funds: "2020000", fee: "5050", locked: "0" });
    expect(formatFixed(engine.balance("KRW").balance)).toBe("1002014950");
    expect(engine.balance("BTC").balance).toBe(0n);
  });

  it("cancels an open order, releases its lock, and refuses to cancel it again (404 order_not_found)", () => {
    const { engine, events } = setup();
    const { order } = engine.place(limit("bid", "99000000", "0.01"), 1);
    engine.onTrade(BTC, 98_000_000, 300_000, 2);
    engine.cancel({ id: order.id }, 3);
    expect(order.state).toBe("cancel");
    expect(order.cancelType).toBe("user_cancel");
    expect(formatFixed(order.executedVolume)).toBe("0.003"); // a cancelled order may have fills
    expect(engine.balance("KRW").locked).toBe(0n);
    expect(formatFixed(engine.balance("KRW").balance)).toBe(formatFixed(f("1000000000") - f("297000") - f("742.5")));
    const again = rejected(() => engine.cancel({ id: order.id }, 4));
    expect([again.status, again.errorName]).toEqual([404, "order_not_found"]);
    const unknown = rejected(() => engine.cancel({ clientOrderId: "nope" }, 4));
    expect([unknown.status, unknown.errorName]).toEqual([404, "order_not_found"]);
    expect(events.at(-1)).toMatchObject({ type: "assets" });
  });
});

describe("MatchingEngine: takers walk the synthetic book", () => {
  it("fills a crossing limit bid as taker at the book's prices up to its limit and rests the rest", () => {
    const { engine, book } = setup();
    const { order } = engine.place(limit("bid", "100002000", "1"), 1);
    // 0.5 @ 100,001,000 and 0.5 of the 1.0 @ 100,002,000 (limit); nothing rests.
    expect(order.state).toBe("done");
    expect(order.fills.map((x) => [formatFixed(x.price), formatFixed(x.volume), x.maker])).toEqual([
      ["100001000", "0.5", false],
      ["100002000", "0.5", false],
    ]);
    expect(book.asks[0]).toEqual({ price: 100_002_000, sizeUnits: 50_000_000 });
    const second = engine.place(limit("bid", "100002000", "1"), 2).order;
    expect(formatFixed(second.executedVolume)).toBe("0.5"); // only what is left at the limit
    expect(second.state).toBe("wait");
    expect(formatFixed(second.remainingVolume)).toBe("0.5");
  });

  it("spends a market buy's KRW amount across levels (slippage) and releases the unspent reserve", () => {
    const { engine } = setup();
    const { order } = engine.place({ market: BTC, side: "bid", type: "price", price: f("60000000") }, 1);
    expect(order.state).toBe("done");
    // 0.5 @ 100,001,000 = 50,000,500, then floor8(9,999,500 / 100,002,000) = 0.09999300 @ 100,002,000
    expect(order.fills.map((x) => formatFixed(x.volume))).toEqual(["0.5", "0.099993"]);
    const avg = Number(formatFixed(order.executedFunds)) / Number(formatFixed(order.executedVolume));
    expect(avg).toBeGreaterThan(100_001_000);
    expect(order.locked).toBe(0n);
    const spent = order.executedFunds + order.paidFee;
    expect(engine.balance("KRW").balance).toBe(f("1000000000") - spent);
    expect(engine.balance("KRW").locked).toBe(0n);
  });

  it("sells a market sell's volume down the bids and cancels what the book cannot absorb", () => {
    const { engine } = setup();
    engine.setBalance("BTC", f("5"), 0);
    const ok = engine.place({ market: BTC, side: "ask", type: "market", volume: f("0.7") }, 1).order;
    expect(ok.state).toBe("done");
    expect(ok.fills.map((x) => [formatFixed(x.price), formatFixed(x.volume)])).toEqual([
      ["100000000", "0.5"],
      ["99999000", "0.2"],
    ]);
    const big = engine.place({ market: BTC, side: "ask", type: "market", volume: f("4") }, 2).order;
    expect(big.state).toBe("cancel");
    expect(big.cancelType).toBe("system_cancel");
    expect(formatFixed(big.executedVolume)).toBe("2.8");
    expect(formatFixed(engine.balance("BTC").balance)).toBe("1.5");
  });

  it("best + ioc takes only the best level and ends done after a partial fill", () => {
    const { engine } = setup();
    const { order } = engine.place({ market: BTC, side: "bid", type: "best", price: f("80000000"), timeInForce: "ioc" }, 1);
    expect(order.fills).toHaveLength(1);
    expect(formatFixed(order.fills[0]!.volume)).toBe("0.5");
    expect(order.state).toBe("done");
    expect(order.locked).toBe(0n);
  });

  it("best + fok cancels (tif_cancel) without fills when the best level cannot take it all", () => {
    const { engine } = setup();
    const { order } = engine.place({ market: BTC, side: "bid", type: "best", price: f("80000000"), timeInForce: "fok" }, 1);
    expect([order.state, order.cancelType, order.fills.length]).toEqual(["cancel", "tif_cancel", 0]);
    expect(engine.balance("KRW").balance).toBe(f("1000000000"));
    engine.setBalance("BTC", f("1"), 2);
    const sell = engine.place({ market: BTC, side: "ask", type: "best", volume: f("0.5"), timeInForce: "fok" }, 3).order;
    expect([sell.state, formatFixed(sell.executedVolume)]).toEqual(["done", "0.5"]);
  });

  it("limit ioc: partial fill ends done, no fill ends cancel (tif_cancel), never rests", () => {
    const { engine } = setup();
    const partial = engine.place(limit("bid", "100001000", "1", { timeInForce: "ioc" }), 1).order;
    expect([partial.state, formatFixed(partial.executedVolume), partial.locked]).toEqual(["done", "0.5", 0n]);
    const none = engine.place(limit("bid", "99000000", "0.01", { timeInForce: "ioc" }), 2).order;
    expect([none.state, none.cancelType]).toEqual(["cancel", "tif_cancel"]);
    expect(engine.openOrders()).toHaveLength(0);
  });

  it("limit fok: all or nothing", () => {
    const { engine } = setup();
    const no = engine.place(limit("bid", "100002000", "2", { timeInForce: "fok" }), 1).order;
    expect([no.state, no.cancelType, no.fills.length]).toEqual(["cancel", "tif_cancel", 0]);
    const yes = engine.place(limit("bid", "100002000", "1.5", { timeInForce: "fok" }), 2).order;
    expect([yes.state, formatFixed(yes.executedVolume)]).toEqual(["done", "1.5"]);
  });

  it("post_only rests at a maker price and is cancelled (tif_cancel) at a taker price", () => {
    const { engine } = setup();
    const maker = engine.place(limit("bid", "100000000", "0.01", { timeInForce: "post_only" }), 1).order;
    expect(maker.state).toBe("wait");
    const taker = engine.place(limit("bid", "100001000", "0.01", { timeInForce: "post_only" }), 2).order;
    expect([taker.state, taker.cancelType, taker.fills.length]).toEqual(["cancel", "tif_cancel", 0]);
    expect(engine.restingVolumeAt(BTC, "bid", 100_000_000)).toBe(f("0.01"));
  });
});

describe("MatchingEngine: refusals use Bithumb's error names", () => {
  const cases: [string, () => OrderInput, number, string][] = [
    ["bid under the 5,000 KRW minimum", () => limit("bid", "100000000", "0.00004"), 400, "under_min_total_bid"],
    ["ask under the minimum", () => limit("ask", "100000000", "0.00004"), 400, "under_min_total_ask"],
    ["market buy under the minimum", () => ({ market: BTC, side: "bid", type: "price", price: f("4999") }), 400, "under_min_total_bid"],
    ["off-tick bid", () => limit("bid", "100000500", "0.01"), 400, "invalid_price_bid"],
    ["off-tick ask", () => limit("ask", "100000500", "0.01"), 400, "invalid_price_ask"],
    ["price with a fraction below the tick", () => limit("bid", "100000000.0000001", "0.01"), 400, "invalid_price_bid"],
    ["bid beyond the KRW balance", () => limit("bid", "100000000", "10"), 400, "insufficient_funds_bid"],
    ["ask without coins", () => limit("ask", "100000000", "0.01"), 400, "insufficient_funds_ask"],
  ];
  for (const [name, input, status, errorName] of cases) {
    it(name, () => {
      const { engine } = setup();
      const e = rejected(() => engine.place(input(), 1));
      expect([e.status, e.errorName]).toEqual([status, errorName]);
      expect(engine.orders()).toHaveLength(0);
      expect(engine.balance("KRW").locked).toBe(0n);
    });
  }

  it("accepts exactly the minimum and the whole balance including the fee", () => {
    const { engine } = setup(undefined, "5012.5");
    const { order } = engine.place(limit("bid", "5000", "1"), 1);
    expect(order.state).toBe("wait");
    expect(engine.balance("KRW").balance).toBe(0n);
  });
});

describe("MatchingEngine: client_order_id", () => {
  it("never creates a second order for an id already used, open or finished, and finds orders by it", () => {
    const { engine } = setup();
    const first = engine.place(limit("bid", "99000000", "0.01", { clientOrderId: "my-1" }), 1);
    expect(first.existing).toBe(false);
    const again = engine.place(limit("bid", "98000000", "0.02", { clientOrderId: "my-1" }), 2);
    expect(again.existing).toBe(true);
    expect(again.order.id).toBe(first.order.id);
    expect(engine.orders()).toHaveLength(1);
    expect(engine.find({ clientOrderId: "my-1" })?.id).toBe(first.order.id);
    engine.cancel({ clientOrderId: "my-1" }, 3);
    const afterCancel = engine.place(limit("bid", "99000000", "0.01", { clientOrderId: "my-1" }), 4);
    expect([afterCancel.existing, afterCancel.order.state]).toEqual([true, "cancel"]);
    expect(engine.orders()).toHaveLength(1);
  });

  it("issues C + 19 digit order ids", () => {
    const { engine } = setup();
    const { order } = engine.place(limit("bid", "99000000", "0.01"), 1);
    expect(order.id).toMatch(/^C\d{19}$/);
  });
});

describe("MatchingEngine: exact ledger", () => {
  it("conserves KRW and coin exactly over thousands of random orders and fills", () => {
    const random = mulberry32(7);
    const book = new FakeBook([], []);
    const { engine } = setup(book, "1000000000");
    engine.setBalance("BTC", f("10"), 0);
    let price = 100_000_000;
    const reset = () => {
      book.asks = [1, 2, 3, 4, 5].map((i) => ({ price: price + i * 1_000, sizeUnits: Math.floor(random() * 5e7) + 1 }));
      book.bids = [0, 1, 2, 3, 4].map((i) => ({ price: price - i * 1_000, sizeUnits: Math.floor(random() * 5e7) + 1 }));
    };
    reset();
    let ts = 1;
    for (let i = 0; i < 3_000; i++) {
      ts++;
      const r = random();
      const vol = fixedFromNumber(Math.floor(random() * 2_000_000 + 10_000) / 1e8, 8);
      const px = String(price + Math.round((random() - 0.5) * 10) * 1_000);
      try {
        if (r < 0.35) engine.place(limit(random() < 0.5 ? "bid" : "ask", px, formatFixed(vol), random() < 0.2 ? { timeInForce: random() < 0.5 ? "ioc" : "post_only" } : {}), ts);
        else if (r < 0.45) engine.place({ market: BTC, side: "bid", type: "price", price: f(String(10_000 + Math.floor(random() * 500_000))) }, ts);
        else if (r < 0.55) engine.place({ market: BTC, side: "ask", type: "market", volume: vol }, ts);
        else if (r < 0.65) {
          const open = engine.openOrders();
          if (open.length > 0) engine.cancel({ id: open[Math.floor(random() * open.length)]!.id }, ts);
        } else {
          price += Math.round((random() - 0.5) * 6) * 1_000;
          reset();
          engine.onTrade(BTC, price, Math.floor(random() * 3e6) + 1, ts);
        }
      } catch (e) {
        if (!(e instanceof SimApiError)) throw e;
      }
    }
    let bidOut = 0n;
    let askIn = 0n;
    let coinIn = 0n;
    let fills = 0;
    for (const o of engine.orders()) {
      for (const x of o.fills) {
        fills++;
        if (o.side === "bid") {
          bidOut += x.funds + x.fee;
          coinIn += x.volume;
        } else {
          askIn += x.funds - x.fee;
          coinIn -= x.volume;
        }
      }
    }
    expect(fills).toBeGreaterThan(1_000);
    const krw = engine.balance("KRW");
    const btc = engine.balance("BTC");
    expect(krw.balance + krw.locked).toBe(f("1000000000") - bidOut + askIn);
    expect(btc.balance + btc.locked).toBe(f("10") + coinIn);
    const open = engine.openOrders();
    expect(krw.locked).toBe(open.filter((o) => o.side === "bid").reduce((a, o) => a + o.locked, 0n));
    expect(btc.locked).toBe(open.filter((o) => o.side === "ask").reduce((a, o) => a + o.locked, 0n));
    for (const o of engine.orders()) {
      expect(o.paidFee).toBe(o.fills.reduce((a, x) => a + x.fee, 0n));
      expect(o.executedVolume).toBe(o.fills.reduce((a, x) => a + x.volume, 0n));
      if (o.state !== "wait") expect(o.locked).toBe(0n);
      expect(o.locked >= 0n).toBe(true);
    }
    expect(krw.balance >= 0n && btc.balance >= 0n).toBe(true);
  });
});
