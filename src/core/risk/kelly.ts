import type { KellyParams } from "./params.ts";

/**
 * The Kelly criterion on R-multiples (a trade's PnL divided by the risk it was sized with), giving
 * the share of equity to RISK per trade, the same unit as the max-risk-per-trade cap:
 *
 *   f* = p / a - (1 - p) / b
 *
 * with p the win rate, b the average win in R and a the average loss in R (positive). It maximises
 * expected log growth for trades that win b or lose a per unit risked; with losses of exactly 1 R
 * it is the familiar `p - (1 - p) / b`. The size used is `multiplier x f*` (half-Kelly by default),
 * floored at 0.
 *
 * Prior: with fewer than `minTrades` closed trades the estimate is noise, so a prior is used:
 * win rate 35 %, wins of 2 R, losses of 1 R (a modest trend-following edge): f* = 0.35 - 0.65 / 2
 * = 0.025, half-Kelly 1.25 % of equity at risk per trade, under the 3 % cap. New strategies
 * therefore start small and earn larger sizes with a record.
 *
 * Probe: the estimate only changes when trades close, and a strategy denied every entry closes
 * none. Denying at a zero estimate therefore deadlocks: after a bad streak of `lookback` trades
 * (BTC+ETH+XRP hourly, default preset: 20 trades in three years, then 263 denials and nothing
 * more) the strategy never trades again, however good its signals become. So sizing never goes
 * below `probeRiskFraction` (0.25 % of equity at risk): while half-Kelly is under it, trades are
 * probes, small enough to be cheap and real enough to produce the outcomes that can lift the
 * estimate (an R-multiple does not depend on the size). A floor rather than a swap at zero: a
 * positive but tiny fraction would size orders under the exchange minimum and deadlock the same
 * way. The estimate itself stays half-Kelly floored at zero (`riskFraction`).
 */
export interface TradeOutcome {
  /** Realised PnL in KRW, fees included. */
  readonly pnl: number;
  /** KRW the trade would have lost at its initial stop (volume x (entry - initial stop)); > 0. */
  readonly risk: number;
}

export interface KellyEstimate {
  /** Share of equity to risk per trade (multiplier x f*, floored at 0; Infinity when no loss was seen). */
  readonly riskFraction: number;
  /** What sizing uses: `riskFraction`, but at least `probeRiskFraction` (see above). */
  readonly sizingFraction: number;
  /** `sizingFraction` is the probe: the estimate is below it. */
  readonly probe: boolean;
  /** f* before the multiplier and the floor. */
  readonly fullKelly: number;
  readonly source: "prior" | "trades";
  /** Trades the estimate used. */
  readonly trades: number;
  readonly winRate: number;
  /** Average win in R. */
  readonly averageWinR: number;
  /** Average loss in R (positive). */
  readonly averageLossR: number;
}

function kellyOf(winRate: number, averageWinR: number, averageLossR: number): number {
  if (winRate <= 0) return 0;
  if (averageLossR <= 0) return Number.POSITIVE_INFINITY;
  return winRate / averageLossR - (1 - winRate) / averageWinR;
}

/** The Kelly risk fraction from the most recent `lookback` trades (oldest first in `outcomes`). */
export function kellyEstimate(outcomes: readonly TradeOutcome[], params: KellyParams): KellyEstimate {
  let n = 0;
  let wins = 0;
  let winR = 0;
  let lossR = 0;
  for (let i = outcomes.length - 1; i >= 0 && n < params.lookback; i--) {
    const t = outcomes[i]!;
    if (!(t.risk > 0) || !Number.isFinite(t.pnl)) continue;
    const r = t.pnl / t.risk;
    n++;
    if (r > 0) {
      wins++;
      winR += r;
    } else {
      lossR -= r;
    }
  }
  const fromTrades = n >= params.minTrades;
  const winRate = fromTrades ? wins / n : params.priorWinRate;
  const averageWinR = fromTrades ? (wins > 0 ? winR / wins : 0) : params.priorPayoffR;
  const averageLossR = fromTrades ? (n > wins ? lossR / (n - wins) : 0) : 1;
  const fullKelly = kellyOf(winRate, averageWinR, averageLossR);
  const riskFraction = Math.max(0, params.multiplier * fullKelly);
  const probe = riskFraction < params.probeRiskFraction;
  return {
    riskFraction,
    sizingFraction: probe ? params.probeRiskFraction : riskFraction,
    probe,
    fullKelly,
    source: fromTrades ? "trades" : "prior",
    trades: n,
    winRate,
    averageWinR,
    averageLossR,
  };
}
