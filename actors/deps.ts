import type { Interval, Market } from "../src/core/model.ts";
import type { RiskParams } from "../src/core/risk/index.ts";
import type { EmaCrossParams } from "../src/core/strategy/index.ts";
import type { Db } from "../src/db/index.ts";
import type { Logger } from "../src/log.ts";
import type { Metrics } from "../src/metrics/index.ts";
import type { Clock } from "../src/ports/clock.ts";
import type { Exchange } from "../src/ports/exchange.ts";
import type { MarketStream } from "../src/ports/market-stream.ts";
import type { SupervisionPolicy } from "./supervision.ts";

/**
 * Runtime tuning. Durations are in ms of the RUNTIME clock; in sim mode that clock runs `timeScale`
 * times faster than the wall clock, so exchange-facing periods (polls, balance refreshes) are
 * multiplied by `timeScale` to keep the same real-time load on the exchange.
 */
export interface RuntimeSettings {
  readonly interval: Interval;
  /** Markets to trade; empty = every active KRW market the exchange lists. */
  readonly markets: readonly Market[];
  /** Runtime-clock ms per wall-clock ms (1 in paper/live, the simulator speed in sim). */
  readonly timeScale: number;
  /** Wait after an interval ends before closing its candle without a newer trade. */
  readonly candleGraceMs: number;
  /** Orders submitting at once (the rest wait in the priority queue). */
  readonly maxConcurrentSubmits: number;
  /** Real ms between REST polls of an open order (a fallback to the private stream). */
  readonly orderPollRealMs: number;
  /** Runtime ms after which an unfilled limit order is cancelled (or repriced). */
  readonly limitOrderTimeoutMs: number;
  readonly limitOrderOnTimeout: "cancel" | "reprice";
  /** Runtime ms an order intent may wait for a resend after a restart before it is abandoned. */
  readonly maxIntentAgeMs: number;
  /** Real ms between balance refreshes of the risk actor. */
  readonly balanceRefreshRealMs: number;
  /** Runtime ms between market syncs (new listings, delistings, warnings). */
  readonly marketSyncMs: number;
  /** Real ms before a failed reconciliation is tried again. */
  readonly reconcileRetryRealMs: number;
  /** Closed candles of history loaded at warm-up (at least the strategy's warm-up). */
  readonly historyCandles: number;
  /** Open orders at shutdown: keep them on the exchange, or cancel them. */
  readonly onShutdownOrders: "keep" | "cancel";
  readonly supervision: SupervisionPolicy;
}

export const DEFAULT_RUNTIME_SETTINGS: Omit<RuntimeSettings, "interval" | "markets"> = {
  timeScale: 1,
  candleGraceMs: 2_000,
  maxConcurrentSubmits: 4,
  orderPollRealMs: 3_000,
  limitOrderTimeoutMs: 60_000,
  limitOrderOnTimeout: "cancel",
  maxIntentAgeMs: 120_000,
  balanceRefreshRealMs: 15_000,
  marketSyncMs: 600_000,
  reconcileRetryRealMs: 10_000,
  historyCandles: 200,
  onShutdownOrders: "keep",
  supervision: { maxRestarts: 5, withinMs: 60_000, baseBackoffMs: 500, maxBackoffMs: 30_000, jitter: 0.2 },
};

/** Alert sink (the alerts module plugs in here; the default only logs). */
export type AlertSink = (alert: { severity: "info" | "warning" | "critical"; key: string; title: string; text: string; ts: number }) => void;

/** Everything the actors need from the world, handed in by `main.ts` (or a test). */
export interface RuntimeDeps {
  readonly clock: Clock;
  readonly exchange: Exchange;
  /** Public market data (trades, tickers). */
  readonly marketStream: MarketStream;
  /** Private order and balance events (myOrder/myAsset). */
  readonly privateStream: MarketStream;
  readonly db: Db;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly strategyParams: EmaCrossParams;
  readonly riskParams: RiskParams;
  readonly settings: RuntimeSettings;
  /** Client order ids (valid for Bithumb, unique, never reused). */
  readonly nextClientOrderId: () => string;
  /** Uniform [0, 1) for jitter. */
  readonly random: () => number;
  readonly alert: AlertSink;
}
