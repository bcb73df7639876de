import type { ExitReason as TradeExitReason } from "../../core/stats/index.ts";
import type { ExitReason as StrategyExitReason } from "../../core/strategy/index.ts";

/**
 * The `exitReason` vocabulary of results (`--json`, the report, stored runs), and its one mapping
 * from the strategy's reasons. Results use the short, strategy-neutral words of the statistics
 * (`src/core/stats` `ExitReason`), which the independent classic reference also writes:
 *
 * | strategy (core intent / protective exit) | result |
 * |---|---|
 * | `dead_cross` (an exit signal at a close, filled at the next open) | `signal` |
 * | `stop` | `stop` |
 * | `trailing_stop` (the stop after the trailing rule raised it) | `trailing` |
 * | `target` | `target` |
 * | `time_stop` | `time` |
 * | `take_profit_N` (the last partial level sold everything) | `take_profit_N` |
 * | (position still open when the data ends) | `end` |
 *
 * A round trip with partial exits is one trade; its reason is the reason of the sell that closed it.
 */
export type EndReason = "end";

export function resultExitReason(reason: StrategyExitReason | EndReason): TradeExitReason {
  switch (reason) {
    case "dead_cross":
      return "signal";
    case "trailing_stop":
      return "trailing";
    case "time_stop":
      return "time";
    default:
      return reason;
  }
}
