/**
 * A real Prometheus (Debian package `prometheus`) on 127.0.0.1, with temporary storage, loads
 * deploy/prometheus/prometheus.yml (target and intervals changed for the test) and its rules,
 * scrapes a loopback server exposing the bot's metrics through the bot's own /metrics route and
 * HTTP metrics middleware, and is queried over its API: the target is up, bot metrics arrive
 * with their values, the rules load healthy, and BotTradingHalted fires for a halted bot.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metrics } from "../../src/metrics/index.ts";
import { httpMetrics } from "../../src/server/middleware/metrics.ts";
import { metricsRoutes } from "../../src/server/routes/metrics.ts";

const ROOT = join(import.meta.dirname, "../..");
const PROMETHEUS = Bun.which("prometheus");

interface PromConfig {
  global: Record<string, unknown>;
  rule_files: string[];
  alerting?: unknown;
  scrape_configs: { job_name: string; static_configs: { targets: string[]; labels?: Record<string, string> }[]; [k: string]: unknown }[];
}

/** deploy/prometheus/prometheus.yml pointed at `target`, 1 s intervals, rules by absolute path, no Alertmanager. */
function testConfig(target: string): PromConfig {
  const config = Bun.YAML.parse(readFileSync(join(ROOT, "deploy/prometheus/prometheus.yml"), "utf8")) as PromConfig;
  const bot = config.scrape_configs.find((s) => s.job_name === "bithumb-bot");
  if (!bot) throw new Error("prometheus.yml has no bithumb-bot job");
  bot.static_configs = [{ ...bot.static_configs[0]!, targets: [target] }];
  return {
    ...config,
    global: { ...config.global, scrape_interval: "1s", evaluation_interval: "1s", scrape_timeout: "1s" },
    rule_files: config.rule_files.map((f) => join(ROOT, "deploy/prometheus", f)),
    alerting: undefined,
    scrape_configs: [{ ...bot, scrape_timeout: "1s" }],
  };
}

/** A free loopback port (bound and released; Prometheus binds it right after). */
function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

let dir: string;
let bot: ReturnType<typeof Bun.serve>;
let prometheus: Subprocess<"ignore", "pipe", "pipe"> | undefined;
let api: string;
let metrics: Metrics;

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== "success") throw new Error(`query failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

beforeAll(async () => {
  if (!PROMETHEUS) throw new Error("prometheus not found: install the Debian package `prometheus` (apt-get install -y prometheus)");
  dir = mkdtempSync(join(tmpdir(), "prometheus-it-"));
  metrics = new Metrics({ labels: { mode: "sim" } });
  metrics.equityKrw.set(1_234_567);
  metrics.tradingHalted.set(1);
  metrics.marketDataAgeSeconds.set({ market: "KRW-BTC" }, 2);
  const app = new Hono();
  app.use(httpMetrics({ metrics }));
  app.route("/", metricsRoutes({ metrics }));
  bot = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });

  const port = freePort();
  api = `http://127.0.0.1:${port}`;
  const configFile = join(dir, "prometheus.yml");
  // JSON is YAML: no YAML writer needed.
  writeFileSync(configFile, JSON.stringify(testConfig(`127.0.0.1:${bot.port}`), null, 2));
  prometheus = Bun.spawn(
    [PROMETHEUS, `--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  await eventually("Prometheus ready", async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined));
});

afterAll(async () => {
  prometheus?.kill();
  await prometheus?.exited;
  await bot?.stop(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Prometheus scraping the bot", () => {
  it("sees the bot's target up", async () => {
    const target = await eventually("the target up", async () => {
      const res = await fetch(`${api}/api/v1/targets`);
      const body = (await res.json()) as { data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] } };
      const t = body.data.activeTargets.find((x) => x.labels.job === "bithumb-bot");
      return t?.health === "up" ? t : undefined;
    });
    expect(target.labels).toMatchObject({ job: "bithumb-bot", bot: "main", instance: `127.0.0.1:${bot.port}` });
    expect(target.lastError).toBe("");
  });

  it("stores bot metrics with their values and the bot's labels, including its own HTTP metrics", async () => {
    const equity = await eventually("bot_equity_krw", async () => ((await query("bot_equity_krw")).length > 0 ? query("bot_equity_krw") : undefined));
    expect(equity[0]!.metric).toMatchObject({ job: "bithumb-bot", mode: "sim", bot: "main" });
    expect(Number(equity[0]!.value[1])).toBe(1_234_567);
    const age = await query('bot_market_data_age_seconds{market="KRW-BTC"}');
    expect(Number(age[0]!.value[1])).toBe(2);
    // The scrapes themselves went through the middleware.
    const scrapes = await eventually("scrape requests counted", async () => {
      const r = await query('bot_http_requests_total{route="/metrics", method="GET", status="200"}');
      return r.length > 0 && Number(r[0]!.value[1]) >= 1 ? r : undefined;
    });
    expect(scrapes).toHaveLength(1);
  });

  it("loads every rule healthy and fires BotTradingHalted for a halted bot", async () => {
    const res = await fetch(`${api}/api/v1/rules?type=alert`);
    const body = (await res.json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules).toHaveLength(11);
    const firing = await eventually("BotTradingHalted firing", async () => {
      const alerts = (await (await fetch(`${api}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string>; state: string }[] } };
      return alerts.data.alerts.find((a) => a.labels.alertname === "BotTradingHalted" && a.state === "firing");
    });
    expect(firing.labels).toMatchObject({ severity: "critical", mode: "sim", job: "bithumb-bot" });
    const evaluated = (await (await fetch(`${api}/api/v1/rules?type=alert`)).json()) as typeof body;
    for (const rule of evaluated.data.groups.flatMap((g) => g.rules)) expect(rule.health, `${rule.name}: ${rule.lastError ?? ""}`).toBe("ok");
  });
});
