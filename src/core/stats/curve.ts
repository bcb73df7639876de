import type { EquityCurve, EquityInput } from "./types.ts";

/**
 * The columns of an equity curve: returned as is when it already is columns, else copied out of
 * `[ts, value]` points (one pass, for callers holding points: tests, small curves).
 */
export function equityCurve(equity: EquityInput): EquityCurve {
  if (!Array.isArray(equity)) return equity as EquityCurve;
  const points = equity as readonly (readonly [number, number])[];
  const n = points.length;
  const ts = new Float64Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = points[i]!;
    ts[i] = p[0];
    value[i] = p[1];
  }
  return { ts, value };
}
