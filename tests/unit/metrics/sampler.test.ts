import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import type { Market } from "../../../src/core/model.ts";
import { openDb, type DbHandle } from "../../../src/db/index.ts";
import { latestDataTs, Metrics, MetricsSampler, realisedPnlToday, startMetricsSampler } from "../../../src/metrics/index.ts";
import type { ActorNode, ActorSummary, ControlPort } from "../../../src/ports/control.ts";
import { sampleValue } from "./support.ts";

/** The periodic sampler: market-data age, today's realised PnL, the drawdown limit, actor tree gauges. */

const MINUTE = 60_000;
/** 2026-03-10 12:00 KST. */
const NOON_KST = Date.UTC(2026, 2, 10, 3, 0);
/** 2026-03-10 00:00 KST. */
const DAY_START_KST = Date.UTC(2026, 2, 9, 15, 0);

type SamplerControl = Pick<ControlPort, "listActors" | "actorTree" | "currentParams">;

class StubControl implements SamplerControl {
  actors: ActorSummary[] = [];
  shared: ActorNode[] = [
    { id: "md", kind: "shared", state: "active", restarts: 0 },
    { id: "orders", kind: "shared", state: "running", restarts: 0 },
  ];
  rootState = "running";
  maxDrawdown: number | null = 0.2;
  listActors(): ActorSummary[] {
    return this.actors;
  }
  actorTree(): ActorNode {
    const traders = this.actors.map((a): ActorNode => ({ id: a.id, kind: "trader", state: a.state, restarts: a.restarts }));
    return { id: "root", kind: "root", state: this.rootState, restarts: 0, children: [...this.shared, ...traders] };
  }
  currentParams() {
    return { strategy: {}, risk: { maxDrawdown: this.maxDrawdown } } as unknown as ReturnType<ControlPort["currentParams"]>;
  }
}

function actor(market: Market, over: Partial<ActorSummary> = {}): ActorSummary {
  return { market, id: `trader:${market}`, state: "watching", position: null, restarts: 0, warning: "NONE", stale: false, ...over } as ActorSummary;
}

let handle: DbHandle;
beforeEach(() => {
  handle = openDb({ path: ":memory:" });
});
afterEach(() => handle.close());

function closeTrade(exitTs: number, pnl: number): void {
  handle.sqlite.run(
    "INSERT INTO closed_trades (market, entry_ts, entry_price, exit_ts, exit_price, volume, fee, pnl, exit_reason) VALUES ('KRW-BTC', ?, 100, ?, 101, 1, 0, ?, 'signal')",
    [exitTs - MINUTE, exitTs, pnl],
  );
}

function setup(options: { timeScale?: number } = {}) {
  const clock = new SimulatedClock(NOON_KST);
  const control = new StubControl();
  const metrics = new Metrics({ defaultMetrics: false });
  const sampler = new MetricsSampler({ control, db: handle.db, metrics, clock, everyMs: 15_000, candleIntervalMs: MINUTE, ...options });
  return { clock, control, metrics, sampler };
}

describe("market-data age", () => {
  it("is the time since the newest of the last trade and the last candle's end, per market", async () => {
    const { clock, control, metrics, sampler } = setup();
    control.actors = [
      actor("KRW-BTC", { lastTradeTs: NOON_KST - 4_000, lastCandleTs: NOON_KST - 3 * MINUTE }),
      actor("KRW-ETH", { lastCandleTs: NOON_KST - 2 * MINUTE }),
    ];
    clock.advance(1_000);
    sampler.sample();
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-BTC" })).toBe(5);
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-ETH" })).toBe(61);
  });

  it("counts from the sampler's start for a market that has seen nothing, and grows", async () => {
    const { clock, control, metrics, sampler } = setup();
    control.actors = [actor("KRW-XRP")];
    clock.advance(30_000);
    sampler.sample();
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-XRP" })).toBe(30);
    clock.advance(30_000);
    sampler.sample();
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-XRP" })).toBe(60);
  });

  it("reports wall seconds when the clock runs faster than real time", async () => {
    const { control, metrics, sampler } = setup({ timeScale: 60 });
    control.actors = [actor("KRW-BTC", { lastTradeTs: NOON_KST - 120_000 })];
    sampler.sample();
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-BTC" })).toBe(2);
  });

  it("drops the series of a market that is no longer traded or whose trader stopped", async () => {
    const { control, metrics, sampler } = setup();
    control.actors = [actor("KRW-BTC", { lastTradeTs: NOON_KST }), actor("KRW-ETH", { lastTradeTs: NOON_KST })];
    sampler.sample();
    control.actors = [actor("KRW-BTC", { lastTradeTs: NOON_KST, state: "stopped" })];
    sampler.sample();
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-BTC" })).toBeUndefined();
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-ETH" })).toBeUndefined();
  });

  it("latestDataTs: trade, candle end, the newer of both, or nothing", () => {
    expect(latestDataTs({ lastTradeTs: 5_000 }, MINUTE)).toBe(5_000);
    expect(latestDataTs({ lastCandleTs: 0 }, MINUTE)).toBe(MINUTE);
    expect(latestDataTs({ lastTradeTs: 5_000, lastCandleTs: 0 }, MINUTE)).toBe(MINUTE);
    expect(latestDataTs({ lastTradeTs: 90_000, lastCandleTs: 0 }, MINUTE)).toBe(90_000);
    expect(latestDataTs({}, MINUTE)).toBeUndefined();
  });
});

