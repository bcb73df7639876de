import { describe, expect, it } from "vitest";
import { floorKrw, floorVolume, roundPrice } from "../../../../src/core/orders/krw.ts";
import { type BacktestConfig, type EngineRun, resolveBacktestConfig, runEngine } from "../../../../src/backtest/engine/index.ts";
import type { CandleSeries } from "../../../../src/backtest/data/index.ts";
import { flat, H, hourly, type Row, script, scripted, type ScriptedAction, type ScriptState, T0 } from "./support.ts";

const CASH = 10_000_000;
const FEE = 0.0025;
const SLIP = 0.001;
const classic = resolveBacktestConfig({}, "classic");

function run(series: readonly CandleSeries[], actions: Map<number, ScriptedAction[]>, config: BacktestConfig = classic): { run: EngineRun; state: () => ScriptState } {
  const strategy = scripted(actions);
  let last: ScriptState | undefined;
  const tracking = { ...strategy, init: (p: unknown) => (last = strategy.init(p)) };
  const result = runEngine({ series, strategy: tracking, params: undefined, risk: config.risk, settings: config.engine, recordDecisions: true });
  return { run: result, state: () => last! };
}

const enter = (stopBelowFill?: number): ScriptedAction => ({ kind: "enter", stop: stopBelowFill === undefined ? undefined : (p) => p - stopBelowFill });
const exit = (fraction = 1): ScriptedAction => ({ kind: "exit", fraction });

