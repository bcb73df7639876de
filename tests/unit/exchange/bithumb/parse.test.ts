import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../../src/core/errors.ts";
import { DEFAULT_FEE_RATE, DEFAULT_MIN_TOTAL_KRW } from "../../../../src/core/model.ts";
import {
  parseAccounts,
  parseBatchAcks,
  parseBatchCancel,
  parseCancelAck,
  parseCandles,
  parseMarkets,
  parseOrder,
  parseOrderAck,
  parseOrderbooks,
  parseOrderChance,
  parseOrderList,
  parseOrderPage,
  parseTickers,
  parseTrades,
  TRADE_BIG_ID_KEYS,
} from "../../../../src/exchange/bithumb/http/parse.ts";
import { parseJsonText } from "../../../../src/exchange/bithumb/wire.ts";

const FIXTURES = join(import.meta.dirname, "../../../fixtures/bithumb");
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
const clone = <T>(x: T): T => structuredClone(x);

/** Expect a ParseError whose path is exactly `path`. */
function expectParseError(fn: () => unknown, path: string): ParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).path).toBe(path);
    return error as ParseError;
  }
  throw new Error("expected a ParseError");
}

describe("recorded fixtures", () => {
  it("market/all (isDetails=true)", () => {
    expect(parseMarkets(fixture("v1-market-all.json"))).toEqual([{ market: "KRW-BTC", koreanName: "비트코인", englishName: "Bitcoin", warning: "NONE" }]);
  });

  it("ticker", () => {
    const [t] = parseTickers(fixture("v1-ticker.json"));
    expect(t).toEqual({
      market: "KRW-BTC",
      tradePrice: 45831000,
      openingPrice: 41531000,
      highPrice: 46473000,
      lowPrice: 41511000,
      prevClosingPrice: 41519000,
      change: "RISE",
      changeRate: 0.1038560659,
      signedChangeRate: 0.1038560659,
      tradeVolume: 0.0094943,
      accTradeVolume24h: 8464.71765997,
      accTradePrice24h: 366228795843.045,
      tradeTimestamp: 1698125744000,
      timestamp: 1698125744837,
    });
  });

  it("v1 order objects (get, post, delete, list)", () => {
    const order = parseOrder(fixture("v1-order-get.json"));
    expect(order).toEqual({
      orderId: "cdd92199-2897-4e14-9448-f923320408ad",
      market: "KRW-BTC",
      side: "bid",
      type: "limit",
      state: "wait",
      price: 67000000,
      volume: 0.01,
      remainingVolume: 0.01,
      executedVolume: 0,
      executedFunds: 0,
      paidFee: 0,
      reservedFee: 0,
      remainingFee: 100,
      locked: 670100,
      createdAt: Date.parse("2021-04-26T17:42:36+09:00"),
    });
    expect(parseOrder(fixture("v1-orders-post.json")).state).toBe("wait");
    expect(parseOrder(fixture("v1-order-delete.json")).state).toBe("cancel");
    expect(parseOrderList(fixture("v1-orders-list.json"))).toHaveLength(1);
  });

  it("v2-era order (GET /v1/order for a C… id) with executed_funds and an empty trades array", () => {
    const order = parseOrder(fixture("v2-order-get.json"));
    expect(order.orderId).toBe("C0101000003152406454");
    expect(order.executedFunds).toBe(0);
    expect(order.reservedFee).toBe(23.75);
    expect(order.trades).toEqual([]);
    expect(parseOrderList(fixture("v2-orders-list.json"))[0]!.locked).toBe(9524.75);
  });

  it("v2 create ack, batch acks, cancel acks", () => {
    expect(parseOrderAck(fixture("v2-orders-post.json"))).toEqual({
      orderId: "C0101000003152350309",
      market: "KRW-BTC",
      side: "bid",
      type: "limit",
      createdAt: Date.parse("2026-07-04T14:39:04+09:00"),
    });
    const [item] = parseBatchAcks(fixture("v2-orders-batch.json"));
    expect(item).toEqual({ ok: true, ack: expect.objectContaining({ orderId: "C0101000003152500274", type: "limit" }) });
    expect(parseCancelAck(fixture("v2-order-delete.json"))).toEqual({ orderId: "C0101000003152350309" });
    expect(parseBatchCancel(fixture("v2-orders-cancel.json"))).toEqual({ success: [{ orderId: "C0101000003152500274" }], failed: [] });
  });
});

