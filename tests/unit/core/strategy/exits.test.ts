import { describe, expect, it } from "vitest";
import { atr } from "../../../../src/core/indicators/index.ts";
import type { Candle } from "../../../../src/core/model.ts";
import {
  checkProtectiveExits,
  type EmaCrossParams,
  type EmaCrossState,
  emaCross,
  type ExitIntent,
  initialRisk,
  openTradePlan,
  resolveStrategyParams,
  type StrategyView,
} from "../../../../src/core/strategy/index.ts";
import { simulate } from "../support/harness.ts";

/**
 * Exit rules on hand-built candles (same base sequence as entry.test.ts: golden cross at index 8,
 * close 100.5, ATR3 = 2.9333..; entry fills at candle 9's open, 101; dead cross at index 11).
 */
const BASE_CLOSES = [100, 104, 102, 100, 98, 97, 99, 98, 100.5, 101, 100, 99, 98];
const SIGNAL = 8;
const small: EmaCrossParams = resolveStrategyParams({ preset: "classic", emaFast: 2, emaSlow: 4, rsiPeriod: 3, atrPeriod: 3, volumePeriod: 3 });

function candles(closes: readonly number[]): Candle[] {
  return closes.map((c, i) => ({ ts: 1_000 * i, open: c, high: c + 1, low: c - 1, close: c, volume: 10 }));
}
const BASE = candles(BASE_CLOSES);
const SIGNAL_ATR = atr(BASE.map((c) => c.high), BASE.map((c) => c.low), BASE_CLOSES, 3)[SIGNAL]!;
const FILL = 101;
/** R as the plan defines it: entry - initial stop (may differ from 2 x ATR in the last bit). */
const R = FILL - (FILL - 2 * SIGNAL_ATR);

const view = (position: StrategyView["position"]): StrategyView => ({ market: "KRW-BTC", position, closed: true, stale: false, warning: "NONE", suspended: false });

/** State after the signal candle and a fill of `volume` at 101 on candle 9's open. */
function entered(params: EmaCrossParams, volume = 3): EmaCrossState {
  let state = emaCross.init(params);
  for (let i = 0; i <= SIGNAL; i++) state = emaCross.onCandle(state, BASE[i]!, view(null)).state;
  return emaCross.onFill(state, { side: "bid", price: FILL, volume, ts: 9_000 }, view({ volume, avgPrice: FILL, entryTs: 9_000 }));
}

/** Only the exits we want to look at switched on. */
const only = (overrides: Partial<EmaCrossParams>): EmaCrossParams => ({ ...small, exitOnDeadCross: false, ...overrides });

describe("dead cross", () => {
  it("exits everything at the next open after fast crosses below slow", () => {
    const result = simulate(emaCross.init(small), BASE);
    expect(result.fills.map((f) => [f.index, f.side, f.price, f.reason])).toEqual([
      [9, "bid", 101, undefined],
      [12, "ask", 98, "dead_cross"],
    ]);
    const exit = result.intents.get(11)![0] as ExitIntent;
    expect(exit).toMatchObject({ kind: "exit", reason: "dead_cross", fraction: 1, ts: 11_000, price: 99 });
  });

  it("does nothing while flat", () => {
    let state = emaCross.init(small);
    const intents = BASE.map((c) => {
      const step = emaCross.onCandle(state, c, view(null));
      state = step.state;
      return step.intents;
    });
    expect(intents[11]).toEqual([]);
  });
});

