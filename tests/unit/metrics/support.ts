import type { Metrics } from "../../../src/metrics/index.ts";

/**
 * Read one sample of a metric family. For a histogram, name the series (`..._count`, `..._sum`,
 * `..._bucket` with an `le` label). Undefined when no sample has exactly these labels (ignoring
 * the registry's default labels).
 */
export async function sampleValue(metrics: Metrics, name: string, labels: Record<string, string | number> = {}): Promise<number | undefined> {
  const family = name.replace(/_(count|sum|bucket)$/, "");
  const metric = metrics.registry.getSingleMetric(name) ?? metrics.registry.getSingleMetric(family);
  if (!metric) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const wanted = Object.entries(labels).map(([k, v]) => [k, String(v)] as const);
  const match = data.values.find((v) => {
    const seriesName = (v as { metricName?: string }).metricName ?? data.name;
    if (seriesName !== name) return false;
    const own = v.labels as Record<string, string | number>;
    return Object.keys(own).length === wanted.length && wanted.every(([k, val]) => String(own[k]) === val);
  });
  return match?.value;
}