describe("realised PnL today", () => {
  it("sums the trades closed since KST midnight, not yesterday's", () => {
    closeTrade(DAY_START_KST - 1, 1_000_000);
    closeTrade(DAY_START_KST, 1_500);
    closeTrade(NOON_KST - MINUTE, -400);
    expect(realisedPnlToday(handle.db, NOON_KST)).toBe(1_100);
    expect(realisedPnlToday(handle.db, DAY_START_KST - 1)).toBe(1_000_000);
  });

  it("reads past its first page when the day has many trades", () => {
    for (let i = 0; i < 300; i++) closeTrade(DAY_START_KST + i * 1_000, 1);
    closeTrade(DAY_START_KST - 5_000, 99);
    expect(realisedPnlToday(handle.db, NOON_KST)).toBe(300);
  });

  it("is 0 without trades, and the sampler sets the gauge", async () => {
    expect(realisedPnlToday(handle.db, NOON_KST)).toBe(0);
    const { metrics, sampler } = setup();
    closeTrade(NOON_KST - 1_000, 2_500);
    sampler.sample();
    expect(await sampleValue(metrics, "bot_realised_pnl_krw")).toBe(2_500);
  });
});

describe("drawdown limit and actors", () => {
  it("publishes risk.maxDrawdown, and 1 (no limit) when it is disabled", async () => {
    const { control, metrics, sampler } = setup();
    sampler.sample();
    expect(await sampleValue(metrics, "bot_drawdown_limit_ratio")).toBe(0.2);
    control.maxDrawdown = null;
    sampler.sample();
    expect(await sampleValue(metrics, "bot_drawdown_limit_ratio")).toBe(1);
  });

  it("zeroes every actor's restart counter without touching counts, and tracks root/shared states", async () => {
    const { control, metrics, sampler } = setup();
    control.actors = [actor("KRW-BTC")];
    metrics.actorRestartsTotal.inc({ actor: "md" }, 2);
    sampler.sample();
    expect(await sampleValue(metrics, "bot_actor_restarts_total", { actor: "trader:KRW-BTC" })).toBe(0);
    expect(await sampleValue(metrics, "bot_actor_restarts_total", { actor: "orders" })).toBe(0);
    expect(await sampleValue(metrics, "bot_actor_restarts_total", { actor: "md" })).toBe(2);
    expect(await sampleValue(metrics, "bot_actor_restarts_total", { actor: "root" })).toBeUndefined();
    expect(await sampleValue(metrics, "bot_actor_state", { actor: "orders", state: "running" })).toBe(1);
    expect(await sampleValue(metrics, "bot_actor_state", { actor: "root", state: "running" })).toBe(1);
    // Traders' states are the runtime's to report.
    expect(await sampleValue(metrics, "bot_actor_state", { actor: "trader:KRW-BTC", state: "watching" })).toBeUndefined();
    control.shared[1] = { id: "orders", kind: "shared", state: "restarting", restarts: 1 };
    sampler.sample();
    expect(await sampleValue(metrics, "bot_actor_state", { actor: "orders", state: "running" })).toBe(0);
    expect(await sampleValue(metrics, "bot_actor_state", { actor: "orders", state: "restarting" })).toBe(1);
  });
});

describe("startMetricsSampler", () => {
  it("samples at once, then every period on the clock, until cancelled", async () => {
    const clock = new SimulatedClock(NOON_KST);
    const control = new StubControl();
    control.actors = [actor("KRW-BTC", { lastTradeTs: NOON_KST })];
    const metrics = new Metrics({ defaultMetrics: false });
    const job = startMetricsSampler({ control, db: handle.db, metrics, clock, everyMs: 15_000, candleIntervalMs: MINUTE });
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-BTC" })).toBe(0);
    clock.advance(15_000);
    await Bun.sleep(0);
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-BTC" })).toBe(15);
    job.cancel();
    clock.advance(60_000);
    await Bun.sleep(0);
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-BTC" })).toBe(15);
  });

  it("a failing sample is logged and the schedule goes on", async () => {
    const clock = new SimulatedClock(NOON_KST);
    const control = new StubControl();
    let fail = true;
    control.listActors = () => {
      if (fail) throw new Error("runtime busy");
      return [actor("KRW-BTC", { lastTradeTs: NOON_KST })];
    };
    const warnings: unknown[] = [];
    const logger = { warn: (obj: unknown) => warnings.push(obj) } as unknown as import("../../../src/log.ts").Logger;
    const metrics = new Metrics({ defaultMetrics: false });
    const job = startMetricsSampler({ control, db: handle.db, metrics, clock, everyMs: 15_000, candleIntervalMs: MINUTE, logger });
    expect(warnings).toHaveLength(1);
    fail = false;
    clock.advance(15_000);
    await Bun.sleep(0);
    expect(await sampleValue(metrics, "bot_market_data_age_seconds", { market: "KRW-BTC" })).toBe(15);
    job.cancel();
  });
});
