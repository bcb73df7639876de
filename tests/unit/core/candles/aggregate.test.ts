import { describe, expect, it } from "vitest";
import { candleMismatches, closeDue, initCandleBuilder, onTrade } from "../../../../src/core/candles/aggregate.ts";

const MIN = 60_000;

describe("candle builder", () => {
  it("aggregates trades of one minute into OHLCV and closes it on the next minute's first trade", () => {
    let s = initCandleBuilder(MIN);
    const trades = [
      { price: 100, volume: 1, timestamp: 0 },
      { price: 105, volume: 2, timestamp: 10_000 },
      { price: 95, volume: 0.5, timestamp: 20_000 },
      { price: 101, volume: 1.5, timestamp: 59_999 },
    ];
    for (const t of trades) {
      const r = onTrade(s, t);
      expect(r.closed).toEqual([]);
      s = r.state;
    }
    const r = onTrade(s, { price: 102, volume: 1, timestamp: MIN });
    expect(r.closed).toEqual([{ ts: 0, open: 100, high: 105, low: 95, close: 101, volume: 5 }]);
    expect(r.state.current).toEqual({ ts: MIN, open: 102, high: 102, low: 102, close: 102, volume: 1 });
  });

  it("closes a quiet candle on time after the grace period, and drops late trades for it", () => {
    let s = onTrade(initCandleBuilder(MIN), { price: 10, volume: 1, timestamp: 5_000 }).state;
    expect(closeDue(s, MIN + 999, 1_000).closed).toEqual([]);
    const due = closeDue(s, MIN + 1_000, 1_000);
    expect(due.closed).toHaveLength(1);
    s = due.state;
    const late = onTrade(s, { price: 11, volume: 1, timestamp: 59_000 });
    expect(late.late).toBe(true);
    expect(late.state).toBe(s);
  });

  it("skips empty intervals instead of inventing candles", () => {
    let s = onTrade(initCandleBuilder(MIN), { price: 10, volume: 1, timestamp: 0 }).state;
    const r = onTrade(s, { price: 12, volume: 1, timestamp: 5 * MIN + 1 });
    expect(r.closed.map((c) => c.ts)).toEqual([0]);
    expect(r.state.current?.ts).toBe(5 * MIN);
    s = r.state;
    expect(JSON.parse(JSON.stringify(s))).toEqual(s); // serialisable
  });

  it("reports which fields differ from the exchange candle", () => {
    const c = { ts: 0, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 };
    expect(candleMismatches(c, c)).toEqual([]);
    expect(candleMismatches(c, { ...c, high: 2.5, volume: 11 })).toEqual(["high", "volume"]);
  });
});
