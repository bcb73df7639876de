/**
 * Exact decimal amounts for the simulator's ledger: a `Fixed` is a bigint counting 10^-12 units.
 *
 * Why 12 decimals: KRW prices have at most 4 decimals (tick 0.0001 below 1 KRW) and volumes at
 * most 8, so every fill's KRW value `price x volume` is exact at 12 decimals. Balances are sums of
 * such values and of fees (rounded to 8 decimals), so they stay exact too: after any number of
 * fills `KRW + locked + fees paid` is conserved to the last unit, with no float drift.
 */
export type Fixed = bigint;

export const FIXED_DECIMALS = 12;
export const ONE: Fixed = 10n ** BigInt(FIXED_DECIMALS);
export const ZERO: Fixed = 0n;

/** Coin quantities are quoted to 8 decimals (API.md 9). */
export const VOLUME_DECIMALS = 8;
/** KRW fees are rounded to 8 decimals. */
export const FEE_DECIMALS = 8;

export type Rounding = "floor" | "ceil" | "half-up";

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** How many fraction digits `text` carries (`"0.0100"` -> 4), or -1 when it is not a plain decimal. */
export function fractionDigits(text: string): number {
  const m = DECIMAL_RE.exec(text);
  if (!m) return -1;
  return m[3]?.length ?? 0;
}

/**
 * Parse a plain decimal string (`"67000000"`, `"0.01"`, `"-3.5"`). Returns undefined for anything
 * else (exponents, spaces, empty, more than 12 fraction digits) so callers can answer with an error.
 */
export function parseFixed(text: string): Fixed | undefined {
  const m = DECIMAL_RE.exec(text);
  if (!m) return undefined;
  const frac = m[3] ?? "";
  if (frac.length > FIXED_DECIMALS) return undefined;
  const units = BigInt(m[2]! + frac.padEnd(FIXED_DECIMALS, "0"));
  return m[1] ? -units : units;
}

/** A JS number as a Fixed, rounded half-up at `decimals` digits (for floats read from data files). */
export function fixedFromNumber(value: number, decimals = FIXED_DECIMALS): Fixed {
  if (!Number.isFinite(value)) throw new RangeError(`cannot represent ${value} exactly`);
  const parsed = parseFixed(value.toFixed(Math.min(decimals, FIXED_DECIMALS)));
  if (parsed === undefined) throw new RangeError(`cannot represent ${value} exactly`);
  return parsed;
}

/** Integer count of 10^-8 units (how the replay stores volumes) as a Fixed. */
export function fixedFromVolumeUnits(units: number): Fixed {
  return BigInt(units) * 10n ** BigInt(FIXED_DECIMALS - VOLUME_DECIMALS);
}

/** Plain decimal text with no exponent and no trailing zeros: `"0"`, `"23.75"`, `"-0.5"`. */
export function formatFixed(value: Fixed): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const int = abs / ONE;
  const frac = (abs % ONE).toString().padStart(FIXED_DECIMALS, "0").replace(/0+$/, "");
  const text = frac ? `${int}.${frac}` : `${int}`;
  return negative && text !== "0" ? `-${text}` : text;
}

/** The nearest double (exact for the 8-decimal and tick-grid values the simulator produces). */
export function fixedToNumber(value: Fixed): number {
  return Number(formatFixed(value));
}

/** `n / d` rounded as asked (d > 0). Works for negative `n`. */
function divRound(n: bigint, d: bigint, rounding: Rounding): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  if (rounding === "floor") return n < 0n ? q - 1n : q;
  if (rounding === "ceil") return n < 0n ? q : q + 1n;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** `a x b`, rounded to the Fixed grid. Exact when the digits fit (price x volume always does). */
export function mulFixed(a: Fixed, b: Fixed, rounding: Rounding = "floor"): Fixed {
  return divRound(a * b, ONE, rounding);
}

/** `a / b` (b > 0), rounded to the Fixed grid. */
export function divFixed(a: Fixed, b: Fixed, rounding: Rounding = "floor"): Fixed {
  if (b <= 0n) throw new RangeError("division by a non-positive amount");
  return divRound(a * ONE, b, rounding);
}

/** Round onto a grid of `decimals` fraction digits (8 for volumes and fees). */
export function quantize(value: Fixed, decimals: number, rounding: Rounding = "floor"): Fixed {
  const step = 10n ** BigInt(FIXED_DECIMALS - decimals);
  return divRound(value, step, rounding) * step;
}

/** True when `value` needs no more than `decimals` fraction digits. */
export function fitsDecimals(value: Fixed, decimals: number): boolean {
  return value % 10n ** BigInt(FIXED_DECIMALS - decimals) === 0n;
}

export function minFixed(a: Fixed, b: Fixed): Fixed {
  return a < b ? a : b;
}

export function maxFixed(a: Fixed, b: Fixed): Fixed {
  return a > b ? a : b;
}
