import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type MetricFamilyInfo, Metrics } from "../../../src/metrics/index.ts";
import { checkExpression } from "./promql.ts";

/**
 * The alert rules and docs/monitoring.md kept in step with the code: every rule queries metrics
 * and labels that exist, carries a severity and the three annotations, links a runbook section
 * that exists, and has a promtool test file that checks it both firing and not firing; every
 * metric family is documented with its real type and labels. (promtool itself runs in
 * tests/integration/promtool-rules.test.ts.)
 */

const ROOT = join(import.meta.dirname, "../../..");
const families: ReadonlyMap<string, MetricFamilyInfo> = new Map(new Metrics().families().map((f) => [f.name, f]));
const docs = readFileSync(join(ROOT, "docs/monitoring.md"), "utf8");

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
const ruleFile = Bun.YAML.parse(readFileSync(join(ROOT, "deploy/prometheus/rules/bot.rules.yml"), "utf8")) as { groups: { name: string; rules: Rule[] }[] };
const rules = ruleFile.groups.flatMap((g) => g.rules);

interface RuleTestFile {
  readonly rule_files: string[];
  readonly tests: { readonly alert_rule_test?: { readonly alertname: string; readonly exp_alerts: unknown[] | null }[] }[];
}

describe("alert rules", () => {
  it("cover the alerts issue 6 asks for", () => {
    const names = rules.map((r) => r.alert);
    for (const required of ["BotDown", "BotTradingHalted", "BotRestartStorm", "BotMarketDataStale", "BotDrawdownLimit", "BotReconciliationMismatch"]) expect(names).toContain(required);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(rules.map((r) => [r.alert, r] as const))("%s queries only existing metrics and labels", (_, rule) => {
    expect(checkExpression(rule.expr, families)).toEqual([]);
  });

  it.each(rules.map((r) => [r.alert, r] as const))("%s has a severity, a summary, a description and a runbook that exists", (_, rule) => {
    expect(["critical", "warning"]).toContain(rule.labels.severity);
    expect(rule.annotations.summary).toMatch(/\S/);
    expect(rule.annotations.description).toMatch(/\S/);
    expect(rule.annotations.runbook_url).toBe(`docs/monitoring.md#${rule.alert.toLowerCase()}`);
    expect(docs).toContain(`\n### ${rule.alert}\n`);
  });

  it.each(rules.map((r) => [r.alert] as const))("%s has a promtool test that fires it and one that does not", (alert) => {
    const path = join(ROOT, "deploy/prometheus/tests", `${alert}.yml`);
    expect(existsSync(path), path).toBe(true);
    const file = Bun.YAML.parse(readFileSync(path, "utf8")) as RuleTestFile;
    expect(file.rule_files).toEqual(["../rules/bot.rules.yml"]);
    const checks = file.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === alert);
    expect(checks.some((c) => (c.exp_alerts ?? []).length > 0), "a firing case").toBe(true);
    expect(checks.some((c) => (c.exp_alerts ?? []).length === 0), "a silent case").toBe(true);
  });
});

describe("docs/monitoring.md", () => {
  /** `| \`name\` | type | labels | ...` rows of the metric tables. */
  const rows = new Map(
    [...docs.matchAll(/^\| `(bot_[a-z0-9_]+)` \| (\w+) \| ([^|]*) \|/gm)].map((m) => [m[1]!, { type: m[2]!, labels: [...m[3]!.matchAll(/`([a-z_]+)`/g)].map((l) => l[1]!) }]),
  );

  it("documents every bot metric family with its real type and labels", () => {
    const bot = [...families.values()].filter((f) => f.name.startsWith("bot_"));
    expect(bot.length).toBeGreaterThanOrEqual(30);
    for (const family of bot) {
      const row = rows.get(family.name);
      expect(row, family.name).toBeDefined();
      expect(row!.type, family.name).toBe(family.type);
      expect(row!.labels, family.name).toEqual([...family.labelNames]);
    }
  });

  it("documents no metric that does not exist", () => {
    for (const name of rows.keys()) expect(families.has(name), name).toBe(true);
  });
});
