import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import { sleep } from "../../../src/ports/clock.ts";

describe("SimulatedClock", () => {
  it("fires timers in due order with now() at their due time", () => {
    const clock = new SimulatedClock(1_000);
    const seen: [string, number][] = [];
    clock.setTimeout(() => seen.push(["b", clock.now()]), 200);
    clock.setTimeout(() => seen.push(["a", clock.now()]), 100);
    const c = clock.setTimeout(() => seen.push(["c", clock.now()]), 150);
    clock.clearTimeout(c);
    clock.advance(500);
    expect(seen).toEqual([["a", 1_100], ["b", 1_200]]);
    expect(clock.now()).toBe(1_500);
  });

  it("runs timers scheduled by timers within the same advance", () => {
    const clock = new SimulatedClock(0);
    let ticks = 0;
    const tick = () => {
      ticks++;
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    clock.advance(100);
    expect(ticks).toBe(10);
  });

  it("never goes backwards", () => {
    const clock = new SimulatedClock(100);
    expect(() => clock.set(50)).toThrow(RangeError);
  });

  it("resolves sleep() on advance, not on real time", async () => {
    const clock = new SimulatedClock(0);
    let done = false;
    const p = sleep(clock, 60_000).then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(60_000);
    await p;
    expect(done).toBe(true);
  });

  it("drives an XState machine's delayed transition", async () => {
    const { createActor, createMachine } = await import("xstate");
    const machine = createMachine({ initial: "a", states: { a: { after: { 5000: "b" } }, b: {} } });
    const clock = new SimulatedClock(0);
    const actor = createActor(machine, { clock }).start();
    clock.advance(4_999);
    expect(actor.getSnapshot().value).toBe("a");
    clock.advance(1);
    expect(actor.getSnapshot().value).toBe("b");
  });
});
