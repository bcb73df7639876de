import { afterEach, describe, expect, it } from "vitest";
import { RISK_PRESETS, resolveRiskParams } from "../../../src/core/risk/index.ts";
import { listOrders } from "../../../src/db/index.ts";
import { createHarness, type Harness } from "../../support/runtime-harness.ts";

/** Limit entries that do not fill in time are cancelled, or repriced (the rest crosses the spread). */
const BTC = "KRW-BTC" as const;
let h: Harness;

afterEach(async () => {
  await h?.stop();
});

const limitRisk = resolveRiskParams({ preset: "classic", entryOrder: { type: "limit", limitOffset: 0 } });

async function enterWithLimit(onTimeout: "cancel" | "reprice"): Promise<void> {
  h = await createHarness({ risk: limitRisk, settings: { limitOrderTimeoutMs: 120_000, limitOrderOnTimeout: onTimeout } });
  h.runtime.start();
  await h.settle(40);
  for (const close of [1_010, 1_030, 1_060, 1_100]) {
    await h.candle(BTC, close);
    if (listOrders(h.db.db).length > 0) break;
  }
  await h.settle(20);
}

describe("limit order timeout", () => {
  it("cancels a resting limit entry after the timeout and goes back to watching", async () => {
    await enterWithLimit("cancel");
    const [entry] = listOrders(h.db.db);
    expect(entry).toMatchObject({ type: "limit", side: "bid", state: "open" });
    expect(h.runtime.control.getActor(BTC)?.state).toBe("entering");
    await h.advance(125_000, 5_000);
    expect(listOrders(h.db.db)[0]?.state).toBe("cancelled");
    expect(h.runtime.control.getActor(BTC)?.state).toBe("watching");
    expect(RISK_PRESETS.classic.entryOrder.type).toBe("market"); // the default stays a market order
  });

  it("reprices the unfilled rest as a market order and the trader follows the new order", async () => {
    await enterWithLimit("reprice");
    await h.advance(125_000, 5_000);
    await h.settle(30);
    const orders = listOrders(h.db.db, { sort: "created_asc" });
    expect(orders.map((o) => [o.type, o.state])).toEqual([
      ["limit", "cancelled"],
      ["price", "filled"],
    ]);
    expect(orders[1]?.intentKey).toBe(`${orders[0]?.intentKey}:repriced`);
    expect(h.runtime.control.getActor(BTC)?.state).toBe("in_position");
  });
});
