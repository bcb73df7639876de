import { describe, expect, it } from "vitest";
import { isOnTick } from "../../../../src/core/orders/krw.ts";
import { type CandlePeriod, candleBars } from "../../../../src/exchange/sim/market/candles.ts";
import { loadCandleDir, marketOfFile, parseCandleCsv } from "../../../../src/exchange/sim/market/data.ts";
import { MarketReplay, Replay, type RevealedTrade } from "../../../../src/exchange/sim/market/replay.ts";
import { synthesizeBook, synthesizeTrades } from "../../../../src/exchange/sim/market/synth.ts";
import { MarketTimeline } from "../../../../src/exchange/sim/market/timeline.ts";
import { mulberry32 } from "../../../../src/core/random.ts";

const T0 = Date.UTC(2025, 8, 1); // 2025-09-01T00:00Z, a Monday 09:00 KST

/** A random-walk 1m series of `n` rows (optionally with gaps), as CSV text. */
function csv(n: number, seed = 1, gaps: readonly number[] = [], start = 100_000_000, tick = 1_000): string {
  const r = mulberry32(seed);
  let price = start;
  const lines = ["ts,open,high,low,close,volume"];
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open + Math.round((r() - 0.5) * 20) * tick;
    const high = Math.max(open, close) + Math.round(r() * 5) * tick;
    const low = Math.min(open, close) - Math.round(r() * 5) * tick;
    price = close;
    if (gaps.includes(i)) continue;
    lines.push(`${T0 + i * 60_000},${open},${high},${low},${close},${(r() * 3 + 0.0001).toFixed(8)}`);
  }
  return lines.join("\n");
}

const timeline = (n = 600, seed = 1, gaps: readonly number[] = []) => new MarketTimeline(parseCandleCsv(csv(n, seed, gaps), "KRW-BTC", "test"), 42);

describe("data files", () => {
  it("maps file names to markets and refuses inconsistent rows", () => {
    expect(marketOfFile("upbit-KRW-BTC-1m.csv.gz")).toBe("KRW-BTC");
    expect(marketOfFile("KRW-ETH-1m.csv")).toBe("KRW-ETH");
    expect(marketOfFile("upbit-KRW-BTC-1h.csv.gz")).toBeUndefined();
    expect(() => parseCandleCsv("ts,open,high,low,close,volume\n60000,10,9,8,9,1", "KRW-BTC", "x")).toThrow(/high\/low/);
    expect(() => parseCandleCsv("120000,10,10,10,10,1\n60000,10,10,10,10,1", "KRW-BTC", "x")).toThrow(/ascending/);
    expect(() => parseCandleCsv("60001,10,10,10,10,1", "KRW-BTC", "x")).toThrow(/minute-aligned/);
    const s = parseCandleCsv("60000,10,10,10,10,0\n120000,1500.7,1501,1500,1501,0.000000014", "KRW-BTC", "x");
    expect(Array.from(s.ts)).toEqual([120000]); // zero-volume minute dropped
    expect(Array.from(s.open)).toEqual([1501]); // snapped to the 1-KRW tick of its band
    expect(Array.from(s.volumeUnits)).toEqual([4]); // raised to the four-trade floor
  });

  it("loads the bundled gzip files", async () => {
    const [btc] = await loadCandleDir("data/candles", ["KRW-BTC"]);
    expect(btc!.ts.length).toBe(47_598);
    expect(btc!.ts[0]).toBe(1_756_684_800_000);
    await expect(loadCandleDir("data/candles", ["KRW-NOPE"])).rejects.toThrow(/no 1m candle file/);
  });
});

