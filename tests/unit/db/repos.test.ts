import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExchangeOrder } from "../../../src/core/model.ts";
import { exchangeOrder } from "../../support/exchange-order.ts";
import {
  applyExchangeOrder,
  findOrderByClientId,
  getPosition,
  listActiveOrders,
  listClosedTrades,
  listFills,
  listOrders,
  markOrderAccepted,
  openDb,
  recordOrderIntent,
  syncMarkets,
  saveTraderState,
  getTraderState,
  setConfigValue,
  getConfigValue,
  listAudit,
} from "../../../src/db/index.ts";

function freshDb() {
  return openDb({ path: join(mkdtempSync(join(tmpdir(), "db-")), "bot.db") });
}

/** A resting market buy of the order "bot-1" as the exchange reports it. */
const report = (over: Partial<ExchangeOrder>): ExchangeOrder => exchangeOrder({ orderId: "C0000000000000000001", clientOrderId: "bot-1", type: "price", state: "wait", ...over });

describe("order repo", () => {
  it("opens a WAL database and applies migrations idempotently", () => {
    const h = freshDb();
    expect(h.sqlite.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    h.close();
    const again = openDb({ path: h.path });
    expect(listOrders(again.db)).toEqual([]);
    again.close();
  });

  it("records the intent before sending and applies exchange reports exactly once", () => {
    const { db, close } = freshDb();
    recordOrderIntent(db, { clientOrderId: "bot-1", market: "KRW-BTC", side: "bid", type: "price", price: 100_000, priority: 2, reason: "entry" }, 1_000, {
      market: "KRW-BTC",
      kind: "enter",
      strength: 0.7,
      reasons: ["golden_cross"],
    });
    expect(findOrderByClientId(db, "bot-1")?.state).toBe("pending_submit");
    markOrderAccepted(db, "bot-1", "C0000000000000000001", 1_001);
    expect(listActiveOrders(db).map((o) => o.state)).toEqual(["open"]);

    const partial = report({ executedVolume: 0.0005, executedFunds: 50_000, paidFee: 125 });
    const a = applyExchangeOrder(db, "bot-1", partial, 1_002);
    expect(a.fill?.volume).toBeCloseTo(0.0005, 12);
    expect(a.order.state).toBe("partially_filled");
    // The same report again (WS event then REST poll) records nothing.
    expect(applyExchangeOrder(db, "bot-1", partial, 1_003).unchanged).toBe(true);
    const done = report({ state: "done", executedVolume: 0.001, executedFunds: 99_900, paidFee: 249.75 });
    const b = applyExchangeOrder(db, "bot-1", done, 1_004);
    expect(b.fill?.volume).toBeCloseTo(0.0005, 12);
    expect(b.fill?.price).toBeCloseTo(49_900 / 0.0005, 6);
    expect(applyExchangeOrder(db, "bot-1", done, 1_005).unchanged).toBe(true);
    expect(listFills(db)).toHaveLength(2);
    const pos = getPosition(db, "KRW-BTC");
    expect(pos?.volume).toBeCloseTo(0.001, 12);
    expect(pos?.costBasis).toBeCloseTo(99_900 + 249.75, 6);
    expect(listActiveOrders(db)).toEqual([]);

    // Sell it all: the position closes and a closed trade is written with net PnL.
    recordOrderIntent(db, { clientOrderId: "bot-2", market: "KRW-BTC", side: "ask", type: "market", volume: 0.001, priority: 0, reason: "dead_cross" }, 2_000);
    applyExchangeOrder(db, "bot-2", report({ orderId: "C0000000000000000002", clientOrderId: "bot-2", side: "ask", type: "market", state: "done", executedVolume: 0.001, executedFunds: 110_000, paidFee: 275 }), 2_001);
    expect(getPosition(db, "KRW-BTC")?.status).toBe("closed");
    const [trade] = listClosedTrades(db);
    expect(trade?.exitReason).toBe("dead_cross");
    expect(trade?.pnl).toBeCloseTo(110_000 - 275 - (99_900 + 249.75), 6);
    close();
  });

  it("rolls the whole transaction back when a report cannot be applied", () => {
    const { db, close } = freshDb();
    expect(() => applyExchangeOrder(db, "missing", report({}), 1)).toThrow(/no order/);
    expect(listFills(db)).toEqual([]);
    close();
  });

  it("filters orders with bound parameters (SQL in a filter is just a value)", () => {
    const { db, close } = freshDb();
    recordOrderIntent(db, { clientOrderId: "x1", market: "KRW-BTC", side: "bid", type: "price", price: 10_000, priority: 2, reason: "entry" }, 1);
    expect(listOrders(db, { market: "KRW-BTC' OR '1'='1" })).toEqual([]);
    expect(listOrders(db, { market: "KRW-BTC" })).toHaveLength(1);
    close();
  });
});

describe("markets, trader state, config", () => {
  it("reports listings, delistings and warning changes", () => {
    const { db, close } = freshDb();
    const btc = { market: "KRW-BTC" as const, koreanName: "비트코인", englishName: "Bitcoin", warning: "NONE" as const };
    const eth = { market: "KRW-ETH" as const, koreanName: "이더리움", englishName: "Ethereum", warning: "NONE" as const };
    expect(syncMarkets(db, [btc, eth], 1).added).toEqual(["KRW-BTC", "KRW-ETH"]);
    const r = syncMarkets(db, [{ ...btc, warning: "CAUTION" }], 2);
    expect(r).toEqual({ added: [], delisted: ["KRW-ETH"], warningChanged: [{ market: "KRW-BTC", warning: "CAUTION" }] });
    expect(syncMarkets(db, [btc, eth], 3).added).toEqual(["KRW-ETH"]);
    close();
  });

  it("persists trader flags and strategy state, and audits config changes", () => {
    const { db, close } = freshDb();
    saveTraderState(db, "KRW-BTC", { paused: true, strategyState: { ema: [1, 2] } }, 5);
    saveTraderState(db, "KRW-BTC", { lastCandleTs: 60_000 }, 6);
    const row = getTraderState(db, "KRW-BTC");
    expect(row?.paused).toBe(true);
    expect(JSON.parse(row!.strategyState!)).toEqual({ ema: [1, 2] });
    expect(row?.lastCandleTs).toBe(60_000);
    setConfigValue(db, "risk.maxRiskPerTrade", 0.02, "admin", 7, "risk per trade", "127.0.0.1");
    expect(getConfigValue(db, "risk.maxRiskPerTrade")).toBe(0.02);
    expect(listAudit(db)[0]).toMatchObject({ actor: "admin", action: "config.changed", target: "risk.maxRiskPerTrade", source: "127.0.0.1" });
    close();
  });
});

describe("intent keys", () => {
  it("one order per decision, until an order that never reached the exchange releases it", async () => {
    const { releaseIntentKey } = await import("../../../src/db/index.ts");
    const { db, close } = freshDb();
    const intent = { market: "KRW-BTC" as const, side: "ask" as const, type: "market" as const, volume: 1, priority: 0, reason: "stop", intentKey: "KRW-BTC:stop:1:0" };
    expect(recordOrderIntent(db, { ...intent, clientOrderId: "a" }, 1)).not.toBeNull();
    expect(recordOrderIntent(db, { ...intent, clientOrderId: "b" }, 2)).toBeNull();
    // Refused by the exchange (no exchange id): the decision may be tried again.
    releaseIntentKey(db, "a");
    expect(findOrderByClientId(db, "a")?.intentKey).toMatch(/^KRW-BTC:stop:1:0~\d+$/);
    expect(recordOrderIntent(db, { ...intent, clientOrderId: "c" }, 3)).not.toBeNull();
    // An order the exchange has keeps its key.
    markOrderAccepted(db, "c", "C0000000000000000009", 4);
    releaseIntentKey(db, "c");
    expect(findOrderByClientId(db, "c")?.intentKey).toBe("KRW-BTC:stop:1:0");
    close();
  });
});
