import { afterEach, describe, expect, it } from "vitest";
import { FatalError } from "../../../src/core/errors.ts";
import type { Market } from "../../../src/core/model.ts";
import type { StreamEvent } from "../../../src/ports/market-stream.ts";
import { listAudit, listOrders } from "../../../src/db/index.ts";
import { createHarness, type Harness } from "../../support/runtime-harness.ts";

/**
 * Crashes injected into a trader and into shared actors, on the simulated clock: restart with
 * backoff, restart intensity, halting a market, halting all trading, alerts and audit rows.
 */

const BTC = "KRW-BTC" as const;
let h: Harness;

afterEach(async () => {
  await h?.stop();
});

/** Make warm-up of one market fail (its trader crashes) while `failing()` says so. */
function breakWarmUp(harness: Harness, market: Market, failing: () => boolean, error: () => Error = () => new Error("injected warm-up failure")) {
  const original = harness.exchange.getOrderChance.bind(harness.exchange);
  harness.exchange.getOrderChance = async (m) => {
    if (m === market && failing()) throw error();
    return original(m);
  };
}

const restarts = (harness: Harness, id: string) => harness.runtime.actor.getSnapshot().context.restartCount[id] ?? 0;

describe("supervising a trader (one_for_one)", () => {
  it("restarts a crashed trader with exponential backoff, rebuilding it from the database", async () => {
    h = await createHarness({ markets: ["KRW-BTC", "KRW-ETH"] });
    let failures = 2;
    breakWarmUp(h, BTC, () => failures-- > 0);
    h.runtime.start();
    await h.settle(40);
    // First failure: restart after 500 ms (jitter 0.5 -> exactly the base); the sibling is untouched.
    expect(h.runtime.control.getActor("KRW-ETH")?.state).toBe("watching");
    expect(restarts(h, "trader:KRW-BTC")).toBe(0);
    await h.advance(500, 100);
    expect(restarts(h, "trader:KRW-BTC")).toBe(1);
    // Second failure: the next delay doubles to 1 s.
    await h.advance(900, 100);
    expect(restarts(h, "trader:KRW-BTC")).toBe(1);
    await h.advance(200, 100);
    expect(restarts(h, "trader:KRW-BTC")).toBe(2);
    await h.settle(20);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("watching");
    expect(h.runtime.control.getActor(BTC)?.restarts).toBe(2);
    const audit = listAudit(h.db.db).map((a) => `${a.action}:${a.target}`);
    expect(audit.filter((a) => a === "actor.restarted:trader:KRW-BTC")).toHaveLength(2);
    expect(audit.filter((a) => a === "actor.failed:trader:KRW-BTC")).toHaveLength(2);
    expect((await h.metrics.registry.getSingleMetricAsString("bot_actor_restarts_total")).includes('actor="trader:KRW-BTC"} 2')).toBe(true);
  });

  it("halts a market past 5 restarts in 60 s and raises an alert; resume clears it", async () => {
    h = await createHarness({ markets: ["KRW-BTC", "KRW-ETH"] });
    let broken = true;
    breakWarmUp(h, BTC, () => broken);
    h.runtime.start();
    await h.settle(40);
    await h.advance(40_000, 250);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("halted");
    expect(restarts(h, "trader:KRW-BTC")).toBe(6); // five restarts, then respawned halted
    expect(h.alerts.some((a) => a.key === "halted:trader:KRW-BTC" && a.severity === "critical")).toBe(true);
    expect(h.runtime.control.getActor("KRW-ETH")?.state).toBe("watching");
    expect(h.runtime.control.health().actors.halted).toBe(1);
    // The operator fixes the cause and resumes the market.
    broken = false;
    await h.runtime.control.resumeMarket(BTC, { by: "op" });
    await h.settle(40);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("watching");
  });

  it("a halted market holding a position can still be flattened by the operator", async () => {
    h = await createHarness();
    let broken = false;
    breakWarmUp(h, BTC, () => broken);
    h.runtime.start();
    await h.settle(40);
    for (const close of [1_010, 1_030, 1_060, 1_100]) await h.candle(BTC, close);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("in_position");
    // The trader keeps crashing (a poison candle handler) until the supervisor gives up on it.
    broken = true;
    for (let i = 0; i < 7; i++) {
      h.marketStream.emit({ type: "trade", trade: { market: BTC, price: Number.NaN, volume: Number.NaN, timestamp: Number.NaN, side: "BID", sequentialId: "x" } });
      await h.advance(9_000, 500);
    }
    expect(h.runtime.control.getActor(BTC)?.state).toBe("halted");
    expect(h.runtime.control.getActor(BTC)?.position?.volume).toBeGreaterThan(0);
    await h.runtime.control.flattenMarket(BTC, { by: "op" });
    await h.settle(40);
    expect(listOrders(h.db.db, { market: BTC, side: "ask" })[0]).toMatchObject({ reason: "flatten", state: "filled" });
    expect(h.runtime.control.getActor(BTC)?.state).toBe("paused");
  });

  it("does not restart on a fatal exchange error: halts the market at once", async () => {
    h = await createHarness();
    breakWarmUp(h, BTC, () => true, () => new FatalError({ code: "out_of_scope", message: "key lacks permission" }));
    h.runtime.start();
    await h.settle(40);
    await h.advance(100, 50);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("halted");
    expect(restarts(h, "trader:KRW-BTC")).toBe(1);
  });
});

describe("supervising shared actors", () => {
  /** A frame the market-data actor cannot digest: it crashes on it. */
  const poison = { type: "trade", trade: undefined } as unknown as StreamEvent;

  it("restarts the market-data actor and re-subscribes the markets", async () => {
    h = await createHarness({ markets: ["KRW-BTC", "KRW-ETH"] });
    h.runtime.start();
    await h.settle(40);
    h.marketStream.subscription = {};
    h.marketStream.emit(poison);
    await h.settle(10);
    await h.advance(600, 100);
    expect(restarts(h, "md")).toBe(1);
    expect(h.marketStream.subscription.trade).toEqual(["KRW-BTC", "KRW-ETH"]);
    expect(h.runtime.control.health().tradingState).toBe("running");
  });

  it("halts all new trading when a shared actor keeps failing, while exits still go through", async () => {
    h = await createHarness();
    h.runtime.start();
    await h.settle(40);
    // Enter a position first.
    for (const close of [1_010, 1_030, 1_060, 1_100]) await h.candle(BTC, close);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("in_position");
    for (let i = 0; i < 6; i++) {
      h.marketStream.emit(poison);
      await h.settle(10);
      await h.advance(9_000, 500);
    }
    const health = h.runtime.control.health();
    expect(health.tradingState).toBe("halted");
    expect(health.healthy).toBe(false);
    expect(h.alerts.some((a) => a.key === "trading_halted")).toBe(true);
    expect((await h.metrics.registry.getSingleMetricAsString("bot_trading_halted")).trim().endsWith("1")).toBe(true);
    // The md actor is restarted anyway (slowest backoff) so prices keep flowing; a stop still sells.
    await h.advance(30_000, 1_000);
    h.clock.advance(1_000);
    h.trade(BTC, 800);
    await h.settle(40);
    const exit = listOrders(h.db.db, { market: BTC, side: "ask" });
    expect(exit).toHaveLength(1);
    expect(exit[0]?.state).toBe("filled");
    // And no new entry is taken while halted.
    for (const close of [820, 900, 1_000, 1_200]) await h.candle(BTC, close);
    expect(listOrders(h.db.db, { market: BTC, side: "bid" })).toHaveLength(1);
  });
});
