import type { Market, MarketWarning } from "../core/model.ts";
import type { Origin } from "../core/messages.ts";
import type { TradingMode } from "../config/schema.ts";
import type { RiskParams } from "../core/risk/index.ts";
import type { EmaCrossParams } from "../core/strategy/index.ts";

/**
 * What the HTTP API, the dashboard and chat commands may ask of the running bot. The actor
 * runtime implements it; the server depends only on this port (tests use a fake).
 */

/** Trader states as the operator sees them (the symbol-trader machine's top-level states). */
export type TraderStateName = "warming_up" | "watching" | "entering" | "in_position" | "exiting" | "paused" | "flattening" | "halted" | "stopped";

export interface PositionSummary {
  readonly volume: number;
  readonly avgPrice: number;
  readonly entryTs: number;
  readonly stop?: number;
  readonly markPrice?: number;
  readonly unrealisedPnl?: number;
  readonly status: "open" | "dust";
}

export interface ActorSummary {
  readonly market: Market;
  /** `trader:KRW-BTC` */
  readonly id: string;
  readonly state: TraderStateName;
  readonly position: PositionSummary | null;
  readonly restarts: number;
  readonly lastError?: string;
  readonly warning: MarketWarning;
  readonly lastPrice?: number;
  /** Signed change since the previous day's close (0.012 = +1.2 %), when a ticker was seen. */
  readonly changeRate?: number;
  readonly lastCandleTs?: number;
  /** Exchange timestamp of the last public trade seen (epoch ms; the market-data age metric reads it). */
  readonly lastTradeTs?: number;
  readonly stale: boolean;
}

/** One node of the supervisor tree. */
export interface ActorNode {
  readonly id: string;
  readonly kind: "root" | "shared" | "trader";
  readonly state: string;
  readonly restarts: number;
  readonly lastError?: string;
  readonly children?: readonly ActorNode[];
}

export type TradingState = "starting" | "reconciling" | "running" | "paused" | "halted" | "stopping";

export interface HealthReport {
  readonly healthy: boolean;
  readonly mode: TradingMode;
  readonly tradingState: TradingState;
  /** Why trading is halted or not yet running, when it is not. */
  readonly reason?: string;
  readonly reconciled: boolean;
  readonly marketData: { readonly connected: boolean; readonly lastMessageAgeMs: number | null };
  readonly privateStream: { readonly connected: boolean };
  readonly actors: { readonly total: number; readonly halted: number; readonly paused: number };
  readonly startedAt: number;
  readonly now: number;
}

/** The account as the risk actor marks it (latest balances at the latest prices). */
export interface PortfolioSummary {
  /** KRW available + locked + every holding at its last price. */
  readonly equity: number;
  readonly krwAvailable: number;
  readonly krwLocked: number;
  readonly positionsValue: number;
  readonly unrealisedPnl: number;
  /** Equity at the start of the KST day and the highest equity seen (0 before the first mark). */
  readonly dayStartEquity: number;
  readonly peakEquity: number;
  /** (peak - equity) / peak. */
  readonly drawdown: number;
  /** When balances were last read from the exchange (runtime clock), or null. */
  readonly balancesAt: number | null;
}

export interface CommandResult {
  readonly ok: boolean;
  /** State after the command (or why it could not be done). */
  readonly message: string;
}

export interface ControlPort {
  health(): HealthReport;
  listActors(): ActorSummary[];
  actorTree(): ActorNode;
  getActor(market: Market): ActorSummary | undefined;
  pauseMarket(market: Market, origin: Origin): Promise<CommandResult>;
  resumeMarket(market: Market, origin: Origin): Promise<CommandResult>;
  /** Cancel the market's orders, sell its position, then pause it. */
  flattenMarket(market: Market, origin: Origin): Promise<CommandResult>;
  pauseTrading(origin: Origin): Promise<CommandResult>;
  resumeTrading(origin: Origin): Promise<CommandResult>;
  /** The kill switch: pause everything, cancel every order, sell every position. */
  flattenAll(origin: Origin): Promise<CommandResult>;
  portfolio(): PortfolioSummary;
  /** The strategy and risk parameters the traders run with now. */
  currentParams(): { readonly strategy: EmaCrossParams; readonly risk: RiskParams };
  /**
   * Apply new (already validated) parameters: saved in the database (audited, with who), then every
   * trader restarts and warms up with them; open positions keep their exit plans.
   */
  updateParams(next: { readonly strategy?: EmaCrossParams; readonly risk?: RiskParams }, origin: Origin): Promise<CommandResult>;
  /** Latest balances from the exchange (cached; refreshed by the risk actor). */
  balances(): { readonly currency: string; readonly balance: number; readonly locked: number; readonly avgBuyPrice: number }[];
}
