import {
  type AtrState,
  atrInit,
  atrStep,
  atrValue,
  type EmaState,
  emaInit,
  emaStep,
  emaValue,
  type RsiState,
  rsiInit,
  rsiStep,
  rsiValue,
  type VolumeRatioState,
  volumeRatioInit,
  volumeRatioStep,
  volumeRatioValue,
} from "../indicators/index.ts";
import type { Candle } from "../model.ts";
import { type EmaCrossParams, emaCrossParamsSchema, warmupCandles } from "./params.ts";
import { checkProtectiveExits, openTradePlan, raiseStop, riskPerUnit, type TradePlan } from "./plan.ts";
import { crossedAbove, crossedBelow, signalStrength, stopDistance } from "./signal.ts";
import type { Bar, EntryReason, Intent, ProtectiveExit, Strategy, StrategyFill, StrategyPosition, StrategyStep, StrategyView } from "./types.ts";

/**
 * The EMA-cross trend follower (long only): enter on a golden cross confirmed by RSI and volume,
 * leave on the dead cross, the stop, partial take-profits, a trailing stop, a target or a time
 * stop, each switchable by params. The rules, presets and every edge case are in docs/strategy.md.
 */

/** The signal an entry intent was made from, kept until the entry fills (or is given up). */
export interface PendingEntry {
  readonly signalTs: number;
  readonly price: number;
  /** ATR of the signal candle: the stop is set from it and the fill price. */
  readonly atr: number;
}

export interface EmaCrossState {
  readonly version: 1;
  readonly params: EmaCrossParams;
  /** Open time of the last absorbed candle (older or equal candles are ignored), null before the first. */
  lastTs: number | null;
  readonly fast: EmaState;
  readonly slow: EmaState;
  readonly rsi: RsiState;
  readonly atr: AtrState;
  readonly volume: VolumeRatioState;
  entry: PendingEntry | null;
  trade: TradePlan | null;
}

const NO_INTENTS: readonly Intent[] = Object.freeze([]);
const ENTRY_REASONS: readonly EntryReason[] = Object.freeze(["ema_cross", "rsi_in_band", "volume_above_average"] as const);

function init(params: EmaCrossParams): EmaCrossState {
  return {
    version: 1,
    params,
    lastTs: null,
    fast: emaInit(params.emaFast),
    slow: emaInit(params.emaSlow),
    rsi: rsiInit(params.rsiPeriod),
    atr: atrInit(params.atrPeriod),
    volume: volumeRatioInit(params.volumePeriod),
    entry: null,
    trade: null,
  };
}

function isHeld(position: StrategyPosition | null): position is StrategyPosition {
  return position !== null && position.volume > 0;
}

function candleIsFinite(c: Candle): boolean {
  return Number.isFinite(c.open) && Number.isFinite(c.high) && Number.isFinite(c.low) && Number.isFinite(c.close) && Number.isFinite(c.volume);
}

/** A fresh plan for a position entered at `entryPrice`, its stop `stopDistance` below. */
function planFor(params: EmaCrossParams, position: StrategyPosition, entryTs: number, distance: number): TradePlan {
  const entryPrice = position.avgPrice;
  const stop = entryPrice - distance;
  const risk = entryPrice - stop;
  const target = params.target.enabled ? (params.target.mode === "r" ? entryPrice + params.target.value * risk : entryPrice * (1 + params.target.value)) : null;
  return openTradePlan({
    entryPrice,
    entryTs,
    volume: position.volume,
    stop,
    takeProfits: params.takeProfits.enabled ? params.takeProfits.levels : [],
    target,
  });
}

/**
 * A position exists but no plan does (adopted from the exchange, or state lost): build one from the
 * position's average price and the current ATR (the stop percentage when the ATR is still warming up).
 */
function adoptPosition(state: EmaCrossState, position: StrategyPosition, atr: number): TradePlan {
  const params = state.params;
  const distance = Number.isFinite(atr) && atr > 0 ? stopDistance(params, position.avgPrice, atr) : position.avgPrice * params.stopLoss.percent;
  return planFor(params, position, position.entryTs, distance);
}

/** While in a position: count the bar, then dead cross, time stop, or ratchet the trailing stop. */
function manage(state: EmaCrossState, plan: TradePlan, candle: Candle, view: StrategyView, crossedDown: boolean, atr: number): readonly Intent[] {
  const params = state.params;
  plan.barsHeld++;
  if (candle.close > plan.highestClose) plan.highestClose = candle.close;
  if (params.exitOnDeadCross && crossedDown) {
    return [{ kind: "exit", market: view.market, ts: candle.ts, reason: "dead_cross", fraction: 1, price: candle.close }];
  }
  if (params.timeStop.enabled && plan.barsHeld >= params.timeStop.bars) {
    return [{ kind: "exit", market: view.market, ts: candle.ts, reason: "time_stop", fraction: 1, price: candle.close }];
  }
  if (params.trailingStop.enabled && Number.isFinite(atr)) {
    const previous = plan.stop;
    if (raiseStop(plan, plan.highestClose - params.trailingStop.atrMultiple * atr, "trailing_stop")) {
      return [{ kind: "adjustStop", market: view.market, ts: candle.ts, stop: plan.stop, previous, reason: "trailing_stop" }];
    }
  }
  return NO_INTENTS;
}

