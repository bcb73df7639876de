import type { ExchangeOrder, ExchangeOrderState } from "../model.ts";
import { VOLUME_DECIMALS } from "./krw.ts";

/**
 * The bot's view of an order's life. The exchange only knows wait/watch/done/cancel; the bot also
 * needs the states before and around the request:
 *
 *   pending_submit -> open -> partially_filled -> filled | cancelled
 *   pending_submit -> rejected            (the exchange refused it)
 *   pending_submit -> unknown             (no answer: look it up by client_order_id)
 *   unknown -> open | partially_filled | filled | cancelled | pending_submit (not found: resend, same id)
 */
export type LocalOrderState = "pending_submit" | "open" | "partially_filled" | "filled" | "cancelled" | "rejected" | "unknown";

export const ACTIVE_ORDER_STATES: readonly LocalOrderState[] = ["pending_submit", "open", "partially_filled", "unknown"];
export const FINAL_ORDER_STATES: readonly LocalOrderState[] = ["filled", "cancelled", "rejected"];

export function isFinalState(state: LocalOrderState): boolean {
  return FINAL_ORDER_STATES.includes(state);
}

/** Map an exchange report to the local state. A cancelled order may still carry fills. */
export function localStateOf(state: ExchangeOrderState, executedVolume: number): LocalOrderState {
  switch (state) {
    case "wait":
    case "watch":
      return executedVolume > 0 ? "partially_filled" : "open";
    case "done":
      return "filled";
    case "cancel":
      return "cancelled";
  }
}

/** What the bot has already recorded of an order's executions. */
export interface RecordedExecution {
  readonly executedVolume: number;
  readonly executedFunds: number;
  readonly paidFee: number;
}

export interface FillDelta {
  readonly volume: number;
  readonly funds: number;
  readonly fee: number;
  /** Average price of the new executions. */
  readonly price: number;
  /** Cumulative executed volume after this delta, as fixed 8-decimal text: the fill's identity. */
  readonly cumVolume: string;
}

/** Cumulative volume written at exchange precision, so equal amounts from REST and WS compare equal. */
export function cumVolumeKey(volume: number): string {
  return volume.toFixed(VOLUME_DECIMALS);
}

/**
 * The executions an exchange report adds to what was recorded. Exchanges report cumulative
 * executed volume/funds/fee on every read (REST) and every event (WebSocket), so a fill is
 * identified by the cumulative volume after it: reading the same state twice yields no delta,
 * and a missed event is recovered by the next read. Returns null when nothing new executed.
 */
export function fillDelta(recorded: RecordedExecution, reported: Pick<ExchangeOrder, "executedVolume" | "executedFunds" | "paidFee">): FillDelta | null {
  const before = cumVolumeKey(recorded.executedVolume);
  const after = cumVolumeKey(reported.executedVolume);
  if (Number(after) <= Number(before)) return null;
  // The key is rounded to exchange precision for identity; the volume itself is taken as reported.
  const volume = reported.executedVolume - recorded.executedVolume;
  const funds = Math.max(0, reported.executedFunds - recorded.executedFunds);
  const fee = Math.max(0, reported.paidFee - recorded.paidFee);
  return { volume, funds, fee, price: funds > 0 ? funds / volume : 0, cumVolume: after };
}
