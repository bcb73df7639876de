import { describe, expect, it } from "vitest";
import { dailyLossFraction, drawdownFraction, equityMarksInit, kellyEstimate, kstDay, markEquity, RISK_PRESETS, returnsCorrelation } from "../../../../src/core/risk/index.ts";

const KELLY = RISK_PRESETS.default.kelly;

describe("Kelly on R-multiples", () => {
  it("uses the documented prior while there are too few trades: 35 % wins of 2 R -> f* 2.5 %, half 1.25 %", () => {
    const k = kellyEstimate([{ pnl: 100, risk: 100 }], KELLY);
    expect(k.source).toBe("prior");
    expect(k.fullKelly).toBeCloseTo(0.025, 15);
    expect(k.riskFraction).toBeCloseTo(0.0125, 15);
  });

  it("estimates p / a - (1 - p) / b from the trades once there are enough", () => {
    // 10 wins of 2 R and 10 losses of 1 R: f* = 0.5 / 1 - 0.5 / 2 = 0.25, half-Kelly 0.125.
    const trades = [...Array.from({ length: 10 }, () => ({ pnl: 200, risk: 100 })), ...Array.from({ length: 10 }, () => ({ pnl: -100, risk: 100 }))];
    const k = kellyEstimate(trades, KELLY);
    expect(k).toMatchObject({ source: "trades", trades: 20, winRate: 0.5, averageWinR: 2, averageLossR: 1 });
    expect(k.fullKelly).toBeCloseTo(0.25, 15);
    expect(k.riskFraction).toBeCloseTo(0.125, 15);
  });

  it("floors at zero when there is no edge, and has no cap when no loss was ever seen", () => {
    const losers = Array.from({ length: 20 }, () => ({ pnl: -50, risk: 100 }));
    expect(kellyEstimate(losers, KELLY).riskFraction).toBe(0);
    const weak = [...Array.from({ length: 6 }, () => ({ pnl: 100, risk: 100 })), ...Array.from({ length: 14 }, () => ({ pnl: -100, risk: 100 }))];
    expect(kellyEstimate(weak, KELLY).fullKelly).toBeLessThan(0);
    expect(kellyEstimate(weak, KELLY).riskFraction).toBe(0);
    const winners = Array.from({ length: 20 }, () => ({ pnl: 50, risk: 100 }));
    expect(kellyEstimate(winners, KELLY).riskFraction).toBe(Number.POSITIVE_INFINITY);
  });

  it("sizes with the probe while half-Kelly is under it, zero included; the estimate itself stays floored at zero", () => {
    const losers = Array.from({ length: 20 }, () => ({ pnl: -50, risk: 100 }));
    expect(kellyEstimate(losers, KELLY)).toMatchObject({ riskFraction: 0, sizingFraction: 0.0025, probe: true });
    // Half-Kelly 0.1 % (under the 0.25 % probe): a tiny positive size would fall under the exchange minimum.
    const thin = [...Array.from({ length: 10 }, () => ({ pnl: 100, risk: 100 })), ...Array.from({ length: 10 }, () => ({ pnl: -99.6, risk: 100 }))];
    const k = kellyEstimate(thin, KELLY);
    expect(k.riskFraction).toBeGreaterThan(0);
    expect(k.riskFraction).toBeLessThan(0.0025);
    expect(k).toMatchObject({ sizingFraction: 0.0025, probe: true });
    expect(kellyEstimate([], KELLY).probe).toBe(false);
    expect(kellyEstimate([], KELLY).sizingFraction).toBeCloseTo(0.0125, 15);
    expect(kellyEstimate(losers, { ...KELLY, probeRiskFraction: 0 })).toMatchObject({ sizingFraction: 0, probe: false });
  });

  it("is never locked out: probe trades with an edge lift the estimate back over the probe", () => {
    // The deadlock of a zero floor: 20 losers leave half-Kelly at 0, and only new trades can change it.
    const outcomes = Array.from({ length: 20 }, () => ({ pnl: -100, risk: 100 }));
    let probes = 0;
    // Probe trades of any size have the same R-multiples: here a 2 R win, then a 1 R loss.
    while (kellyEstimate(outcomes, KELLY).probe) {
      const risk = kellyEstimate(outcomes, KELLY).sizingFraction * 10_000_000;
      outcomes.push(probes % 2 === 0 ? { pnl: 2 * risk, risk } : { pnl: -risk, risk });
      probes++;
      if (probes > 200) throw new Error("still probing after 200 trades");
    }
    expect(probes).toBeGreaterThan(20);
    expect(kellyEstimate(outcomes, KELLY).riskFraction).toBeGreaterThanOrEqual(0.0025);
  });

  it("looks only at the most recent `lookback` trades and skips trades without a risk", () => {
    const old = Array.from({ length: 100 }, () => ({ pnl: -100, risk: 100 }));
    const recent = Array.from({ length: 50 }, (_, i) => ({ pnl: i % 2 === 0 ? 300 : -100, risk: 100 }));
    const k = kellyEstimate([...old, { pnl: 5, risk: 0 }, ...recent], KELLY);
    expect(k.trades).toBe(50);
    expect(k.winRate).toBe(0.5);
  });
});

describe("correlation of returns", () => {
  it("is 1 for proportional series, -1 for mirrored returns, NaN without movement or data", () => {
    const a = [100, 101, 99, 102, 103, 100];
    expect(returnsCorrelation(a, a.map((x) => x * 7), 10).correlation).toBeCloseTo(1, 12);
    const ra = a.slice(1).map((x, i) => x / a[i]! - 1);
    const mirrored = [50];
    for (const r of ra) mirrored.push(mirrored[mirrored.length - 1]! * (1 - r));
    expect(returnsCorrelation(a, mirrored, 10).correlation).toBeCloseTo(-1, 12);
    expect(Number.isNaN(returnsCorrelation(a, [5, 5, 5, 5, 5, 5], 10).correlation)).toBe(true);
    expect(returnsCorrelation([1, 2], [1, 2], 10)).toMatchObject({ observations: 1 });
  });

  it("aligns the two series on their last element and uses `lookback` returns", () => {
    const a = [1, 2, 3, 100, 101, 99, 102];
    const b = [100, 101, 99, 102];
    expect(returnsCorrelation(a, b, 3)).toMatchObject({ correlation: 1, observations: 3 });
  });
});

describe("equity watermarks", () => {
  it("the KST day starts at 15:00 UTC", () => {
    const utc = Date.UTC(2024, 0, 1, 14, 59, 59, 999);
    expect(kstDay(utc + 1)).toBe(kstDay(utc) + 1);
  });

  it("a new KST day starts from the previous day's last equity; the peak only rises", () => {
    const t0 = Date.UTC(2024, 0, 1, 0);
    const marks = equityMarksInit(t0, 100);
    markEquity(marks, t0 + 3_600_000, 120);
    markEquity(marks, t0 + 7_200_000, 110);
    expect(marks).toMatchObject({ dayStartEquity: 100, peakEquity: 120, lastEquity: 110 });
    markEquity(marks, Date.UTC(2024, 0, 1, 15), 105);
    expect(marks).toMatchObject({ dayStartEquity: 110, peakEquity: 120 });
    expect(dailyLossFraction(marks.dayStartEquity, 105)).toBeCloseTo(5 / 110, 15);
    expect(drawdownFraction(marks.peakEquity, 105)).toBeCloseTo(15 / 120, 15);
    expect(dailyLossFraction(100, 120)).toBe(0);
  });
});
