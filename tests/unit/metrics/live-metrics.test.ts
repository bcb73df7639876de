import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import { bindLiveMetrics, Metrics } from "../../../src/metrics/index.ts";
import { createStaticAssets } from "../../../src/server/dashboard/assets.ts";
import { LiveBroadcaster } from "../../../src/server/dashboard/live.ts";
import { harness, T0, type Harness } from "../server/dashboard/support.ts";
import { captureLogger } from "../server/support.ts";
import { sampleValue } from "./support.ts";

/**
 * bindLiveMetrics: the dashboard's live broadcaster seen from Prometheus. Every tick that sampled
 * the bot is one observation of its own duration, and the client gauge follows subscriptions. The
 * broadcaster's stopwatch is a stand-in that moves 3.5 ms per reading, so a tick lasts exactly
 * 3.5 ms (two readings) and lands in a known bucket.
 */

const TICK_MS = 1_000;
const assets = createStaticAssets().urls;
let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

function broadcaster(h: Harness) {
  const clock = new SimulatedClock(T0);
  let stopwatch = 0;
  const log = captureLogger("warn");
  const live = new LiveBroadcaster({
    sources: { control: h.control, db: h.handle.db, alerts: h.alerts },
    clock,
    logger: log.logger,
    assets,
    tickMs: TICK_MS,
    monotonicMs: () => (stopwatch += 3.5),
  });
  const metrics = new Metrics({ defaultMetrics: false });
  return { live, clock, metrics, log };
}

const ticks = (metrics: Metrics) => sampleValue(metrics, "bot_dashboard_live_tick_duration_seconds_count");
const clients = (metrics: Metrics) => sampleValue(metrics, "bot_dashboard_live_clients");
const noop = () => undefined;

describe("bindLiveMetrics", () => {
  it("observes each scheduled tick's duration and follows the connected clients", async () => {
    h = harness();
    const { live, clock, metrics } = broadcaster(h);
    live.observe(bindLiveMetrics(metrics));
    expect(await clients(metrics)).toBe(0);
    expect(await ticks(metrics)).toBe(0);

    const subs = Array.from({ length: 3 }, () => live.subscribe(["overview", "markets"], { lang: "ko", operate: true }, noop));
    expect(await clients(metrics)).toBe(3);
    await clock.advanceAsync(TICK_MS);
    await clock.advanceAsync(TICK_MS);
    expect(live.samples).toBe(2);
    expect(await ticks(metrics)).toBe(2);
    expect(await sampleValue(metrics, "bot_dashboard_live_tick_duration_seconds_sum")).toBeCloseTo(0.007, 12);
    expect(await sampleValue(metrics, "bot_dashboard_live_tick_duration_seconds_bucket", { le: 0.0025 })).toBe(0);
    expect(await sampleValue(metrics, "bot_dashboard_live_tick_duration_seconds_bucket", { le: 0.005 })).toBe(2);

    subs[0]!.close();
    subs[0]!.close(); // closing twice changes nothing
    expect(await clients(metrics)).toBe(2);
    live.stop();
    expect(await clients(metrics)).toBe(0);
  });

  it("does not observe a tick with nobody listening (nothing was sampled)", async () => {
    h = harness();
    const { live, metrics } = broadcaster(h);
    live.observe(bindLiveMetrics(metrics));
    await live.tick();
    expect(live.samples).toBe(0);
    expect(await ticks(metrics)).toBe(0);
    live.subscribe(["overview"], { lang: "en", operate: false }, noop);
    await live.tick();
    expect(await ticks(metrics)).toBe(1);
    live.stop();
  });

  it("counts a client the broadcaster drops because its write failed", async () => {
    h = harness();
    const { live, metrics } = broadcaster(h);
    live.observe(bindLiveMetrics(metrics));
    live.subscribe(["overview"], { lang: "ko", operate: false }, noop);
    let writes = 0;
    const failing = live.subscribe(["overview"], { lang: "ko", operate: false }, () => {
      if (++writes > 1) throw new Error("socket gone"); // the hello goes through, the first tick's frame does not
    });
    expect(await clients(metrics)).toBe(2);
    await live.tick();
    await failing.closed;
    expect(await clients(metrics)).toBe(1);
    expect(await ticks(metrics)).toBe(1);
    live.stop();
  });

  it("hears the client count when bound late, and a throwing observer changes nothing for clients", async () => {
    h = harness();
    const { live, metrics, log } = broadcaster(h);
    const frames: Uint8Array[] = [];
    live.subscribe(["overview"], { lang: "ko", operate: false }, (f) => frames.push(f));
    live.observe({
      onTick: () => {
        throw new Error("observer bug");
      },
    });
    live.observe(bindLiveMetrics(metrics));
    expect(await clients(metrics)).toBe(1);
    await live.tick();
    expect(frames).toHaveLength(2); // hello, then the first tick's fragments
    expect(await ticks(metrics)).toBe(1);
    expect(log.text()).toContain("observer failed");
    live.stop();
  });

  it("stops reporting once the observer is removed", async () => {
    h = harness();
    const { live, metrics } = broadcaster(h);
    const remove = live.observe(bindLiveMetrics(metrics));
    live.subscribe(["overview"], { lang: "ko", operate: false }, noop);
    remove();
    await live.tick();
    live.subscribe(["overview"], { lang: "ko", operate: false }, noop);
    expect(await ticks(metrics)).toBe(0);
    expect(await clients(metrics)).toBe(1);
    live.stop();
  });
});
