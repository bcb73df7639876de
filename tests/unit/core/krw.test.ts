import { describe, expect, it } from "vitest";
import { floorKrw, floorVolume, formatDecimal, formatPrice, isOnTick, KRW_TICK_BANDS, offsetTicks, roundPrice, tickSize } from "../../../src/core/orders/krw.ts";

describe("KRW tick table (API.md 9)", () => {
  const cases: [price: number, tick: number][] = [
    [0.5, 0.0001],
    [1, 0.001],
    [9.999, 0.001],
    [10, 0.01],
    [99.99, 0.01],
    [100, 1],
    [999, 1],
    [1_000, 1],
    [4_999, 1],
    [5_000, 5],
    [9_995, 5],
    [10_000, 10],
    [49_990, 10],
    [50_000, 50],
    [99_950, 50],
    [100_000, 100],
    [499_900, 100],
    [500_000, 500],
    [999_500, 500],
    [1_000_000, 1_000],
    [150_000_000, 1_000],
  ];
  it.each(cases)("price %d has tick %d", (price, tick) => {
    expect(tickSize(price)).toBe(tick);
  });

  it("rounds inside every band in both directions without float drift", () => {
    const inputs: [number, number, number][] = [
      // price, down, up
      [0.12345, 0.1234, 0.1235],
      [1.23456, 1.234, 1.235],
      [12.345, 12.34, 12.35],
      [123.4, 123, 124],
      [1234.5, 1234, 1235],
      [5003, 5000, 5005],
      [10_007, 10_000, 10_010],
      [50_020, 50_000, 50_050],
      [100_050, 100_000, 100_100],
      [500_200, 500_000, 500_500],
      [1_000_400, 1_000_000, 1_001_000],
      [150_123_456, 150_123_000, 150_124_000],
    ];
    for (const [p, down, up] of inputs) {
      expect(roundPrice(p, "down")).toBe(down);
      expect(roundPrice(p, "up")).toBe(up);
      expect(isOnTick(roundPrice(p, "down"))).toBe(true);
      expect(isOnTick(roundPrice(p, "up"))).toBe(true);
    }
  });

  it("keeps prices that are already on the grid, even when division is inexact", () => {
    for (const p of [0.1233, 0.0003, 1.001, 12.07, 0.7, 4.35]) {
      expect(roundPrice(p, "down")).toBe(p);
      expect(roundPrice(p, "up")).toBe(p);
      expect(isOnTick(p)).toBe(true);
    }
  });

  it("rounds up across a band edge onto the coarser grid", () => {
    expect(roundPrice(9_998, "up")).toBe(10_000);
    expect(roundPrice(99.995, "up")).toBe(100);
    expect(roundPrice(999_999, "up")).toBe(1_000_000);
    expect(isOnTick(roundPrice(499_950.5, "up"))).toBe(true);
  });

  it("detects off-grid prices", () => {
    expect(isOnTick(5_003)).toBe(false);
    expect(isOnTick(150_000_500)).toBe(false);
    expect(isOnTick(0.12345)).toBe(false);
    expect(isOnTick(Number.NaN)).toBe(false);
    expect(isOnTick(-1000)).toBe(false);
  });

  it("moves by ticks across band edges", () => {
    expect(offsetTicks(9_995, 1)).toBe(10_000);
    expect(offsetTicks(10_000, -1)).toBe(9_995);
    expect(offsetTicks(1_000_000, -1)).toBe(999_500);
    expect(offsetTicks(150_000_000, 3)).toBe(150_003_000);
  });

  it("refuses to round nonsense", () => {
    expect(() => roundPrice(Number.NaN)).toThrow(RangeError);
    expect(() => roundPrice(0)).toThrow(RangeError);
    expect(() => formatPrice(5_003)).toThrow(RangeError);
  });

  it("covers every band in the table", () => {
    for (const band of KRW_TICK_BANDS) {
      const p = band.from === 0 ? band.tick * 3 : band.from + band.tick * 3;
      expect(isOnTick(p)).toBe(true);
      expect(formatPrice(p)).not.toContain("e");
    }
  });
});