describe("stop loss", () => {
  it("sits 2 ATR of the SIGNAL candle below the entry FILL price", () => {
    const plan = entered(small).trade!;
    expect(plan.entryPrice).toBe(FILL);
    expect(plan.stop).toBe(FILL - 2 * SIGNAL_ATR);
    expect(plan.initialStop).toBe(plan.stop);
    expect(initialRisk(plan)).toBe(3 * R);
  });

  it("can be a fixed percentage of the fill price instead", () => {
    const plan = entered({ ...small, stopLoss: { mode: "percent", atrMultiple: 2, percent: 0.05 } }).trade!;
    expect(plan.stop).toBe(FILL - FILL * 0.05);
  });

  it("fires inside the candle when the low reaches it, at the stop price", () => {
    const state = entered(small);
    const stop = state.trade!.stop;
    expect(emaCross.checkProtectiveExits(state, { open: 100, high: 101, low: stop })).toEqual([{ reason: "stop", fraction: 1, trigger: stop, price: stop }]);
    expect(emaCross.checkProtectiveExits(state, { open: 100, high: 101, low: stop + 0.01 })).toEqual([]);
  });

  it("a gap below the stop fills at the open: min(open, stop)", () => {
    const state = entered(small);
    const [exit] = emaCross.checkProtectiveExits(state, { open: 90, high: 91, low: 89 });
    expect(exit).toMatchObject({ reason: "stop", price: 90 });
  });

  it("is checked on the entry candle itself, before its close is evaluated", () => {
    const series = [...BASE];
    series[9] = { ...series[9]!, low: 90 }; // entry candle: opens 101, trades down to 90
    const result = simulate(emaCross.init(small), series, { slippage: 0.001 });
    expect(result.fills.map((f) => [f.index, f.side, f.reason])).toEqual([
      [9, "bid", undefined],
      [9, "ask", "stop"],
    ]);
    const entry = 101 * 1.001;
    expect(result.fills[1]!.price).toBeCloseTo((entry - 2 * SIGNAL_ATR) * 0.999, 12);
    expect(result.state.trade).toBeNull();
  });

  it("when a stop and a target are both touched in one candle, the stop is assumed", () => {
    const state = entered(only({ target: { enabled: true, mode: "r", value: 1 } }));
    const exits = emaCross.checkProtectiveExits(state, { open: 101, high: 200, low: 50 });
    expect(exits).toHaveLength(1);
    expect(exits[0]!.reason).toBe("stop");
  });
});

describe("targets", () => {
  it("target profit sells everything at entry + value x R, or at the open on a gap above", () => {
    const state = entered(only({ target: { enabled: true, mode: "r", value: 1.5 } }));
    const target = FILL + 1.5 * R;
    expect(state.trade!.target).toBe(target);
    expect(emaCross.checkProtectiveExits(state, { open: 102, high: target, low: 101 })).toEqual([{ reason: "target", fraction: 1, trigger: target, price: target }]);
    expect(emaCross.checkProtectiveExits(state, { open: 120, high: 121, low: 119 })[0]!.price).toBe(120);
    expect(emaCross.checkProtectiveExits(state, { open: 102, high: target - 0.001, low: 101 })).toEqual([]);
  });

  it("a percentage target sits at entry x (1 + value)", () => {
    expect(entered(only({ target: { enabled: true, mode: "percent", value: 0.1 } })).trade!.target).toBe(FILL * 1.1);
  });

  it("partial take-profits: a third at +1R, a third at +2R, and the rest stays", () => {
    const params = only({ takeProfits: { enabled: true, levels: [{ r: 1, fraction: 1 / 3 }, { r: 2, fraction: 1 / 3 }], breakevenAfterFirst: false } });
    let state = entered(params, 3);
    const [first] = emaCross.checkProtectiveExits(state, { open: 102, high: FILL + R, low: 101 });
    expect(first).toMatchObject({ reason: "take_profit_1", fraction: 1 / 3, price: FILL + R });
    state = emaCross.onFill(state, { side: "ask", price: FILL + R, volume: 1, ts: 10_000, reason: "take_profit_1" }, view({ volume: 2, avgPrice: FILL, entryTs: 9_000 }));
    expect(state.trade!.takeProfitsDone).toBe(1);
    expect(emaCross.checkProtectiveExits(state, { open: 102, high: FILL + R + 1, low: 101 })).toEqual([]);
    const [second] = emaCross.checkProtectiveExits(state, { open: 110, high: FILL + 2 * R, low: 109 });
    expect(second).toMatchObject({ reason: "take_profit_2", fraction: 0.5 });
    state = emaCross.onFill(state, { side: "ask", price: FILL + 2 * R, volume: 1, ts: 11_000, reason: "take_profit_2" }, view({ volume: 1, avgPrice: FILL, entryTs: 9_000 }));
    expect(emaCross.checkProtectiveExits(state, { open: 200, high: 300, low: 199 })).toEqual([]);
    expect(state.trade!.volume).toBe(1);
  });

  it("both levels inside one candle sell in order, each fraction of what is left", () => {
    const params = only({ takeProfits: { enabled: true, levels: [{ r: 1, fraction: 1 / 3 }, { r: 2, fraction: 1 / 3 }], breakevenAfterFirst: false } });
    const exits = emaCross.checkProtectiveExits(entered(params, 3), { open: 102, high: FILL + 3 * R, low: 101 });
    expect(exits.map((e) => [e.reason, e.fraction])).toEqual([
      ["take_profit_1", 1 / 3],
      ["take_profit_2", 0.5],
    ]);
  });

  it("a target below the next level sells everything before that level", () => {
    const params = only({
      target: { enabled: true, mode: "r", value: 1.5 },
      takeProfits: { enabled: true, levels: [{ r: 1, fraction: 0.25 }, { r: 2, fraction: 0.25 }], breakevenAfterFirst: false },
    });
    const exits = emaCross.checkProtectiveExits(entered(params, 4), { open: 102, high: FILL + 3 * R, low: 101 });
    expect(exits.map((e) => [e.reason, e.fraction])).toEqual([
      ["take_profit_1", 0.25],
      ["target", 1],
    ]);
  });

  it("after the first level the stop moves to break-even when asked", () => {
    const params = only({ takeProfits: { enabled: true, levels: [{ r: 1, fraction: 0.5 }], breakevenAfterFirst: true } });
    const state = emaCross.onFill(entered(params, 2), { side: "ask", price: FILL + R, volume: 1, ts: 10_000, reason: "take_profit_1" }, view({ volume: 1, avgPrice: FILL, entryTs: 9_000 }));
    expect(state.trade!.stop).toBe(FILL);
    expect(emaCross.checkProtectiveExits(state, { open: 102, high: 103, low: FILL })[0]).toMatchObject({ reason: "stop", price: FILL });
  });
});

