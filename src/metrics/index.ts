export { Metrics } from "./metrics.ts";
export type { MetricFamilyInfo } from "./metrics.ts";
export { bindLiveMetrics } from "./dashboard.ts";
export { bindExchangeMetrics, bindStreamMetrics } from "./exchange.ts";
export type { StreamMetricsOptions } from "./exchange.ts";
export { BoundedLabel } from "./labels.ts";
export { latestDataTs, MetricsSampler, type MetricsSamplerOptions, realisedPnlToday, startMetricsSampler } from "./sampler.ts";