describe("synthetic trades", () => {
  it("reproduce each minute's open, high, low, close and exact volume, on the tick grid and inside the minute", () => {
    const r = mulberry32(3);
    for (let k = 0; k < 2_000; k++) {
      const base = [0.5, 7, 80, 900, 4_000, 9_000, 60_000, 3_000_000, 150_000_000][k % 9]!;
      const ticks = (p: number) => {
        const t = p < 1 ? 0.0001 : p < 10 ? 0.001 : p < 100 ? 0.01 : p < 5_000 ? 1 : p < 10_000 ? 5 : p < 50_000 ? 10 : p < 100_000 ? 50 : p < 500_000 ? 100 : p < 1_000_000 ? 500 : 1_000;
        return Number((Math.round(p / t) * t).toFixed(4));
      };
      const a = ticks(base * (1 + (r() - 0.5) * 0.01));
      const b = ticks(base * (1 + (r() - 0.5) * 0.01));
      const c = { ts: T0 + k * 60_000, open: a, close: b, high: ticks(Math.max(a, b) * (1 + r() * 0.002)), low: ticks(Math.min(a, b) * (1 - r() * 0.002)), volumeUnits: 4 + Math.floor(r() * 1e9) };
      const trades = synthesizeTrades(c, k);
      const problems = [
        trades[0]!.price === c.open || "open",
        trades.at(-1)!.price === c.close || "close",
        Math.max(...trades.map((t) => t.price)) === c.high || "high",
        Math.min(...trades.map((t) => t.price)) === c.low || "low",
        trades.reduce((sum, t) => sum + t.volumeUnits, 0) === c.volumeUnits || "volume",
        trades.every((t) => t.volumeUnits > 0 && isOnTick(t.price) && t.ts >= c.ts && t.ts < c.ts + 60_000) || "trade",
        trades.every((t, i) => i === 0 || t.ts > trades[i - 1]!.ts) || "order",
      ].filter((p) => p !== true);
      if (problems.length > 0) expect({ candle: c, problems }).toEqual({ candle: c, problems: [] });
    }
  });

  it("are deterministic under the seed", () => {
    const c = { ts: T0, open: 100, high: 110, low: 95, close: 105, volumeUnits: 123_456_789 };
    expect(synthesizeTrades(c, 9)).toEqual(synthesizeTrades(c, 9));
    expect(synthesizeTrades(c, 9)).not.toEqual(synthesizeTrades(c, 10));
  });

  it("build a tick-aligned book with a one-tick spread around the last trade", () => {
    for (const side of ["BID", "ASK"] as const) {
      const book = synthesizeBook({ price: 4_995, side }, 1e10, 30, 1);
      expect(book.asks).toHaveLength(30);
      expect(book.bids).toHaveLength(30);
      expect(side === "BID" ? book.asks[0]!.price : book.bids[0]!.price).toBe(4_995);
      for (let i = 1; i < 30; i++) {
        expect(book.asks[i]!.price).toBeGreaterThan(book.asks[i - 1]!.price);
        expect(book.bids[i]!.price).toBeLessThan(book.bids[i - 1]!.price);
      }
      expect([...book.asks, ...book.bids].every((l) => isOnTick(l.price) && l.sizeUnits > 0)).toBe(true);
      expect(book.asks[0]!.price).toBeGreaterThan(book.bids[0]!.price);
    }
    expect(book5005()).toEqual({ ask: 5_005, bid: 4_999 }); // crosses the 5,000 band edge with the right ticks
    function book5005() {
      const b = synthesizeBook({ price: 5_000, side: "ASK" }, 1e8, 2, 1);
      return { ask: b.asks[0]!.price, bid: b.bids[1]!.price };
    }
  });
});

describe("MarketTimeline", () => {
  it("loops the recording forward, shifted by one period and scaled so each loop opens where the last closed", () => {
    const tl = timeline(600, 5, [10, 11]);
    expect(tl.length).toBe(598);
    expect(tl.period).toBe(600 * 60_000);
    const lastOfLoop0 = tl.candle(tl.length - 1);
    const firstOfLoop1 = tl.candle(tl.length);
    expect(firstOfLoop1.ts).toBe(T0 + tl.period);
    expect(firstOfLoop1.open).toBe(lastOfLoop0.close);
    expect(tl.slotTs(tl.length + 10)).toBe(tl.slotTs(10) + tl.period);
    expect(tl.indexAtOrBefore(T0 - 1)).toBe(-1);
    expect(tl.indexAtOrBefore(T0 + 10 * 60_000)).toBe(9); // a gap minute maps to the slot before it
    expect(tl.indexAtOrAfter(T0 + 10 * 60_000)).toBe(10);
    expect(tl.indexAtOrBefore(T0 + tl.period + 59_999)).toBe(tl.length);
  });

  it("answers range totals and extremes like a brute-force scan, across loops", () => {
    const tl = timeline(3_000, 8, [5, 700, 701]);
    const r = mulberry32(11);
    for (let k = 0; k < 20; k++) {
      const from = Math.floor(r() * tl.length * 2);
      const to = from + Math.floor(r() * 1_500);
      let vol = 0;
      let turnover = 0;
      let ask = 0;
      let hi = -Infinity;
      let lo = Infinity;
      for (let g = from; g <= to; g++) {
        const c = tl.candle(g);
        hi = Math.max(hi, c.high);
        lo = Math.min(lo, c.low);
        for (const t of tl.trades(g)) {
          vol += t.volumeUnits;
          turnover += (t.price * t.volumeUnits) / 1e8;
          if (t.side === "ASK") ask += t.volumeUnits;
        }
      }
      const sums = tl.sums(from, to);
      expect(sums.volumeUnits).toBe(vol);
      expect(sums.turnover).toBeCloseTo(turnover, 2);
      expect(sums.askUnits + sums.bidUnits).toBe(vol);
      expect(sums.askUnits).toBe(ask);
      const e = tl.extremes(from, to);
      expect([e.high, e.low]).toEqual([hi, lo]);
      expect(tl.candle(e.highSlot).high).toBe(hi);
      expect(tl.candle(e.lowSlot).low).toBe(lo);
    }
  });
});

