import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ParseError } from "../../../../src/core/errors.ts";
import { decodeFrame, expandSimpleKeys, parseWsMessage } from "../../../../src/exchange/bithumb/ws/parse.ts";
import { buildRequestFrame, watchedMarkets } from "../../../../src/exchange/bithumb/ws/subscriptions.ts";

const text = (name: string) => readFileSync(join(import.meta.dirname, "../../../fixtures/bithumb", name), "utf8");
const obj = (name: string) => JSON.parse(text(name)) as Record<string, unknown>;

/** The abbreviated (SIMPLE) form of a DEFAULT frame, using the documented key table. */
function toSimple(frame: Record<string, unknown>, keys: Record<string, string>, nested: Record<string, string> = {}): Record<string, unknown> {
  const inverse = Object.fromEntries(Object.entries(keys).map(([short, long]) => [long, short]));
  const nestedInverse = Object.fromEntries(Object.entries(nested).map(([short, long]) => [long, short]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(frame)) {
    out[inverse[k] ?? k] = Array.isArray(v) ? v.map((item) => Object.fromEntries(Object.entries(item as object).map(([ik, iv]) => [nestedInverse[ik] ?? ik, iv]))) : v;
  }
  return out;
}

describe("recorded WebSocket frames", () => {
  it("ticker (official example)", () => {
    const m = parseWsMessage(text("ws-ticker.json"));
    expect(m).toEqual({
      kind: "ticker",
      ticker: {
        market: "KRW-BTC",
        tradePrice: 493100,
        openingPrice: 484500,
        highPrice: 493100,
        lowPrice: 472500,
        prevClosingPrice: 484500,
        change: "RISE",
        changeRate: 0.01775026,
        signedChangeRate: 0.01775026,
        tradeVolume: 3.2529,
        accTradeVolume24h: 13380.57687512,
        accTradePrice24h: 8227950466.316009,
        tradeTimestamp: 1725927377174,
        timestamp: 1725927377287,
        warning: "NONE",
        suspended: false,
        marketState: "ACTIVE",
      },
    });
  });

  it("trade keeps its 17-digit sequential id as text", () => {
    expect(parseWsMessage(text("ws-trade.json"))).toEqual({
      kind: "trade",
      trade: { market: "KRW-BTC", timestamp: 1725929934373, price: 489700, volume: 1.4825, side: "BID", sequentialId: "17259299343730000" },
    });
    const odd = text("ws-trade.json").replace("17259299343730000", "17259299343730001");
    expect((parseWsMessage(odd) as { trade: { sequentialId: string } }).trade.sequentialId).toBe("17259299343730001");
  });

  it("orderbook", () => {
    const m = parseWsMessage(text("ws-orderbook.json"));
    expect(m.kind).toBe("orderbook");
    if (m.kind !== "orderbook") return;
    expect(m.orderbook).toMatchObject({ market: "KRW-BTC", timestamp: 1725930007672, totalAskSize: 450.3526, totalBidSize: 63.3006 });
    expect(m.orderbook.levels[0]).toEqual({ askPrice: 478800, bidPrice: 478300, askSize: 4.3478, bidSize: 5.637 });
  });

  it("status UP is liveness only", () => {
    expect(parseWsMessage(text("ws-status-up.json"))).toEqual({ kind: "status" });
    expect(parseWsMessage("PONG")).toEqual({ kind: "status" });
  });
});

describe("frame containers and formats", () => {
  it("binary UTF-8 frames parse like text ones", () => {
    const bytes = new TextEncoder().encode(text("ws-ticker.json"));
    expect(parseWsMessage(decodeFrame(bytes.buffer))).toEqual(parseWsMessage(text("ws-ticker.json")));
    expect(parseWsMessage(decodeFrame(bytes))).toEqual(parseWsMessage(text("ws-ticker.json")));
    expect(() => decodeFrame(42)).toThrow(TypeError);
  });

  it("SIMPLE (abbreviated) frames parse to the same events", () => {
    const ticker = toSimple(obj("ws-ticker.json"), {
      ty: "type", cd: "code", op: "opening_price", hp: "high_price", lp: "low_price", tp: "trade_price", pcp: "prev_closing_price",
      c: "change", cp: "change_price", scp: "signed_change_price", cr: "change_rate", scr: "signed_change_rate", tv: "trade_volume",
      atv: "acc_trade_volume", atv24h: "acc_trade_volume_24h", atp: "acc_trade_price", atp24h: "acc_trade_price_24h",
      ttms: "trade_timestamp", tms: "timestamp", mw: "market_warning", its: "is_trading_suspended", ms: "market_state", st: "stream_type",
    });
    expect(ticker.ty).toBe("ticker");
    expect(parseWsMessage(JSON.stringify(ticker))).toEqual(parseWsMessage(text("ws-ticker.json")));

    const trade = toSimple(obj("ws-trade.json"), { ty: "type", cd: "code", tp: "trade_price", tv: "trade_volume", ab: "ask_bid", ttms: "trade_timestamp", sid: "sequential_id", tms: "timestamp" });
    expect(parseWsMessage(JSON.stringify(trade))).toEqual(parseWsMessage(text("ws-trade.json")));

    const book = toSimple(obj("ws-orderbook.json"), { ty: "type", cd: "code", tas: "total_ask_size", tbs: "total_bid_size", obu: "orderbook_units", tms: "timestamp" }, { ap: "ask_price", bp: "bid_price", as: "ask_size", bs: "bid_size" });
    expect(parseWsMessage(JSON.stringify(book))).toEqual(parseWsMessage(text("ws-orderbook.json")));
  });

  it("DEFAULT frames pass expandSimpleKeys untouched", () => {
    const frame = obj("ws-ticker.json");
    expect(expandSimpleKeys(frame)).toBe(frame);
  });
});

describe("private frames (v2 fields, API.md 8.6; no published example, hand-made)", () => {
  const fill = {
    type: "myOrder",
    stream_type: "REALTIME",
    code: "KRW-BTC",
    order_id: "C0101000003152406454",
    client_order_id: "bot-1",
    side: "buy",
    order_type: "limit",
    state: "trade",
    time_in_force: "ioc",
    order_price: 95000000,
    order_quantity: 0.001,
    trade_id: "T123",
    trade_price: 95000000,
    trade_quantity: 0.0004,
    trade_amount: 38000,
    remaining_quantity: 0.0006,
    executed_quantity: 0.0004,
    executed_amount: 38000,
    paid_fee: 95,
    trade_timestamp: 1751600000000,
    order_timestamp: 1751599999000,
    timestamp: 1751600000100,
  };

  it("myOrder: side buy/sell becomes bid/ask, quantities become volumes", () => {
    expect(parseWsMessage(JSON.stringify(fill))).toEqual({
      kind: "myOrder",
      order: {
        market: "KRW-BTC",
        orderId: "C0101000003152406454",
        clientOrderId: "bot-1",
        side: "bid",
        type: "limit",
        state: "trade",
        timeInForce: "ioc",
        tradeId: "T123",
        tradePrice: 95000000,
        tradeVolume: 0.0004,
        tradeFunds: 38000,
        remainingVolume: 0.0006,
        executedVolume: 0.0004,
        executedFunds: 38000,
        paidFee: 95,
        tradeTimestamp: 1751600000000,
        timestamp: 1751600000100,
      },
    });
  });

  it("myOrder: a cancel without fill fields, SIMPLE keys, a numeric trade id", () => {
    const cancel = { ty: "myOrder", cd: "KRW-ETH", oid: "C2", sd: "sell", ot: "limit", s: "cancel", ct: "tif_cancel", tms: 1751600000200 };
    expect(parseWsMessage(JSON.stringify(cancel))).toEqual({
      kind: "myOrder",
      order: { market: "KRW-ETH", orderId: "C2", side: "ask", type: "limit", state: "cancel", cancelType: "tif_cancel", timestamp: 1751600000200 },
    });
    const numericTid = JSON.stringify({ ...fill, trade_id: 1 }).replace('"trade_id":1', '"trade_id":12345678901234567');
    expect((parseWsMessage(numericTid) as { order: { tradeId: string } }).order.tradeId).toBe("12345678901234567");
  });

  it("myAsset", () => {
    const asset = { type: "myAsset", assets: [{ currency: "KRW", balance: "1000000", locked: "50125" }], asset_timestamp: 1, timestamp: 1751600000300, stream_type: "REALTIME" };
    expect(parseWsMessage(JSON.stringify(asset))).toEqual({ kind: "myAsset", asset: { assets: [{ currency: "KRW", balance: 1000000, locked: 50125 }], timestamp: 1751600000300 } });
    const simple = { ty: "myAsset", ast: [{ cu: "BTC", b: "0.1", l: "0" }], tms: 5 };
    expect(parseWsMessage(JSON.stringify(simple))).toEqual({ kind: "myAsset", asset: { assets: [{ currency: "BTC", balance: 0.1, locked: 0 }], timestamp: 5 } });
  });

  it("refuses bad private frames with a field path", () => {
    expect(() => parseWsMessage(JSON.stringify({ ...fill, side: "bid" }))).toThrow(ParseError);
    expect(() => parseWsMessage(JSON.stringify({ ...fill, executed_quantity: -1 }))).toThrow(/executed_quantity/);
  });
});

describe("bad and foreign frames", () => {
  it("malformed JSON and invalid data frames are ParseErrors", () => {
    expect(() => parseWsMessage("{nope")).toThrow(ParseError);
    expect(() => parseWsMessage(JSON.stringify({ ...obj("ws-ticker.json"), trade_price: "NaN" }))).toThrow(/trade_price/);
    expect(() => parseWsMessage(JSON.stringify({ ...obj("ws-ticker.json"), code: "BTC_KRW" }))).toThrow(/code/);
    expect(() => parseWsMessage(JSON.stringify({ ...obj("ws-orderbook.json"), total_ask_size: -3 }))).toThrow(ParseError);
  });

  it("error frames and unknown types are reported, not parsed as data", () => {
    expect(parseWsMessage('{"error":{"name":"INVALID_AUTH","message":"bad"}}')).toEqual({ kind: "error", name: "INVALID_AUTH", message: "bad" });
    expect(parseWsMessage('{"type":"candle","code":"KRW-BTC"}')).toEqual({ kind: "ignored", reason: "type candle" });
    expect(parseWsMessage("[1,2]")).toEqual({ kind: "ignored", reason: "not a JSON object" });
  });
});

describe("request frames (API.md 8.1)", () => {
  it("public: ticket, one type object per kind with codes, format last", () => {
    const frame = buildRequestFrame("t-1", { ticker: ["KRW-BTC", "KRW-ETH"], orderbook: ["KRW-BTC"] }, {});
    expect(JSON.parse(frame!)).toEqual([
      { ticket: "t-1" },
      { type: "ticker", codes: ["KRW-BTC", "KRW-ETH"] },
      { type: "orderbook", codes: ["KRW-BTC"] },
      { format: "DEFAULT" },
    ]);
  });

  it("private: myOrder with or without codes, myAsset", () => {
    expect(JSON.parse(buildRequestFrame("t", {}, { myOrder: "all", myAsset: true }, "SIMPLE")!)).toEqual([{ ticket: "t" }, { type: "myOrder" }, { type: "myAsset" }, { format: "SIMPLE" }]);
    expect(JSON.parse(buildRequestFrame("t", {}, { myOrder: ["KRW-BTC"] })!)[1]).toEqual({ type: "myOrder", codes: ["KRW-BTC"] });
  });

  it("nothing to subscribe to: no frame", () => {
    expect(buildRequestFrame("t", { ticker: [] }, {})).toBeUndefined();
  });

  it("watched markets are the union of the public kinds", () => {
    expect(watchedMarkets({ ticker: ["KRW-BTC"], trade: ["KRW-ETH", "KRW-BTC"] }).sort()).toEqual(["KRW-BTC", "KRW-ETH"]);
  });
});