describe("engine fill rules (classic settings: exact fills, all-in sizing)", () => {
  it("fills an entry decided at a close at the next open x (1 + slippage), buying qty = cash / (price x (1 + fee))", () => {
    const s = hourly("KRW-BTC", [flat(100), flat(100), [110, 112, 109, 111], [111, 113, 110, 112], [120, 121, 119, 120]]);
    const { run: r } = run([s], script([1, enter()], [3, exit()]));
    const price = 110 * (1 + SLIP);
    const qty = CASH / (price * (1 + FEE));
    const entryFee = qty * price * FEE;
    const cashAfterBuy = CASH - qty * price - entryFee;
    const exitPrice = 120 * (1 - SLIP);
    const proceeds = qty * exitPrice;
    const exitFee = proceeds * FEE;
    expect(r.trades).toEqual([
      {
        market: "KRW-BTC",
        entryTs: T0 + 2 * H,
        entryPrice: price,
        exitTs: T0 + 4 * H,
        exitPrice,
        qty,
        fee: entryFee + exitFee,
        pnl: proceeds - exitFee - (qty * price + entryFee),
        exitReason: "signal",
      },
    ]);
    expect(Array.from(r.equityValue)).toEqual([CASH, CASH, cashAfterBuy + qty * 111, cashAfterBuy + qty * 112, cashAfterBuy + proceeds - exitFee]);
    expect(Array.from(r.equityTs)).toEqual([0, 1, 2, 3, 4].map((i) => T0 + i * H));
  });

  it("fires a stop inside the entry candle at min(open, stop) x (1 - slippage), so entryTs equals exitTs", () => {
    const s = hourly("KRW-BTC", [flat(100), flat(100), [100, 101, 90, 98], flat(98)]);
    const { run: r } = run([s], script([1, enter(5)]));
    const stop = 100 * (1 + SLIP) - 5;
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]).toMatchObject({ entryTs: T0 + 2 * H, exitTs: T0 + 2 * H, exitPrice: Math.min(100, stop) * (1 - SLIP), exitReason: "stop" });
  });

  it("fills a stop at the open x (1 - slippage) when the candle opens below it (a gap down)", () => {
    const s = hourly("KRW-BTC", [flat(100), flat(100), [100, 101, 99, 100], [90, 92, 88, 91], flat(91)]);
    const { run: r } = run([s], script([1, enter(5)]));
    expect(r.trades[0]).toMatchObject({ entryTs: T0 + 2 * H, exitTs: T0 + 3 * H, exitPrice: 90 * (1 - SLIP), exitReason: "stop" });
  });

  it("fills a dead-cross exit at the open first when the same candle would also reach the stop", () => {
    const s = hourly("KRW-BTC", [flat(100), flat(100), [100, 101, 99, 100], [99, 99, 80, 85], flat(85)]);
    const { run: r } = run([s], script([1, enter(5)], [2, exit()]));
    expect(r.trades[0]).toMatchObject({ exitTs: T0 + 3 * H, exitPrice: 99 * (1 - SLIP), exitReason: "signal" });
  });

  it("ignores a signal on the last candle (there is no next open)", () => {
    const s = hourly("KRW-BTC", [flat(100), flat(101), flat(102)]);
    const { run: r, state } = run([s], script([2, enter()]));
    expect(r.trades).toEqual([]);
    expect(Array.from(r.equityValue)).toEqual([CASH, CASH, CASH]);
    expect(state().seen.map((x) => x.ts)).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(r.decisions).toEqual([{ ts: T0 + 2 * H, market: "KRW-BTC", action: "enter", reason: "entry", outcome: "ignored" }]);
  });

  it("sells a position still open at the end at the last close x (1 - slippage) with fee, exitReason end, and the last mark is the cash", () => {
    const s = hourly("KRW-BTC", [flat(100), flat(100), [100, 105, 99, 104], [104, 108, 103, 107]]);
    const { run: r } = run([s], script([1, enter(50)]));
    const price = 100 * (1 + SLIP);
    const qty = CASH / (price * (1 + FEE));
    const cash = CASH - qty * price - qty * price * FEE;
    const proceeds = qty * 107 * (1 - SLIP);
    expect(r.trades[0]).toMatchObject({ exitTs: T0 + 3 * H, exitPrice: 107 * (1 - SLIP), exitReason: "end", qty });
    expect(r.equityValue[3]).toBe(cash + proceeds - proceeds * FEE);
    expect(r.equityValue[2]).toBe(cash + qty * 104);
  });

  it("leaves the close of an exit candle free: the strategy is flat there and a new entry fills at the next open", () => {
    const s = hourly("KRW-BTC", [flat(100), flat(101), flat(102), flat(103), flat(104), flat(105)]);
    const { run: r, state } = run([s], script([0, enter()], [2, exit()], [3, enter()]));
    expect(r.trades.map((t) => [t.entryTs, t.exitTs, t.exitReason])).toEqual([
      [T0 + H, T0 + 3 * H, "signal"],
      [T0 + 4 * H, T0 + 5 * H, "end"],
    ]);
    expect(state().seen.find((x) => x.ts === T0 + 3 * H)!.held).toBe(false);
  });

  it("leaves the close of a stop candle free for a new entry", () => {
    const s = hourly("KRW-BTC", [flat(100), flat(100), [100, 101, 90, 95], flat(95), flat(96)]);
    const { run: r } = run([s], script([1, enter(5)], [2, enter()]));
    expect(r.trades.map((t) => [t.entryTs, t.exitTs, t.exitReason])).toEqual([
      [T0 + 2 * H, T0 + 2 * H, "stop"],
      [T0 + 3 * H, T0 + 4 * H, "end"],
    ]);
  });

  it("sells partial take-profit levels inside candles and reports one round trip with the average exit price", () => {
    // Entry fill 100.1, stop 90.1 (R = 10): levels at 110.1 (1/3) and 120.1 (1/3); the rest stops out.
    const s = hourly("KRW-BTC", [flat(100), flat(100), [100, 101, 99, 100], [105, 115, 104, 112], [118, 125, 117, 121], [100, 100, 85, 86], flat(86)]);
    const levels = [
      { r: 1, fraction: 1 / 3 },
      { r: 2, fraction: 1 / 3 },
    ];
    const { run: r, state } = run([s], script([1, { kind: "enter", stop: (p) => p - 10, takeProfits: levels }]));
    const fills = state().fills;
    expect(fills.map((f) => [f.side, f.reason, f.ts])).toEqual([
      ["bid", undefined, T0 + 2 * H],
      ["ask", "take_profit_1", T0 + 3 * H],
      ["ask", "take_profit_2", T0 + 4 * H],
      ["ask", "stop", T0 + 5 * H],
    ]);
    const entry = 100 * (1 + SLIP);
    expect(fills[1]!.price).toBe((entry + 10) * (1 - SLIP));
    expect(fills[2]!.price).toBe((entry + 20) * (1 - SLIP));
    expect(fills[3]!.price).toBe(Math.min(100, entry - 10) * (1 - SLIP));
    const sold = fills.slice(1);
    const qty = sold.reduce((a, f) => a + f.volume, 0);
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0]!;
    expect(t.exitReason).toBe("stop");
    expect(t.qty).toBeCloseTo(fills[0]!.volume, 9);
    expect(t.exitPrice).toBeCloseTo(sold.reduce((a, f) => a + f.price * f.volume, 0) / qty, 9);
  });

  it("marks equity at every close as cash + quantity x close", () => {
    const closes = [100, 100, 103, 99, 104, 108];
    const s = hourly("KRW-BTC", closes.map((c) => [c, c + 1, c - 1, c] as Row));
    const { run: r } = run([s], script([1, enter(50)]));
    const t = r.trades[0]!;
    const cash = CASH - t.qty * t.entryPrice * (1 + FEE);
    for (let i = 2; i < 5; i++) expect(r.equityValue[i]).toBeCloseTo(cash + t.qty * closes[i]!, 6);
  });
});