describe("Replay", () => {
  const collect = (replay: Replay) => {
    const seen: RevealedTrade[] = [];
    replay.listen({ trade: (_m, t) => seen.push(t) });
    return seen;
  };

  it("reveals trades in time order across markets, each exactly once, and is deterministic under the seed", () => {
    const mk = (seed: number) => {
      const a = new MarketTimeline(parseCandleCsv(csv(300, 1), "KRW-BTC", "a"), seed);
      const b = new MarketTimeline(parseCandleCsv(csv(300, 2, [], 50_000, 50), "KRW-ETH", "b"), seed);
      return new Replay([a, b], T0 + 60 * 60_000, seed);
    };
    const one = mk(42);
    const seen = collect(one);
    for (let t = T0 + 60 * 60_000; t < T0 + 120 * 60_000; t += 7_777) one.advanceTo(t);
    one.advanceTo(T0 + 120 * 60_000);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.ts).toBeGreaterThanOrEqual(seen[i - 1]!.ts);
    expect(new Set(seen.map((t) => `${t.market}:${t.sequentialId}`)).size).toBe(seen.length);
    const other = mk(42);
    const seenOther = collect(other);
    other.advanceTo(T0 + 120 * 60_000); // one jump instead of many steps: same tape
    expect(seenOther).toEqual(seen);
    const reseeded = mk(43);
    const seenReseeded = collect(reseeded);
    reseeded.advanceTo(T0 + 120 * 60_000);
    expect(seenReseeded.map((t) => t.price)).not.toEqual(seen.map((t) => t.price));
  });

  it("keeps the playing minute's public trades and the last trade consistent", () => {
    const mr = new MarketReplay(timeline(), T0 + 30 * 60_000 + 30_000, 42);
    const partial = mr.partial();
    const revealed = mr.revealedTrades();
    expect(revealed.length).toBe(mr.revealed);
    expect(revealed.every((t) => t.ts <= T0 + 30 * 60_000 + 30_000)).toBe(true);
    if (partial) expect(partial.close).toBe(mr.lastTrade.price);
    expect(() => new MarketReplay(timeline(), T0 - 1, 42)).toThrow(RangeError);
  });

  it("computes today's figures from 00:00 KST and 52-week extremes from history", () => {
    // T0 is 09:00 KST, so 00:00 KST the next day is T0 + 15 h.
    const tl = timeline(24 * 60, 4);
    const mr = new MarketReplay(tl, T0 + 16 * 3_600_000, 42);
    const day = mr.dayStats();
    expect(day.start).toBe(T0 + 15 * 3_600_000);
    const first = tl.indexAtOrAfter(day.start);
    expect(day.today!.open).toBe(tl.candle(first).open);
    expect(day.prevClose).toBe(tl.candle(first - 1).close);
    const bars = candleBars(mr, { kind: "days" }, 2);
    expect(bars[0]!.volumeUnits).toBe(day.today!.volumeUnits);
    expect(bars[0]!.high).toBe(day.today!.high);
    expect(day.high52.price).toBeGreaterThanOrEqual(Math.max(day.today!.high, tl.extremes(0, first - 1).high));
  });
});

