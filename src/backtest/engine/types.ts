import type { Market } from "../../core/model.ts";
import type { DenyReason, OrderDraft, RiskParams } from "../../core/risk/index.ts";
import type { TradeRecord } from "../../core/stats/index.ts";
import type { Strategy } from "../../core/strategy/index.ts";
import type { CandleSeries } from "../data/index.ts";
import type { EngineSettings } from "./config.ts";

/** Everything one engine run needs. The engine drives `strategy` and risk's `checkEntry`/`planExit` unchanged. */
export interface EngineInput<P, S> {
  /** One series per market, all on the same interval; market codes must differ. */
  readonly series: readonly CandleSeries[];
  readonly strategy: Strategy<P, S>;
  readonly params: P;
  readonly risk: RiskParams;
  readonly settings: EngineSettings;
  /**
   * Candles with `ts` below this only warm the strategy up (it sees them flat; its intents are
   * dropped): no orders, no equity marks. The optimizer's folds start trading here.
   */
  readonly startTs?: number;
  /** Called every ~65,000 candles and once at the end with (candles done, candles in total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Keep the list of decisions (entries and exits, approved or denied) in the run. */
  readonly recordDecisions?: boolean;
}

/** One decision at a candle close: what the strategy asked for and what risk answered. */
export interface EngineDecision {
  /** Open time of the deciding candle (its close decided). */
  readonly ts: number;
  readonly market: Market;
  readonly action: "enter" | "exit";
  /** The strategy's reason: `entry` for entries, its exit reason (`dead_cross`, ...) for exits. */
  readonly reason: string;
  /** `ignored`: the intent came on the market's last candle (no next open to fill at). */
  readonly outcome: "approved" | "denied" | "dust" | "ignored";
  /** The deny reason when denied. */
  readonly denyReason?: DenyReason;
  /** The order the live system would send for an approved decision. */
  readonly order?: OrderDraft;
}

/** The raw outcome of a run; `buildResult` turns it into metrics, JSON and the report input. */
export interface EngineRun {
  /** Markets in processing order (sorted by code). */
  readonly markets: readonly Market[];
  readonly intervalMs: number;
  readonly initialCapital: number;
  /** Closed round trips in the order they closed. */
  readonly trades: readonly TradeRecord[];
  /** Equity marks: one per distinct candle ts after the warm-up, at the close (cash + holdings at their last close). */
  readonly equityTs: Float64Array;
  readonly equityValue: Float64Array;
  /** Candles processed after the warm-up, all markets together. */
  readonly candles: number;
  /** Entry and exit decisions risk denied, by reason. */
  readonly denials: Readonly<Partial<Record<DenyReason, number>>>;
  /** Limit entries that did not fill in the candle after the decision (they expire). */
  readonly expiredOrders: number;
  /** Positions that became unsellable (under the exchange minimum) and were kept as dust. */
  readonly dustEvents: number;
  /** Present (possibly empty) when `recordDecisions` was set. */
  readonly decisions?: readonly EngineDecision[];
}
