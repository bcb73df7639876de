import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type MetricFamilyInfo, Metrics } from "../../../src/metrics/index.ts";
import { checkExpression, promqlReferences } from "./promql.ts";

/**
 * The Grafana files under deploy/grafana: the dashboard parses, its layout is sound, and every
 * PromQL expression in it refers only to metrics (and labels) the bot's registry has, so a
 * renamed metric cannot leave a silently empty panel. Also: every bot metric family has a panel.
 */

const ROOT = join(import.meta.dirname, "../../..");
const GRAFANA = join(ROOT, "deploy/grafana");
const families: ReadonlyMap<string, MetricFamilyInfo> = new Map(new Metrics().families().map((f) => [f.name, f]));

interface Target {
  readonly expr: string;
  readonly refId: string;
  readonly datasource?: { readonly type: string; readonly uid: string };
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly Target[];
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly panels?: readonly Panel[];
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly { readonly name: string; readonly type: string; readonly query?: unknown; readonly current?: { readonly value?: unknown } }[] };
  readonly annotations: { readonly list: readonly { readonly expr?: string; readonly name: string }[] };
}

const dashboardFiles = readdirSync(join(GRAFANA, "dashboards")).filter((f) => f.endsWith(".json"));
const dashboard = JSON.parse(readFileSync(join(GRAFANA, "dashboards", "bithumb-bot.json"), "utf8")) as Dashboard;
const allPanels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = allPanels.filter((p) => p.type !== "row");
const expressions = [
  ...queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr }))),
  ...dashboard.annotations.list.filter((a) => a.expr).map((a) => ({ where: `annotation "${a.name}"`, expr: a.expr! })),
];

describe("the Grafana dashboard", () => {
  it("is the only dashboard, parses, and has a stable uid, a title and a recent schema", () => {
    expect(dashboardFiles).toEqual(["bithumb-bot.json"]);
    expect(dashboard.uid).toBe("bithumb-bot");
    expect(dashboard.title.length).toBeGreaterThan(0);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
  });

  it("has unique panel ids, titled panels, and a layout inside 24 columns without overlaps", () => {
    const ids = allPanels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of allPanels) {
      expect(p.title, `panel ${p.id}`).toMatch(/\S/);
      const { x, y, w, h } = p.gridPos;
      expect(x >= 0 && w >= 1 && x + w <= 24 && h >= 1 && y >= 0, `${p.title} at ${JSON.stringify(p.gridPos)}`).toBe(true);
      for (let cx = x; cx < x + w; cx++) {
        for (let cy = y; cy < y + h; cy++) {
          const cell = `${cx},${cy}`;
          expect(cells.has(cell), `${p.title} overlaps another panel at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
    }
  });

  it("queries the Prometheus data source chosen by the $datasource variable, default the provisioned one", () => {
    const variable = dashboard.templating.list.find((v) => v.name === "datasource");
    expect(variable).toMatchObject({ type: "datasource", query: "prometheus", current: { value: "bithumb-bot-prometheus" } });
    for (const p of queryPanels) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, `${p.title} ${t.refId}`).toBe("${datasource}");
    }
  });

  it("refers only to metrics and labels that exist in the bot's registry", () => {
    expect(expressions.length).toBeGreaterThanOrEqual(40);
    const problems = expressions.flatMap(({ where, expr }) => checkExpression(expr, families).map((p) => `${where}: ${p}`));
    expect(problems).toEqual([]);
  });

  it("filters every query by the $instance variable", () => {
    for (const { where, expr } of expressions) {
      const { metrics, matchers } = promqlReferences(expr);
      const filtered = matchers.filter((m) => m.label === "instance").map((m) => m.metric);
      for (const metric of metrics) expect(filtered, `${where}: ${metric}`).toContain(metric);
    }
  });

  it("shows every bot metric family", () => {
    const used = new Set(expressions.flatMap(({ expr }) => promqlReferences(expr).metrics).map((m) => m.replace(/_(bucket|sum|count)$/, "")));
    const missing = [...families.keys()].filter((name) => name.startsWith("bot_") && !used.has(name));
    expect(missing).toEqual([]);
  });
});

describe("the PromQL check itself", () => {
  it("finds metrics, matcher labels and grouping labels, skipping functions, strings and durations", () => {
    const refs = promqlReferences('histogram_quantile(0.99, sum by (le, endpoint) (rate(bot_exchange_request_duration_seconds_bucket{instance=~"$instance", method="GET"}[$__rate_interval]))) > 0.5 and on (job) up{job="bithumb-bot"} offset 5m');
    expect(refs.metrics).toEqual(["bot_exchange_request_duration_seconds_bucket", "up"]);
    expect(refs.matchers).toEqual([
      { metric: "bot_exchange_request_duration_seconds_bucket", label: "instance" },
      { metric: "bot_exchange_request_duration_seconds_bucket", label: "method" },
      { metric: "up", label: "job" },
    ]);
    expect(refs.groupings).toEqual(["le", "endpoint", "job"]);
  });

  it("reports unknown metrics, unknown labels and a suffix on a non-histogram", () => {
    expect(checkExpression("sum by (market) (rate(bot_no_such_total[5m]))", families)).toEqual(["unknown metric bot_no_such_total", "no metric of the expression has label market (grouping)"]);
    expect(checkExpression('bot_equity_krw{market="KRW-BTC"}', families)).toEqual(["bot_equity_krw has no label market"]);
    expect(checkExpression("bot_orders_total_count", families)).toEqual(["unknown metric bot_orders_total_count"]);
    expect(checkExpression('bot_orders_total{state="filled"} + on (market) bot_fills_total', families)).toEqual([]);
  });
});

describe("Grafana provisioning", () => {
  it("provides the Prometheus data source with the uid the dashboard defaults to", () => {
    const file = Bun.YAML.parse(readFileSync(join(GRAFANA, "provisioning/datasources/prometheus.yml"), "utf8")) as { apiVersion: number; datasources: Record<string, unknown>[] };
    expect(file.apiVersion).toBe(1);
    expect(file.datasources).toHaveLength(1);
    expect(file.datasources[0]).toMatchObject({ uid: "bithumb-bot-prometheus", type: "prometheus", access: "proxy", url: "http://127.0.0.1:9090" });
  });

  it("has a file provider for the dashboards folder", () => {
    const file = Bun.YAML.parse(readFileSync(join(GRAFANA, "provisioning/dashboards/bithumb-bot.yml"), "utf8")) as { apiVersion: number; providers: { type: string; options: { path: string } }[] };
    expect(file.apiVersion).toBe(1);
    expect(file.providers).toHaveLength(1);
    expect(file.providers[0]!.type).toBe("file");
    expect(file.providers[0]!.options.path).toMatch(/^\/.+/);
  });
});