describe("candles", () => {
  const period = (minutes: number): CandlePeriod => ({ kind: "minutes", minutes });

  it("serve history newest first up to the replay time, the newest being the forming minute", () => {
    const tl = timeline(600, 2, [100, 101, 102]);
    const now = T0 + 250 * 60_000 + 45_000;
    const mr = new MarketReplay(tl, now, 42);
    const bars = candleBars(mr, period(1), 200);
    expect(bars).toHaveLength(200);
    for (let i = 1; i < bars.length; i++) expect(bars[i]!.start).toBeLessThan(bars[i - 1]!.start);
    expect(bars[0]!.start).toBe(T0 + 250 * 60_000);
    expect(candleBars(mr, period(1), 200, T0 + 200 * 60_000)).toHaveLength(197); // 200 minutes before `to`, 3 of them empty
    const partial = mr.partial()!;
    expect([bars[0]!.open, bars[0]!.close, bars[0]!.volumeUnits]).toEqual([partial.open, partial.close, partial.volumeUnits]);
    expect(bars.some((b) => b.start === T0 + 101 * 60_000)).toBe(false); // minutes without trades are skipped
    const done = bars[5]!;
    const c = tl.candle(tl.indexAtOrBefore(done.start));
    expect([done.open, done.high, done.low, done.close, done.volumeUnits]).toEqual([c.open, c.high, c.low, c.close, c.volumeUnits]);
  });

  it("honour `to` (exclusive) and never show the future", () => {
    const mr = new MarketReplay(timeline(), T0 + 300 * 60_000, 42);
    const to = T0 + 50 * 60_000;
    const bars = candleBars(mr, period(5), 3, to);
    expect(bars.map((b) => b.start)).toEqual([T0 + 45 * 60_000, T0 + 40 * 60_000, T0 + 35 * 60_000]);
    expect(candleBars(mr, period(1), 1, T0 + 900 * 60_000)[0]!.start).toBeLessThanOrEqual(T0 + 300 * 60_000);
    expect(candleBars(mr, period(1), 5, T0)).toEqual([]);
  });

  it("aggregate higher intervals exactly from the 1-minute bars", () => {
    const mr = new MarketReplay(timeline(1_000, 6, [7, 8]), T0 + 700 * 60_000 + 20_000, 42);
    const ones = candleBars(mr, period(1), 200);
    for (const unit of [3, 5, 10, 15, 30, 60]) {
      const bars = candleBars(mr, period(unit), 3);
      for (const bar of bars) {
        const inside = ones.filter((o) => o.start >= bar.start && o.start < bar.start + unit * 60_000);
        if (inside.length === 0) continue;
        const oldest = inside.at(-1)!;
        expect(bar.open).toBe(oldest.open);
        expect(bar.close).toBe(inside[0]!.close);
        expect(bar.high).toBe(Math.max(...inside.map((o) => o.high)));
        expect(bar.low).toBe(Math.min(...inside.map((o) => o.low)));
        expect(bar.volumeUnits).toBe(inside.reduce((s, o) => s + o.volumeUnits, 0));
      }
    }
  });

  it("rebuild Upbit's recorded hourly candles from the 1-minute data", async () => {
    const [btc] = await loadCandleDir("data/candles", ["KRW-BTC"]);
    const tl = new MarketTimeline(btc!, 42);
    const mr = new MarketReplay(tl, Date.UTC(2025, 8, 3, 0, 0), 42);
    const hours = candleBars(mr, period(60), 40);
    // upbit-KRW-BTC-1h.csv stops in 2024 (held-out months), so compare with the 1m rows directly.
    for (const h of hours.slice(1)) {
      const from = tl.indexAtOrAfter(h.start);
      const to = tl.indexAtOrBefore(h.start + 3_599_999);
      expect(h.open).toBe(btc!.open[from]);
      expect(h.close).toBe(btc!.close[to]);
      let hi = -Infinity;
      let lo = Infinity;
      let v = 0;
      for (let i = from; i <= to; i++) {
        hi = Math.max(hi, btc!.high[i]!);
        lo = Math.min(lo, btc!.low[i]!);
        v += btc!.volumeUnits[i]!;
      }
      expect([h.high, h.low, h.volumeUnits]).toEqual([hi, lo, v]);
    }
  });
});
