import { describe, expect, it } from "vitest";
import {
  activeRisk,
  activeRiskOfValues,
  buyAndHoldValues,
  cagr,
  candlesPerYear,
  computeMetrics,
  drawdownSeries,
  drawdownSummary,
  equityCurve,
  equityReturns,
  exposure,
  historicalTailRisk,
  medianInPlace,
  parametricTailRisk,
  periodReturns,
  selectInPlace,
  valueReturns,
  sharpeRatio,
  tradeStats,
  type EquityPoint,
  type TradeRecord,
} from "../../../../src/core/stats/index.ts";

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Equity marks one hour apart from T0. */
function curve(values: number[], start = T0, step = H): EquityPoint[] {
  return values.map((v, i) => [start + i * step, v] as const);
}

function trade(pnl: number, entryTs = T0, exitTs = T0 + H, market = "KRW-BTC"): TradeRecord {
  return { market, entryTs, entryPrice: 100, exitTs, exitPrice: 100 + pnl, qty: 1, fee: 0, pnl, exitReason: "signal" };
}

describe("candlesPerYear", () => {
  it("counts 365-day years: 8,760 hourly and 525,600 one-minute candles", () => {
    expect(candlesPerYear(H)).toBe(8_760);
    expect(candlesPerYear(60_000)).toBe(525_600);
    expect(candlesPerYear(86_400_000)).toBe(365);
  });
  it("refuses a non-positive interval", () => {
    expect(() => candlesPerYear(0)).toThrow(RangeError);
  });
});

describe("sharpe", () => {
  it("is mean / sample std (n-1) x sqrt(candles per year) of consecutive equity returns", () => {
    const equity = curve([100, 110, 99, 121, 121]);
    const r = [0.1, -0.1, 121 / 99 - 1, 0];
    const mean = (r[0]! + r[1]! + r[2]! + r[3]!) / 4;
    // Sample variance via the sum-of-squares identity (a different route than the code's two-pass).
    const sumSq = r.reduce((a, x) => a + x * x, 0);
    const variance = (sumSq - 4 * mean * mean) / 3;
    const expected = (mean / Math.sqrt(variance)) * Math.sqrt(8_760);
    const m = computeMetrics({ equity, trades: [], intervalMs: H, initialCapital: 100 });
    expect(m.sharpe).toBeCloseTo(expected, 12);
    expect(sharpeRatio(equityReturns(equity), 8_760)).toBe(m.sharpe);
    expect(m.volatility).toBeCloseTo(Math.sqrt(variance) * Math.sqrt(8_760), 12);
  });

  it("is null on a flat curve (zero std) and with fewer than two returns", () => {
    expect(computeMetrics({ equity: curve([5, 5, 5]), trades: [], intervalMs: H, initialCapital: 5 }).sharpe).toBeNull();
    expect(computeMetrics({ equity: curve([5, 6]), trades: [], intervalMs: H, initialCapital: 5 }).sharpe).toBeNull();
  });
});

describe("drawdown", () => {
  it("finds the largest peak-to-trough fall as a positive fraction", () => {
    const d = drawdownSummary(curve([100, 120, 90, 130, 65, 70]));
    expect(d.maxDrawdown).toBe(0.5);
    expect(d.peakTs).toBe(T0 + 3 * H);
    expect(d.troughTs).toBe(T0 + 4 * H);
  });

  it("measures the longest underwater spell, recovered or still open at the end", () => {
    // Peak at 1 (120) recovers at 5 (4h under); peak at 5 (130) never recovers until 7 (2h).
    expect(drawdownSummary(curve([100, 120, 90, 95, 110, 130, 100, 101])).maxDurationMs).toBe(4 * H);
    // Still under water at the end for 5h.
    expect(drawdownSummary(curve([100, 120, 110, 100, 90, 80, 119])).maxDurationMs).toBe(5 * H);
    // Rising curve: no drawdown.
    expect(drawdownSummary(curve([1, 2, 3]))).toMatchObject({ maxDrawdown: 0, maxDurationMs: 0 });
  });

  it("gives the drawdown at every mark for charts", () => {
    expect(Array.from(drawdownSeries([100, 120, 90, 130]))).toEqual([0, 0, 90 / 120 - 1, 0]);
  });
});

describe("returns", () => {
  it("treats a step from a non-positive value as a zero return instead of dividing by zero", () => {
    expect(Array.from(equityReturns(curve([10, 0, 0, 5])))).toEqual([-1, 0, 0]);
  });

  it("annualises growth over the candles' span with 365-day years", () => {
    // 365 daily marks cover 365 days (first open to last close): doubling = 100% a year.
    const days = curve(
      Array.from({ length: 365 }, (_, i) => (i === 364 ? 200 : 100)),
      T0,
      86_400_000,
    );
    const m = computeMetrics({ equity: days, trades: [], intervalMs: 86_400_000, initialCapital: 100 });
    expect(m.cagr).toBeCloseTo(1, 12);
    expect(m.totalReturn).toBe(1);
    expect(cagr(100, 0, 86_400_000)).toBe(-1);
    expect(cagr(0, 10, 86_400_000)).toBeNull();
  });
});

