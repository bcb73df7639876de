import type { Market } from "../src/core/model.ts";
import type { ActorNode, HealthReport, PortfolioSummary, TraderStateName } from "../src/ports/control.ts";

/**
 * The shapes the pages render: plain data the dashboard's read models build from the control port
 * and the repo verbs. Views depend on these (and on the control port's types), never on a source.
 */

/** One KRW market as the markets table shows it. */
export interface MarketLine {
  readonly market: Market;
  /** The name in the reader's language (Korean or English name from the exchange's listing). */
  readonly name: string;
  readonly warning: string;
  /** False once the exchange stopped listing it. */
  readonly listed: boolean;
  readonly price?: number;
  /** Signed change since the previous day's close (0.012 = +1.2 %). */
  readonly changeRate?: number;
  /** Undefined when the bot runs no trader for the market. */
  readonly state?: TraderStateName;
  readonly stale: boolean;
  readonly restarts: number;
  readonly position?: { readonly volume: number; readonly unrealisedPnl?: number };
}

/** One open (or dust) position with its protective levels. */
export interface PositionLine {
  readonly market: Market;
  readonly name: string;
  readonly volume: number;
  readonly avgPrice: number;
  readonly costBasis: number;
  readonly markPrice?: number;
  readonly value?: number;
  readonly unrealisedPnl?: number;
  /** Unrealised PnL over the cost basis. */
  readonly pnlRate?: number;
  readonly stop: number | null;
  /** Highest close since entry: the trailing stop's anchor. */
  readonly highWater: number | null;
  readonly trailingEnabled: boolean;
  readonly entryTs: number;
  readonly status: string;
  readonly traderState?: TraderStateName;
}

export interface FillLine {
  readonly id: number;
  readonly ts: number;
  readonly market: string;
  readonly side: string;
  readonly price: number;
  readonly volume: number;
  readonly funds: number;
  readonly fee: number;
}

export interface OrderLine {
  readonly id: number;
  readonly createdAt: number;
  readonly market: string;
  readonly side: string;
  readonly type: string;
  readonly state: string;
  readonly price: number | null;
  readonly volume: number | null;
  readonly executedVolume: number;
  readonly executedFunds: number;
  readonly paidFee: number;
  readonly reason: string;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly lastError: string | null;
}

export interface ActorHealth {
  readonly total: number;
  readonly byState: Readonly<Partial<Record<TraderStateName, number>>>;
  /** Traders that need a look: halted, stopped, stale data, restarted or with an error. */
  readonly attention: readonly {
    readonly market: Market;
    readonly state: TraderStateName;
    readonly restarts: number;
    readonly stale: boolean;
    readonly lastError?: string;
  }[];
}

export interface AlertLine {
  readonly id: number;
  readonly ts: number;
  readonly severity: string;
  readonly title: string;
  readonly text: string;
  readonly suppressed: boolean;
}

/** Everything the overview shows (also what its live fragments are rendered from). */
export interface OverviewData {
  readonly health: HealthReport;
  readonly portfolio: PortfolioSummary;
  readonly positions: readonly PositionLine[];
  readonly fills: readonly FillLine[];
  readonly actors: ActorHealth;
  /** Null when no alerter is connected. */
  readonly alerts: readonly AlertLine[] | null;
}

export interface SignalLine {
  readonly id: number;
  readonly ts: number;
  readonly kind: string;
  readonly strength: number | null;
  readonly reasons: readonly string[];
  readonly outcome: string;
  readonly deniedReason: string | null;
}

/** Candles, indicator series and trade markers for the market chart (columns; NaN becomes null). */
export interface ChartPayload {
  readonly market: string;
  readonly interval: string;
  readonly ts: readonly number[];
  readonly open: readonly number[];
  readonly high: readonly number[];
  readonly low: readonly number[];
  readonly close: readonly number[];
  readonly volume: readonly number[];
  readonly emaFast: readonly (number | null)[];
  readonly emaSlow: readonly (number | null)[];
  readonly rsi: readonly (number | null)[];
  readonly atr: readonly (number | null)[];
  readonly periods: { readonly emaFast: number; readonly emaSlow: number; readonly rsi: number; readonly atr: number };
  /** Entries (buys) and exits (sells) at the candle they fell in. */
  readonly markers: readonly { readonly ts: number; readonly side: "bid" | "ask"; readonly price: number; readonly text: string }[];
  /** Current stop of an open position, drawn as a line. */
  readonly stop: number | null;
  readonly avgPrice: number | null;
}

export type { ActorNode };
