import { afterEach, describe, expect, it } from "vitest";
import { listAudit, listOrders } from "../../../src/db/index.ts";
import { createHarness, flatHistory, type Harness, T0 } from "../../support/runtime-harness.ts";

/** The market-sync job (every 10 minutes of runtime time): listings, delistings, warnings. */
const SYNC = 600_000;
let h: Harness;

afterEach(async () => {
  await h?.stop();
});

describe("market sync", () => {
  it("spawns a trader for a new listing and stops the trader of a delisted market without a position", async () => {
    h = await createHarness({ markets: ["KRW-BTC", "KRW-ETH"] });
    h.runtime.start();
    await h.settle(40);
    h.exchange.listed.push({ market: "KRW-SOL", koreanName: "솔라나", englishName: "Solana", warning: "NONE" });
    h.exchange.history.set("KRW-SOL", flatHistory(T0 + SYNC, 100));
    h.exchange.setPrice("KRW-SOL", 100);
    h.exchange.listed = h.exchange.listed.filter((m) => m.market !== "KRW-ETH");
    await h.advance(SYNC + 1_000, 10_000);
    await h.settle(40);
    expect(h.runtime.control.listActors().map((a) => a.market)).toEqual(["KRW-BTC", "KRW-SOL"]);
    expect(h.runtime.control.getActor("KRW-SOL")?.state).toBe("watching");
    expect(h.marketStream.subscription.trade).toEqual(["KRW-BTC", "KRW-SOL"]);
    expect(listAudit(h.db.db).some((a) => a.action === "trader.stopped" && a.target === "KRW-ETH")).toBe(true);
  });

  it("flattens a delisted market that holds a position, then stops its trader", async () => {
    h = await createHarness();
    h.runtime.start();
    await h.settle(40);
    for (const close of [1_010, 1_030, 1_060, 1_100]) await h.candle("KRW-BTC", close);
    expect(h.runtime.control.getActor("KRW-BTC")?.state).toBe("in_position");
    h.exchange.listed = [];
    await h.advance(SYNC, 10_000);
    await h.settle(40);
    expect(listOrders(h.db.db, { side: "ask" })[0]).toMatchObject({ reason: "flatten", state: "filled" });
    expect(h.alerts.some((a) => a.key === "delisted:KRW-BTC")).toBe(true);
    await h.advance(SYNC, 10_000);
    await h.settle(40);
    expect(h.runtime.control.listActors()).toEqual([]);
  });

  it("a CAUTION warning blocks new entries for that market", async () => {
    h = await createHarness();
    h.runtime.start();
    await h.settle(40);
    h.exchange.listed = h.exchange.listed.map((m) => ({ ...m, warning: "CAUTION" as const }));
    await h.advance(SYNC, 10_000);
    await h.settle(20);
    expect(h.runtime.control.getActor("KRW-BTC")?.warning).toBe("CAUTION");
    for (const close of [1_010, 1_030, 1_060, 1_100, 1_150]) await h.candle("KRW-BTC", close);
    expect(listOrders(h.db.db)).toEqual([]);
    expect(listAudit(h.db.db).some((a) => a.action === "market.warning_changed")).toBe(true);
  });
});

describe("stream gaps", () => {
  it("after a reconnect the trader fetches the candles it missed over REST and evaluates them", async () => {
    h = await createHarness();
    h.runtime.start();
    await h.settle(40);
    const before = h.runtime.control.getActor("KRW-BTC")?.lastCandleTs;
    expect(before).toBe(T0 - 60_000);
    // Five minutes pass with no trades reaching the bot (the stream was down); the exchange has them.
    const missed = [0, 1, 2, 3, 4].map((i) => ({ ts: T0 + i * 60_000, open: 1_000, high: 1_010, low: 990, close: 1_000 + i, volume: 2 }));
    h.exchange.history.set("KRW-BTC", [...(h.exchange.history.get("KRW-BTC") ?? []), ...missed]);
    h.clock.set(T0 + 5 * 60_000 + 10_000);
    h.marketStream.emit({ type: "resync", ts: h.clock.now(), reason: "reconnected", markets: [] });
    await h.settle(40);
    expect(h.runtime.control.getActor("KRW-BTC")?.lastCandleTs).toBe(T0 + 4 * 60_000);
    expect(h.runtime.control.getActor("KRW-BTC")?.lastPrice).toBe(1_004);
    expect(h.runtime.control.getActor("KRW-BTC")?.stale).toBe(false);
  });

  it("a stale market blocks entries until data flows again", async () => {
    h = await createHarness();
    h.runtime.start();
    await h.settle(40);
    h.marketStream.emit({ type: "stale", ts: h.clock.now(), market: "KRW-BTC", silentMs: 60_000 });
    await h.settle(5);
    expect(h.runtime.control.getActor("KRW-BTC")?.stale).toBe(true);
  });
});
