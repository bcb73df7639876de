import { equityCurve } from "./curve.ts";
import type { EquityInput, TradeRecord } from "./types.ts";

export interface TradeStats {
  readonly trades: number;
  /** Trades with pnl > 0 / pnl < 0; a trade with pnl exactly 0 is neither. */
  readonly wins: number;
  readonly losses: number;
  /** wins / trades; null without trades. */
  readonly winRate: number | null;
  readonly grossProfit: number;
  /** Sum of |pnl| over losing trades (positive). */
  readonly grossLoss: number;
  /** Mean winning pnl / mean |losing pnl|; null without a win or without a loss. */
  readonly payoffRatio: number | null;
  /** grossProfit / grossLoss; null when there is no loss (see docs/metrics.md). */
  readonly profitFactor: number | null;
  /** Mean pnl per trade (KRW); null without trades. */
  readonly expectancy: number | null;
  /** Longest runs of consecutive wins / losses in close order; a zero-pnl trade breaks both. */
  readonly maxConsecutiveWins: number;
  readonly maxConsecutiveLosses: number;
  /** Mean of exitTs - entryTs (ms); null without trades. */
  readonly avgHoldingMs: number | null;
}

/** Win/loss statistics of closed trades, one pass in the order given (close order). */
export function tradeStats(trades: readonly TradeRecord[]): TradeStats {
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let pnlSum = 0;
  let holdSum = 0;
  let runWins = 0;
  let runLosses = 0;
  let maxWins = 0;
  let maxLosses = 0;
  for (const t of trades) {
    pnlSum += t.pnl;
    holdSum += t.exitTs - t.entryTs;
    if (t.pnl > 0) {
      wins++;
      grossProfit += t.pnl;
      runWins++;
      runLosses = 0;
      if (runWins > maxWins) maxWins = runWins;
    } else if (t.pnl < 0) {
      losses++;
      grossLoss -= t.pnl;
      runLosses++;
      runWins = 0;
      if (runLosses > maxLosses) maxLosses = runLosses;
    } else {
      runWins = 0;
      runLosses = 0;
    }
  }
  const n = trades.length;
  return {
    trades: n,
    wins,
    losses,
    winRate: n > 0 ? wins / n : null,
    grossProfit,
    grossLoss,
    payoffRatio: wins > 0 && losses > 0 ? grossProfit / wins / (grossLoss / losses) : null,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : null,
    expectancy: n > 0 ? pnlSum / n : null,
    maxConsecutiveWins: maxWins,
    maxConsecutiveLosses: maxLosses,
    avgHoldingMs: n > 0 ? holdSum / n : null,
  };
}

/**
 * Fraction of equity marks at which a position was held: the mark of candle t counts when some
 * trade has entryTs <= t < exitTs (entered at or before that candle's open, not yet closed at its
 * close; a position sold at the last close for `end` counts as closed at that mark). Overlapping
 * trades (several markets) count once. Null for an empty curve.
 */
export function exposure(trades: readonly TradeRecord[], equity: EquityInput): number | null {
  const times = equityCurve(equity).ts;
  const n = times.length;
  if (n === 0) return null;
  // Spans sorted by entry: mark t is covered iff some span with entryTs <= t ends after t, i.e.
  // the largest exitTs among the spans started by t exceeds t.
  const spans = trades.map((t) => [t.entryTs, t.exitTs] as const).sort((a, b) => a[0] - b[0]);
  let held = 0;
  let maxEnd = -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = times[i]!;
    while (s < spans.length && spans[s]![0] <= t) {
      if (spans[s]![1] > maxEnd) maxEnd = spans[s]![1];
      s++;
    }
    if (t < maxEnd) held++;
  }
  return held / n;
}