describe("engine fill rules (exchange precision)", () => {
  const exchangeAllIn = resolveBacktestConfig({ preset: "classic", engine: { fillPrecision: "exchange", minOrderKrw: 5000 } });

  it("buys whole-KRW amounts and volumes floored to 8 decimals, and never spends more than the cash", () => {
    const s = hourly("KRW-BTC", [flat(100_000_000), flat(100_000_000), [101_234_567, 101_300_000, 101_000_000, 101_100_000], flat(101_100_000)]);
    const { run: r } = run([s], script([1, enter(1_000_000)]), exchangeAllIn);
    const price = 101_234_567 * (1 + SLIP);
    const qty = floorVolume(floorKrw(CASH / (1 + FEE)) / price);
    const t = r.trades[0]!;
    expect(t.qty).toBe(qty);
    expect(Number(t.qty.toFixed(8))).toBe(t.qty);
    const cash = CASH - qty * price - qty * price * FEE;
    expect(cash).toBeGreaterThanOrEqual(0);
    expect(r.equityValue[2]).toBe(cash + qty * 101_100_000);
  });

  it("keeps a position under the exchange minimum as dust: the exit is denied, the strategy sees it flat, the end sells it", () => {
    // All-in at 100 KRW, then the price falls to 0.04 KRW: the holding is worth ~4,000 KRW < 5,000.
    const s = hourly("KRW-XRP", [flat(100), flat(100), [100, 100, 100, 100], [0.04, 0.04, 0.04, 0.04], flat(0.04), flat(0.04)]);
    const { run: r, state } = run([s], script([1, enter()], [3, exit()]), exchangeAllIn);
    expect(r.dustEvents).toBe(1);
    expect(r.denials.dust).toBe(1);
    expect(state().seen.find((x) => x.ts === T0 + 4 * H)!.held).toBe(false);
    expect(r.trades.map((t) => t.exitReason)).toEqual(["end"]);
    expect(r.decisions!.map((d) => [d.action, d.outcome])).toEqual([
      ["enter", "approved"],
      ["exit", "dust"],
    ]);
  });

  it("fills a limit entry at the open when the open is at or below the limit, at the limit when the low trades through, and lets it expire otherwise", () => {
    const limitConfig = resolveBacktestConfig({ preset: "classic", risk: { entryOrder: { type: "limit", limitOffset: 0.002 } }, engine: { fillPrecision: "exchange" } });
    const limit = roundPrice(10_000 * 1.002, "down");
    const atOpen = run([hourly("KRW-BTC", [flat(10_000), flat(10_000), [10_010, 10_050, 10_000, 10_040], flat(10_040)])], script([1, enter(500)]), limitConfig).run;
    expect(atOpen.trades[0]!.entryPrice).toBe(10_010);
    const through = run([hourly("KRW-BTC", [flat(10_000), flat(10_000), [10_050, 10_060, 10_000, 10_040], flat(10_040)])], script([1, enter(500)]), limitConfig).run;
    expect(through.trades[0]!.entryPrice).toBe(limit);
    const missed = run([hourly("KRW-BTC", [flat(10_000), flat(10_000), [10_050, 10_060, limit, 10_040], flat(10_040)])], script([1, enter(500)]), limitConfig).run;
    expect(missed.trades).toEqual([]);
    expect(missed.expiredOrders).toBe(1);
  });
});

