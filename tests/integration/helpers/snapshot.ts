/**
 * A consistent pair of views: what the bot recorded and what the exchange says, taken while no order
 * was in flight. The bot records every intent before sending it, so reading recorded (A), then the
 * exchange (S), then recorded again (B), with A = B and nothing active in B, means the exchange
 * changed nothing the bot had not finished recording in between: S and B describe the same moment.
 */
import type { SimAdminClient, SimSnapshot } from "./clients.ts";
import { ACTIVE_STATES, type RecordedView } from "./invariants.ts";
import { waitFor } from "./poll.ts";

function fingerprint(view: RecordedView): string {
  return JSON.stringify([
    view.orders.map((o) => [o.clientOrderId, o.exchangeOrderId, o.state, o.executedVolume]),
    view.fills.length,
    view.positions.map((p) => [p.market, p.volume]),
  ]);
}

export async function settledViews<V extends RecordedView>(
  readRecorded: () => V | Promise<V>,
  exchange: SimAdminClient,
  timeoutMs: number,
): Promise<{ readonly recorded: V; readonly exchange: SimSnapshot }> {
  return waitFor(
    async () => {
      const before = await readRecorded();
      if (before.orders.some((o) => ACTIVE_STATES.has(o.state))) return null;
      const sim = await exchange.state();
      const after = await readRecorded();
      return fingerprint(before) === fingerprint(after) ? { recorded: after, exchange: sim } : null;
    },
    { what: "a moment with no order in flight (recorded view unchanged around an exchange read)", timeoutMs, intervalMs: 50 },
  );
}
