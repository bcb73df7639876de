import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { computeMetrics } from "../../src/core/stats/index.ts";
import {
  readCandlesPlain,
  refAtr,
  refEma,
  refRsi,
  refVolumeRatio,
  runClassicReference,
  type RefCandle,
  type RefResult,
} from "./classic.ts";

const ROOT = join(import.meta.dirname, "../..");
const H = 3_600_000;
const CASH = 10_000_000;

function relClose(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300), `${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

describe("reference indicators", () => {
  interface Fixture {
    readonly input: { readonly close: number[]; readonly high?: number[]; readonly low?: number[] };
    readonly expected: (number | null)[];
  }
  const fixture = (name: string) => JSON.parse(readFileSync(join(ROOT, "tests/fixtures/indicators", name), "utf8")) as Fixture;

  function expectMatches(got: number[], expected: (number | null)[]): void {
    expect(got).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      if (e === null) expect(got[i], `index ${i}`).toBeNaN();
      else relClose(got[i]!, e, 1e-9);
    });
  }

  it("EMA 20 and 60 equal TA-Lib on real candles (SMA seed at period-1)", () => {
    for (const p of [20, 60]) {
      const f = fixture(`talib-upbit-KRW-BTC-1h-ema${p}.json`);
      expectMatches(refEma(f.input.close, p), f.expected);
    }
  });

  it("RSI 14 (Wilder) equals TA-Lib on real candles (first value at index 14)", () => {
    const f = fixture("talib-upbit-KRW-BTC-1h-rsi14.json");
    expectMatches(refRsi(f.input.close, 14), f.expected);
  });

  it("ATR 14 (Wilder, bar 0's TR unused) equals TA-Lib on real candles", () => {
    const f = fixture("talib-upbit-KRW-BTC-1h-atr14.json");
    const candles = f.input.close.map((close, i) => ({ ts: i, open: close, high: f.input.high![i]!, low: f.input.low![i]!, close, volume: 1 }));
    expectMatches(refAtr(candles, 14), f.expected);
  });

  it("volume ratio divides by the mean that includes the candle itself", () => {
    const r = refVolumeRatio([1, 1, 1, 5], 4);
    expect(r.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(r[3]).toBe(5 / 2);
  });
});

const btc = readCandlesPlain(join(ROOT, "data/candles/upbit-KRW-BTC-1h.csv.gz"));

/** Invariants every classic run must satisfy, whatever the data. */
function checkInvariants(candles: RefCandle[], result: RefResult): void {
  const { trades, equity } = result;
  const index = new Map(candles.map((c, i) => [c.ts, i]));
  const atr = refAtr(candles, 14);
  expect(equity).toHaveLength(candles.length);
  equity.forEach(([ts, v], i) => {
    expect(ts).toBe(candles[i]!.ts);
    expect(Number.isFinite(v) && v >= 0).toBe(true);
  });

  let cash = CASH;
  let previousExit = -1;
  for (const t of trades) {
    const e = index.get(t.entryTs)!;
    const x = index.get(t.exitTs)!;
    // Entries need EMA60 at the signal candle's predecessor: signal >= 60, fill the candle after.
    expect(e).toBeGreaterThanOrEqual(61);
    expect(e).toBeGreaterThan(previousExit);
    expect(x).toBeGreaterThanOrEqual(e);
    previousExit = x;
    // Fill prices and sizing from the rules.
    expect(t.entryPrice).toBe(candles[e]!.open * 1.001);
    relClose(t.qty, cash / (t.entryPrice * 1.0025), 1e-12);
    relClose(t.fee, t.qty * t.entryPrice * 0.0025 + t.qty * t.exitPrice * 0.0025, 1e-12);
    relClose(t.pnl, t.qty * t.exitPrice * 0.9975 - t.qty * t.entryPrice * 1.0025, 1e-9);
    const stop = t.entryPrice - 2 * atr[e - 1]!;
    if (t.exitReason === "signal") {
      expect(x).toBeGreaterThan(e);
      expect(t.exitPrice).toBe(candles[x]!.open * 0.999);
    } else if (t.exitReason === "stop") {
      expect(candles[x]!.low).toBeLessThanOrEqual(stop);
      expect(t.exitPrice).toBe(Math.min(candles[x]!.open, stop) * 0.999);
      // The stop did not trigger on an earlier candle of the trade.
      for (let i = e; i < x; i++) expect(candles[i]!.low).toBeGreaterThan(stop);
    } else {
      expect(x).toBe(candles.length - 1);
      expect(t.exitPrice).toBe(candles[x]!.close * 0.999);
    }
    cash += t.pnl;
  }
  // Last equity point = the cash left after every trade is closed.
  relClose(equity.at(-1)![1], cash, 1e-9);
  relClose(result.metrics.finalEquity, cash, 1e-9);
}

describe("classic reference on real BTC candles", () => {
  const slice = btc.slice(0, 3000);
  const result = runClassicReference(slice, "KRW-BTC");

  it("keeps every invariant on a 3,000-candle slice", () => {
    expect(result.trades.length).toBeGreaterThan(5);
    checkInvariants(slice, result);
  });

  it("keeps every invariant on the whole hourly file, including stops inside the entry candle", () => {
    const full = runClassicReference(btc, "KRW-BTC");
    checkInvariants(btc, full);
    expect(full.trades.some((t) => t.entryTs === t.exitTs && t.exitReason === "stop")).toBe(true);
  });

  it("sells a position still open at the end at the last close minus slippage, fee included", () => {
    const open = result.trades.find((t) => t.exitReason === "signal")!;
    const cut = slice.findIndex((c) => c.ts === open.exitTs); // still holding at the close before
    const truncated = slice.slice(0, cut);
    const r = runClassicReference(truncated, "KRW-BTC");
    const last = r.trades.at(-1)!;
    expect(last.exitReason).toBe("end");
    expect(last.exitTs).toBe(truncated.at(-1)!.ts);
    expect(last.entryTs).toBe(open.entryTs);
    checkInvariants(truncated, r);
  });

  it("never lets a later candle change an earlier decision (prefix runs agree)", () => {
    for (const k of [700, 1234, 2222]) {
      const prefix = runClassicReference(slice.slice(0, k), "KRW-BTC");
      const lastTs = slice[k - 1]!.ts;
      const closedBefore = (r: RefResult) => r.trades.filter((t) => t.exitTs < lastTs && t.exitReason !== "end");
      expect(closedBefore(prefix)).toEqual(closedBefore(result));
      expect(prefix.equity.slice(0, k - 1)).toEqual(result.equity.slice(0, k - 1));
    }
  });

  it("agrees with the core statistics on every metric both compute", () => {
    const full = runClassicReference(btc, "KRW-BTC");
    const m = computeMetrics({ equity: full.equity, trades: full.trades, intervalMs: H, initialCapital: CASH });
    expect(m.trades).toBe(full.metrics.trades);
    expect(m.finalEquity).toBe(full.metrics.finalEquity);
    for (const key of ["totalReturn", "cagr", "maxDrawdown", "sharpe", "sortino", "calmar", "winRate", "profitFactor"] as const) {
      relClose(m[key]!, full.metrics[key]!, 1e-12);
    }
  });
});

describe("classic reference on hand-built candles", () => {
  /**
   * A slow zig-zag decline (fast EMA below slow, RSI ~40), then a zig-zag rise (RSI ~60) until
   * EMA20 crosses EMA60. Constant volume makes the volume ratio exactly 1 (which passes >= 1).
   */
  function scenario(): { candles: RefCandle[]; signal: number } {
    const closes: number[] = [];
    let price = 10_000;
    for (let i = 0; i < 120; i++) closes.push((price += i % 2 === 0 ? -30 : 20));
    for (let i = 0; i < 120; i++) closes.push((price += i % 2 === 0 ? 30 : -20));
    const candles = closes.map((close, i) => ({ ts: i * H, open: i === 0 ? close : closes[i - 1]!, high: close + 10, low: close - 10, close, volume: 1 }));
    for (const c of candles) Object.assign(c, { high: Math.max(c.open, c.close) + 10, low: Math.min(c.open, c.close) - 10 });
    const fast = refEma(closes, 20);
    const slow = refEma(closes, 60);
    const rsi = refRsi(closes, 14);
    const signal = closes.findIndex((_, i) => i > 0 && fast[i - 1]! <= slow[i - 1]! && fast[i]! > slow[i]!);
    expect(signal).toBeGreaterThan(120);
    expect(rsi[signal]!).toBeGreaterThanOrEqual(50);
    expect(rsi[signal]!).toBeLessThanOrEqual(70);
    return { candles, signal };
  }

  it("buys at the next open with slippage, sizes with all cash, and sells at the end", () => {
    const { candles, signal } = scenario();
    const r = runClassicReference(candles.slice(0, signal + 6), "KRW-TEST");
    expect(r.trades).toHaveLength(1);
    const [t] = r.trades;
    expect(t!.entryTs).toBe(candles[signal + 1]!.ts);
    expect(t!.entryPrice).toBe(candles[signal + 1]!.open * 1.001);
    expect(t!.qty).toBe(CASH / (t!.entryPrice * 1.0025));
    expect(t!.exitReason).toBe("end");
    expect(t!.exitPrice).toBe(candles[signal + 5]!.close * 0.999);
    // Equity before the entry is the untouched cash; while holding it is marked at the close.
    expect(r.equity[signal]![1]).toBe(CASH);
    relClose(r.equity[signal + 2]![1], t!.qty * candles[signal + 2]!.close, 1e-12);
  });

  it("ignores an entry signal on the last candle (there is no next open)", () => {
    const { candles, signal } = scenario();
    expect(runClassicReference(candles.slice(0, signal + 1), "KRW-TEST").trades).toEqual([]);
  });

  it("stops out inside the entry candle at the stop price minus slippage", () => {
    const { candles, signal } = scenario();
    const atr = refAtr(candles, 14)[signal]!;
    const entry = candles[signal + 1]!;
    const stop = entry.open * 1.001 - 2 * atr;
    candles[signal + 1] = { ...entry, low: stop - 1 };
    const r = runClassicReference(candles.slice(0, signal + 6), "KRW-TEST");
    const [t] = r.trades;
    expect(t).toMatchObject({ entryTs: entry.ts, exitTs: entry.ts, exitReason: "stop", exitPrice: stop * 0.999 });
    // Flat from that candle's close on: equity is the cash after the stop.
    relClose(r.equity[signal + 1]![1], CASH + t!.pnl, 1e-12);
    expect(r.equity.at(-1)![1]).toBe(r.equity[signal + 1]![1]);
  });

  it("fills a stop at the open when the candle opens below it (gap down)", () => {
    const { candles, signal } = scenario();
    const atr = refAtr(candles, 14)[signal]!;
    const stop = candles[signal + 1]!.open * 1.001 - 2 * atr;
    const gap = candles[signal + 2]!;
    candles[signal + 2] = { ...gap, open: stop - 50, low: stop - 60, high: Math.max(gap.high, stop - 50) };
    const [t] = runClassicReference(candles.slice(0, signal + 6), "KRW-TEST").trades;
    expect(t).toMatchObject({ exitTs: gap.ts, exitReason: "stop", exitPrice: (stop - 50) * 0.999 });
  });

  it("exits at the next open after a dead cross", () => {
    const { candles, signal } = scenario();
    const entry = candles[signal + 1]!;
    const stop = entry.open * 1.001 - 2 * refAtr(candles, 14)[signal]!;
    // After the entry the price settles just above the stop: EMA20 falls under EMA60, the stop holds.
    const level = stop + 20;
    const tail = candles.slice(0, signal + 60).map((c, i) => (i > signal + 1 ? { ...c, open: level, high: level + 5, low: level - 5, close: level } : c));
    const fast = refEma(tail.map((c) => c.close), 20);
    const slow = refEma(tail.map((c) => c.close), 60);
    const dead = tail.findIndex((_, i) => i > signal + 1 && fast[i - 1]! >= slow[i - 1]! && fast[i]! < slow[i]!);
    expect(dead).toBeGreaterThan(signal + 1);
    expect(dead).toBeLessThan(tail.length - 1);
    const r = runClassicReference(tail, "KRW-TEST");
    expect(r.trades[0]).toMatchObject({ exitReason: "signal", exitTs: tail[dead + 1]!.ts, exitPrice: level * 0.999 });
  });
});
