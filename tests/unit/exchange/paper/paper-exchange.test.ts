/**
 * The paper exchange on a fake data source and a hand-driven stream: every fill case is
 * deterministic and every figure is hand-computed from the fake book and tape.
 */
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { ExchangeError, FatalError, RejectedError } from "../../../../src/core/errors.ts";
import type { Market, OrderRequest } from "../../../../src/core/model.ts";
import type { PaperExchange } from "../../../../src/exchange/paper/index.ts";
import type { MyAssetEvent, MyOrderEvent, StreamEvent } from "../../../../src/ports/market-stream.ts";
import { BTC, FakeSource, FakeStream, type PaperRig, paperRig, settle, T0, tempDir, trade, XRP } from "./fakes.ts";

let rigs: PaperRig[] = [];
const dirs: { cleanup: () => void }[] = [];

async function rig(over: Parameters<typeof paperRig>[0] = {}): Promise<PaperRig> {
  const r = await paperRig({ initialKrw: 100_000_000, ...over });
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs) await r.paper.close();
  rigs = [];
  for (const d of dirs.splice(0)) d.cleanup();
});

let idSeq = 0;
const cid = () => `cid-${++idSeq}`;

const limit = (market: Market, side: "bid" | "ask", price: number, volume: number, over: Partial<OrderRequest> = {}): OrderRequest => ({ market, side, type: "limit", price, volume, clientOrderId: cid(), ...over });
const marketBuy = (market: Market, krw: number, over: Partial<OrderRequest> = {}): OrderRequest => ({ market, side: "bid", type: "price", price: krw, clientOrderId: cid(), ...over });
const marketSell = (market: Market, volume: number, over: Partial<OrderRequest> = {}): OrderRequest => ({ market, side: "ask", type: "market", volume, clientOrderId: cid(), ...over });

async function balance(ex: PaperExchange, currency: string): Promise<{ balance: number; locked: number }> {
  const b = (await ex.getAccounts()).find((a) => a.currency === currency);
  return { balance: b?.balance ?? 0, locked: b?.locked ?? 0 };
}

async function refusal(p: Promise<unknown>): Promise<ExchangeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ExchangeError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

const myOrders = (events: StreamEvent[], orderId?: string): MyOrderEvent[] =>
  events.flatMap((e) => (e.type === "myOrder" && (orderId === undefined || e.order.orderId === orderId) ? [e.order] : []));
const myAssets = (events: StreamEvent[]): MyAssetEvent[] => events.flatMap((e) => (e.type === "myAsset" ? [e.asset] : []));

