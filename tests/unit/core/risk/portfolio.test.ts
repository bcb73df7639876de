import { describe, expect, it } from "vitest";
import { checkEntry, type HeldPosition, RISK_PRESETS, type TradeOutcome } from "../../../../src/core/risk/index.ts";
import { prng } from "../support/data.ts";
import { context } from "./support.ts";

/** Portfolio rules: each one denies (or shrinks) an otherwise fine entry. */
const REQUEST = { market: "KRW-BTC", price: 100_000_000, stop: 98_000_000 } as const;
const held = (market: `KRW-${string}`, extra: Partial<HeldPosition> = {}): HeldPosition => ({ market, volume: 10, price: 10_000, ...extra });

describe("portfolio rules", () => {
  it("at most maxPositions open positions (default 5)", () => {
    const five = ["KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-ADA", "KRW-DOGE"].map((m) => held(m as `KRW-${string}`));
    expect(checkEntry(REQUEST, context({ portfolio: { positions: five } }))).toMatchObject({ kind: "deny", reason: "max_positions" });
    expect(checkEntry(REQUEST, context({ portfolio: { positions: five.slice(0, 4) } })).kind).toBe("approve");
    expect(checkEntry(REQUEST, context({ portfolio: { positions: five }, params: { maxPositions: 6 } })).kind).toBe("approve");
  });

  it("dust holdings take no position slot", () => {
    const positions = ["KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-ADA", "KRW-DOGE"].map((m, i) => held(m as `KRW-${string}`, { dust: i === 0 }));
    expect(checkEntry(REQUEST, context({ portfolio: { positions } })).kind).toBe("approve");
  });

  it("no second position in a market already held (no pyramiding), unless what is held is dust", () => {
    expect(checkEntry(REQUEST, context({ portfolio: { positions: [held("KRW-BTC")] } }))).toMatchObject({ kind: "deny", reason: "position_open" });
    expect(checkEntry(REQUEST, context({ portfolio: { positions: [held("KRW-BTC", { dust: true })] } })).kind).toBe("approve");
  });

  it("the daily loss limit stops new entries (5 % below the KST day's start)", () => {
    expect(checkEntry(REQUEST, context({ portfolio: { dayStartEquity: 10_600_000 } }))).toMatchObject({ kind: "deny", reason: "daily_loss_limit" });
    expect(checkEntry(REQUEST, context({ portfolio: { dayStartEquity: 10_400_000 } })).kind).toBe("approve");
    expect(checkEntry(REQUEST, context({ portfolio: { dayStartEquity: 10_600_000 }, params: { dailyLossLimit: null } })).kind).toBe("approve");
  });

  it("the max-drawdown limit stops new entries (20 % below the peak)", () => {
    expect(checkEntry(REQUEST, context({ portfolio: { peakEquity: 12_500_000 } }))).toMatchObject({ kind: "deny", reason: "max_drawdown" });
    expect(checkEntry(REQUEST, context({ portfolio: { peakEquity: 12_400_000 } })).kind).toBe("approve");
  });

  it("an inactive market is denied (orders/chance state)", () => {
    expect(checkEntry(REQUEST, context({ rules: { state: "delisted" } }))).toMatchObject({ kind: "deny", reason: "market_inactive" });
    expect(checkEntry(REQUEST, context({ rules: { state: "ACTIVE" } })).kind).toBe("approve");
  });

  it("half-Kelly of zero (recent trades with no edge) sizes a probe, and denies `no_edge` only with probing off", () => {
    const losers: TradeOutcome[] = Array.from({ length: 30 }, () => ({ pnl: -10_000, risk: 10_000 }));
    const wide = { market: "KRW-BTC", price: 100, stop: 80 } as const;
    const probe = checkEntry(wide, context({ trades: losers }));
    if (probe.kind !== "approve") throw new Error(`denied: ${probe.detail}`);
    expect(probe.kellyProbe).toBe(true);
    expect(probe.sizing.binding).toBe("kelly");
    // 0.25 % of equity at risk: a stop hit loses 25,000 KRW of 10,000,000, fees included.
    expect(probe.notional * probe.sizing.lossFraction).toBeLessThanOrEqual(25_000);
    expect(probe.notional * probe.sizing.lossFraction).toBeGreaterThan(25_000 - 1);
    const off = context({ trades: losers, params: { kelly: { ...RISK_PRESETS.default.kelly, probeRiskFraction: 0 } } });
    expect(checkEntry(wide, off)).toMatchObject({ kind: "deny", reason: "no_edge" });
    // Not a probe when the estimate is above the floor (the prior: 1.25 %).
    expect(checkEntry(wide, context())).toMatchObject({ kind: "approve", kellyProbe: false });
  });
});