function onCandle(state: EmaCrossState, candle: Candle, view: StrategyView): StrategyStep<EmaCrossState> {
  if (!view.closed || (state.lastTs !== null && candle.ts <= state.lastTs) || !candleIsFinite(candle)) return { state, intents: NO_INTENTS };
  state.lastTs = candle.ts;

  const prevFast = emaValue(state.fast);
  const prevSlow = emaValue(state.slow);
  const fast = emaValue(emaStep(state.fast, candle.close));
  const slow = emaValue(emaStep(state.slow, candle.close));
  const rsi = rsiValue(rsiStep(state.rsi, candle.close));
  const atr = atrValue(atrStep(state.atr, candle.high, candle.low, candle.close));
  const volumeRatio = volumeRatioValue(volumeRatioStep(state.volume, candle.volume));

  const position = view.position;
  if (isHeld(position)) {
    state.entry = null;
    const plan = state.trade ?? (state.trade = adoptPosition(state, position, atr));
    return { state, intents: manage(state, plan, candle, view, crossedBelow(prevFast, prevSlow, fast, slow), atr) };
  }
  state.trade = null;
  if (view.pendingOrder) return { state, intents: NO_INTENTS };
  state.entry = null;

  const params = state.params;
  if (view.stale || view.suspended || view.warning === "CAUTION") return { state, intents: NO_INTENTS };
  if (!crossedAbove(prevFast, prevSlow, fast, slow)) return { state, intents: NO_INTENTS };
  if (!(rsi >= params.rsiMin && rsi <= params.rsiMax && volumeRatio >= params.volumeRatioMin)) return { state, intents: NO_INTENTS };
  const distance = stopDistance(params, candle.close, atr);
  if (!(distance > 0)) return { state, intents: NO_INTENTS };
  const strength = signalStrength(params, fast, slow, atr, rsi, volumeRatio);
  if (strength < params.minStrength) return { state, intents: NO_INTENTS };

  state.entry = { signalTs: candle.ts, price: candle.close, atr };
  return {
    state,
    intents: [
      {
        kind: "enter",
        market: view.market,
        ts: candle.ts,
        price: candle.close,
        strength,
        reasons: ENTRY_REASONS,
        stop: candle.close - distance,
        atr,
      },
    ],
  };
}

/**
 * Entry fills (re)build the plan from the position's average price and the signal candle's ATR
 * (the latest ATR when the signal is unknown) while nothing has been sold yet. Exit fills update
 * the held volume, mark take-profit levels sold (by the fill's reason) and, after the first level,
 * raise the stop to break-even when the params say so. A fill leaving no position clears the plan.
 */
function onFill(state: EmaCrossState, fill: StrategyFill, view: StrategyView): EmaCrossState {
  const position = view.position;
  if (!isHeld(position)) {
    state.trade = null;
    state.entry = null;
    return state;
  }
  const params = state.params;
  const plan = state.trade;
  if (fill.side === "bid") {
    if (plan !== null && (plan.takeProfitsDone > 0 || plan.volume < plan.initialVolume)) {
      plan.volume = position.volume;
      return state;
    }
    const distance = plan !== null ? rebasedStopDistance(params, plan, position.avgPrice) : entryStopDistance(state, position.avgPrice);
    const fresh = distance > 0 ? planFor(params, position, plan?.entryTs ?? fill.ts, distance) : adoptPosition(state, position, atrValue(state.atr));
    if (plan !== null) {
      fresh.barsHeld = plan.barsHeld;
      fresh.highestClose = Math.max(plan.highestClose, fresh.entryPrice);
    }
    state.trade = fresh;
    state.entry = null;
    return state;
  }
  if (plan === null) {
    state.trade = adoptPosition(state, position, atrValue(state.atr));
    return state;
  }
  plan.volume = position.volume;
  const level = takeProfitLevelOf(fill.reason);
  if (level > plan.takeProfitsDone) {
    plan.takeProfitsDone = Math.min(level, plan.takeProfits.length);
    if (params.takeProfits.breakevenAfterFirst) raiseStop(plan, plan.entryPrice, "stop");
  }
  return state;
}

/** Stop distance for a first entry fill: from the signal candle's ATR (the latest ATR if the signal is unknown); NaN if none. */
function entryStopDistance(state: EmaCrossState, entryPrice: number): number {
  const atr = state.entry?.atr ?? atrValue(state.atr);
  return Number.isFinite(atr) && atr > 0 ? stopDistance(state.params, entryPrice, atr) : Number.NaN;
}

/** Stop distance when a later entry fill moves the average: the ATR distance chosen at the first fill, or the percentage of the new average. */
function rebasedStopDistance(params: EmaCrossParams, plan: TradePlan, entryPrice: number): number {
  return params.stopLoss.mode === "atr" ? riskPerUnit(plan) : entryPrice * params.stopLoss.percent;
}

/** `take_profit_2` -> 2; anything else -> 0. */
function takeProfitLevelOf(reason: StrategyFill["reason"]): number {
  if (reason === undefined || !reason.startsWith("take_profit_")) return 0;
  const n = Number(reason.slice("take_profit_".length));
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function protectiveExits(state: EmaCrossState, bar: Bar): readonly ProtectiveExit[] {
  return checkProtectiveExits(state.trade, bar);
}

/** The strategy contract with every optional part present. */
export type EmaCrossStrategy = Required<Strategy<EmaCrossParams, EmaCrossState>>;

/** The EMA-cross strategy (presets `default` and `classic`, see params.ts). */
export const emaCross: EmaCrossStrategy = {
  name: "ema_cross",
  params: emaCrossParamsSchema,
  init,
  onCandle,
  onFill,
  checkProtectiveExits: protectiveExits,
  warmupCandles,
};
