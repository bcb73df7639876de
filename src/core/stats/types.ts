/**
 * Input and output shapes of the performance statistics. Plain JSON-safe data: every number in
 * `BacktestMetrics` is finite or `null` (never `NaN`/`Infinity`, which `JSON.stringify` would turn
 * into `null` silently), so a result written twice is byte-identical. Definitions: docs/metrics.md.
 */

/** One equity mark: `[ts, value]`, ts = open time (UTC epoch ms) of the candle at whose close the value was marked. */
export type EquityPoint = readonly [ts: number, value: number];

/**
 * An equity curve as two columns, mark i being `[ts[i], value[i]]` (the engine's form: two
 * Float64Arrays instead of one small array per candle, which on a one-minute year is half a
 * million allocations).
 */
export interface EquityCurve {
  readonly ts: ArrayLike<number>;
  readonly value: ArrayLike<number>;
}

/** Either form of an equity curve the statistics accept. */
export type EquityInput = EquityCurve | readonly EquityPoint[];

/**
 * Why a position was closed. The engine's core may add reasons; the statistics treat the field as
 * a label only.
 */
export type ExitReason = "signal" | "stop" | "target" | "trailing" | "time" | "end" | (string & {});

/** One closed round trip, exactly the `trades[]` element of `bun run backtest --json`. */
export interface TradeRecord {
  readonly market: string;
  /** Open time of the candle at whose open the entry filled. */
  readonly entryTs: number;
  /** Entry fill price, slippage included. */
  readonly entryPrice: number;
  /** Open time of the candle at whose open the exit filled, or in which the stop triggered. */
  readonly exitTs: number;
  /** Exit fill price, slippage included. */
  readonly exitPrice: number;
  readonly qty: number;
  /** Entry fee + exit fee, KRW. */
  readonly fee: number;
  /** Net KRW result: exit proceeds - exit fee - (entry cost + entry fee). */
  readonly pnl: number;
  readonly exitReason: ExitReason;
}

/** Return of one calendar period: `period` is `YYYY-MM` (months) or `YYYY-Qn` (quarters). */
export interface PeriodReturn {
  readonly period: string;
  readonly return: number;
}

/** Close prices of one market, for the buy-and-hold benchmark (a columnar candle series fits). */
export interface ClosePrices {
  readonly ts: ArrayLike<number>;
  readonly close: ArrayLike<number>;
}

export interface MetricsInput {
  /** Equity marked at every candle close, ascending ts (columns or points). At least one mark. */
  readonly equity: EquityInput;
  /** Closed trades in the order they closed. */
  readonly trades: readonly TradeRecord[];
  /** Candle interval in ms; fixes candles per year (365-day years) and the time span. */
  readonly intervalMs: number;
  /** Starting KRW: the base of total return, CAGR and the first calendar period. */
  readonly initialCapital: number;
  /**
   * Benchmark equity aligned with `equity` (same length, value i marked at equity[i]'s ts), e.g.
   * from `buyAndHoldValues`. Omit to leave benchmark figures `null`.
   */
  readonly benchmark?: ArrayLike<number>;
  /**
   * Offset added to timestamps before calendar bucketing (monthly/quarterly returns). 0 = UTC
   * (default); 9 * 3_600_000 = KST.
   */
  readonly calendarOffsetMs?: number;
}

/**
 * Every analytic of a run. Ratios whose denominator is zero or undefined, and figures that need
 * more data than there is, are `null`. Fractions are plain fractions (0.12 = 12%), durations ms.
 * Key order is fixed (it is the JSON order).
 */
export interface BacktestMetrics {
  readonly trades: number;
  readonly finalEquity: number;
  readonly totalReturn: number;
  readonly cagr: number | null;
  /** Largest peak-to-trough fall of the equity marks, as a positive fraction of the peak. */
  readonly maxDrawdown: number;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly calmar: number | null;
  readonly winRate: number | null;
  readonly profitFactor: number | null;
  readonly initialCapital: number;
  /** Longest time from a peak until equity is back at or above it (or until the last mark). */
  readonly maxDrawdownDurationMs: number;
  /** Annualised sample standard deviation of per-candle returns. */
  readonly volatility: number | null;
  /** Annualised downside deviation of per-candle returns (target 0, divided by all n). */
  readonly downsideDeviation: number | null;
  /** Per-candle 95% Value at Risk, as a positive loss fraction. */
  readonly var95Historical: number | null;
  readonly cvar95Historical: number | null;
  readonly var95Parametric: number | null;
  readonly cvar95Parametric: number | null;
  readonly benchmarkReturn: number | null;
  readonly trackingError: number | null;
  readonly informationRatio: number | null;
  readonly wins: number;
  readonly losses: number;
  readonly grossProfit: number;
  /** Sum of losing trades' |pnl| (positive). */
  readonly grossLoss: number;
  readonly payoffRatio: number | null;
  /** Mean pnl per trade, KRW. */
  readonly expectancy: number | null;
  readonly maxConsecutiveWins: number;
  readonly maxConsecutiveLosses: number;
  readonly tradesPerMonth: number | null;
  readonly avgHoldingMs: number | null;
  /** Fraction of equity marks at which a position was held. */
  readonly exposure: number | null;
  readonly candles: number;
  readonly candlesPerYear: number;
  readonly monthlyReturns: readonly PeriodReturn[];
  readonly quarterlyReturns: readonly PeriodReturn[];
}