describe("calendar periods", () => {
  const marks: EquityPoint[] = [
    [Date.UTC(2024, 0, 31, 14), 100],
    [Date.UTC(2024, 0, 31, 16), 110], // 01:00 KST on Feb 1
    [Date.UTC(2024, 1, 15), 121],
    [Date.UTC(2024, 3, 1), 60.5], // April: March has no marks
  ];

  it("returns per UTC month from the last mark of each month, the first from initial capital", () => {
    expect(periodReturns(marks, 100, "month")).toEqual([
      { period: "2024-01", return: 110 / 100 - 1 },
      { period: "2024-02", return: 121 / 110 - 1 },
      { period: "2024-04", return: 60.5 / 121 - 1 },
    ]);
  });

  it("shifts the calendar by an offset (KST) when asked", () => {
    const kst = periodReturns(marks, 100, "month", 9 * H);
    expect(kst.map((p) => p.period)).toEqual(["2024-01", "2024-02", "2024-04"]);
    expect(kst[0]!.return).toBe(0);
    expect(kst[1]!.return).toBeCloseTo(0.21, 12);
  });

  it("labels quarters YYYY-Qn", () => {
    expect(periodReturns(marks, 100, "quarter")).toEqual([
      { period: "2024-Q1", return: 121 / 100 - 1 },
      { period: "2024-Q2", return: -0.5 },
    ]);
  });
});

describe("tail risk", () => {
  it("historical: VaR is the k-th smallest return, CVaR the mean of the k smallest, k = ceil(5% n)", () => {
    const returns = Array.from({ length: 40 }, (_, i) => (i - 10) / 100); // -0.10 .. 0.29
    const t = historicalTailRisk(returns);
    expect(t.var95).toBeCloseTo(0.09, 15); // k = 2: second smallest is -0.09
    expect(t.cvar95).toBeCloseTo(0.095, 15);
    expect(historicalTailRisk([0.01]).var95).toBe(-0.01);
    expect(historicalTailRisk([])).toEqual({ var95: null, cvar95: null });
  });

  it("historical: selection gives the same figures as a full sort on random returns", () => {
    let seed = 99;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + (trial * 7) % 301;
      const returns = Array.from({ length: n }, () => Math.round(next() * 50) / 1000); // many ties
      const sorted = [...returns].sort((a, b) => a - b);
      const k = Math.ceil(0.05 * n);
      const t = historicalTailRisk(returns);
      expect(t.var95).toBe(0 - sorted[k - 1]!);
      expect(t.cvar95).toBe(0 - sorted.slice(0, k).reduce((a, b) => a + b, 0) / k);
    }
  });

  it("parametric: normal quantile and expected shortfall at 5%", () => {
    const t = parametricTailRisk(0.001, 0.02);
    expect(t.var95).toBeCloseTo(-(0.001 - 1.6448536269514722 * 0.02), 15);
    expect(t.cvar95).toBeCloseTo(-(0.001 - 0.02 * 2.0627128075074257), 12);
    expect(parametricTailRisk(0, null)).toEqual({ var95: null, cvar95: null });
  });
});

describe("trade statistics", () => {
  it("counts wins, losses, payoff, profit factor, expectancy and streaks in close order", () => {
    const s = tradeStats([trade(10), trade(20), trade(0), trade(30), trade(-5), trade(-15), trade(-10), trade(40)]);
    expect(s).toMatchObject({ trades: 8, wins: 4, losses: 3, grossProfit: 100, grossLoss: 30 });
    expect(s.winRate).toBe(0.5);
    expect(s.payoffRatio).toBeCloseTo(25 / 10, 15);
    expect(s.profitFactor).toBeCloseTo(100 / 30, 15);
    expect(s.expectancy).toBe(70 / 8);
    // The zero-pnl trade breaks the first winning run: 10, 20 | 0 | 30 => longest win run is 2.
    expect(s.maxConsecutiveWins).toBe(2);
    expect(s.maxConsecutiveLosses).toBe(3);
  });

  it("leaves undefined ratios null: no trades, no losses, no wins", () => {
    expect(tradeStats([])).toMatchObject({ winRate: null, payoffRatio: null, profitFactor: null, expectancy: null, avgHoldingMs: null });
    const allWins = tradeStats([trade(1), trade(2)]);
    expect(allWins.profitFactor).toBeNull();
    expect(allWins.payoffRatio).toBeNull();
    expect(tradeStats([trade(-1)]).winRate).toBe(0);
  });

  it("averages holding time", () => {
    expect(tradeStats([trade(1, T0, T0 + H), trade(1, T0, T0 + 3 * H)]).avgHoldingMs).toBe(2 * H);
  });
});