describe("trailing stop", () => {
  const params = only({ trailingStop: { enabled: true, atrMultiple: 1 } });

  it("ratchets up with the highest close and never moves down", () => {
    let state = entered(params);
    const stops: number[] = [state.trade!.stop];
    const closes = [103, 106, 109, 104, 102, 108];
    const position = { volume: 3, avgPrice: FILL, entryTs: 9_000 };
    closes.forEach((close, k) => {
      const step = emaCross.onCandle(state, { ts: 9_000 + 1_000 * k, open: close, high: close + 1, low: close - 1, close, volume: 10 }, view(position));
      state = step.state;
      for (const intent of step.intents) {
        expect(intent.kind).toBe("adjustStop");
        if (intent.kind === "adjustStop") {
          expect(intent.stop).toBeGreaterThan(intent.previous);
          expect(intent.reason).toBe("trailing_stop");
        }
      }
      stops.push(state.trade!.stop);
    });
    for (let i = 1; i < stops.length; i++) expect(stops[i]!).toBeGreaterThanOrEqual(stops[i - 1]!);
    expect(state.trade!.highestClose).toBe(109);
    expect(state.trade!.stop).toBeGreaterThan(state.trade!.initialStop);
    expect(state.trade!.stopReason).toBe("trailing_stop");
  });

  it("a hit of the raised stop is reported as trailing_stop", () => {
    let state = entered(params);
    state = emaCross.onCandle(state, { ts: 9_000, open: 101, high: 111, low: 100, close: 110, volume: 10 }, view({ volume: 3, avgPrice: FILL, entryTs: 9_000 })).state;
    const stop = state.trade!.stop;
    expect(stop).toBeGreaterThan(state.trade!.initialStop);
    expect(emaCross.checkProtectiveExits(state, { open: 110, high: 110, low: stop - 1 })[0]).toMatchObject({ reason: "trailing_stop", price: stop });
  });
});

describe("time stop", () => {
  it("exits at the close of the N-th candle held (the entry candle counts as the first)", () => {
    const result = simulate(emaCross.init(only({ timeStop: { enabled: true, bars: 2 } })), BASE);
    expect(result.fills.map((f) => [f.index, f.reason])).toEqual([
      [9, undefined],
      [11, "time_stop"],
    ]);
  });

  it("the dead cross wins when both happen on the same candle", () => {
    const result = simulate(emaCross.init({ ...small, timeStop: { enabled: true, bars: 3 } }), BASE);
    expect(result.intents.get(11)!.map((i) => (i.kind === "exit" ? i.reason : i.kind))).toEqual(["dead_cross"]);
  });
});