describe("hand-made payloads in API.md's field lists (no published fixture exists)", () => {
  const candle = (utc: string, o: number, h: number, l: number, c: number) => ({
    market: "KRW-BTC",
    candle_date_time_utc: utc,
    candle_date_time_kst: "ignored",
    opening_price: o,
    high_price: h,
    low_price: l,
    trade_price: c,
    timestamp: 1,
    candle_acc_trade_price: 1,
    candle_acc_trade_volume: 2.5,
    unit: 1,
  });

  it("candles: newest-first wire -> oldest first, ts = open time in UTC from candle_date_time_utc, duplicates dropped", () => {
    const wire = [candle("2024-01-01T00:02:00", 3, 4, 2, 3), candle("2024-01-01T00:01:00", 2, 3, 1, 3), candle("2024-01-01T00:01:00", 2, 3, 1, 3)];
    expect(parseCandles(wire, "KRW-BTC")).toEqual([
      { ts: Date.UTC(2024, 0, 1, 0, 1), open: 2, high: 3, low: 1, close: 3, volume: 2.5 },
      { ts: Date.UTC(2024, 0, 1, 0, 2), open: 3, high: 4, low: 2, close: 3, volume: 2.5 },
    ]);
  });

  it("candles: inconsistent OHLC, a zoned or malformed time, and another market are refused", () => {
    expectParseError(() => parseCandles([candle("2024-01-01T00:01:00", 5, 4, 1, 3)], "KRW-BTC"), "[0]");
    expectParseError(() => parseCandles([candle("2024-01-01 00:01:00", 2, 3, 1, 3)], "KRW-BTC"), "[0].candle_date_time_utc");
    expectParseError(() => parseCandles([candle("2024-01-01T00:01:00+09:00", 2, 3, 1, 3)], "KRW-BTC"), "[0].candle_date_time_utc");
    expectParseError(() => parseCandles([candle("2024-01-01T00:01:00", 2, 3, 1, 3)], "KRW-ETH"), "[0].market");
  });

  it("orderbook units keep their order (best first)", () => {
    const [book] = parseOrderbooks([
      {
        market: "KRW-BTC",
        timestamp: 1700000000000,
        total_ask_size: 3,
        total_bid_size: 4,
        orderbook_units: [
          { ask_price: 101, bid_price: 100, ask_size: 1, bid_size: 2 },
          { ask_price: 102, bid_price: 99, ask_size: 2, bid_size: 2 },
        ],
      },
    ]);
    expect(book!.levels.map((l) => [l.askPrice, l.bidPrice])).toEqual([
      [101, 100],
      [102, 99],
    ]);
  });

  it("trades keep 17-digit sequential ids exactly (above 2^53)", () => {
    const body = '[{"market":"KRW-BTC","trade_date_utc":"2024-09-10","trade_time_utc":"00:58:54","timestamp":1725929934483,"trade_price":489700,"trade_volume":1.4825,"prev_closing_price":484500,"change_price":5200,"ask_bid":"BID","sequential_id":17259299343730001}]';
    const [trade] = parseTrades(parseJsonText(body, "trades", TRADE_BIG_ID_KEYS));
    expect(trade).toEqual({ market: "KRW-BTC", timestamp: 1725929934483, price: 489700, volume: 1.4825, side: "BID", sequentialId: "17259299343730001" });
  });

  it("accounts: NumberStrings to numbers, currency upper-cased, avg_buy_price optional", () => {
    expect(
      parseAccounts([
        { currency: "KRW", balance: "1000000.5", locked: "0", avg_buy_price: "0", avg_buy_price_modified: false, unit_currency: "KRW" },
        { currency: "btc", balance: "0.1", locked: "0.05", unit_currency: "KRW" },
      ]),
    ).toEqual([
      { currency: "KRW", balance: 1000000.5, locked: 0, avgBuyPrice: 0 },
      { currency: "BTC", balance: 0.1, locked: 0.05, avgBuyPrice: 0 },
    ]);
  });

  const chance = {
    bid_fee: "0.0004",
    ask_fee: "0.0025",
    maker_bid_fee: "0.0004",
    maker_ask_fee: "0.0025",
    market: {
      id: "KRW-BTC",
      name: "BTC/KRW",
      order_types: ["limit"],
      ask_types: ["limit", "market"],
      bid_types: ["limit", "price"],
      order_sides: ["ask", "bid"],
      bid: { currency: "KRW", price_unit: null, min_total: "5000" },
      ask: { currency: "BTC", price_unit: null, min_total: "5000" },
      max_total: "1000000000",
      state: "active",
    },
    bid_account: { currency: "KRW", balance: "100000", locked: "0", avg_buy_price: "0", avg_buy_price_modified: false, unit_currency: "KRW" },
    ask_account: { currency: "BTC", balance: "0.01", locked: "0", avg_buy_price: "90000000", avg_buy_price_modified: false, unit_currency: "KRW" },
  };

  it("orders/chance -> market rules and balances", () => {
    const c = parseOrderChance(chance, "KRW-BTC");
    expect(c.rules).toEqual({
      market: "KRW-BTC",
      bidFee: 0.0004,
      askFee: 0.0025,
      makerBidFee: 0.0004,
      makerAskFee: 0.0025,
      minTotalBid: 5000,
      minTotalAsk: 5000,
      maxTotal: 1000000000,
      state: "active",
      orderTypes: ["limit"],
    });
    expect(c.askAccount).toEqual({ currency: "BTC", balance: 0.01, locked: 0, avgBuyPrice: 90000000 });
  });

  it("orders/chance: missing fields fall back to 5,000 KRW / 0.25%, a stated price unit is kept", () => {
    const c = parseOrderChance({ market: { bid: { price_unit: "5" } } }, "KRW-XRP");
    expect(c.rules).toMatchObject({ bidFee: DEFAULT_FEE_RATE, makerAskFee: DEFAULT_FEE_RATE, minTotalBid: DEFAULT_MIN_TOTAL_KRW, minTotalAsk: DEFAULT_MIN_TOTAL_KRW, state: "unknown", priceUnit: 5 });
  });

  it("orders/chance: present but bad values are errors, never fallbacks", () => {
    expectParseError(() => parseOrderChance({ ...chance, bid_fee: "abc" }, "KRW-BTC"), "bid_fee");
    expectParseError(() => parseOrderChance({ ...chance, ask_fee: "0.25" }, "KRW-BTC"), "ask_fee");
    expectParseError(() => parseOrderChance({ ...chance, market: { ...chance.market, bid: { min_total: "-1" } } }, "KRW-BTC"), "market.bid.min_total");
    expectParseError(() => parseOrderChance(chance, "KRW-ETH"), "market.id");
  });

  it("market orders: remaining_volume / price / volume may be absent", () => {
    const marketSell = {
      uuid: "C0101000000000000001",
      side: "ask",
      ord_type: "market",
      price: null,
      state: "done",
      market: "KRW-BTC",
      created_at: "2026-07-04T15:05:46+09:00",
      volume: "0.01",
      reserved_fee: "0",
      remaining_fee: "0",
      paid_fee: "225",
      locked: "0",
      executed_volume: "0.01",
      executed_funds: "900000",
      trades_count: 1,
    };
    const order = parseOrder(marketSell);
    expect(order.price).toBeUndefined();
    expect(order.remainingVolume).toBe(0);
    expect(order.executedFunds).toBe(900000);
    const marketBuy = { ...marketSell, side: "bid", ord_type: "price", price: "10000", volume: null, executed_volume: "0.0001", executed_funds: "9000" };
    expect(parseOrder(marketBuy)).toMatchObject({ type: "price", price: 10000, remainingVolume: 0 });
    expect(parseOrder(marketBuy).volume).toBeUndefined();
  });

  it("order trades become fills with the paid fee shared by KRW value", () => {
    const order = parseOrder({
      ...(fixture("v2-order-get.json") as object),
      state: "done",
      remaining_volume: "0",
      executed_volume: "0.003",
      executed_funds: "30000",
      paid_fee: "75",
      client_order_id: "bot-1",
      time_in_force: "ioc",
      trades: [
        { market: "KRW-BTC", uuid: "T1", price: "10000000", volume: "0.001", funds: "10000", side: "bid", created_at: "2026-07-04T15:05:47+09:00" },
        { market: "KRW-BTC", uuid: "T2", price: "10000000", volume: "0.002", funds: "20000", side: "bid", created_at: "2026-07-04T15:05:48+09:00" },
      ],
    });
    expect(order.clientOrderId).toBe("bot-1");
    expect(order.timeInForce).toBe("ioc");
    expect(order.trades!.map((f) => [f.tradeId, f.fee, f.orderId])).toEqual([
      ["T1", 25, "C0101000003152406454"],
      ["T2", 50, "C0101000003152406454"],
    ]);
    expect(order.trades![1]!.ts).toBe(Date.parse("2026-07-04T15:05:48+09:00"));
  });

  it("v2 list envelopes (UNCONFIRMED shape): bare array or {orders,next_key,has_next}", () => {
    const item = fixture("v2-order-get.json");
    expect(parseOrderPage([item], "pending").orders).toHaveLength(1);
    expect(parseOrderPage({ orders: [item], next_key: "k2", has_next: true }, "pending")).toMatchObject({ nextKey: "k2" });
    expect(parseOrderPage({ orders: [item], next_key: "k2", has_next: false }, "pending").nextKey).toBeUndefined();
    expect(parseOrderPage({ data: [], next_key: null }, "history")).toEqual({ orders: [] });
    expectParseError(() => parseOrderPage({ items: [] }, "pending"), "");
  });

  it("batch responses with a failed item and batch cancel failures (UNCONFIRMED shapes)", () => {
    const items = parseBatchAcks({
      batch_orders_response: [
        { order_id: "C1", client_order_id: "a", market: "KRW-BTC", side: "bid", order_type: "limit", created_at: "2026-07-04T15:49:24+09:00" },
        { client_order_id: "b", error: { name: "under_min_total_bid", message: "too small" } },
      ],
    });
    expect(items[0]).toMatchObject({ ok: true, ack: { clientOrderId: "a" } });
    expect(items[1]).toEqual({ ok: false, code: "under_min_total_bid", message: "too small", clientOrderId: "b" });
    expect(parseBatchCancel({ success: [], fail: [{ order_id: "C9", error: { name: "order_not_found", message: "x" } }, {}] }).failed).toEqual([
      { id: "C9", code: "order_not_found", message: "x" },
      { id: "unknown", code: "unknown", message: "" },
    ]);
  });
});