describe("engine risk and portfolio", () => {
  it("sizes a default-risk entry by the Kelly prior: 1.25% of equity lost at the stop, both fees included", () => {
    const config = resolveBacktestConfig({ preset: "default", risk: { dailyLossLimit: null, maxDrawdown: null } });
    const s = hourly("KRW-BTC", [flat(10_000), flat(10_000), flat(10_000), flat(10_000)]);
    const { run: r } = run([s], script([1, { kind: "enter", stop: (p) => p * 0.9 }]), config);
    // Stop 10% under the reference price: loss fraction = 0.1 + bid fee + ask fee x 0.9.
    const lossFraction = 0.1 + FEE + FEE * 0.9;
    const amount = floorKrw((0.5 * (0.35 - 0.65 / 2) * CASH) / lossFraction);
    const t = r.trades[0]!;
    expect(t.qty).toBe(floorVolume(amount / (10_000 * (1 + SLIP))));
    expect(r.decisions![0]!.order).toEqual({ market: "KRW-BTC", side: "bid", type: "price", price: amount });
  });

  it("shares one KRW balance and the position limit across markets: the second simultaneous entry is denied", () => {
    const config = resolveBacktestConfig({ preset: "classic", risk: { maxPositions: 1 } });
    const rows = [flat(100), flat(100), flat(101), flat(102)];
    const { run: r } = run([hourly("KRW-ETH", rows), hourly("KRW-BTC", rows)], script([1, enter()]), config);
    expect(r.trades.map((t) => t.market)).toEqual(["KRW-BTC"]);
    expect(r.denials).toEqual({ max_positions: 1 });
  });

  it("denies an all-in entry in a second market while the first holds every KRW", () => {
    const rows = [flat(100), flat(100), flat(101), flat(102)];
    const { run: r } = run([hourly("KRW-ETH", rows), hourly("KRW-BTC", rows)], script([1, enter()]));
    expect(r.trades.map((t) => t.market)).toEqual(["KRW-BTC"]);
    expect(r.denials).toEqual({ insufficient_krw: 1 });
  });

  it("orders markets by code within one timestamp whatever the input order, and marks one equity point per distinct timestamp", () => {
    const btc = hourly("KRW-BTC", [flat(100), flat(100), flat(101), flat(102), flat(103)]);
    const ethTs = [0, 1, 3, 4, 5].map((i) => T0 + i * H);
    const eth = hourly("KRW-ETH", [flat(50), flat(50), flat(52), flat(53), flat(54)], T0, ethTs);
    const config = resolveBacktestConfig({ preset: "classic", risk: { sizing: "risk_based", kelly: { enabled: false }, maxMarketWeight: 0.4 } });
    const a = run([btc, eth], script([1, enter(10)]), config).run;
    const b = run([eth, btc], script([1, enter(10)]), config).run;
    expect(a.markets).toEqual(["KRW-BTC", "KRW-ETH"]);
    expect(b).toEqual(a);
    expect(Array.from(a.equityTs)).toEqual([0, 1, 2, 3, 4, 5].map((i) => T0 + i * H));
    expect(a.trades.map((t) => [t.market, t.exitTs, t.exitReason])).toEqual([
      ["KRW-BTC", T0 + 4 * H, "end"],
      ["KRW-ETH", T0 + 5 * H, "end"],
    ]);
  });

  it("warms the strategy up on candles before startTs without orders or equity marks", () => {
    const s = hourly("KRW-BTC", [flat(100), flat(101), flat(102), flat(103), flat(104)]);
    const { run: r, state } = run([s], script([0, enter()], [2, enter()]));
    expect(r.trades).toHaveLength(1);
    const warm = runEngine({ series: [s], strategy: scripted(script([0, enter()], [2, enter()])), params: undefined, risk: classic.risk, settings: classic.engine, startTs: T0 + 2 * H });
    expect(Array.from(warm.equityTs)).toEqual([T0 + 2 * H, T0 + 3 * H, T0 + 4 * H]);
    expect(warm.trades.map((t) => t.entryTs)).toEqual([T0 + 3 * H]);
    expect(state().seen).toHaveLength(5);
  });
});
