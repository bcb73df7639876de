import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { json, privateCall, startTestSim, type TestSim } from "./helpers.ts";

const running: TestSim[] = [];
afterEach(async () => {
  for (const t of running.splice(0)) await t.sim.stop();
});

async function withWall(seed = 42): Promise<{ t: TestSim; wall: SimulatedClock }> {
  const wall = new SimulatedClock(Date.now());
  const t = await startTestSim({ wallClock: wall, seed, markets: ["KRW-XRP"] });
  running.push(t);
  return { t, wall };
}

/** Wait (briefly, in real time) until the server has parked a timer on the wall clock. */
async function parked(wall: SimulatedClock, baseline: number): Promise<void> {
  for (let i = 0; i < 400 && wall.pending() <= baseline; i++) await Bun.sleep(2);
  expect(wall.pending()).toBeGreaterThan(baseline);
}

const order = (clientOrderId: string) => ({ market: "KRW-XRP", side: "bid", order_type: "limit", price: "1000", volume: "10", client_order_id: clientOrderId });

describe("fault injection", () => {
  it("answers 500 before handling, so nothing happens", async () => {
    const { t } = await withWall();
    t.sim.admin.setFaults({ fail5xxRate: 1 });
    expect(await json(fetch(`${t.sim.restUrl}/v1/ticker?markets=KRW-XRP`))).toEqual({ status: 500, body: { error: { name: "server_error", message: "simulated server error" } } });
    expect((await privateCall(t, "POST", "/v2/orders", undefined, order("five-hundred"))).status).toBe(500);
    t.sim.admin.setFaults({ fail5xxRate: 0 });
    expect((await json(privateCall(t, "GET", "/v1/order", { client_order_id: "five-hundred" }))).body.error.name).toBe("order_not_found");
  });

  it("answers 429 with Retry-After", async () => {
    const { t } = await withWall();
    t.sim.admin.setFaults({ fail429Rate: 1, retryAfterSeconds: 3 });
    const r = await fetch(`${t.sim.restUrl}/v1/market/all`);
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("3");
    expect(((await r.json()) as { error: { name: string } }).error.name).toBe("too_many_requests");
    expect((await fetch(`${t.sim.restUrl}/sim/clock`)).status).toBe(200); // the sim's own endpoints are never faulted
  });

  it("draws the same failures in the same order under the same seed", async () => {
    const statuses = async (seed: number) => {
      const { t } = await withWall(seed);
      t.sim.admin.setFaults({ fail5xxRate: 0.3, fail429Rate: 0.2 });
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await fetch(`${t.sim.restUrl}/v1/market/all`)).status);
      return out;
    };
    const a = await statuses(7);
    expect(await statuses(7)).toEqual(a);
    expect(new Set(a)).toEqual(new Set([200, 429, 500]));
    expect(await statuses(8)).not.toEqual(a);
  });

  it("adds latency on the wall clock", async () => {
    const { t, wall } = await withWall();
    t.sim.admin.setFaults({ latencyMs: 5_000 });
    const baseline = wall.pending();
    let done = false;
    const pending = fetch(`${t.sim.restUrl}/v1/market/all`).then((r) => {
      done = true;
      return r.status;
    });
    await parked(wall, baseline);
    expect(done).toBe(false);
    wall.advance(5_000);
    expect(await pending).toBe(200);
  });

  it("delays an order's acknowledgement after the order exists", async () => {
    const { t, wall } = await withWall();
    t.sim.admin.setFaults({ ackDelayMs: 30_000 });
    const baseline = wall.pending();
    const answer = privateCall(t, "POST", "/v2/orders", undefined, order("slow-ack"));
    await parked(wall, baseline);
    t.sim.admin.setFaults({ ackDelayMs: 0 });
    const lookup = await json(privateCall(t, "GET", "/v1/order", { client_order_id: "slow-ack" }));
    expect(lookup.body.state).toBe("wait");
    wall.advance(30_000);
    const ack = await json(answer);
    expect(ack.body.order_id).toBe(lookup.body.uuid);
  });

  it("creates an order, then loses its response for the next N posts", async () => {
    const { t } = await withWall();
    t.sim.admin.loseNextOrderResponses(1);
    await expect(privateCall(t, "POST", "/v2/orders", undefined, order("lost-1"))).rejects.toThrow();
    const found = await json(privateCall(t, "GET", "/v1/order", { client_order_id: "lost-1" }));
    expect(found.body).toMatchObject({ client_order_id: "lost-1", state: "wait" });
    const resend = await json(privateCall(t, "POST", "/v2/orders", undefined, order("lost-1")));
    expect(resend.body.order_id).toBe(found.body.uuid); // resending the same id never duplicates
    expect(t.sim.admin.state().orders).toHaveLength(1);
    expect(t.sim.admin.faults().loseOrderResponses).toBe(0);
  });
});