describe("bad payloads never become garbage values", () => {
  const ticker = () => clone(fixture("v1-ticker.json") as Record<string, unknown>[]);

  it.each([
    ["NaN as a string", "trade_price", "NaN"],
    ["a non-numeric NumberString", "trade_price", "12abc"],
    ["an empty string", "trade_price", ""],
    ["a negative price", "trade_price", -1],
    ["a zero price", "trade_price", 0],
    ["a missing number", "trade_price", undefined],
    ["null", "acc_trade_volume_24h", null],
    ["Infinity as text", "trade_volume", "Infinity"],
    ["an object", "trade_volume", { v: 1 }],
  ])("ticker with %s in %s", (_label, field, value) => {
    const t = ticker();
    if (value === undefined) delete t[0]![field];
    else t[0]![field] = value;
    const error = expectParseError(() => parseTickers(t), `[0].${field}`);
    expect(error.message).toContain("ticker");
  });

  it("a negative signed change rate is fine, an unknown change value is not", () => {
    const t = ticker();
    t[0]!.signed_change_rate = -0.05;
    expect(parseTickers(t)[0]!.signedChangeRate).toBe(-0.05);
    t[0]!.change = "UP";
    expectParseError(() => parseTickers(t), "[0].change");
  });

  it.each([["KRW_BTC"], ["krw-btc"], ["BTC-ETH"], [""], [42]])("unknown or malformed market %j", (market) => {
    const t = ticker();
    t[0]!.market = market;
    expectParseError(() => parseTickers(t), "[0].market");
  });

  it("market/all keeps only KRW markets but refuses malformed codes and unknown warnings", () => {
    const list = [
      { market: "KRW-ETH", korean_name: "이더리움", english_name: "Ethereum", market_warning: "CAUTION" },
      { market: "BTC-ETH", korean_name: "이더리움", english_name: "Ethereum", market_warning: "NONE" },
    ];
    expect(parseMarkets(list).map((m) => [m.market, m.warning])).toEqual([["KRW-ETH", "CAUTION"]]);
    expectParseError(() => parseMarkets([{ ...list[0], market: "KRW/ETH" }]), "[0].market");
    expectParseError(() => parseMarkets([{ ...list[0], market_warning: "DANGER" }]), "[0].market_warning");
  });

  it("order objects: bad state, side, time, negative executed volume, unvalued execution", () => {
    const base = fixture("v1-order-get.json") as Record<string, unknown>;
    expectParseError(() => parseOrder({ ...base, state: "open" }), "state");
    expectParseError(() => parseOrder({ ...base, side: "buy" }), "side");
    expectParseError(() => parseOrder({ ...base, created_at: "yesterday" }), "created_at");
    expectParseError(() => parseOrder({ ...base, executed_volume: "-0.1" }), "executed_volume");
    expectParseError(() => parseOrder({ ...base, executed_volume: "0.005" }), "executed_funds");
    expectParseError(() => parseOrder({ ...base, ord_type: undefined }), "ord_type");
    expectParseError(() => parseOrder({ ...base, paid_fee: undefined }), "paid_fee");
  });

  it("malformed JSON text is a ParseError", () => {
    expect(() => parseJsonText("{not json", "ticker")).toThrow(ParseError);
    expect(() => parseJsonText("", "ticker")).toThrow(/malformed JSON/);
  });

  it("a non-array where an array is expected", () => {
    expectParseError(() => parseTickers({ error: "x" }), "");
    expectParseError(() => parseOrderAck([]), "");
  });
});
