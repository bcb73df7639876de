import { stepReturn } from "./returns.ts";
import { equityCurve } from "./curve.ts";
import type { EquityInput, PeriodReturn } from "./types.ts";

/** Calendar period lengths the statistics bucket by. */
export type CalendarPeriod = "month" | "quarter";

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Label and exclusive end (shifted ms) of the calendar period containing shifted time `t`. */
function periodOf(t: number, period: CalendarPeriod): { label: string; endMs: number } {
  const d = new Date(t);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth(); // 0-11
  if (period === "month") return { label: `${year}-${pad2(month + 1)}`, endMs: Date.UTC(year, month + 1, 1) };
  const q = Math.floor(month / 3);
  return { label: `${year}-Q${q + 1}`, endMs: Date.UTC(year, q * 3 + 3, 1) };
}

/**
 * Return of each calendar period the equity curve touches: last mark in the period / last mark of
 * the previous period - 1, the first period measured from `initialCapital`. Periods are calendar
 * months or quarters of `ts + offsetMs` read as UTC (offset 0 = UTC; 9h = KST). Only periods with
 * at least one mark appear; a period without marks between two others is skipped, and the next
 * period's return then spans it. Calendar work happens only at period boundaries, so the pass is
 * cheap on long one-minute curves.
 */
export function periodReturns(
  equity: EquityInput,
  initialCapital: number,
  period: CalendarPeriod,
  offsetMs = 0,
): PeriodReturn[] {
  const out: PeriodReturn[] = [];
  const { ts: times, value: values } = equityCurve(equity);
  const n = times.length;
  if (n === 0) return out;
  let base = initialCapital;
  let current = periodOf(times[0]! + offsetMs, period);
  let lastValue = values[0]!;
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    const t = times[i]! + offsetMs;
    if (t >= current.endMs) {
      out.push({ period: current.label, return: stepReturn(base, lastValue) });
      base = lastValue;
      current = periodOf(t, period);
    }
    lastValue = v;
  }
  out.push({ period: current.label, return: stepReturn(base, lastValue) });
  return out;
}