describe("position bookkeeping", () => {
  it("several entry fills re-base the plan on the average price, keeping the signal candle's ATR distance", () => {
    let state = entered(small, 1);
    // A candle closes between the two fills (a slow limit order): the ATR moves, the distance must not.
    state = emaCross.onCandle(state, { ts: 9_000, open: 101, high: 120, low: 90, close: 101, volume: 10 }, view({ volume: 1, avgPrice: FILL, entryTs: 9_000 })).state;
    state = emaCross.onFill(state, { side: "bid", price: 103, volume: 1, ts: 9_100 }, view({ volume: 2, avgPrice: 102, entryTs: 9_000 }));
    expect(state.trade!).toMatchObject({ entryPrice: 102, initialVolume: 2, entryTs: 9_000 });
    expect(state.trade!.stop).toBeCloseTo(102 - 2 * SIGNAL_ATR, 12);
    expect(state.trade!.barsHeld).toBe(1);
  });

  it("adopts a position it has no plan for (restart, external buy): stop from the current ATR", () => {
    let state = emaCross.init(small);
    for (let i = 0; i < SIGNAL; i++) state = emaCross.onCandle(state, BASE[i]!, view(null)).state;
    const atrNow = atr(BASE.map((c) => c.high), BASE.map((c) => c.low), BASE_CLOSES, 3)[SIGNAL]!;
    state = emaCross.onCandle(state, BASE[SIGNAL]!, view({ volume: 1, avgPrice: 100, entryTs: 0 })).state;
    expect(state.trade).toMatchObject({ entryPrice: 100, stop: 100 - 2 * atrNow });
  });

  it("adopts with the percentage stop while the ATR is still warming up", () => {
    const state = emaCross.onCandle(emaCross.init(small), BASE[0]!, view({ volume: 1, avgPrice: 100, entryTs: 0 })).state;
    expect(state.trade!.stop).toBe(100 - 100 * small.stopLoss.percent);
  });

  it("drops the plan when the position is gone", () => {
    let state = entered(small);
    state = emaCross.onCandle(state, BASE[9]!, view(null)).state;
    expect(state.trade).toBeNull();
    state = entered(small);
    state = emaCross.onFill(state, { side: "ask", price: 100, volume: 3, ts: 9_500, reason: "stop" }, view(null));
    expect(state.trade).toBeNull();
  });

  it("a JSON round trip of the state at every candle changes nothing (crash recovery)", () => {
    const params = resolveStrategyParams({ preset: "default", emaFast: 2, emaSlow: 4, rsiPeriod: 3, atrPeriod: 3, volumePeriod: 3 });
    const walk = Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 7) + 3 * Math.sin(i / 2.3));
    const series = candles(walk);
    const plain = simulate(emaCross.init(params), series);
    const revived = simulate(emaCross.init(params), series, { beforeCandle: (_, s) => JSON.parse(JSON.stringify(s)) as EmaCrossState });
    expect(plain.fills.length).toBeGreaterThan(4);
    expect(revived.fills).toEqual(plain.fills);
    expect(JSON.stringify(revived.state)).toBe(JSON.stringify(plain.state));
  });
});

describe("checkProtectiveExits on a bare plan", () => {
  it("returns nothing without a plan or without volume", () => {
    expect(checkProtectiveExits(null, { open: 1, high: 1, low: 0 })).toEqual([]);
    const plan = openTradePlan({ entryPrice: 100, entryTs: 0, volume: 0, stop: 90 });
    expect(checkProtectiveExits(plan, { open: 100, high: 100, low: 80 })).toEqual([]);
  });

  it("a tick is a bar with open = high = low", () => {
    const plan = openTradePlan({ entryPrice: 100, entryTs: 0, volume: 1, stop: 90, takeProfits: [{ r: 1, fraction: 0.5 }] });
    expect(checkProtectiveExits(plan, { open: 90, high: 90, low: 90 })[0]).toMatchObject({ reason: "stop", price: 90 });
    expect(checkProtectiveExits(plan, { open: 110, high: 110, low: 110 })[0]).toMatchObject({ reason: "take_profit_1", price: 110, fraction: 0.5 });
  });
});
