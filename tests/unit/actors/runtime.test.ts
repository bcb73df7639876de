import { afterEach, describe, expect, it } from "vitest";
import type { AnyActorRef } from "xstate";
import { findOrderByClientId, getPosition, listAudit, listClosedTrades, listFills, listOrders } from "../../../src/db/index.ts";
import { RetryableError } from "../../../src/core/errors.ts";
import { createHarness, type Harness } from "../../support/runtime-harness.ts";

const BTC = "KRW-BTC" as const;
const origin = { by: "tester", source: "test" };
let h: Harness;

afterEach(async () => {
  await h?.stop();
});

async function started(options: Parameters<typeof createHarness>[0] = {}): Promise<Harness> {
  h = await createHarness(options);
  h.runtime.start();
  await h.settle(40);
  return h;
}

/** Rising candles after a flat history: a golden cross, then an entry. */
async function riseUntilEntry(harness: Harness, market = BTC): Promise<void> {
  for (const close of [1_010, 1_030, 1_060, 1_100]) {
    await harness.candle(market, close);
    if (listOrders(harness.db.db, { market }).length > 0) break;
  }
  await harness.settle(20);
}

describe("runtime start-up", () => {
  it("reconciles, lists markets and warms every trader up to watching", async () => {
    await started({ markets: ["KRW-BTC", "KRW-ETH"] });
    const actors = h.runtime.control.listActors();
    expect(actors.map((a) => [a.market, a.state])).toEqual([
      ["KRW-BTC", "watching"],
      ["KRW-ETH", "watching"],
    ]);
    const health = h.runtime.control.health();
    expect(health.reconciled).toBe(true);
    expect(health.tradingState).toBe("running");
  });
});

describe("trading through the actors", () => {
  it("enters on a golden cross, records intent and fill, and exits on the stop", async () => {
    await started();
    await riseUntilEntry(h);
    const [entry] = listOrders(h.db.db, { market: BTC });
    expect(entry).toMatchObject({ side: "bid", type: "price", state: "filled", reason: "entry" });
    expect(entry!.intentKey).toMatch(/^KRW-BTC:enter:/);
    expect(h.exchange.countByClientId(entry!.clientOrderId)).toBe(1);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("in_position");
    const pos = getPosition(h.db.db, BTC);
    expect(pos?.status).toBe("open");
    expect(pos?.volume).toBeCloseTo(h.exchange.balances.get("BTC")!.balance, 8);
    expect(pos?.stop).toBeGreaterThan(0);

    // A trade through the 5 % stop sells at once (URGENT), before the candle closes.
    h.clock.advance(1_000);
    h.trade(BTC, 900);
    await h.settle(30);
    const exit = listOrders(h.db.db, { market: BTC }).find((o) => o.side === "ask");
    expect(exit).toMatchObject({ type: "market", state: "filled", reason: "stop", priority: 0 });
    expect(getPosition(h.db.db, BTC)?.status).toBe("closed");
    const [trade] = listClosedTrades(h.db.db);
    expect(trade?.exitReason).toBe("stop");
    expect(trade?.pnl).toBeLessThan(0);
    expect(listFills(h.db.db)).toHaveLength(2);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("watching");
  });

  it("pauses (no new entries) and resumes on request, auditing both", async () => {
    await started();
    await h.runtime.control.pauseMarket(BTC, origin);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("paused");
    await riseUntilEntry(h);
    expect(listOrders(h.db.db)).toHaveLength(0);
    await h.runtime.control.resumeMarket(BTC, origin);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("watching");
    const actions = listAudit(h.db.db).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["trader.paused", "trader.resumed"]));
  });

  it("flattens a market: sells the position and ends paused", async () => {
    await started();
    await riseUntilEntry(h);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("in_position");
    await h.runtime.control.flattenMarket(BTC, origin);
    await h.settle(30);
    const sells = listOrders(h.db.db, { market: BTC, side: "ask" });
    expect(sells).toHaveLength(1);
    expect(sells[0]).toMatchObject({ reason: "flatten", state: "filled", priority: 0 });
    expect(h.exchange.balances.get("BTC")?.balance ?? 0).toBeCloseTo(0, 8);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("paused");
  });

  it("orders end without event types of their own (XState caches transitions per event type for good)", async () => {
    // A final child would send its parent `xstate.done.actor.order:<id>`: a new event type per
    // order, and XState memoises transition candidates per event type on the parent's state nodes,
    // so memory grew with every order ever placed. The order actors report `child.final` instead.
    const received: { actor: string; type: string }[] = [];
    await started({ provide: (deps) => ({ ...deps, inspect: (e) => e.type === "@xstate.event" && received.push({ actor: (e.actorRef as AnyActorRef).id, type: e.event.type }) }) });
    await riseUntilEntry(h);
    await h.runtime.control.flattenMarket(BTC, origin);
    await h.settle(30);
    const orders = listOrders(h.db.db, { market: BTC });
    expect(orders.map((o) => o.state)).toEqual(["filled", "filled"]);
    const perOrder = received.filter((r) => orders.some((o) => r.type.includes(o.clientOrderId)));
    expect(perOrder).toEqual([]);
    expect(received.filter((r) => r.actor === "orders" && r.type === "child.final")).toHaveLength(2);
    // Ended order actors are stopped and unregistered, not kept alive.
    for (const o of orders) expect(h.runtime.actor.system.get(`order:${o.clientOrderId}`)).toBeUndefined();
  });

  it("the kill switch pauses trading and flattens every market", async () => {
    await started({ markets: ["KRW-BTC", "KRW-ETH"] });
    await riseUntilEntry(h, BTC);
    await h.runtime.control.flattenAll(origin);
    await h.settle(40);
    expect(h.runtime.control.health().tradingState).toBe("paused");
    expect(getPosition(h.db.db, BTC)?.status).toBe("closed");
    expect(h.runtime.control.listActors().every((a) => a.state === "paused")).toBe(true);
  });
});

