import type { z } from "zod";
import type { Candle, Fill, Market, MarketWarning, Position } from "../model.ts";

/**
 * The strategy contract (ARCHITECTURE rule 4, after freqtrade's IStrategy): a zod `params` schema,
 * `init(params)`, `onCandle(state, candle, view) -> { state, intents }` and optional `onFill`.
 * Intents are plain data; the risk layer turns them into orders or denials.
 *
 * State ownership: strategy state is plain JSON data (the live actor persists it with
 * `JSON.stringify` and rebuilds it after a crash). `onCandle` and `onFill` update it IN PLACE and
 * return it, so a backtest over a million candles allocates almost nothing. Treat the state passed in
 * as consumed; `structuredClone` it first if an older version must survive.
 */

/** The price range of one bar: all the intra-candle exit checks need. A tick is `open = high = low = price`. */
export type Bar = Pick<Candle, "open" | "high" | "low">;

/** What the strategy may know about the position it holds in this market. */
export type StrategyPosition = Pick<Position, "volume" | "avgPrice" | "entryTs">;

/**
 * Everything besides the candle that a strategy may know, supplied by the caller (the live actor or
 * the backtester). The caller may reuse one object per market and update it between calls.
 */
export interface StrategyView {
  readonly market: Market;
  /**
   * The current position in this market, or null when flat. Pass null for a dust position (one the
   * exchange would not let us sell, see risk `isDust`): the strategy treats the market as flat.
   * In `onFill`, this is the position AFTER the fill.
   */
  readonly position: StrategyPosition | null;
  /** False while the candle's interval is still running: such candles are ignored entirely. */
  readonly closed: boolean;
  /** Market data may be missing or late (stream gap, stale feed): no new entries. */
  readonly stale: boolean;
  /** Bithumb's investment-caution flag (`market_warning`): no new entries under CAUTION. */
  readonly warning: MarketWarning;
  /** Trading suspended (`is_trading_suspended`, or a market state other than active): no new entries. */
  readonly suspended: boolean;
  /** An order for this market is in flight (sent, not final): no new entry intents. */
  readonly pendingOrder?: boolean;
}

/** Why an exit happens. `take_profit_N` is the N-th partial take-profit level (1-based). */
export type ExitReason = "dead_cross" | "target" | "stop" | "trailing_stop" | "time_stop" | `take_profit_${number}`;

/** The conditions that made an entry signal (all of them hold when one is emitted). */
export type EntryReason = "ema_cross" | "rsi_in_band" | "volume_above_average";

/** Buy this market at the next opportunity (the backtester: the next candle's open). */
export interface EnterIntent {
  readonly kind: "enter";
  readonly market: Market;
  /** Open time of the signal candle. */
  readonly ts: number;
  /** Close of the signal candle: the reference price for sizing. */
  readonly price: number;
  /** Signal quality in [0, 1] (cross margin, RSI position, volume ratio); see docs/strategy.md. */
  readonly strength: number;
  readonly reasons: readonly EntryReason[];
  /** Suggested protective stop for an entry at `price`. The real stop is set from the fill price in `onFill`. */
  readonly stop: number;
  /** ATR of the signal candle (the classic stop is `fill price - 2 x this`). */
  readonly atr: number;
}

/** Sell `fraction` of the position at the next opportunity (the backtester: the next candle's open). */
export interface ExitIntent {
  readonly kind: "exit";
  readonly market: Market;
  /** Open time of the candle whose close decided the exit. */
  readonly ts: number;
  readonly reason: ExitReason;
  /** Share of the current position to sell, in (0, 1]; 1 = all of it. */
  readonly fraction: number;
  /** Close of the deciding candle (reference price). */
  readonly price: number;
}

/** The protective stop moved (only ever up). Informational for the actor and the dashboard. */
export interface AdjustStopIntent {
  readonly kind: "adjustStop";
  readonly market: Market;
  readonly ts: number;
  readonly stop: number;
  readonly previous: number;
  readonly reason: "trailing_stop";
}

export type Intent = EnterIntent | ExitIntent | AdjustStopIntent;

/** What `onFill` needs from a fill; a full `Fill` fits. `reason` is the reason of the order's intent. */
export interface StrategyFill extends Pick<Fill, "side" | "price" | "volume" | "ts"> {
  readonly reason?: ExitReason;
}

/**
 * A stop or target touched inside a bar, as found by `checkProtectiveExits`. Exits in one result
 * apply in order; each `fraction` is of the position still held when it applies.
 */
export interface ProtectiveExit {
  readonly reason: ExitReason;
  /** Share of the position held at this point to sell, in (0, 1]; 1 = all. */
  readonly fraction: number;
  /** The level that was touched. */
  readonly trigger: number;
  /**
   * Where the exit fills before slippage: `min(open, stop)` for stops (a gap down fills at the
   * open), `max(open, level)` for targets (a gap up fills at the open).
   */
  readonly price: number;
}

export interface StrategyStep<S> {
  readonly state: S;
  readonly intents: readonly Intent[];
}

export interface Strategy<P, S> {
  readonly name: string;
  /** Parameter schema; parsing `{}` gives the defaults. */
  readonly params: z.ZodType<P>;
  init(params: P): S;
  /** Absorb one candle (ignored unless `view.closed`) and say what to do at the next opportunity. */
  onCandle(state: S, candle: Candle, view: StrategyView): StrategyStep<S>;
  /** Learn about one of our fills (entry fills set the stop; exit fills advance the plan). */
  onFill?(state: S, fill: StrategyFill, view: StrategyView): S;
  /**
   * Stops and targets touched inside `bar` for the open position, checked BEFORE `onCandle` of the
   * same candle (from the entry candle on). Pure: the state changes only through the resulting fills.
   */
  checkProtectiveExits?(state: S, bar: Bar): readonly ProtectiveExit[];
  /** Closed candles needed before the first possible signal (how much history to load). */
  warmupCandles?(params: P): number;
}
