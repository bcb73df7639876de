/**
 * Just enough of the Prometheus text format for a benchmark that reads a server's `/metrics`
 * before and after a phase: samples with their labels, sums over a label filter, and a histogram's
 * change between two scrapes, with its mean and an estimated quantile computed the way PromQL's
 * `histogram_quantile` does (linear inside the bucket the rank falls in).
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample of an exposition (comments and blank lines skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? "").matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const matches = (s: Sample, name: string, filter: Readonly<Record<string, string>>) => s.name === name && Object.entries(filter).every(([k, v]) => s.labels[k] === v);

/** The sum of every series of `name` whose labels include `filter`; undefined when there is none. */
export function sumOf(samples: readonly Sample[], name: string, filter: Readonly<Record<string, string>> = {}): number | undefined {
  const hits = samples.filter((s) => matches(s, name, filter));
  return hits.length === 0 ? undefined : hits.reduce((sum, s) => sum + s.value, 0);
}

/** What a histogram (all its series added up) recorded between two scrapes. */
export interface HistogramDelta {
  readonly count: number;
  readonly sum: number;
  /** Upper bounds ascending, the last +Inf, with cumulative counts. */
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
}

/** The change of histogram `name` from `before` to `after`; undefined when the family is not exposed. */
export function histogramDelta(before: readonly Sample[], after: readonly Sample[], name: string): HistogramDelta | undefined {
  const count = sumOf(after, `${name}_count`);
  if (count === undefined) return undefined;
  const bounds = [...new Set(after.filter((s) => s.name === `${name}_bucket`).map((s) => s.labels.le!))];
  const buckets = bounds
    .map((le) => ({ le: le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), count: (sumOf(after, `${name}_bucket`, { le }) ?? 0) - (sumOf(before, `${name}_bucket`, { le }) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  return { count: count - (sumOf(before, `${name}_count`) ?? 0), sum: (sumOf(after, `${name}_sum`) ?? 0) - (sumOf(before, `${name}_sum`) ?? 0), buckets };
}

/**
 * The q-quantile as `histogram_quantile` estimates it: linear between the bounds of the bucket the
 * rank falls in (from 0 for the first); in the +Inf bucket, the highest finite bound.
 */
export function histogramQuantile(h: HistogramDelta, q: number): number {
  if (h.count <= 0) return Number.NaN;
  const rank = q * h.count;
  let lower = 0;
  let below = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return lower;
      return lower + ((b.le - lower) * (rank - below)) / Math.max(1, b.count - below);
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}