describe("exposure", () => {
  const marks = curve(Array.from({ length: 10 }, () => 1));
  it("counts marks with entryTs <= t < exitTs", () => {
    expect(exposure([trade(1, T0 + 2 * H, T0 + 5 * H)], marks)).toBe(3 / 10);
  });
  it("counts overlapping trades (several markets) once and a same-candle stop not at all", () => {
    const trades = [trade(1, T0 + 2 * H, T0 + 5 * H), trade(1, T0 + 4 * H, T0 + 7 * H, "KRW-ETH"), trade(1, T0 + 8 * H, T0 + 8 * H)];
    expect(exposure(trades, marks)).toBe(5 / 10);
  });
  it("is null on an empty curve", () => {
    expect(exposure([], [])).toBeNull();
  });
});

describe("benchmark", () => {
  it("splits capital equally, buys each market at its first close and holds", () => {
    const ts = [T0, T0 + H, T0 + 2 * H];
    const a = { ts, close: [100, 110, 120] };
    // B starts one candle later: its half is cash until then.
    const b = { ts: [T0 + H, T0 + 2 * H], close: [50, 25] };
    expect(Array.from(buyAndHoldValues([a, b], ts, 1000))).toEqual([1000, 550 + 500, 600 + 250]);
  });

  it("carries a market's last close over its missing candles", () => {
    const a = { ts: [T0, T0 + 2 * H], close: [100, 200] };
    expect(Array.from(buyAndHoldValues([a], [T0, T0 + H, T0 + 2 * H], 10))).toEqual([10, 10, 20]);
  });

  it("gives tracking error and information ratio of the active returns", () => {
    const equity = curve([100, 102, 101, 105]);
    const bench = [100, 101, 101, 103];
    const m = computeMetrics({ equity, trades: [], intervalMs: H, initialCapital: 100, benchmark: bench });
    const active = [0.02 - 0.01, 101 / 102 - 1 - 0, 105 / 101 - 1 - (103 / 101 - 1)];
    const mean = active.reduce((x, y) => x + y) / 3;
    const sd = Math.sqrt(active.reduce((x, y) => x + (y - mean) ** 2, 0) / 2);
    expect(m.trackingError).toBeCloseTo(sd * Math.sqrt(8_760), 12);
    expect(m.informationRatio).toBeCloseTo((mean / sd) * Math.sqrt(8_760), 12);
    expect(m.benchmarkReturn).toBeCloseTo(0.03, 15);
  });

  it("refuses a benchmark that does not line up with the equity curve", () => {
    expect(() => computeMetrics({ equity: curve([1, 2]), trades: [], intervalMs: H, initialCapital: 1, benchmark: [1] })).toThrow(RangeError);
  });
});

