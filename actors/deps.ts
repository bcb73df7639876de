import type { InspectionEvent } from "xstate";
import type { AlertEvent } from "../src/alerts/events.ts";
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
import type { RuntimeConfig } from "../src/config/runtime.ts";
export { DEFAULT_RUNTIME_SETTINGS, runtimeSettingsSchema } from "../src/config/runtime.ts";

/**
 * Runtime tuning: the validated `runtime` config section (src/config/runtime.ts) plus what the
 * composition root decides. Durations are in ms of the RUNTIME clock; in sim mode that clock runs
 * `timeScale` times faster than the wall clock, so exchange-facing periods (`*RealMs`) are
 * multiplied by `timeScale` to keep the same real-time load on the exchange.
 */
export interface RuntimeSettings extends RuntimeConfig {
  readonly interval: Interval;
  /** Markets to trade; empty = every active KRW market the exchange lists. */
  readonly markets: readonly Market[];
  /** Runtime-clock ms per wall-clock ms (1 in paper/live, the simulator speed in sim). */
  readonly timeScale: number;
  readonly supervision: SupervisionPolicy;
}

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
  /** Runtime facts worth a message (fills, stops hit), formatted by the alerts module. */
  readonly notify?: (event: AlertEvent) => void;
  /** Told about every supervisor restart (the restart-storm monitor). */
  readonly onActorRestart?: (actorId: string, lastError: string | undefined) => void;
  /** XState's inspection hook (every event every actor receives): for diagnosis and tests. */
  readonly inspect?: (event: InspectionEvent) => void;
}
