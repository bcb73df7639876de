import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblems, loadConfig } from "../../../src/config/load.ts";
import { LIVE_CONFIRM_PHRASE } from "../../../src/config/schema.ts";

const emptyDir = () => mkdtempSync(join(tmpdir(), "cfg-"));

describe("loadConfig", () => {
  it("defaults to sim mode with an embedded simulator and no settings at all", () => {
    const r = loadConfig({ env: {}, configDir: emptyDir(), cwd: "/tmp/x" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.mode).toBe("sim");
    expect(r.config.exchange.embeddedSim).toBe(true);
    expect(r.config.database.path).toBe("/tmp/x/data/bot.db");
    expect(r.config.server.host).toBe("127.0.0.1");
  });

  it("reports one line per bad field with name, value and what is allowed", () => {
    const r = loadConfig({ env: { TRADING_MODE: "yolo", PORT: "http", LOG_LEVEL: "loud" }, configDir: emptyDir() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = formatProblems(r.problems);
    const lines = text.split("\n");
    expect(lines).toHaveLength(3);
    expect(text).toContain('TRADING_MODE: received "yolo"; allowed: one of sim, paper, live');
    expect(text).toContain('PORT: received "http"; allowed: an integer from 0 to 65535');
    expect(text).toContain('LOG_LEVEL: received "loud"');
    expect(text).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it("refuses live mode without keys and the explicit opt-in, never echoing secrets", () => {
    const r = loadConfig({ env: { TRADING_MODE: "live", BITHUMB_SECRET_KEY: "super-secret-value", LIVE_TRADING_CONFIRM: "yes" }, configDir: emptyDir() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = formatProblems(r.problems);
    expect(text).toContain("BITHUMB_ACCESS_KEY");
    expect(text).toContain("LIVE_TRADING_CONFIRM");
    expect(text).not.toContain("super-secret-value");
    const ok = loadConfig({
      env: { TRADING_MODE: "live", BITHUMB_ACCESS_KEY: "ak-1234", BITHUMB_SECRET_KEY: "sk-1234", LIVE_TRADING_CONFIRM: LIVE_CONFIRM_PHRASE },
      configDir: emptyDir(),
    });
    expect(ok.ok).toBe(true);
  });

  it("needs both simulator URLs or neither", () => {
    const r = loadConfig({ env: { BITHUMB_REST_URL: "http://127.0.0.1:1234" }, configDir: emptyDir() });
    expect(r.ok).toBe(false);
    const both = loadConfig({ env: { BITHUMB_REST_URL: "http://127.0.0.1:1234", BITHUMB_WS_URL: "ws://127.0.0.1:1234/websocket/v1" }, configDir: emptyDir() });
    expect(both.ok && both.config.exchange.embeddedSim).toBe(false);
    expect(both.ok && both.config.exchange.wsPrivateUrl).toBe("ws://127.0.0.1:1234/websocket/v2/private");
  });

  it("checks the strategy, risk and runtime sections with their own schemas, every problem at once", () => {
    const dir = emptyDir();
    writeFileSync(join(dir, "default.json"), JSON.stringify({ strategy: { emaFast: 100, rsiMin: 500 }, risk: { maxRiskPerTrade: 0.2 }, runtime: { candleGraceMs: -1, bogus: true } }));
    const r = loadConfig({ env: {}, configDir: dir });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = formatProblems(r.problems);
    expect(text).toContain("configs:strategy.rsiMin: received 500");
    expect(text).toContain("configs:risk.maxRiskPerTrade: received 0.2; allowed: at most 5 %");
    expect(text).toContain("configs:runtime.candleGraceMs: received -1; allowed: a whole number of milliseconds from 0 to 60000");
    expect(text).toContain('configs:runtime: received unknown keys; allowed: no key "bogus"');
    const ok = loadConfig({ env: {}, configDir: emptyDir() });
    expect(ok.ok && ok.config.runtime.maxConcurrentSubmits).toBe(4);
    expect(ok.ok && ok.config.strategy.emaFast).toBe(20);
  });

  it("merges default.json, <mode>.json and rejects unknown keys in files", () => {
    const dir = emptyDir();
    writeFileSync(join(dir, "default.json"), JSON.stringify({ interval: "1h", markets: ["KRW-BTC"] }));
    writeFileSync(join(dir, "sim.json"), JSON.stringify({ interval: "1m" }));
    const r = loadConfig({ env: {}, configDir: dir });
    expect(r.ok && r.config.trading.interval).toBe("1m");
    expect(r.ok && r.config.trading.markets).toEqual(["KRW-BTC"]);
    writeFileSync(join(dir, "sim.json"), JSON.stringify({ intervall: "1m", markets: ["btc"] }));
    const bad = loadConfig({ env: {}, configDir: dir });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(formatProblems(bad.problems)).toMatch(/configs:markets\.0: received "btc"/);
  });
});
