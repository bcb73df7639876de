import type { RateLimitReport, RestObserver, WsObserver, WsProblemKind } from "../exchange/bithumb/observer.ts";
import { REST_RATE_LIMITS } from "../exchange/bithumb/rate-limit.ts";
import { BoundedLabel } from "./labels.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Observers that turn the Bithumb adapters' reports into metrics, so main wires each client in
 * one line: `new BithumbRestClient({ ..., observer: bindExchangeMetrics(metrics) })`.
 */

const WS_PROBLEMS: readonly WsProblemKind[] = ["parse", "server", "keepalive_timeout", "connect"];

/** Endpoints per process past which new ones are folded into `other` (the client has ~25). */
const MAX_ENDPOINTS = 64;

/**
 * REST client observer: request duration per endpoint template and method (every attempt,
 * answered or not), failed attempts by outcome kind, rate-limit waits and local refusals per
 * category. The rate-limit counters of every REST category start at 0, so `rate()` and
 * `increase()` see the first wait.
 */
export function bindExchangeMetrics(metrics: Metrics): RestObserver {
  for (const group of Object.keys(REST_RATE_LIMITS)) zeroRateLimit(metrics, group);
  const endpoints = new BoundedLabel(MAX_ENDPOINTS);
  return {
    onRequest(report) {
      const labels = { endpoint: endpoints.of(report.endpoint), method: report.method };
      metrics.exchangeRequestSeconds.observe(labels, Math.max(0, report.durationMs) / 1000);
      if (report.outcome !== "ok") metrics.exchangeErrorsTotal.inc({ ...labels, kind: report.outcome });
    },
    onRateLimit: (report) => recordRateLimit(metrics, report),
  };
}

export interface StreamMetricsOptions {
  /** The `stream` label: `public`, `private`, `paper`, ... */
  readonly stream: string;
  /**
   * Record `bot_ws_connected` and `bot_ws_reconnects_total` from this observer (default true).
   * Pass false where the runtime already records them from the stream's events (today: the
   * market-data actor for `public`, the order-manager for `private`), or they count twice.
   */
  readonly connection?: boolean;
  /**
   * Record `bot_ws_message_lag_seconds` from this observer (default true). The lag is the
   * client's clock minus the message's timestamp, so pass false when the two are different
   * timebases (a simulator running faster than real time) or when the runtime records it
   * already (the market-data actor does for `public` trades).
   */
  readonly lag?: boolean;
}

/**
 * WebSocket client observer: frames by kind, problems by kind, connection-attempt rate-limit
 * waits, and (see the options) connected / reconnects / message lag. Problem counters and the
 * reconnect counter of the stream start at 0.
 */
export function bindStreamMetrics(metrics: Metrics, options: StreamMetricsOptions): WsObserver {
  const { stream } = options;
  const connection = options.connection ?? true;
  const lag = options.lag ?? true;
  metrics.wsReconnectsTotal.inc({ stream }, 0);
  for (const kind of WS_PROBLEMS) metrics.wsErrorsTotal.inc({ stream, kind }, 0);
  zeroRateLimit(metrics, "ws:connect");
  if (connection) metrics.wsConnected.set({ stream }, 0);
  return {
    onConnected(reconnect) {
      if (!connection) return;
      metrics.wsConnected.set({ stream }, 1);
      if (reconnect) metrics.wsReconnectsTotal.inc({ stream });
    },
    onDisconnected() {
      if (connection) metrics.wsConnected.set({ stream }, 0);
    },
    onMessage(kind, lagMs) {
      metrics.wsMessagesTotal.inc({ stream, kind });
      // A message stamped ahead of our clock is skew, not negative delay.
      if (lag && lagMs !== undefined) metrics.wsMessageLagSeconds.observe({ stream }, Math.max(0, lagMs) / 1000);
    },
    onProblem(kind) {
      metrics.wsErrorsTotal.inc({ stream, kind });
    },
    onRateLimit: (report) => recordRateLimit(metrics, report),
  };
}

function recordRateLimit(metrics: Metrics, report: RateLimitReport): void {
  const labels = { group: report.group };
  if (report.refused) metrics.rateLimitRejectionsTotal.inc(labels);
  else metrics.rateLimitWaitsTotal.inc(labels);
  if (report.waitedMs > 0) metrics.rateLimitWaitSecondsTotal.inc(labels, report.waitedMs / 1000);
}

function zeroRateLimit(metrics: Metrics, group: string): void {
  metrics.rateLimitWaitsTotal.inc({ group }, 0);
  metrics.rateLimitWaitSecondsTotal.inc({ group }, 0);
  metrics.rateLimitRejectionsTotal.inc({ group }, 0);
}
