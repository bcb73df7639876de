/**
 * A minimal single-market driver of the strategy contract, following the backtest protocol of
 * issue 4, so strategy tests can exercise whole trade lifecycles:
 *
 * for each candle i:
 *   1. orders decided at candle i-1's close fill at candle i's open (buy x (1 + slippage), sell x (1 - slippage));
 *   2. while holding, `checkProtectiveExits` on candle i (the entry candle included); each exit fills at
 *      its price x (1 - slippage);
 *   3. `onCandle` on candle i's close; its intents become the orders of step 1 at candle i+1.
 *
 * Entries buy `units` of the base asset (no sizing: that is risk's job). No fees.
 */
import type { Candle, Market } from "../../../../src/core/model.ts";
import type { EmaCrossState, ExitReason, Intent, StrategyPosition, StrategyView } from "../../../../src/core/strategy/index.ts";
import { emaCross } from "../../../../src/core/strategy/index.ts";

export interface SimFill {
  readonly index: number;
  readonly side: "bid" | "ask";
  readonly price: number;
  readonly volume: number;
  readonly reason?: ExitReason;
}

export interface SimResult {
  readonly fills: SimFill[];
  /** Intents per candle index (only candles that produced some). */
  readonly intents: Map<number, readonly Intent[]>;
  readonly state: EmaCrossState;
}

export interface SimOptions {
  readonly market?: Market;
  readonly slippage?: number;
  readonly units?: number;
  /** Override the view per candle (stale, warning, ...). */
  readonly view?: (index: number) => Partial<StrategyView>;
  /** Replace the state before candle `index` (e.g. a JSON round trip). */
  readonly beforeCandle?: (index: number, state: EmaCrossState) => EmaCrossState;
}

export function simulate(initial: EmaCrossState, candles: readonly Candle[], options: SimOptions = {}): SimResult {
  const market = options.market ?? "KRW-BTC";
  const slippage = options.slippage ?? 0;
  const units = options.units ?? 1;
  let state = initial;
  let position: StrategyPosition | null = null;
  let pending: readonly Intent[] = [];
  const fills: SimFill[] = [];
  const intents = new Map<number, readonly Intent[]>();
  const view = (i: number): StrategyView => ({
    market,
    position,
    closed: true,
    stale: false,
    warning: "NONE",
    suspended: false,
    ...options.view?.(i),
  });
  const sell = (i: number, price: number, fraction: number, reason: ExitReason) => {
    if (position === null) return;
    const volume = fraction >= 1 ? position.volume : position.volume * fraction;
    const left = position.volume - volume;
    position = left > 1e-12 ? { ...position, volume: left } : null;
    fills.push({ index: i, side: "ask", price, volume, reason });
    state = emaCross.onFill(state, { side: "ask", price, volume, ts: candles[i]!.ts, reason }, view(i));
  };

  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    if (options.beforeCandle) state = options.beforeCandle(i, state);
    for (const intent of pending) {
      if (intent.kind === "enter" && position === null) {
        const price = c.open * (1 + slippage);
        position = { volume: units, avgPrice: price, entryTs: c.ts };
        fills.push({ index: i, side: "bid", price, volume: units });
        state = emaCross.onFill(state, { side: "bid", price, volume: units, ts: c.ts }, view(i));
      } else if (intent.kind === "exit") {
        sell(i, c.open * (1 - slippage), intent.fraction, intent.reason);
      }
    }
    pending = [];
    if (position !== null) {
      for (const exit of emaCross.checkProtectiveExits(state, c)) sell(i, exit.price * (1 - slippage), exit.fraction, exit.reason);
    }
    const step = emaCross.onCandle(state, c, view(i));
    state = step.state;
    if (step.intents.length > 0) {
      intents.set(i, step.intents);
      pending = step.intents;
    }
  }
  return { fills, intents, state };
}