describe("orders are never duplicated", () => {
  it("resolves a lost submit response by lookup, without a second order", async () => {
    await started();
    // The exchange creates the order but the answer never arrives (ambiguous).
    h.exchange.failNextPlace.push({ error: new RetryableError({ code: "timeout", message: "timed out", ambiguous: true }), created: true });
    await riseUntilEntry(h);
    await h.advance(5_000);
    const [entry] = listOrders(h.db.db, { market: BTC });
    expect(entry?.state).toBe("filled");
    expect(h.exchange.countByClientId(entry!.clientOrderId)).toBe(1);
    expect(h.exchange.orders.size).toBe(1);
  });

  it("resends with the SAME client id only when the exchange has no such order", async () => {
    await started();
    h.exchange.failNextPlace.push({ error: new RetryableError({ code: "timeout", message: "timed out", ambiguous: true }), created: false });
    await riseUntilEntry(h);
    await h.advance(5_000);
    const [entry] = listOrders(h.db.db, { market: BTC });
    expect(entry?.state).toBe("filled");
    expect(entry?.attempts).toBe(2);
    expect(h.exchange.orders.size).toBe(1);
    expect(h.exchange.calls.filter((c) => c === `placeOrder:${entry!.clientOrderId}`)).toHaveLength(2);
  });

  it("a restarted runtime resumes from the database: same position, no repeated decision", async () => {
    await started();
    await riseUntilEntry(h);
    const before = listOrders(h.db.db);
    expect(before).toHaveLength(1);
    // Crash: the actors vanish; a new runtime starts on the same database and exchange.
    h.runtime.actor.stop();
    h.restart();
    h.runtime.start();
    await h.settle(40);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("in_position");
    expect(h.runtime.control.getActor(BTC)?.position?.volume).toBeCloseTo(getPosition(h.db.db, BTC)!.volume, 10);
    await h.candle(BTC, 1_110);
    expect(listOrders(h.db.db)).toHaveLength(1);
    expect(findOrderByClientId(h.db.db, before[0]!.clientOrderId)?.state).toBe("filled");
  });
});

describe("parameter changes from the dashboard", () => {
  it("saves them with who, restarts the traders with them, and an open position keeps its stop", async () => {
    const { getConfigValue } = await import("../../../src/db/index.ts");
    const { PARAMS_KEYS } = await import("../../../actors/runtime.ts");
    const { FAST_PARAMS } = await import("../../support/runtime-harness.ts");
    await started();
    await riseUntilEntry(h);
    const stopBefore = getPosition(h.db.db, BTC)?.stop;
    expect(stopBefore).toBeGreaterThan(0);
    const next = { ...FAST_PARAMS, rsiMax: 90 };
    const r = await h.runtime.control.updateParams({ strategy: next }, origin);
    expect(r.ok).toBe(true);
    await h.settle(40);
    expect(h.runtime.control.currentParams().strategy.rsiMax).toBe(90);
    expect(getConfigValue(h.db.db, PARAMS_KEYS.strategy)).toMatchObject({ rsiMax: 90 });
    expect(listAudit(h.db.db).some((a) => a.action === "config.changed" && a.actor === "tester")).toBe(true);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("in_position");
    expect(h.runtime.control.getActor(BTC)?.position?.stop).toBe(stopBefore);
    // The stop still protects the position.
    h.clock.advance(1_000);
    h.trade(BTC, 800);
    await h.settle(30);
    expect(listOrders(h.db.db, { market: BTC, side: "ask" })[0]?.reason).toBe("stop");
  });
});