describe("paper exchange: takers walk the latest real book", () => {
  it("fills a market buy level by level with the taker fee, then walks the locally consumed book", async () => {
    const { paper, source } = await rig();
    const ex = paper.exchange;
    const ack = await ex.placeOrder(marketBuy(BTC, 60_000_000));
    expect(ack.orderId).toMatch(/^C\d{19}$/);
    const order = (await ex.getOrder({ orderId: ack.orderId }))!;
    // 0.5 at 100,001,000 (50,000,500 KRW), then floor8(9,999,500 / 100,002,000) = 0.099993 at 100,002,000.
    expect(order).toMatchObject({ state: "done", type: "price", price: 60_000_000, executedVolume: 0.599993, executedFunds: 59_999_999.986, paidFee: 149_999.999965, locked: 0, remainingVolume: 0 });
    expect(order.trades!.map((t) => [t.price, t.volume, t.funds, t.fee])).toEqual([
      [100_001_000, 0.5, 50_000_500, 125_001.25],
      [100_002_000, 0.099993, 9_999_499.986, 24_998.749965],
    ]);
    expect(await balance(ex, "KRW")).toEqual({ balance: 39_850_000.014035, locked: 0 }); // 100,000,000 - 59,999,999.986 - 149,999.999965
    expect(await balance(ex, "BTC")).toEqual({ balance: 0.599993, locked: 0 });
    expect(source.calls.orderbooks).toBe(1);

    // The first level is used up locally: the next buy starts at 100,002,000 without a new fetch.
    const second = (await ex.getOrder({ orderId: (await ex.placeOrder(marketBuy(BTC, 10_000_000))).orderId }))!;
    expect(second.trades!.map((t) => [t.price, t.volume])).toEqual([[100_002_000, 0.099998]]);
    expect(source.calls.orderbooks).toBe(1);
  });

  it("refetches a book older than bookMaxAgeMs over REST", async () => {
    const { paper, source, clock } = await rig({ bookMaxAgeMs: 2_000 });
    await paper.exchange.placeOrder(marketBuy(BTC, 60_000_000));
    clock.advance(2_001);
    const o = (await paper.exchange.getOrder({ orderId: (await paper.exchange.placeOrder(marketBuy(BTC, 10_000_000))).orderId }))!;
    expect(source.calls.orderbooks).toBe(2);
    expect(o.trades!.map((t) => t.price)).toEqual([100_001_000]); // the fresh book has its first level back
  });

  it("uses a streamed orderbook when it is fresh", async () => {
    const { paper, source, stream } = await rig();
    await paper.exchange.placeOrder(limit(BTC, "bid", 90_000_000, 0.001)); // rests: BTC is now watched
    stream.emit({ type: "orderbook", orderbook: { market: BTC, timestamp: T0 + 1, totalAskSize: 0, totalBidSize: 0, levels: [{ askPrice: 95_000_000, askSize: 1, bidPrice: 94_999_000, bidSize: 1 }] } });
    const o = (await paper.exchange.getOrder({ orderId: (await paper.exchange.placeOrder(marketBuy(BTC, 9_500_000))).orderId }))!;
    expect(o.trades!.map((t) => [t.price, t.volume])).toEqual([[95_000_000, 0.1]]);
    expect(source.calls.orderbooks).toBe(1);
  });

  it("sells by volume into the bids with the fee taken from the proceeds", async () => {
    const { paper } = await rig();
    const ex = paper.exchange;
    await ex.placeOrder(marketBuy(BTC, 60_000_000));
    const sell = (await ex.getOrder({ orderId: (await ex.placeOrder(marketSell(BTC, 0.3))).orderId }))!;
    expect(sell).toMatchObject({ state: "done", executedVolume: 0.3, executedFunds: 30_000_000, paidFee: 75_000, volume: 0.3 });
    expect(sell.price).toBeUndefined();
    expect((await balance(ex, "KRW")).balance).toBe(69_775_000.014035); // + 30,000,000 - 75,000
    expect(await balance(ex, "BTC")).toEqual({ balance: 0.299993, locked: 0 });
  });

  it("fills ioc up to its limit and ends done, cancels fok that cannot fill completely, and refuses post_only that would take", async () => {
    const { paper } = await rig({ initialKrw: 1_000_000_000 });
    const ex = paper.exchange;
    const ioc = (await ex.getOrder({ orderId: (await ex.placeOrder(limit(BTC, "bid", 100_001_000, 1, { timeInForce: "ioc" }))).orderId }))!;
    expect(ioc).toMatchObject({ state: "done", executedVolume: 0.5, timeInForce: "ioc" });
    const fok = (await ex.getOrder({ orderId: (await ex.placeOrder(limit(BTC, "bid", 100_002_000, 5, { timeInForce: "fok" }))).orderId }))!;
    expect(fok).toMatchObject({ state: "cancel", executedVolume: 0, cancelType: "tif_cancel" });
    const fokOk = (await ex.getOrder({ orderId: (await ex.placeOrder(limit(BTC, "bid", 100_002_000, 0.4, { timeInForce: "fok" }))).orderId }))!;
    expect(fokOk).toMatchObject({ state: "done", executedVolume: 0.4 });
    const takes = (await ex.getOrder({ orderId: (await ex.placeOrder(limit(BTC, "bid", 100_002_000, 0.01, { timeInForce: "post_only" }))).orderId }))!;
    expect(takes).toMatchObject({ state: "cancel", executedVolume: 0, cancelType: "tif_cancel" });
    const rests = (await ex.getOrder({ orderId: (await ex.placeOrder(limit(BTC, "bid", 100_000_000, 0.01, { timeInForce: "post_only" }))).orderId }))!;
    expect(rests).toMatchObject({ state: "wait", executedVolume: 0 });
    expect((await balance(ex, "KRW")).locked).toBe(1_000_000 + 2_500);
  });

  it("fills a best order on the first level only", async () => {
    const { paper } = await rig();
    const o = (await paper.exchange.getOrder({ orderId: (await paper.exchange.placeOrder({ market: BTC, side: "bid", type: "best", timeInForce: "ioc", price: 60_000_000, clientOrderId: cid() })).orderId }))!;
    expect(o).toMatchObject({ state: "done", executedVolume: 0.5, executedFunds: 50_000_500 });
  });
});

