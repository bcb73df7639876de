import type { CandleBuilderState } from "../src/core/candles/aggregate.ts";
import type { Candle, Interval, Market, MarketRules, MarketWarning } from "../src/core/model.ts";
import type { Holding } from "../src/core/portfolio/position.ts";
import { isDust, type RiskParams } from "../src/core/risk/index.ts";
import { type EmaCrossParams, type EmaCrossState, emaCross, type EnterIntent, type StrategyView } from "../src/core/strategy/index.ts";
import type { RuntimeExitReason } from "./events.ts";

/**
 * The symbol trader's decision logic as plain functions over its context, so the machine in
 * trader.ts only wires events to them and the logic is testable without actors.
 */

export type PendingKind = "enter" | "exit" | "flatten";

export interface PendingOrder {
  readonly kind: PendingKind;
  /** Null until the risk actor approved an entry (entries get their id there). */
  readonly clientOrderId: string | null;
  readonly reason: string;
}

export type Decision =
  | { readonly kind: "enter"; readonly intent: EnterIntent; readonly causedAt?: number }
  | {
      readonly kind: "exit";
      readonly reason: RuntimeExitReason;
      readonly fraction: number;
      readonly price: number;
      /** Candle (or position entry, for protective exits) the decision belongs to: its intent key. */
      readonly key: string;
      readonly causedAt?: number;
    }
  | null;

/** A candle waiting for an exit to resolve, and whether its protective check already ran. */
export interface DeferredCandle {
  readonly candle: Candle;
  readonly protectiveChecked: boolean;
}

export interface TraderContext {
  readonly market: Market;
  readonly interval: Interval;
  readonly intervalMs: number;
  readonly candleGraceMs: number;
  readonly strategyParams: EmaCrossParams;
  readonly riskParams: RiskParams;
  /** The runtime clock (context holds it so delays and builders read the same time). */
  readonly now: () => number;
  /** Client order ids for exits (entries get theirs from the risk actor). */
  readonly nextClientOrderId: () => string;
  strategy: EmaCrossState;
  candles: CandleBuilderState;
  rules: MarketRules | null;
  holding: Holding | null;
  warning: MarketWarning;
  suspended: boolean;
  stale: boolean;
  /** Why all new entries are blocked (trading paused/halted/reconciling), or null. */
  tradingBlocked: string | null;
  /** The operator paused this market (persisted). */
  paused: boolean;
  haltedReason: string | null;
  lastPrice: number | null;
  /** Signed change since the previous day's close, from the last ticker (0.012 = +1.2 %). */
  changeRate: number | null;
  lastTradeTs: number | null;
  lastCandleTs: number | null;
  pending: PendingOrder | null;
  deferred: DeferredCandle[];
  decision: Decision;
  /** Recent closes for the correlation filter. */
  closes: number[];
  lastError: string | null;
}

export const MAX_CLOSES = 200;

/** True when the holding is too small to sell (the strategy treats the market as flat). */
export function isDustHolding(ctx: Pick<TraderContext, "holding" | "rules" | "lastPrice">): boolean {
  const h = ctx.holding;
  if (h === null || ctx.rules === null) return false;
  const price = ctx.lastPrice ?? h.avgPrice;
  return isDust(h.volume, price, ctx.rules);
}

/** The strategy's view of the market. */
export function viewOf(ctx: TraderContext, closed = true): StrategyView {
  const h = ctx.holding;
  return {
    market: ctx.market,
    position: h && h.volume > 0 && !isDustHolding(ctx) ? { volume: h.volume, avgPrice: h.avgPrice, entryTs: h.entryTs } : null,
    closed,
    stale: ctx.stale,
    warning: ctx.warning,
    suspended: ctx.suspended,
    pendingOrder: ctx.pending !== null,
  };
}

export function holds(ctx: TraderContext): boolean {
  return viewOf(ctx).position !== null;
}

/** Why a new entry may not be taken now, or null when it may. */
export function entryBlocker(ctx: TraderContext): string | null {
  if (ctx.haltedReason !== null) return `halted: ${ctx.haltedReason}`;
  if (ctx.paused) return "paused";
  if (ctx.tradingBlocked !== null) return ctx.tradingBlocked;
  if (ctx.pending !== null) return "order in flight";
  return null;
}

function remember(ctx: TraderContext, close: number): void {
  ctx.closes.push(close);
  if (ctx.closes.length > MAX_CLOSES) ctx.closes.splice(0, ctx.closes.length - MAX_CLOSES);
}