describe("volumes and amounts", () => {
  it("floors volumes to 8 decimals", () => {
    expect(floorVolume(0.123456789)).toBe(0.12345678);
    // Large step counts must still floor, never round up past the balance.
    expect(floorVolume(1.123456789)).toBe(1.12345678);
    expect(floorVolume(123_456.123456789)).toBe(123_456.12345678);
    expect(floorVolume(99.999999999)).toBe(99.99999999);
    // Float noise just under a grid point is still that grid point.
    expect(floorVolume(1.1234567799999999)).toBe(1.12345678);
    expect(floorVolume(0.07 * 3)).toBe(0.21);
    expect(floorVolume(0.1 + 0.2)).toBe(0.3);
    expect(floorVolume(-1)).toBe(0);
    expect(floorVolume(Number.NaN)).toBe(0);
  });
  it("floors KRW to whole won", () => {
    expect(floorKrw(10_000.9)).toBe(10_000);
    expect(floorKrw(9_999.999_999_999_9)).toBe(10_000); // float noise snaps, it is not a real fraction
  });
  it("formats decimals plainly", () => {
    expect(formatDecimal(0.00000001)).toBe("0.00000001");
    expect(formatDecimal(1e-9)).toBe("0");
    expect(formatDecimal(150_000_000)).toBe("150000000");
    expect(formatDecimal(0.1 + 0.2)).toBe("0.3");
    expect(formatPrice(0.1233)).toBe("0.1233");
  });
});

describe("tick rounding at every price band (API.md 9)", () => {
  /** 200 prices spread over each band, deterministic. */
  function pricesIn(from: number, to: number): number[] {
    const out: number[] = [];
    for (let k = 1; k <= 200; k++) out.push(from + ((to - from) * k * 0.618_033_988_7) % (to - from));
    return out;
  }
  const bands = KRW_TICK_BANDS.map((b, i) => ({ ...b, to: KRW_TICK_BANDS[i + 1]?.from ?? b.from * 200 }));

  it.each(bands)("band from $from (tick $tick): down/up land on the grid within one tick, in order, and format exactly", ({ from, to, tick, decimals }) => {
    for (const p of pricesIn(from === 0 ? tick : from, to)) {
      const down = roundPrice(p, "down");
      const up = roundPrice(p, "up");
      const near = roundPrice(p, "nearest");
      for (const r of [down, up, near]) {
        expect(isOnTick(r), `${p} -> ${r}`).toBe(true);
        const text = formatPrice(r);
        expect(text).toMatch(/^\d+(\.\d+)?$/);
        expect(Number(text)).toBe(r);
        expect((text.split(".")[1] ?? "").length).toBeLessThanOrEqual(tickSize(r) >= 1 ? 0 : decimals);
      }
      expect(down).toBeLessThanOrEqual(p);
      expect(up).toBeGreaterThanOrEqual(p);
      expect(p - down).toBeLessThan(tick + 1e-9 * p);
      expect(up - p).toBeLessThan(tickSize(up) + 1e-9 * p);
      expect(near === down || near === up).toBe(true);
    }
  });

  it.each(bands.slice(1))("the band edge $from is on both grids and rounding around it moves one tick", ({ from }) => {
    const below = KRW_TICK_BANDS.find((b, i) => KRW_TICK_BANDS[i + 1]?.from === from)!;
    expect(isOnTick(from)).toBe(true);
    expect(roundPrice(from, "down")).toBe(from);
    expect(roundPrice(from, "up")).toBe(from);
    expect(roundPrice(from - below.tick / 2, "down")).toBe(Number((from - below.tick).toFixed(below.decimals)));
    expect(roundPrice(from - below.tick / 2, "up")).toBe(from);
  });
});