describe("paper exchange: resting limit orders fill from the public tape", () => {
  it("fills only on trades at or through the price, limited by their volume, at the order's price with the maker fee", async () => {
    const { paper, stream, clock, events } = await rig({ makerFeeRate: 0.0004 });
    const ex = paper.exchange;
    clock.advance(1_000);
    const ack = await ex.placeOrder(limit(BTC, "bid", 99_000_000, 0.01));
    // Reserve at the dearer (taker) rate: a bid may also fill as taker.
    expect(await balance(ex, "KRW")).toEqual({ balance: 100_000_000 - 992_475, locked: 992_475 });
    expect(stream.lastSubscription()).toEqual({ trade: [BTC], orderbook: [BTC] });

    stream.emit({ type: "trade", trade: trade(BTC, 98_990_000, 0.004, T0 + 500) }); // before the order existed
    stream.emit({ type: "trade", trade: trade(BTC, 99_001_000, 1, T0 + 1_100) }); // does not reach the bid
    expect((await ex.getOrder(ack))?.executedVolume).toBe(0);
    const through = trade(BTC, 98_990_000, 0.004, T0 + 1_200);
    stream.emit({ type: "trade", trade: through });
    stream.emit({ type: "trade", trade: through }); // the same trade again (a re-subscribe snapshot)
    let o = (await ex.getOrder(ack))!;
    expect(o).toMatchObject({ state: "wait", executedVolume: 0.004, remainingVolume: 0.006, executedFunds: 396_000, paidFee: 158.4 });
    stream.emit({ type: "trade", trade: trade(BTC, 99_000_000, 5, T0 + 1_300) }); // touches the price
    o = (await ex.getOrder(ack))!;
    expect(o).toMatchObject({ state: "done", executedVolume: 0.01, remainingVolume: 0, executedFunds: 990_000, paidFee: 396, locked: 0 });
    expect(o.trades!.map((t) => [t.price, t.volume, t.fee, t.ts])).toEqual([
      [99_000_000, 0.004, 158.4, T0 + 1_200],
      [99_000_000, 0.006, 237.6, T0 + 1_300],
    ]);
    expect(await balance(ex, "KRW")).toEqual({ balance: 100_000_000 - 990_396, locked: 0 });
    expect(await balance(ex, "BTC")).toEqual({ balance: 0.01, locked: 0 });
    expect(stream.lastSubscription()).toEqual({ trade: [], orderbook: [] });

    await settle();
    const mine = myOrders(events, ack.orderId);
    expect(mine.map((e) => [e.state, e.executedVolume, e.remainingVolume, e.paidFee, e.tradeVolume])).toEqual([
      ["wait", 0, 0.01, 0, undefined],
      ["trade", 0.004, 0.006, 158.4, 0.004],
      ["trade", 0.01, 0, 396, 0.006],
      ["done", 0.01, 0, 396, undefined],
    ]);
    expect(mine[1]).toMatchObject({ market: BTC, side: "bid", type: "limit", tradePrice: 99_000_000, tradeFunds: 396_000, tradeTimestamp: T0 + 1_200, clientOrderId: ack.clientOrderId, executedFunds: 396_000 });
    expect(myAssets(events).at(-1)!.assets).toEqual([
      { currency: "KRW", balance: 100_000_000 - 990_396, locked: 0 },
      { currency: "BTC", balance: 0.01, locked: 0 },
    ]);
  });

  it("shares one trade between resting orders in price-time priority and fills asks from trades at or above them", async () => {
    const { paper, stream } = await rig();
    const ex = paper.exchange;
    const a = await ex.placeOrder(limit(XRP, "bid", 4_100, 2_000));
    const b = await ex.placeOrder(limit(XRP, "bid", 4_105, 2_000));
    stream.emit({ type: "trade", trade: trade(XRP, 4_100, 3_000, T0 + 1) });
    expect((await ex.getOrder(b))!.executedVolume).toBe(2_000);
    expect((await ex.getOrder(a))!.executedVolume).toBe(1_000);

    const sell = await ex.placeOrder(limit(XRP, "ask", 4_120, 3_000));
    expect(await balance(ex, "XRP")).toEqual({ balance: 0, locked: 3_000 });
    stream.emit({ type: "trade", trade: trade(XRP, 4_119, 9_000, T0 + 2) });
    expect((await ex.getOrder(sell))!.executedVolume).toBe(0);
    stream.emit({ type: "trade", trade: trade(XRP, 4_125, 9_000, T0 + 3) });
    expect((await ex.getOrder(sell))!).toMatchObject({ state: "done", executedFunds: 12_360_000, paidFee: 30_900 });
  });

  it("catches up over REST after a resync or a connect: a trade the stream missed still fills", async () => {
    const { paper, stream, source } = await rig();
    const ack = await paper.exchange.placeOrder(limit(BTC, "bid", 99_000_000, 0.01));
    source.addTrade(trade(BTC, 98_000_000, 0.003, T0 + 10));
    stream.emit({ type: "resync", ts: T0 + 20, reason: "reconnected", markets: [] });
    await settle();
    expect((await paper.exchange.getOrder(ack))!.executedVolume).toBe(0.003);
    stream.emit({ type: "resync", ts: T0 + 30, reason: "reconnected", markets: [BTC] }); // same tape again: no second fill
    await settle();
    expect((await paper.exchange.getOrder(ack))!.executedVolume).toBe(0.003);
    // The first connect also catches up: the subscription only became active then.
    source.addTrade(trade(BTC, 98_000_000, 0.002, T0 + 40));
    stream.emit({ type: "connected", ts: T0 + 50 });
    await settle();
    expect((await paper.exchange.getOrder(ack))!.executedVolume).toBe(0.005);
    const reads = source.calls.trades;
    stream.emit({ type: "connected", ts: T0 + 60 }); // a reconnect: its resync does the catch-up, not this
    await settle();
    expect(source.calls.trades).toBe(reads);
  });

  it("ignores unusable trades from the stream", async () => {
    const { paper, stream } = await rig();
    const ack = await paper.exchange.placeOrder(limit(BTC, "bid", 99_000_000, 0.01));
    for (const bad of [trade(BTC, Number.NaN, 1, T0 + 1), trade(BTC, 98_000_000, -1, T0 + 2), trade(BTC, 98_000_000, Number.POSITIVE_INFINITY, T0 + 3), trade(BTC, 98_000_000, 1, Number.NaN)]) {
      stream.emit({ type: "trade", trade: bad });
    }
    expect((await paper.exchange.getOrder(ack))!.executedVolume).toBe(0);
  });
});

