/**
 * deploy/prometheus as promtool sees it (Debian package `prometheus`; `.ci/run` installs it):
 * the scrape config and the alert rules pass `promtool check`, and every rule's unit tests in
 * deploy/prometheus/tests pass `promtool test rules`. A deliberately wrong expectation must fail,
 * so a runner that silently passes everything would be caught.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const PROM = join(ROOT, "deploy/prometheus");
const PROMTOOL = Bun.which("promtool");
const scratch = mkdtempSync(join(tmpdir(), "promtool-rules-"));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function promtool(...args: string[]): { exitCode: number; output: string } {
  if (!PROMTOOL) throw new Error("promtool not found: install the Debian package `prometheus` (apt-get install -y prometheus)");
  const proc = Bun.spawnSync([PROMTOOL, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return { exitCode: proc.exitCode, output: proc.stdout.toString() + proc.stderr.toString() };
}

const testFiles = readdirSync(join(PROM, "tests"))
  .filter((f) => f.endsWith(".yml"))
  .map((f) => join("deploy/prometheus/tests", f));

describe("promtool", () => {
  it("check rules: the rule file is valid and lint-clean", () => {
    const { exitCode, output } = promtool("check", "rules", "deploy/prometheus/rules/bot.rules.yml");
    expect(output).toContain("SUCCESS: 11 rules found");
    expect(output).not.toMatch(/WARNING|FAILED/);
    expect(exitCode).toBe(0);
  });

  it("check config: the scrape config is valid and finds the rule file", () => {
    const { exitCode, output } = promtool("check", "config", "deploy/prometheus/prometheus.yml");
    expect(output).toContain("SUCCESS: 1 rule files found");
    expect(output).not.toMatch(/WARNING|FAILED/);
    expect(exitCode).toBe(0);
  });

  it("test rules: every alert's tests pass", () => {
    expect(testFiles.length).toBe(11);
    const { exitCode, output } = promtool("test", "rules", ...testFiles);
    expect(output).not.toContain("FAILED");
    expect(output.match(/SUCCESS/g)?.length).toBe(testFiles.length);
    expect(exitCode).toBe(0);
  });

  it("(the test run is real: a wrong expected label fails it)", () => {
    const original = readFileSync(join(PROM, "tests/BotTradingHalted.yml"), "utf8");
    const broken = original.replace("severity: critical", "severity: warning").replace("../rules/bot.rules.yml", join(PROM, "rules/bot.rules.yml"));
    expect(broken).not.toBe(original);
    const file = join(scratch, "broken.yml");
    writeFileSync(file, broken);
    const { exitCode, output } = promtool("test", "rules", file);
    expect(output).toContain("FAILED");
    expect(exitCode).not.toBe(0);
  });
});
