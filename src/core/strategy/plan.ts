import type { Bar, ExitReason, ProtectiveExit } from "./types.ts";

/**
 * The exit plan of one open position: its stop and its price targets, as plain JSON data (part of
 * the strategy state). `checkProtectiveExits` reads it against a bar; fills change it (through the
 * strategy's `onFill`); the strategy ratchets the stop at candle closes.
 *
 * Stops and targets are trigger LEVELS, not order prices: they are not rounded to the tick grid
 * (the exit itself is a market sell, which has no price). Rounding would also make the backtest
 * disagree with the rules as written.
 */
export interface TakeProfitLevel {
  readonly price: number;
  /** Share of the initial position this level sells. */
  readonly fraction: number;
}

export interface TradePlan {
  /** Average entry fill price. */
  entryPrice: number;
  /** Time of the first entry fill. */
  entryTs: number;
  initialVolume: number;
  /** Volume still held (as last reported by a fill's view). */
  volume: number;
  initialStop: number;
  /** Current protective stop; only ever raised. */
  stop: number;
  /** The exit reason a hit of the current stop reports. */
  stopReason: "stop" | "trailing_stop";
  /** Highest close since entry (starts at the entry price), for the trailing stop. */
  highestClose: number;
  /** Closed candles held, the entry candle counting as the first. */
  barsHeld: number;
  /** Partial take-profit levels in increasing price order. */
  takeProfits: TakeProfitLevel[];
  /** How many of `takeProfits` have sold. */
  takeProfitsDone: number;
  /** Sell-everything target price, or null when off. */
  target: number | null;
}

export interface TradePlanInit {
  readonly entryPrice: number;
  readonly entryTs: number;
  readonly volume: number;
  readonly stop: number;
  /** Partial levels as (profit in R, share of the initial position), increasing r. */
  readonly takeProfits?: readonly { readonly r: number; readonly fraction: number }[];
  /** Sell-everything target as a price (already computed). */
  readonly target?: number | null;
}

/** Build a plan. R (risk per unit) is `entryPrice - stop`; levels sit at `entryPrice + r x R`. */
export function openTradePlan(init: TradePlanInit): TradePlan {
  const risk = init.entryPrice - init.stop;
  const takeProfits = risk > 0 ? (init.takeProfits ?? []).map((l) => ({ price: init.entryPrice + l.r * risk, fraction: l.fraction })) : [];
  return {
    entryPrice: init.entryPrice,
    entryTs: init.entryTs,
    initialVolume: init.volume,
    volume: init.volume,
    initialStop: init.stop,
    stop: init.stop,
    stopReason: "stop",
    highestClose: init.entryPrice,
    barsHeld: 0,
    takeProfits,
    takeProfitsDone: 0,
    target: init.target ?? null,
  };
}

/** Risk per unit at entry (R). */
export function riskPerUnit(plan: TradePlan): number {
  return plan.entryPrice - plan.initialStop;
}

/**
 * KRW the whole position would lose at its initial stop (fees aside): the `risk` of the trade's
 * `TradeOutcome` for risk's Kelly estimate (`pnl / risk` is its R-multiple). Read it from the plan
 * after the entry fills, before exits change the volume.
 */
export function initialRisk(plan: TradePlan): number {
  return plan.initialVolume * riskPerUnit(plan);
}

const NO_EXITS: readonly ProtectiveExit[] = Object.freeze([]);

/** The 1-based take-profit reason for level index `i`. */
export function takeProfitReason(i: number): ExitReason {
  return `take_profit_${i + 1}`;
}

/**
 * Stops and targets the bar touched, in the order they apply. Conservative reading: when the low
 * reaches the stop, the stop is assumed to have come first, whatever the high did (even if the bar
 * also reached a target), so the result is that single full exit. Otherwise every not-yet-sold
 * take-profit level and the target at or below the high, lowest price first, until nothing is left.
 *
 * Used identically by the backtester (the candle after, and including, the entry candle, before its
 * close is evaluated) and the live actor (the forming candle or a tick). The caller must not
 * re-trigger while the resulting exit order is still in flight.
 */
export function checkProtectiveExits(plan: TradePlan | null, bar: Bar): readonly ProtectiveExit[] {
  if (plan === null || !(plan.volume > 0)) return NO_EXITS;
  if (bar.low <= plan.stop) {
    return [{ reason: plan.stopReason, fraction: 1, trigger: plan.stop, price: Math.min(bar.open, plan.stop) }];
  }
  const target = plan.target;
  const levels = plan.takeProfits;
  let i = plan.takeProfitsDone;
  const targetHit = target !== null && bar.high >= target;
  if (!targetHit && (i >= levels.length || bar.high < levels[i]!.price)) return NO_EXITS;

  const exits: ProtectiveExit[] = [];
  let remaining = plan.volume;
  for (; i < levels.length; i++) {
    const level = levels[i]!;
    if (bar.high < level.price || (targetHit && target! <= level.price)) break;
    const sell = Math.min(remaining, level.fraction * plan.initialVolume);
    exits.push({ reason: takeProfitReason(i), fraction: sell >= remaining ? 1 : sell / remaining, trigger: level.price, price: Math.max(bar.open, level.price) });
    remaining -= sell;
    if (remaining <= 0) return exits;
  }
  if (targetHit) exits.push({ reason: "target", fraction: 1, trigger: target!, price: Math.max(bar.open, target!) });
  return exits;
}

/** Raise the stop to `candidate` when higher (never lowers it). Returns true when it moved. */
export function raiseStop(plan: TradePlan, candidate: number, reason: TradePlan["stopReason"]): boolean {
  if (!(candidate > plan.stop)) return false;
  plan.stop = candidate;
  plan.stopReason = reason;
  return true;
}
