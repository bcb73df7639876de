import type { Interval, Market } from "../../core/model.ts";
import type { BacktestMetrics, EquityCurve, TradeRecord } from "../../core/stats/index.ts";

/** OHLC columns the price chart reads (a `CandleSeries` fits, so does any `{ ts, open, ... }` of arrays). */
export interface PriceColumns {
  readonly ts: ArrayLike<number>;
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
}

/** How the run was set up: shown in the report header, and part of what identifies a run. */
export interface RunInfo {
  /** Preset or strategy name, e.g. `classic`. */
  readonly strategy: string;
  readonly markets: readonly Market[];
  readonly interval: Interval;
  readonly initialCapital: number;
  /** Fee per fill as a fraction of notional (0.0025 = 0.25%). */
  readonly feeRate: number;
  /** Slippage per market fill as a fraction of price (0.001 = 0.1%). */
  readonly slippage: number;
  /** Optional heading; defaults to "Backtest: <strategy> on <markets>". */
  readonly title?: string;
}

/**
 * Everything one backtest produced, as the engine hands it to the report (and, minus `candles`,
 * to the result store). `metrics`, `trades` and `equity` are the `--json` output (equity there as `[ts, value]` pairs).
 */
export interface BacktestResult {
  readonly run: RunInfo;
  readonly metrics: BacktestMetrics;
  /** Closed trades in close order. */
  readonly trades: readonly TradeRecord[];
  /** Equity marked at every candle close, as columns (full resolution; the report downsamples for display). */
  readonly equity: EquityCurve;
  /** Buy-and-hold equity at the same marks (`benchmark[i]` at `equity.ts[i]`), drawn for comparison when given. */
  readonly benchmark?: ArrayLike<number>;
  /** The candles each market ran on, for the price charts with entry and exit markers. */
  readonly candles: Readonly<Partial<Record<Market, PriceColumns>>>;
  /** Strategy and risk parameters as used (after defaults). */
  readonly params: Readonly<Record<string, unknown>>;
  /** `candleFingerprint` of the input data. */
  readonly dataFingerprint: string;
}
