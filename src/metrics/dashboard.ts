import type { LiveObserver } from "../server/dashboard/live.ts";
import type { Metrics } from "./metrics.ts";

/**
 * The dashboard's live broadcaster as metrics, wired in one line:
 * `dashboard.live.observe(bindLiveMetrics(metrics))`. Each tick that sampled the bot is one
 * `bot_dashboard_live_tick_duration_seconds` observation (so `rate(_sum) / rate(_count)` is the
 * mean tick cost and the buckets give its p99); `bot_dashboard_live_clients` follows the
 * connected streams.
 */
export function bindLiveMetrics(metrics: Metrics): LiveObserver {
  return {
    onTick: ({ seconds }) => metrics.dashboardLiveTickSeconds.observe(seconds),
    onClients: (count) => metrics.dashboardLiveClients.set(count),
  };
}
