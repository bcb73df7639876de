import { describe, expect, it } from "vitest";
import { findGaps, findRowDefects, findRowDefectsOnGrid, gridPhase, modalSpacing } from "../../../../src/backtest/data/index.ts";
import { medianInPlace } from "../../../../src/core/stats/index.ts";

describe("medianInPlace", () => {
  it("equals the median of the sorted values on random inputs with many ties", () => {
    let seed = 12345;
    const next = () => (seed = (seed * 48271) % 2147483647);
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + (next() % 60);
      const xs = Float64Array.from({ length: n }, () => next() % 9);
      const sorted = Float64Array.from(xs).sort();
      const expected = n % 2 === 1 ? sorted[n >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
      expect(medianInPlace(xs)).toBe(expected);
    }
    expect(medianInPlace(new Float64Array(0))).toBeNaN();
  });
});

describe("modalSpacing", () => {
  it("takes the most frequent positive step, ignoring NaN and backwards steps", () => {
    expect(modalSpacing([0, 60, 120, 300, 360, NaN, 420, 100, 480])).toBe(60);
    expect(modalSpacing([5])).toBeUndefined();
    expect(modalSpacing([5, 5, 5])).toBeUndefined();
  });
});

describe("findRowDefects and findGaps without line numbers", () => {
  it("report line 0 for candles that did not come from a file (e.g. a database)", () => {
    const ts = Float64Array.from([0, 60_000, 60_000, 240_000]);
    const ones = Float64Array.from([1, 1, 1, 1]);
    const { issues, defective } = findRowDefects({ ts, open: ones, high: ones, low: ones, close: ones, volume: ones }, 60_000);
    expect(issues.map((i) => [i.kind, i.line])).toEqual([["duplicate", 0]]);
    expect(Array.from(defective)).toEqual([0, 0, 1, 0]);
    expect(findGaps(ts, 60_000).map((g) => [g.missing, g.line])).toEqual([[2, 0]]);
  });

  it("skip grid checks for monthly candles (months differ in length)", () => {
    const ts = Float64Array.from([Date.UTC(2024, 0, 1), Date.UTC(2024, 1, 1), Date.UTC(2024, 3, 1)]);
    const ones = Float64Array.from([1, 1, 1]);
    expect(findRowDefects({ ts, open: ones, high: ones, low: ones, close: ones, volume: ones }, 2_592_000_000).issues).toEqual([]);
    expect(findGaps(ts, 2_592_000_000)).toEqual([]);
  });
});

describe("findRowDefectsOnGrid", () => {
  const H = 3_600_000;
  const columns = (ts: number[]) => {
    const ones = new Float64Array(ts.length).fill(1);
    return { ts: Float64Array.from(ts), open: ones, high: ones, low: ones, close: ones, volume: ones };
  };

  it("equals findRowDefects on the modal grid phase, whether or not the first row is on it", () => {
    const cases = [
      [0, H, 2 * H, 3 * H], // all on the grid
      [30_000, H, 2 * H, 3 * H, 4 * H], // the first row is off the grid the others are on
      [0, H + 5, 2 * H, 3 * H + 5, 4 * H + 5, 5 * H + 5], // most rows on another phase than the first
      [0, 2 * H, 2 * H, H, 5 * H + 1], // duplicate, out of order and misaligned rows
      [],
    ];
    for (const ts of cases) {
      const c = columns(ts);
      const phase = gridPhase(c.ts, H);
      const fused = findRowDefectsOnGrid(c, H);
      const plain = findRowDefects(c, H, undefined, phase);
      expect(fused.phase).toBe(phase);
      expect(fused.issues).toEqual(plain.issues);
      expect(Array.from(fused.defective)).toEqual(Array.from(plain.defective));
    }
  });
});