describe("paper exchange: orders, ids and refusals", () => {
  it("is idempotent by client_order_id: a repeat (even concurrent) returns the same order and creates nothing", async () => {
    const { paper } = await rig();
    const ex = paper.exchange;
    const request = limit(BTC, "bid", 99_000_000, 0.01);
    const [a, b] = await Promise.all([ex.placeOrder(request), ex.placeOrder(request)]);
    expect(b).toEqual(a);
    const again = await ex.placeOrder({ ...request, price: 98_000_000 });
    expect(again.orderId).toBe(a.orderId);
    expect((await ex.listOpenOrders()).orders).toHaveLength(1);
    expect((await balance(ex, "KRW")).locked).toBe(992_475);
    await ex.cancelOrder({ clientOrderId: request.clientOrderId });
    expect((await ex.placeOrder(request)).orderId).toBe(a.orderId); // still the same order after it finished
    expect((await ex.getOrder({ clientOrderId: request.clientOrderId }))!.state).toBe("cancel");
  });

  it("cancels an open order, releases the lock exactly, and answers order_not_found for finished and unknown orders", async () => {
    const { paper, stream, events } = await rig();
    const ex = paper.exchange;
    const ack = await ex.placeOrder(limit(BTC, "bid", 99_000_000, 0.01));
    stream.emit({ type: "trade", trade: trade(BTC, 98_000_000, 0.003, T0 + 1) });
    expect(await ex.cancelOrder({ orderId: ack.orderId })).toEqual({ orderId: ack.orderId, clientOrderId: ack.clientOrderId });
    const o = (await ex.getOrder(ack))!;
    expect(o).toMatchObject({ state: "cancel", cancelType: "user_cancel", executedVolume: 0.003, locked: 0 });
    expect(await balance(ex, "KRW")).toEqual({ balance: 100_000_000 - 297_000 - 742.5, locked: 0 });
    const again = await refusal(ex.cancelOrder({ orderId: ack.orderId }));
    expect(again).toBeInstanceOf(RejectedError);
    expect([again.code, again.status]).toEqual(["order_not_found", 404]);
    expect((await refusal(ex.cancelOrder({ clientOrderId: "nope" }))).code).toBe("order_not_found");
    expect(await ex.getOrder({ orderId: "C0000000000000000000" })).toBeNull();
    await settle();
    expect(myOrders(events, ack.orderId).at(-1)).toMatchObject({ state: "cancel", cancelType: "user_cancel", executedVolume: 0.003 });
  });

  it("refuses malformed and rule-breaking orders with Bithumb's names and creates nothing", async () => {
    const { paper } = await rig();
    const ex = paper.exchange;
    const cases: [OrderRequest, string][] = [
      [limit(BTC, "bid", Number.NaN, 0.01), "invalid_parameter"],
      [limit(BTC, "bid", 99_000_000, Number.NaN), "invalid_parameter"],
      [limit(BTC, "bid", 99_000_000, -1), "invalid_parameter"],
      [limit(BTC, "bid", 99_000_000, Number.POSITIVE_INFINITY), "invalid_parameter"],
      [marketBuy(BTC, Number.NaN), "invalid_parameter"],
      [marketSell(BTC, 0), "invalid_parameter"],
      [limit(BTC, "bid", 99_000_000, 0.01, { clientOrderId: "not valid!" }), "invalid_parameter"],
      [limit(BTC, "bid", 99_000_000, 0.01, { clientOrderId: "" }), "invalid_parameter"],
      [limit("KRW-NOPE", "bid", 99_000_000, 0.01), "invalid_parameter"],
      [{ market: BTC, side: "bid", type: "market", volume: 0.01, clientOrderId: cid() }, "invalid_parameter"],
      [{ market: BTC, side: "bid", type: "best", price: 10_000, clientOrderId: cid() }, "invalid_parameter"],
      [limit(BTC, "bid", 99_000_500, 0.01), "invalid_price"],
      [limit(BTC, "bid", 99_000_000, 0.00001), "under_min_total_bid"],
      [marketBuy(BTC, 4_999), "under_min_total_bid"],
      [marketSell(BTC, 0.00004), "under_min_total_ask"],
      [limit(BTC, "bid", 99_000_000, 2), "insufficient_funds_bid"],
      [limit(BTC, "ask", 101_000_000, 0.01), "insufficient_funds_ask"],
    ];
    for (const [request, code] of cases) {
      const e = await refusal(ex.placeOrder(request));
      expect(e, `${JSON.stringify(request)}`).toBeInstanceOf(RejectedError);
      expect(e.code, `${JSON.stringify(request)}`).toBe(code);
    }
    expect((await ex.listOpenOrders()).orders).toEqual([]);
    expect((await ex.listClosedOrders()).orders).toEqual([]);
    expect(await ex.getAccounts()).toEqual([{ currency: "KRW", balance: 100_000_000, locked: 0, avgBuyPrice: 0 }]);
  });

  it("writes ids as C + 19 digits with the account's prefix and counts on", async () => {
    const { paper, stream } = await rig({ random: () => 0.25 });
    const a = await paper.exchange.placeOrder(limit(BTC, "bid", 99_000_000, 0.01));
    const b = await paper.exchange.placeOrder(marketBuy(BTC, 10_000));
    expect([a.orderId, b.orderId]).toEqual(["C3250001000000000001", "C3250001000000000002"]);
    stream.emit({ type: "trade", trade: trade(BTC, 99_000_000, 1, T0 + 1) });
    const fills = [...(await paper.exchange.getOrder(b))!.trades!, ...(await paper.exchange.getOrder(a))!.trades!];
    expect(fills.map((f) => f.tradeId)).toEqual(["C3250002000000000001", "C3250002000000000002"]);
  });

  it("places a batch item by item and refuses the whole batch when one request fails local checks", async () => {
    const { paper } = await rig();
    const ex = paper.exchange;
    const ok1 = limit(BTC, "bid", 99_000_000, 0.01);
    const ok2 = marketBuy(XRP, 100_000);
    const underMin = limit(BTC, "bid", 99_000_000, 0.00001);
    const acks = await ex.placeOrders([ok1, underMin, ok2]);
    expect(acks.map((a) => a.clientOrderId)).toEqual([ok1.clientOrderId, ok2.clientOrderId]);
    expect(await ex.getOrder({ clientOrderId: underMin.clientOrderId })).toBeNull();
    expect((await refusal(ex.placeOrders([limit(BTC, "bid", 99_000_000, 0.01), limit(BTC, "bid", Number.NaN, 1)]))).code).toBe("invalid_parameter");
    expect((await refusal(ex.placeOrders([ok1, ok1]))).code).toBe("invalid_parameter");
    expect((await ex.listOpenOrders()).orders).toHaveLength(1);
  });

  it("cancels in batches, searches by id, and pages open and closed orders newest first", async () => {
    const { paper, clock } = await rig();
    const ex = paper.exchange;
    const acks = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000);
      acks.push(await ex.placeOrder(limit(BTC, "bid", 90_000_000 + i * 1_000_000, 0.001)));
    }
    const first = await ex.listOpenOrders({ limit: 2 });
    expect(first.orders.map((o) => o.orderId)).toEqual([acks[2]!.orderId, acks[1]!.orderId]);
    const second = await ex.listOpenOrders({ limit: 2, nextKey: first.nextKey });
    expect(second).toEqual({ orders: [expect.objectContaining({ orderId: acks[0]!.orderId })] });
    expect((await ex.listOpenOrders({ states: ["watch"] })).orders).toEqual([]);
    expect((await refusal(ex.listOpenOrders({ states: ["done"] }))).code).toBe("invalid_parameter");
    expect((await refusal(ex.listOpenOrders({ limit: 101 }))).code).toBe("invalid_parameter");

    const result = await ex.cancelOrders({ orderIds: [acks[0]!.orderId, "C9999999999999999999"] });
    expect(result.success).toEqual([{ orderId: acks[0]!.orderId, clientOrderId: acks[0]!.clientOrderId }]);
    expect(result.failed).toEqual([expect.objectContaining({ id: "C9999999999999999999", code: "order_not_found" })]);
    expect((await refusal(ex.cancelOrders({ orderIds: [] }))).code).toBe("invalid_parameter");

    const found = await ex.searchOrders({ clientOrderIds: [acks[0]!.clientOrderId!, acks[2]!.clientOrderId!, "unknown"] });
    expect(found.map((o) => [o.orderId, o.state])).toEqual([
      [acks[2]!.orderId, "wait"],
      [acks[0]!.orderId, "cancel"],
    ]);
    expect(await ex.searchOrders({ orderIds: [acks[0]!.orderId] }, XRP)).toEqual([]);

    const closed = await ex.listClosedOrders();
    expect(closed.orders.map((o) => o.orderId)).toEqual([acks[0]!.orderId]);
    expect((await ex.listClosedOrders({ states: ["done"] })).orders).toEqual([]);
    expect((await ex.listClosedOrders({ endTime: T0 - 1 })).orders).toEqual([]);
    expect((await refusal(ex.listClosedOrders({ startTime: T0, endTime: T0 + 8 * 86_400_000 }))).code).toBe("invalid_parameter");
    expect((await refusal(ex.listClosedOrders({ states: ["wait"] }))).code).toBe("invalid_parameter");
  });

  it("reports the configured fees, the minimum and the market's two balances in orders/chance", async () => {
    const { paper } = await rig({ feeRate: 0.002, makerFeeRate: 0.0005 });
    await paper.exchange.placeOrder(limit(BTC, "bid", 99_000_000, 0.01));
    const chance = await paper.exchange.getOrderChance(BTC);
    expect(chance.rules).toMatchObject({ market: BTC, bidFee: 0.002, askFee: 0.002, makerBidFee: 0.0005, makerAskFee: 0.0005, minTotalBid: 5_000, minTotalAsk: 5_000, state: "active" });
    expect(chance.bidAccount).toEqual({ currency: "KRW", balance: 100_000_000 - 990_000 - 1_980, locked: 991_980, avgBuyPrice: 0 });
    expect(chance.askAccount).toEqual({ currency: "BTC", balance: 0, locked: 0, avgBuyPrice: 0 });
    expect((await refusal(paper.exchange.getOrderChance("KRW-NOPE"))).code).toBe("invalid_parameter");
  });

  it("answers a failed book fetch with a retryable error and creates nothing", async () => {
    const { paper, source } = await rig();
    source.failBooks = true;
    const e = await refusal(paper.exchange.placeOrder(marketBuy(BTC, 10_000)));
    expect(e.kind).toBe("retryable");
    expect(e.ambiguous).toBe(false);
    expect((await paper.exchange.listClosedOrders()).orders).toEqual([]);
  });
});

