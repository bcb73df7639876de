import { describe, expect, it } from "vitest";
import { DEFAULT_SUPERVISION_POLICY as P, decideSupervision } from "../../../actors/supervision.ts";

const crash = (kind: "trader" | "shared", now: number) => ({ childId: kind === "trader" ? "trader:KRW-BTC" : "md", kind, errorKind: "crash" as const, now });

describe("decideSupervision (OTP one_for_one with intensity)", () => {
  it("restarts with exponential backoff and bounded jitter", () => {
    let restarts: readonly number[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = decideSupervision(crash("trader", 1_000 + i), restarts, P, 0.5);
      expect(d.action).toBe("restart");
      if (d.action !== "restart") return;
      delays.push(d.delayMs);
      restarts = d.restarts;
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
    const lo = decideSupervision(crash("trader", 0), [], P, 0);
    const hi = decideSupervision(crash("trader", 0), [], P, 0.999999);
    expect(lo.action === "restart" && lo.delayMs).toBe(400);
    expect(hi.action === "restart" && hi.delayMs).toBe(600);
  });

  it("halts a trader past 5 restarts in 60 s, but forgets restarts older than the window", () => {
    const five = [1, 2, 3, 4, 5].map((s) => s * 1_000);
    expect(decideSupervision(crash("trader", 10_000), five, P, 0.5).action).toBe("halt");
    expect(decideSupervision(crash("trader", 65_500), five, P, 0.5).action).toBe("restart");
  });

  it("escalates a shared actor past the intensity (halt all new trading)", () => {
    const five = [1, 2, 3, 4, 5].map((s) => s * 1_000);
    const d = decideSupervision(crash("shared", 10_000), five, P, 0.5);
    expect(d.action).toBe("escalate");
  });

  it("does not restart on a fatal exchange error", () => {
    expect(decideSupervision({ ...crash("trader", 0), errorKind: "fatal" }, [], P, 0.5).action).toBe("halt");
    expect(decideSupervision({ ...crash("shared", 0), errorKind: "fatal" }, [], P, 0.5).action).toBe("escalate");
  });
});
