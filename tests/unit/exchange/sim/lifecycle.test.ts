import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { DEFAULT_START_INDEX, startSimulator } from "../../../../src/exchange/sim/index.ts";

const FIRST_CANDLE = 1_756_684_800_000; // 2025-09-01T00:00Z, first row of the bundled 1m files

describe("startSimulator", () => {
  it("starts 9 days into the data by default, on a scaled clock at the given speed", async () => {
    const sim = await startSimulator({ markets: ["KRW-ETH"], speed: 120 });
    try {
      expect(sim.startedAt).toBe(FIRST_CANDLE + DEFAULT_START_INDEX * 60_000);
      expect(sim.speed).toBe(120);
      expect(sim.markets).toEqual(["KRW-ETH"]);
      expect(sim.clock.now()).toBeGreaterThanOrEqual(sim.startedAt);
      expect(sim.wsUrl).toBe(`ws://127.0.0.1:${sim.port}/websocket/v1`);
    } finally {
      await sim.stop();
      await sim.stop(); // idempotent
    }
  });

  it("takes the start from an injected clock or from startIndex", async () => {
    const clock = new SimulatedClock(FIRST_CANDLE + 3 * 86_400_000);
    const a = await startSimulator({ markets: ["KRW-ETH"], clock });
    expect(a.startedAt).toBe(clock.now());
    await a.stop();
    const b = await startSimulator({ markets: ["KRW-ETH"], startIndex: 60, clock: (t) => new SimulatedClock(t) });
    expect(b.startedAt).toBe(FIRST_CANDLE + 3_600_000);
    await b.stop();
  });

  it("refuses a start before the data, an unknown market and a port in use", async () => {
    await expect(startSimulator({ markets: ["KRW-ETH"], startAt: FIRST_CANDLE })).rejects.toThrow(RangeError);
    await expect(startSimulator({ markets: ["KRW-NOPE" as "KRW-ETH"] })).rejects.toThrow(/no 1m candle file/);
    const sim = await startSimulator({ markets: ["KRW-ETH"] });
    try {
      await expect(startSimulator({ markets: ["KRW-ETH"], port: sim.port })).rejects.toThrow();
    } finally {
      await sim.stop();
    }
  });
});
