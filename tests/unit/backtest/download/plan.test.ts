import { describe, expect, it } from "vitest";
import { candleEnd, firstOpenAtOrAfter, periodStart, planSegments, windowsIn } from "../../../../src/backtest/download/index.ts";

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

describe("planSegments", () => {
  it("fetches the whole range when nothing is stored, and nothing for an empty range", () => {
    expect(planSegments([], T0, T0 + 10 * H, "1h")).toEqual([{ kind: "range", start: T0, end: T0 + 10 * H }]);
    expect(planSegments([], T0, T0, "1h")).toEqual([]);
  });

  it("fetches the head before and the tail after what is stored, with the stored neighbours", () => {
    const stored = [T0 + 5 * H, T0 + 6 * H, T0 + 9 * H];
    expect(planSegments(stored, T0, T0 + 20 * H, "1h")).toEqual([
      { kind: "head", start: T0, end: T0 + 5 * H, after: T0 + 5 * H },
      { kind: "tail", start: T0 + 10 * H, end: T0 + 20 * H, before: T0 + 9 * H },
    ]);
  });

  it("refetches only holes of 200 or more missing candles", () => {
    const shortHole = [T0, T0 + 200 * H]; // 199 missing
    expect(planSegments(shortHole, T0, T0 + 201 * H, "1h")).toEqual([]);
    const longHole = [T0, T0 + 201 * H]; // 200 missing
    expect(planSegments(longHole, T0, T0 + 202 * H, "1h")).toEqual([{ kind: "hole", start: T0 + H, end: T0 + 201 * H, before: T0, after: T0 + 201 * H }]);
  });

  it("counts request windows of 200 periods", () => {
    expect(windowsIn(T0, T0 + 200 * H, "1h")).toBe(1);
    expect(windowsIn(T0, T0 + 201 * H, "1h")).toBe(2);
    expect(windowsIn(T0, T0, "1h")).toBe(0);
    expect(windowsIn(T0, T0 + 400 * 60_000, "1m")).toBe(2);
  });
});

describe("the candle calendar", () => {
  it("puts minute intervals on the UTC grid", () => {
    const t = Date.UTC(2024, 4, 7, 13, 47, 12);
    expect(periodStart("1m", t)).toBe(Date.UTC(2024, 4, 7, 13, 47));
    expect(periodStart("4h", t)).toBe(Date.UTC(2024, 4, 7, 12));
    expect(candleEnd("30m", Date.UTC(2024, 4, 7, 13, 30))).toBe(Date.UTC(2024, 4, 7, 14));
  });

  it("starts days at 00:00 KST, weeks on Monday and months on the 1st (KST)", () => {
    expect(periodStart("1d", Date.UTC(2024, 4, 7, 14, 59))).toBe(Date.UTC(2024, 4, 6, 15));
    expect(periodStart("1d", Date.UTC(2024, 4, 7, 15, 0))).toBe(Date.UTC(2024, 4, 7, 15));
    // Wednesday 2024-05-08 KST -> Monday 2024-05-06 00:00 KST = Sunday 15:00 UTC.
    expect(periodStart("1w", Date.UTC(2024, 4, 8, 3))).toBe(Date.UTC(2024, 4, 5, 15));
    expect(new Date(periodStart("1w", Date.UTC(2024, 4, 8, 3)) + 9 * H).getUTCDay()).toBe(1);
    expect(periodStart("1M", Date.UTC(2024, 4, 31, 16))).toBe(Date.UTC(2024, 4, 31, 15));
    expect(periodStart("1M", Date.UTC(2024, 4, 31, 14))).toBe(Date.UTC(2024, 3, 30, 15));
  });

  it("ends a month candle one calendar month later, for KST and for UTC month starts", () => {
    expect(candleEnd("1M", Date.UTC(2024, 0, 31, 15))).toBe(Date.UTC(2024, 1, 29, 15)); // Feb 2024 (KST) -> Mar 1 KST
    expect(candleEnd("1M", Date.UTC(2024, 11, 31, 15))).toBe(Date.UTC(2025, 0, 31, 15)); // Jan 2025 (KST)
    expect(candleEnd("1M", Date.UTC(2024, 1, 1))).toBe(Date.UTC(2024, 2, 1)); // a UTC-aligned month
  });

  it("starts a download at the first period opening at or after --from", () => {
    expect(firstOpenAtOrAfter("1h", T0)).toBe(T0);
    expect(firstOpenAtOrAfter("1h", T0 + 1)).toBe(T0 + H);
    expect(firstOpenAtOrAfter("1d", T0)).toBe(Date.UTC(2024, 0, 1, 15));
  });
});
