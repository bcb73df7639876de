/**
 * Risk checks answer with data, never by throwing: `approve` with what to do, or `deny` with a
 * machine-readable reason (for metrics, alerts and the `risk.denied` event) and a human sentence.
 */
export type DenyReason =
  /** Price or stop is not a usable number. */
  | "invalid_price"
  /** The stop is not below the entry price (nothing to size against). */
  | "invalid_stop"
  /** No equity left to trade after the reserve. */
  | "zero_equity"
  /** The exchange does not accept orders for this market now (`orders/chance` state). */
  | "market_inactive"
  /** Already holding this market (no pyramiding). */
  | "position_open"
  | "max_positions"
  | "daily_loss_limit"
  | "max_drawdown"
  /** Too correlated with what is already held. */
  | "correlated"
  /** Half-Kelly of the recent trades is zero (no edge measured) and probing is off (`kelly.probeRiskFraction` 0). */
  | "no_edge"
  /** No KRW available after the reserve and fees. */
  | "insufficient_krw"
  /** The size every cap allows is under the exchange minimum. */
  | "below_minimum"
  /** Nothing to sell. */
  | "no_position"
  /** The whole position is worth less than the exchange minimum: it cannot be sold. */
  | "dust";

export interface Deny {
  readonly kind: "deny";
  readonly reason: DenyReason;
  readonly detail: string;
}

export type Decision<T extends object> = ({ readonly kind: "approve" } & T) | Deny;

export function deny(reason: DenyReason, detail: string): Deny {
  return { kind: "deny", reason, detail };
}
