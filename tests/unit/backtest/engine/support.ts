/**
 * Test helpers for the engine: hand-built candle series, and a scripted strategy that emits the
 * intents a test asks for at given candle times while using the core's own exit plan
 * (`openTradePlan`, `checkProtectiveExits`), so each fill rule can be checked in isolation.
 */
import { join } from "node:path";
import { z } from "zod";
import type { Market } from "../../../../src/core/model.ts";
import {
  checkProtectiveExits,
  type ExitReason,
  type Intent,
  openTradePlan,
  type Strategy,
  type StrategyFill,
  type TradePlan,
} from "../../../../src/core/strategy/index.ts";
import { type CandleSeries, makeSeries, readCandleCsvFile } from "../../../../src/backtest/data/index.ts";

export const H = 3_600_000;
export const T0 = Date.UTC(2024, 0, 1);

/** [open, high, low, close] or [open, high, low, close, volume]. */
export type Row = readonly [number, number, number, number, number?];

/** Hourly candles starting at `start` (one per hour, no gaps unless `ts` is given). */
export function hourly(market: Market, rows: readonly Row[], start = T0, ts?: readonly number[]): CandleSeries {
  const n = rows.length;
  const col = () => new Float64Array(n);
  const c = { ts: col(), open: col(), high: col(), low: col(), close: col(), volume: col() };
  rows.forEach((r, i) => {
    c.ts[i] = ts?.[i] ?? start + i * H;
    c.open[i] = r[0];
    c.high[i] = r[1];
    c.low[i] = r[2];
    c.close[i] = r[3];
    c.volume[i] = r[4] ?? 1;
  });
  return makeSeries(market, "1h", c);
}

/** A flat candle at `p`. */
export function flat(p: number): Row {
  return [p, p, p, p];
}

export interface ScriptedEntry {
  readonly kind: "enter";
  /** Stop as a function of the entry fill price (default: none, i.e. 0). */
  readonly stop?: (fillPrice: number) => number;
  /** Take-profit levels as (r, fraction of the initial position). */
  readonly takeProfits?: readonly { readonly r: number; readonly fraction: number }[];
}

export interface ScriptedExit {
  readonly kind: "exit";
  readonly fraction?: number;
  readonly reason?: ExitReason;
}

export type ScriptedAction = ScriptedEntry | ScriptedExit;

export interface ScriptState {
  plan: TradePlan | null;
  pendingEntry: ScriptedEntry | null;
  readonly fills: StrategyFill[];
  /** Candle times seen by onCandle, with whether a position was held then. */
  readonly seen: { ts: number; held: boolean }[];
}

/** A strategy that does exactly what `script` says at each candle close (keyed by candle ts). */
export function scripted(script: ReadonlyMap<number, readonly ScriptedAction[]>): Strategy<unknown, ScriptState> {
  return {
    name: "scripted",
    params: z.unknown(),
    init: () => ({ plan: null, pendingEntry: null, fills: [], seen: [] }),
    onCandle(state, candle, view) {
      state.seen.push({ ts: candle.ts, held: view.position !== null });
      const intents: Intent[] = [];
      for (const a of script.get(candle.ts) ?? []) {
        if (a.kind === "enter") {
          state.pendingEntry = a;
          intents.push({ kind: "enter", market: view.market, ts: candle.ts, price: candle.close, strength: 1, reasons: [], stop: a.stop?.(candle.close) ?? candle.close * 0.5, atr: 0 });
        } else {
          intents.push({ kind: "exit", market: view.market, ts: candle.ts, reason: a.reason ?? "dead_cross", fraction: a.fraction ?? 1, price: candle.close });
        }
      }
      return { state, intents };
    },
    onFill(state, fill, view) {
      state.fills.push(fill);
      const position = view.position;
      if (position === null) {
        state.plan = null;
        return state;
      }
      if (fill.side === "bid") {
        const entry = state.pendingEntry;
        state.plan = openTradePlan({
          entryPrice: position.avgPrice,
          entryTs: fill.ts,
          volume: position.volume,
          stop: entry?.stop?.(position.avgPrice) ?? 0,
          takeProfits: entry?.takeProfits ?? [],
        });
        state.pendingEntry = null;
      } else if (state.plan !== null) {
        state.plan.volume = position.volume;
        const level = fill.reason?.startsWith("take_profit_") ? Number(fill.reason.slice("take_profit_".length)) : 0;
        if (level > state.plan.takeProfitsDone) state.plan.takeProfitsDone = level;
      }
      return state;
    },
    checkProtectiveExits: (state, bar) => checkProtectiveExits(state.plan, bar),
  };
}

/** Script builder: `at(2, enter())` etc. (index i = candle i of an hourly series from T0). */
export function script(...entries: readonly (readonly [index: number, ...actions: ScriptedAction[]])[]): Map<number, ScriptedAction[]> {
  const map = new Map<number, ScriptedAction[]>();
  for (const [i, ...actions] of entries) map.set(T0 + i * H, actions);
  return map;
}

/** The bundled hourly file of a market, parsed by the project's reader. */
export async function bundledHourly(symbol: "BTC" | "ETH" | "XRP"): Promise<CandleSeries> {
  return (await readCandleCsvFile(join(import.meta.dirname, "../../../../data/candles", `upbit-KRW-${symbol}-1h.csv.gz`))).series;
}

export function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
}