describe("paper exchange: the account survives a restart", () => {
  it("reloads balances, open orders, fills and ids, matches trades missed while down, and never matches a trade twice", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const storePath = dir.path("data/paper.db");
    const source = new FakeSource();
    const first = await paperRig({ source, storePath, initialKrw: 100_000_000 });
    const bought = await first.paper.exchange.placeOrder(marketBuy(BTC, 60_000_000));
    const resting = limit(BTC, "bid", 99_000_000, 0.01);
    const restingAck = await first.paper.exchange.placeOrder(resting);
    const earlier = trade(BTC, 98_000_000, 0.001, T0 + 5);
    const seen = trade(BTC, 98_000_000, 0.003, T0 + 10);
    for (const t of [earlier, seen]) {
      source.addTrade(t);
      first.stream.emit({ type: "trade", trade: t });
    }
    const accountsBefore = await first.paper.exchange.getAccounts();
    await first.paper.close();
    expect(first.stream.stopped).toBe(1);
    await expect(first.paper.exchange.getAccounts()).rejects.toBeInstanceOf(FatalError);

    // While the bot is down the market trades through the bid again.
    source.addTrade(trade(BTC, 98_500_000, 0.002, T0 + 20));
    const second = await paperRig({ source, storePath, initialKrw: 1, random: () => 0.9 });
    rigs.push(second);
    const ex = second.paper.exchange;
    const order = (await ex.getOrder({ clientOrderId: resting.clientOrderId }))!;
    expect(order).toMatchObject({ orderId: restingAck.orderId, state: "wait", executedVolume: 0.006, remainingVolume: 0.004 });
    expect(order.trades!.map((t) => [t.volume, t.ts])).toEqual([
      [0.001, T0 + 5],
      [0.003, T0 + 10],
      [0.002, T0 + 20],
    ]);
    expect((await ex.getOrder(bought))!).toMatchObject({ state: "done", executedVolume: 0.599993 });
    const krw = accountsBefore.find((a) => a.currency === "KRW")!;
    expect(krw.locked).toBe(595_485); // 992,475 - 396,000 - 990
    expect(await balance(ex, "KRW")).toEqual({ balance: krw.balance, locked: 396_990 }); // - 198,000 - 495
    expect(await balance(ex, "BTC")).toEqual({ balance: 0.605993, locked: 0 });
    expect(second.stream.lastSubscription()).toEqual({ trade: [BTC], orderbook: [BTC] });

    // The stream repeats trades already matched before the restart: no second fill.
    second.stream.emit({ type: "trade", trade: earlier });
    second.stream.emit({ type: "trade", trade: seen });
    expect((await ex.getOrder(restingAck))!.executedVolume).toBe(0.006);
    // Same account: same id prefix, sequences continue, a used client id still answers its order.
    const next = await ex.placeOrder(marketBuy(XRP, 10_000));
    expect(next.orderId.slice(0, 7)).toBe(restingAck.orderId.slice(0, 7));
    expect(next.orderId.endsWith("000000000003")).toBe(true);
    expect((await ex.placeOrder(resting)).orderId).toBe(restingAck.orderId);
  });

  it("stops trading with a FatalError when the account file cannot be written", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const storePath = dir.path("paper.db");
    const { paper } = await rig({ storePath });
    const other = new Database(storePath);
    other.exec("DROP TABLE paper_balances");
    other.close();
    const e = await refusal(paper.exchange.placeOrder(limit(BTC, "bid", 99_000_000, 0.01)));
    expect(e).toBeInstanceOf(FatalError);
    expect(e.code).toBe("paper_store_failed");
    expect((await refusal(paper.exchange.getAccounts())).code).toBe("paper_store_failed");
  });

  it("refuses nonsensical options before touching anything", async () => {
    for (const over of [{ feeRate: Number.NaN }, { feeRate: 1 }, { makerFeeRate: -0.001 }, { initialKrw: Number.POSITIVE_INFINITY }, { minTotal: -1 }, { catchUpTrades: 0 }, { bookMaxAgeMs: Number.NaN }]) {
      await expect(paperRig(over), JSON.stringify(over)).rejects.toBeInstanceOf(RangeError);
    }
  });

  it("keeps the stream and the private stream lifecycle like the live sockets", async () => {
    const stream = new FakeStream();
    const { paper, events } = await rig({ stream });
    expect(stream.started).toBe(1);
    expect(stream.listenerCount).toBe(1);
    await settle();
    expect(events.map((e) => e.type)).toEqual(["connected"]);
    await paper.privateStream.stop();
    await paper.exchange.placeOrder(marketBuy(BTC, 10_000)); // not listening: nothing delivered
    await settle();
    expect(events.map((e) => e.type)).toEqual(["connected", "disconnected"]);
    await paper.close();
    expect(stream.listenerCount).toBe(0);
    expect(stream.stopped).toBe(1);
  });
});