/** Intent key of a protective exit: one per position and exit level, so a replay cannot repeat it. */
function protectiveKey(ctx: TraderContext, reason: string): string {
  const plan = ctx.strategy.trade;
  return `${ctx.market}:${reason}:${ctx.holding?.entryTs ?? 0}:${plan?.takeProfitsDone ?? 0}`;
}

/**
 * Check the stops and targets of the open position against a bar (a closed candle, or one trade
 * as open = high = low). Returns the exit to take, or null.
 */
export function protectiveDecision(ctx: TraderContext, bar: { open: number; high: number; low: number }, causedAt?: number): Decision {
  if (!holds(ctx) || ctx.pending !== null || ctx.haltedReason !== null) return null;
  const [hit] = emaCross.checkProtectiveExits(ctx.strategy, bar);
  if (!hit) return null;
  return { kind: "exit", reason: hit.reason, fraction: hit.fraction, price: hit.price, key: protectiveKey(ctx, hit.reason), causedAt };
}

/** Run the strategy on a closed candle (its protective check already done) and pick the decision. */
function closeDecision(ctx: TraderContext, candle: Candle, allowEntry: boolean): Decision {
  const step = emaCross.onCandle(ctx.strategy, candle, viewOf(ctx));
  ctx.strategy = step.state;
  for (const intent of step.intents) {
    if (intent.kind === "enter" && allowEntry && entryBlocker(ctx) === null) return { kind: "enter", intent };
    if (intent.kind === "exit" && ctx.pending === null && ctx.haltedReason === null) {
      return { kind: "exit", reason: intent.reason, fraction: intent.fraction, price: intent.price, key: `${ctx.market}:exit:${intent.ts}` };
    }
  }
  return null;
}

/**
 * Absorb a closed candle in the backtester's order: protective exits inside the candle first; if
 * one fires, the close is evaluated only after that exit resolves (it may free the close for a
 * new entry, as in the backtest); otherwise the strategy sees the close now.
 * Mutates `ctx` (the caller passes a copy). Returns the decision, or null.
 */
export function absorbCandle(ctx: TraderContext, candle: Candle, allowEntry: boolean): Decision {
  if (ctx.lastCandleTs !== null && candle.ts <= ctx.lastCandleTs) return null;
  ctx.lastCandleTs = candle.ts;
  if (ctx.lastPrice === null) ctx.lastPrice = candle.close;
  remember(ctx, candle.close);
  if (ctx.pending !== null && ctx.pending.kind !== "enter") {
    ctx.deferred.push({ candle, protectiveChecked: false });
    return null;
  }
  const protective = protectiveDecision(ctx, candle);
  if (protective) {
    ctx.deferred.push({ candle, protectiveChecked: true });
    return protective;
  }
  return closeDecision(ctx, candle, allowEntry);
}

/** Evaluate candles held back while an exit was in flight. Stops at the first decision. */
export function drainDeferred(ctx: TraderContext, allowEntry: boolean): Decision {
  while (ctx.deferred.length > 0 && ctx.pending === null) {
    const { candle, protectiveChecked } = ctx.deferred.shift()!;
    if (!protectiveChecked) {
      const protective = protectiveDecision(ctx, candle);
      if (protective) {
        ctx.deferred.unshift({ candle, protectiveChecked: true });
        return protective;
      }
    }
    const d = closeDecision(ctx, candle, allowEntry);
    if (d) return d;
  }
  return null;
}

/**
 * The assignable part of a drafted context. XState's `assign` treats function-valued properties
 * as assigners and would call them, so the context's two functions (`now`, `nextClientOrderId`)
 * and the constant identity fields are left out.
 */
export function changes(ctx: TraderContext): Omit<TraderContext, "now" | "nextClientOrderId" | "market" | "interval" | "intervalMs" | "candleGraceMs" | "strategyParams" | "riskParams"> {
  const { now: _now, nextClientOrderId: _next, market: _m, interval: _i, intervalMs: _im, candleGraceMs: _g, strategyParams: _sp, riskParams: _rp, ...rest } = ctx;
  return rest;
}

/** Copy the parts of the context a step mutates (the strategy state is owned and updated in place). */
export function draft(ctx: TraderContext): TraderContext {
  return { ...ctx, closes: ctx.closes.slice(), deferred: ctx.deferred.slice() };
}
