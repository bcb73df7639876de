/**
 * `GET /metrics` as Prometheus sees it: the bot's app served over a real loopback socket, every
 * metric family given samples, the exposition checked by `promtool check metrics` (Debian package
 * `prometheus`; `.ci/run` installs it) and by the naming scheme of src/metrics/index.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Counter, Gauge, Histogram, Summary, type Metric } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/clock/simulated.ts";
import { openDb, type DbHandle } from "../../src/db/index.ts";
import { silentLogger } from "../../src/log.ts";
import { Metrics } from "../../src/metrics/index.ts";
import { createApp, startServer, type RunningServer } from "../../src/server/index.ts";
import { FakeControl } from "../unit/server/support.ts";

const PROMTOOL = Bun.which("promtool");

/** Run `promtool check metrics` on an exposition text; exit code and output. */
function promtoolCheck(dir: string, name: string, text: string): { exitCode: number; output: string } {
  if (!PROMTOOL) throw new Error("promtool not found: install the Debian package `prometheus` (apt-get install -y prometheus)");
  const file = join(dir, name);
  writeFileSync(file, text);
  const proc = Bun.spawnSync([PROMTOOL, "check", "metrics"], { stdin: Bun.file(file), stdout: "pipe", stderr: "pipe" });
  return { exitCode: proc.exitCode, output: proc.stdout.toString() + proc.stderr.toString() };
}

/** One sample in every label set shape of every bot metric, so no family is exposed empty. */
function sampleEveryBotMetric(metrics: Metrics): string[] {
  const names: string[] = [];
  for (const metric of metrics.registry.getMetricsAsArray() as unknown as Metric<string>[]) {
    const name = (metric as unknown as { name: string }).name;
    if (!name.startsWith("bot_")) continue;
    names.push(name);
    const labelNames = (metric as unknown as { labelNames: string[] }).labelNames;
    const labels = Object.fromEntries(labelNames.map((l) => [l, l === "market" ? "KRW-BTC" : `test_${l}`]));
    if (metric instanceof Counter) metric.inc(labels, 2);
    else if (metric instanceof Gauge) metric.set(labels, 1.5);
    else if (metric instanceof Histogram) metric.observe(labels, 0.042);
    else if (metric instanceof Summary) metric.observe(labels, 0.042);
    else throw new Error(`unexpected metric kind for ${name}`);
  }
  return names;
}

/** `# TYPE name kind` lines of an exposition. */
function families(text: string): { name: string; kind: string }[] {
  return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, kind: m[2]! }));
}

let dir: string;
let handle: DbHandle;
let server: RunningServer;
let botMetricNames: string[];
let exposition: string;
let contentType: string | null;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "promtool-"));
  handle = openDb({ path: join(dir, "bot.db") });
  // As in production: default process metrics on, plus the bot's own.
  const metrics = new Metrics({ labels: { app: "bithumb-bot" } });
  botMetricNames = sampleEveryBotMetric(metrics);
  const app = createApp({ control: new FakeControl(), db: handle.db, metrics, clock: new SimulatedClock(0), logger: silentLogger(), apiToken: "promtool-test-token-0123456789" });
  server = startServer({ app, logger: silentLogger(), host: "127.0.0.1", port: 0 });
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  contentType = res.headers.get("content-type");
  exposition = await res.text();
});

afterAll(async () => {
  await server?.stop();
  handle?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /metrics", () => {
  it("is served as Prometheus text 0.0.4 with every bot family carrying samples", () => {
    expect(contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(botMetricNames.length).toBeGreaterThanOrEqual(20);
    const exposed = new Set(families(exposition).map((f) => f.name));
    for (const name of botMetricNames) {
      expect(exposed.has(name), name).toBe(true);
      expect(exposition, name).toMatch(new RegExp(`^${name}(_bucket|_sum|_count)?\\{[^}]*app="bithumb-bot"[^}]*\\} [0-9.e+-]+$`, "m"));
    }
  });

  it("passes `promtool check metrics` with exit code 0", () => {
    const { exitCode, output } = promtoolCheck(dir, "metrics.txt", exposition);
    expect(output.trim()).toBe("");
    expect(exitCode).toBe(0);
  });

  it("(the check is real: promtool fails a gauge that ends in _total)", () => {
    const bad = "# HELP bot_bad_total x\n# TYPE bot_bad_total gauge\nbot_bad_total 1\n";
    const { exitCode, output } = promtoolCheck(dir, "bad.txt", bad);
    expect(exitCode).not.toBe(0);
    expect(output).toContain("_total");
  });

  it("follows the naming scheme: bot_ prefix, base units, _total only on counters", () => {
    const all = families(exposition);
    // Everything that is not the bot's own is prom-client's default process/runtime collector.
    for (const { name } of all) expect(name, name).toMatch(/^(bot_|process_|nodejs_)/);
    for (const { name, kind } of all) {
      expect(name.endsWith("_total"), `${name} (${kind})`).toBe(kind === "counter");
    }
    // Base units only: seconds not milliseconds, bytes not kilobytes, ratios not percentages.
    const nonBase = /_(milliseconds|millis|ms|microseconds|us|nanoseconds|ns|minutes|hours|days|kilobytes|kb|megabytes|mb|percent|pct)(_|$)/;
    for (const { name } of all) expect(name, name).not.toMatch(nonBase);
    for (const { name, kind } of all.filter((f) => f.name.startsWith("bot_"))) {
      expect(name, name).toMatch(/^bot_[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      // A distribution is always of something measured: it names its unit.
      if (kind === "histogram" || kind === "summary") expect(name, name).toMatch(/_(seconds|bytes|krw|ratio)$/);
    }
  });
});
