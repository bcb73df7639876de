import type { MetricFamilyInfo } from "../../../src/metrics/index.ts";

/**
 * Just enough of PromQL to find what an expression refers to: metric names, label names in
 * matchers (with the metric they filter), and label names in `by`/`without`/`on`/`ignoring`/
 * `group_left`/`group_right` lists. Strings, durations, numbers, functions and operators are
 * skipped. Grafana variables are replaced by plain values first.
 */

export interface PromQlRefs {
  readonly metrics: string[];
  readonly matchers: { readonly metric: string | undefined; readonly label: string }[];
  readonly groupings: string[];
}

const GROUPING = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
/** Aggregation operators may be followed by `by (...)` instead of their argument list. */
const AGGREGATORS = ["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"];
const KEYWORDS = new Set(["and", "or", "unless", "offset", "bool", "atan2", "inf", "nan", ...GROUPING, ...AGGREGATORS]);
const IDENT = /[A-Za-z_:][A-Za-z0-9_:]*/y;

/** Grafana's built-in and dashboard variables as plain PromQL. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, "5m")
    .replace(/\$\{[^}]+\}/g, "x")
    .replace(/\$[A-Za-z_][A-Za-z0-9_]*/g, "x");
}

export function promqlReferences(rawExpr: string): PromQlRefs {
  const expr = substituteGrafanaVariables(rawExpr);
  const refs: PromQlRefs = { metrics: [], matchers: [], groupings: [] };
  let i = 0;
  let lastMetric: string | undefined;
  const skipSpace = () => {
    while (i < expr.length && /\s/.test(expr[i]!)) i++;
  };
  const skipString = () => {
    const quote = expr[i]!;
    i++;
    while (i < expr.length && expr[i] !== quote) i += expr[i] === "\\" ? 2 : 1;
    i++;
  };
  const readIdent = (): string => {
    IDENT.lastIndex = i;
    const m = IDENT.exec(expr)!;
    i += m[0].length;
    return m[0];
  };
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      skipString();
      lastMetric = undefined;
      continue;
    }
    if (c === "#") {
      while (i < expr.length && expr[i] !== "\n") i++;
      continue;
    }
    if (c === "{") {
      const metric = lastMetric;
      i++;
      for (;;) {
        skipSpace();
        if (i >= expr.length || expr[i] === "}") break;
        if (expr[i] === ",") {
          i++;
          continue;
        }
        if (expr[i] === '"' || expr[i] === "'" || expr[i] === "`") {
          skipString();
          continue;
        }
        if (/[A-Za-z_]/.test(expr[i]!)) {
          refs.matchers.push({ metric, label: readIdent() });
          continue;
        }
        i++; // operators
      }
      i++;
      lastMetric = undefined;
      continue;
    }
    if (c === "[") {
      while (i < expr.length && expr[i] !== "]") i++;
      i++;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      // A number or a duration (0.75, 1e3, 5m, 1h30m).
      while (i < expr.length && /[0-9A-Za-z.]/.test(expr[i]!)) i++;
      lastMetric = undefined;
      continue;
    }
    if (/[A-Za-z_:]/.test(c)) {
      const ident = readIdent();
      const afterIdent = i;
      skipSpace();
      const opensList = expr[i] === "(";
      if (GROUPING.has(ident) && opensList) {
        i++;
        for (;;) {
          skipSpace();
          if (i >= expr.length || expr[i] === ")") break;
          if (expr[i] === ",") i++;
          else if (/[A-Za-z_]/.test(expr[i]!)) refs.groupings.push(readIdent());
          else i++;
        }
        i++;
        lastMetric = undefined;
        continue;
      }
      if (opensList || KEYWORDS.has(ident)) {
        lastMetric = undefined;
        continue;
      }
      refs.metrics.push(ident);
      lastMetric = ident;
      i = afterIdent;
      continue;
    }
    lastMetric = undefined;
    i++;
  }
  return refs;
}

/** Labels every scraped series may carry besides its own: the scrape target's and the registry's defaults. */
export const TARGET_LABELS: ReadonlySet<string> = new Set(["job", "instance", "bot", "mode", "app", "__name__"]);

/** The family a series name belongs to (histogram `_bucket`/`_sum`/`_count` resolve to theirs). */
export function familyOf(name: string, families: ReadonlyMap<string, MetricFamilyInfo>): MetricFamilyInfo | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = m ? families.get(m[1]!) : undefined;
  return base && (base.type === "histogram" || base.type === "summary") ? base : undefined;
}

/**
 * Problems of one expression against the registry: unknown metrics, matcher labels the metric
 * does not have, grouping labels none of its metrics have. `up` is Prometheus' own.
 */
export function checkExpression(expr: string, families: ReadonlyMap<string, MetricFamilyInfo>): string[] {
  const refs = promqlReferences(expr);
  const problems: string[] = [];
  if (refs.metrics.length === 0) problems.push(`no metric in ${expr}`);
  const labelsOf = (name: string): Set<string> | undefined => {
    if (name === "up") return new Set(TARGET_LABELS);
    const family = familyOf(name, families);
    if (!family) return undefined;
    const labels = new Set([...family.labelNames, ...TARGET_LABELS]);
    if (name.endsWith("_bucket")) labels.add("le");
    if (family.type === "summary") labels.add("quantile");
    return labels;
  };
  const allLabels = new Set<string>();
  for (const name of refs.metrics) {
    const labels = labelsOf(name);
    if (!labels) problems.push(`unknown metric ${name}`);
    else for (const l of labels) allLabels.add(l);
  }
  for (const { metric, label } of refs.matchers) {
    const labels = metric === undefined ? allLabels : labelsOf(metric);
    if (labels && !labels.has(label)) problems.push(`${metric ?? "selector"} has no label ${label}`);
  }
  for (const label of refs.groupings) if (!allLabels.has(label)) problems.push(`no metric of the expression has label ${label} (grouping)`);
  return problems;
}
