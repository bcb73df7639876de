/**
 * Bithumb KRW-market order rules (API.md section 9): the price tick table, volume precision,
 * whole-KRW amounts and the minimum order check. Pure and exact: every rounding goes through a
 * tolerance-snapped integer count of grid steps, so `0.1233 / 0.0001 = 1232.9999…` still lands on
 * 1233 ticks and the result is re-parsed from its decimal text (no `0.12330000000000001`).
 */

export interface TickBand {
  /** Inclusive lower bound of the band (KRW). */
  readonly from: number;
  readonly tick: number;
  /** Decimals needed to write a price of this band exactly. */
  readonly decimals: number;
}

/** API.md 9, ascending. The exchange rejects off-grid prices and never rounds for you. */
export const KRW_TICK_BANDS: readonly TickBand[] = [
  { from: 0, tick: 0.0001, decimals: 4 },
  { from: 1, tick: 0.001, decimals: 3 },
  { from: 10, tick: 0.01, decimals: 2 },
  { from: 100, tick: 1, decimals: 0 },
  { from: 1_000, tick: 1, decimals: 0 },
  { from: 5_000, tick: 5, decimals: 0 },
  { from: 10_000, tick: 10, decimals: 0 },
  { from: 50_000, tick: 50, decimals: 0 },
  { from: 100_000, tick: 100, decimals: 0 },
  { from: 500_000, tick: 500, decimals: 0 },
  { from: 1_000_000, tick: 1_000, decimals: 0 },
];

/** Bithumb quotes coin quantities to 8 decimals. */
export const VOLUME_DECIMALS = 8;

export type RoundMode = "down" | "up" | "nearest";

/** The band a price falls in (prices below 0 are invalid and get the finest band). */
export function tickBand(price: number): TickBand {
  let band = KRW_TICK_BANDS[0]!;
  for (const b of KRW_TICK_BANDS) {
    if (price >= b.from) band = b;
    else break;
  }
  return band;
}

/** The tick size for a price. */
export function tickSize(price: number): number {
  return tickBand(price).tick;
}

/**
 * Count of `step`s in `value`, snapped to the nearest integer when within float noise, then
 * rounded in the asked direction. The tolerance is absolute in steps (a millionth of a step, or a
 * few ulps of the count when that is larger): a relative tolerance would grow with the count and
 * turn "down" into "nearest" for large step counts (1.123456789 must floor to 1.12345678).
 */
function stepCount(value: number, step: number, mode: RoundMode): number {
  const q = value / step;
  const r = Math.round(q);
  const snapped = Math.abs(q - r) <= Math.max(1e-6, Math.abs(q) * 4 * Number.EPSILON) ? r : q;
  if (mode === "down") return Math.floor(snapped);
  if (mode === "up") return Math.ceil(snapped);
  return Math.round(snapped);
}

/** `n * step` written with `decimals` digits and parsed back: the nearest double to the decimal. */
function onGrid(n: number, step: number, decimals: number): number {
  return Number((n * step).toFixed(decimals));
}

/**
 * Round a price onto the KRW tick grid. Bids should round `down` (never pay more than meant),
 * asks `up` for limit sells above the market and `down` for stop-like exits.
 * Crossing a band edge is safe: every band edge is a multiple of both neighbouring ticks.
 */
export function roundPrice(price: number, mode: RoundMode = "nearest"): number {
  if (!Number.isFinite(price) || price <= 0) throw new RangeError(`price must be a positive number, got ${price}`);
  let band = tickBand(price);
  let rounded = onGrid(stepCount(price, band.tick, mode), band.tick, band.decimals);
  // Rounding down from just above a band edge can land in the finer band below; its grid is
  // finer, so the value is still valid there. Rounding up can land in a coarser band: re-check.
  const landed = tickBand(rounded);
  if (landed.tick > band.tick) {
    band = landed;
    rounded = onGrid(stepCount(rounded, band.tick, mode === "down" ? "down" : "up"), band.tick, band.decimals);
  }
  if (rounded <= 0) {
    // A positive price cannot round to zero: the smallest valid price is one tick.
    return KRW_TICK_BANDS[0]!.tick;
  }
  return rounded;
}

/** True when `price` sits exactly on the tick grid of its band. */
export function isOnTick(price: number): boolean {
  if (!Number.isFinite(price) || price <= 0) return false;
  const band = tickBand(price);
  const q = price / band.tick;
  return Math.abs(q - Math.round(q)) <= Math.max(1e-6, Math.abs(q) * 4 * Number.EPSILON);
}

/** Move a price by `n` ticks (n may be negative), staying on the grid. */
export function offsetTicks(price: number, n: number): number {
  let p = roundPrice(price, "nearest");
  const dir = Math.sign(n);
  for (let i = 0; i < Math.abs(n); i++) {
    const band = dir > 0 ? tickBand(p) : tickBand(p - tickBand(p).tick / 2);
    p = onGrid(stepCount(p, band.tick, "nearest") + dir, band.tick, band.decimals);
    if (p <= 0) return KRW_TICK_BANDS[0]!.tick;
  }
  return p;
}

/** Floor a coin quantity to exchange precision (never sell or buy more than meant). */
export function floorVolume(volume: number, decimals = VOLUME_DECIMALS): number {
  if (!Number.isFinite(volume) || volume <= 0) return 0;
  const step = 10 ** -decimals;
  return onGrid(stepCount(volume, step, "down"), step, decimals);
}

/** Floor a KRW amount to whole won (market buys by amount are sent in whole KRW). */
export function floorKrw(amount: number): number {
  if (!Number.isFinite(amount) || amount <= 0) return 0;
  return stepCount(amount, 1, "down");
}

/**
 * Write a number as a plain decimal string with at most `maxDecimals` digits, no exponent and no
 * trailing zeros: the form Bithumb expects for NumberString fields.
 */
export function formatDecimal(x: number, maxDecimals = VOLUME_DECIMALS): string {
  if (!Number.isFinite(x)) throw new RangeError(`cannot format ${x}`);
  const fixed = x.toFixed(maxDecimals);
  const trimmed = fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
  return trimmed === "-0" ? "0" : trimmed;
}

/** A price written exactly as its band needs (throws if off-grid: callers round first). */
export function formatPrice(price: number): string {
  if (!isOnTick(price)) throw new RangeError(`price ${price} is not on the KRW tick grid`);
  return formatDecimal(price, tickBand(price).decimals);
}

/** Notional of an order in KRW. */
export function notional(price: number, volume: number): number {
  return price * volume;
}

/** True when the order's KRW value meets the market minimum. */
export function meetsMinimum(price: number, volume: number, minTotal: number): boolean {
  return notional(price, volume) >= minTotal;
}