describe("correlation filter", () => {
  const rnd = prng(7);
  const walk = (n: number, step: () => number) => {
    const out = [1_000];
    for (let i = 1; i < n; i++) out.push(out[i - 1]! * (1 + step()));
    return out;
  };
  const noise = Array.from({ length: 61 }, () => (rnd() - 0.5) * 0.02);
  const other = Array.from({ length: 61 }, () => (rnd() - 0.5) * 0.02);
  const candidate = walk(61, (() => { let i = 0; return () => noise[i++]!; })());
  const twin = walk(61, (() => { let i = 0; return () => noise[i++]!; })());
  const unrelated = walk(61, (() => { let i = 0; return () => other[i++]!; })());
  // Returns = 0.6 x candidate's + 0.4 x unrelated ones: correlated around 0.8.
  const cousin = walk(61, (() => { let i = 0; return () => 0.6 * noise[i]! + 0.4 * other[i++]!; })());

  it("denies an entry whose returns move with a held market (correlation >= 0.9)", () => {
    const closes = { candidate, held: new Map([["KRW-ETH" as const, twin]]) };
    const d = checkEntry(REQUEST, context({ portfolio: { positions: [held("KRW-ETH")] }, closes }));
    expect(d).toMatchObject({ kind: "deny", reason: "correlated" });
  });

  it("shrinks the size linearly between reduceAbove (0.7) and denyAbove (0.9)", () => {
    const free = checkEntry(REQUEST, context({ portfolio: { positions: [held("KRW-ETH")] }, closes: { candidate, held: new Map([["KRW-ETH" as const, unrelated]]) } }));
    const shrunk = checkEntry(REQUEST, context({ portfolio: { positions: [held("KRW-ETH")] }, closes: { candidate, held: new Map([["KRW-ETH" as const, cousin]]) } }));
    if (free.kind !== "approve" || shrunk.kind !== "approve") throw new Error("expected approvals");
    expect(free.sizing.correlationFactor).toBe(1);
    const c = shrunk.correlation!;
    expect(c).toBeGreaterThan(0.7);
    expect(c).toBeLessThan(0.9);
    expect(shrunk.sizing.correlationFactor).toBeCloseTo((0.9 - c) / 0.2, 12);
    expect(shrunk.notional).toBe(Math.floor(free.notional * shrunk.sizing.correlationFactor));
  });

  it("is skipped when switched off, when there is no history, or too little of it", () => {
    const closes = { candidate, held: new Map([["KRW-ETH" as const, twin]]) };
    const positions = [held("KRW-ETH")];
    expect(checkEntry(REQUEST, context({ portfolio: { positions }, closes, params: { correlation: { ...RISK_PRESETS.default.correlation, enabled: false } } })).kind).toBe("approve");
    expect(checkEntry(REQUEST, context({ portfolio: { positions } })).kind).toBe("approve");
    const short = { candidate: candidate.slice(-10), held: new Map([["KRW-ETH" as const, twin.slice(-10)]]) };
    expect(checkEntry(REQUEST, context({ portfolio: { positions }, closes: short })).kind).toBe("approve");
  });
});