describe("computeMetrics", () => {
  it("with zero trades and a flat curve gives JSON-safe output (nulls, no NaN or Infinity)", () => {
    const m = computeMetrics({ equity: curve([1e7, 1e7, 1e7]), trades: [], intervalMs: H, initialCapital: 1e7 });
    const json = JSON.stringify(m);
    expect(JSON.parse(json)).toEqual(m);
    expect(m).toMatchObject({ trades: 0, totalReturn: 0, maxDrawdown: 0, sharpe: null, sortino: null, calmar: null, winRate: null, profitFactor: null, exposure: 0 });
  });

  it("puts the issue's headline metrics first, in a fixed order", () => {
    const m = computeMetrics({ equity: curve([1, 2]), trades: [trade(1)], intervalMs: H, initialCapital: 1 });
    expect(Object.keys(m).slice(0, 10)).toEqual(["trades", "finalEquity", "totalReturn", "cagr", "maxDrawdown", "sharpe", "sortino", "calmar", "winRate", "profitFactor"]);
  });

  it("handles a 525,600-point one-minute year", () => {
    let seed = 7;
    const next = () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 0.002;
    let v = 1e7;
    const equity: EquityPoint[] = new Array(525_600);
    for (let i = 0; i < equity.length; i++) {
      v *= 1 + next();
      equity[i] = [T0 + i * 60_000, v];
    }
    const m = computeMetrics({ equity, trades: [], intervalMs: 60_000, initialCapital: 1e7 });
    expect(m.candles).toBe(525_600);
    expect(m.candlesPerYear).toBe(525_600);
    expect(m.monthlyReturns).toHaveLength(12);
    expect(m.quarterlyReturns.map((q) => q.period)).toEqual(["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]);
    // Compounding the monthly returns gives the total return.
    const compounded = m.monthlyReturns.reduce((a, p) => a * (1 + p.return), 1) - 1;
    expect(compounded).toBeCloseTo(m.totalReturn, 10);
  });

  it("needs at least one equity point", () => {
    expect(() => computeMetrics({ equity: [], trades: [], intervalMs: H, initialCapital: 1 })).toThrow(RangeError);
    expect(() => computeMetrics({ equity: { ts: new Float64Array(0), value: new Float64Array(0) }, trades: [], intervalMs: H, initialCapital: 1 })).toThrow(RangeError);
  });

  it("gives the same metrics, bit for bit, from columns (the engine's form) and from [ts, value] points", () => {
    const points = curve([100, 104, 99, 97, 120, 118, 118, 131], Date.UTC(2024, 0, 30, 20), 12 * H);
    const columns = { ts: Float64Array.from(points, (p) => p[0]), value: Float64Array.from(points, (p) => p[1]) };
    const trades = [trade(4, points[0]![0], points[1]![0]), trade(-7, points[2]![0], points[4]![0]), trade(13, points[5]![0], points[7]![0])];
    const benchmark = [100, 101, 103, 102, 104, 105, 104, 107];
    const fromPoints = computeMetrics({ equity: points, trades, intervalMs: 12 * H, initialCapital: 100, benchmark });
    const fromColumns = computeMetrics({ equity: columns, trades, intervalMs: 12 * H, initialCapital: 100, benchmark });
    expect(JSON.stringify(fromColumns)).toBe(JSON.stringify(fromPoints));
    expect(fromColumns.monthlyReturns.map((p) => p.period)).toEqual(["2024-01", "2024-02"]);
  });
});

describe("equityCurve", () => {
  it("returns columns as they are and copies points into Float64Array columns", () => {
    const columns = { ts: [1, 2], value: [10, 11] };
    expect(equityCurve(columns)).toBe(columns);
    const copied = equityCurve([
      [5, 50],
      [6, 61.5],
    ]);
    expect(copied.ts).toBeInstanceOf(Float64Array);
    expect(Array.from(copied.ts)).toEqual([5, 6]);
    expect(Array.from(copied.value)).toEqual([50, 61.5]);
    expect(equityCurve([]).ts).toHaveLength(0);
  });
});

describe("selection", () => {
  it("finds the k-th smallest and partitions around it, as a sort would, also with many equal values and long ranges", () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rnd() * (trial < 20 ? 40_000 : 2_000));
      const levels = trial % 3 === 0 ? 3 : trial % 3 === 1 ? 50 : 1e9;
      const xs = Float64Array.from({ length: n }, () => Math.floor(rnd() * levels) - levels / 2);
      const sorted = xs.slice().sort();
      const k = Math.floor(rnd() * n);
      const got = selectInPlace(xs, k);
      expect(got).toBe(sorted[k]);
      expect(xs[k]).toBe(got);
      for (let i = 0; i < k; i++) if (xs[i]! > got) throw new Error(`xs[${i}] = ${xs[i]} > ${got}`);
      for (let i = k + 1; i < n; i++) if (xs[i]! < got) throw new Error(`xs[${i}] = ${xs[i]} < ${got}`);
      expect(xs.slice().sort()).toEqual(sorted);
    }
  });

  it("takes the median as the middle value, or the mean of the two middle values", () => {
    expect(medianInPlace(Float64Array.from([5, 1, 3]))).toBe(3);
    expect(medianInPlace(Float64Array.from([4, 1, 3, 2]))).toBe(2.5);
    expect(Number.isNaN(medianInPlace(new Float64Array(0)))).toBe(true);
    const big = Float64Array.from({ length: 100_001 }, (_, i) => (i * 7919) % 100_001);
    expect(medianInPlace(big)).toBe(50_000);
  });
});

describe("activeRiskOfValues", () => {
  it("equals activeRisk on the two curves' returns, bit for bit, without building them", () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const walk = (n: number) => {
      const out = [1e7];
      for (let i = 1; i < n; i++) out.push(out[i - 1]! * (1 + (rnd() - 0.5) * 0.01));
      return Float64Array.from(out);
    };
    for (const n of [1, 2, 3, 1_000]) {
      const equity = walk(n);
      const bench = walk(n);
      expect(activeRiskOfValues(equity, bench, 8_760)).toEqual(activeRisk(valueReturns(equity), valueReturns(bench), 8_760));
    }
    expect(() => activeRiskOfValues([1, 2], [1], 8_760)).toThrow(RangeError);
  });
});
