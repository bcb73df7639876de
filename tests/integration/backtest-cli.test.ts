import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getBacktestRun, listBacktestRuns, openDb } from "../../src/db/index.ts";
import { readCandlesPlain, runClassicReference } from "../reference/classic.ts";

/**
 * `bun run backtest` and `bun run optimize` as a user runs them: subprocesses, real files, a real
 * SQLite file, exit codes and output checked from outside.
 */
const ROOT = join(import.meta.dirname, "../..");
const BTC = join(ROOT, "data/candles/upbit-KRW-BTC-1h.csv.gz");
const dir = mkdtempSync(join(tmpdir(), "backtest-cli-"));
const dbPath = join(dir, "bot.db");

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(script: "backtest" | "optimize", args: readonly string[]): Promise<Outcome> {
  const proc = Bun.spawn([process.execPath, "run", join(ROOT, `src/cli/${script}.ts`), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_PATH: dbPath },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("bun run backtest", () => {
  it("runs classic on KRW-BTC: the reference's trades in --json, a report, a summary, and the run stored in SQLite", async () => {
    const json = join(dir, "btc.json");
    const report = join(dir, "btc.html");
    const r = await cli("backtest", ["--data", BTC, "--preset", "classic", "--json", json, "--report", report]);
    expect(r.stderr).toMatch(/data: .*KRW-BTC 1h, 26261 candles/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Backtest classic on KRW-BTC \(1h, 26,261 candles/);
    expect(r.stdout).toMatch(/trades\s+90 \(stop 51, signal 39\)/);
    expect(r.stdout).toMatch(/stored\s+run #\d+/);

    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(Object.keys(doc)).toEqual(["metrics", "trades", "equity"]);
    expect(Object.keys(doc.metrics).slice(0, 10)).toEqual(["trades", "finalEquity", "totalReturn", "cagr", "maxDrawdown", "sharpe", "sortino", "calmar", "winRate", "profitFactor"]);
    expect(Object.keys(doc.trades[0])).toEqual(["market", "entryTs", "entryPrice", "exitTs", "exitPrice", "qty", "fee", "pnl", "exitReason"]);
    const ref = runClassicReference(readCandlesPlain(BTC), "KRW-BTC");
    expect(doc.trades).toEqual(ref.trades);
    expect(doc.equity).toEqual(ref.equity);
    expect(doc.metrics).toMatchObject(ref.metrics);

    const html = readFileSync(report, "utf8");
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain("KRW-BTC");

    const db = openDb({ path: dbPath });
    try {
      const row = listBacktestRuns(db.db).find((x) => x.reportPath === report)!;
      expect(row).toMatchObject({ kind: "backtest", status: "done", interval: "1h", fromTs: 1640995200000, toTs: 1735686000000 });
      expect(JSON.parse(row.markets)).toEqual(["KRW-BTC"]);
      expect(row.dataFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(JSON.parse(row.metrics!).finalEquity).toBe(ref.metrics.finalEquity);
      expect(JSON.parse(row.params).preset).toBe("classic");
      expect(getBacktestRun(db.db, row.id)?.id).toBe(row.id);
    } finally {
      db.close();
    }
  });

  it("writes byte-identical JSON on a second run", async () => {
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    const params = file("params.json", { preset: "default", risk: { maxPositions: 2 } });
    expect((await cli("backtest", ["--data", BTC, "--data", join(ROOT, "data/candles/upbit-KRW-ETH-1h.csv.gz"), "--params", params, "--json", a, "--no-store"])).code).toBe(0);
    expect((await cli("backtest", ["--data", join(ROOT, "data/candles/upbit-KRW-ETH-1h.csv.gz"), "--data", BTC, "--params", params, "--json", b, "--no-store"])).code).toBe(0);
    expect(readFileSync(b, "utf8")).toBe(readFileSync(a, "utf8"));
  });

  it("trades only [--from, --to), warmed up on the candles before, and stores that span", async () => {
    const json = join(dir, "window.json");
    const r = await cli("backtest", ["--data", BTC, "--preset", "classic", "--from", "2024-01-01", "--to", "2024-07-01T09:00+09:00", "--json", json]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/data: window 2024-01-01T00:00:00Z to 2024-07-01T00:00:00Z \(exclusive\), after 305 warm-up candles; data sha256:[0-9a-f]{64}/);
    expect(r.stdout).toMatch(/Backtest classic on KRW-BTC \(1h, 4,362 candles, 2024-01-01 00:00 to 2024-06-30 23:00 UTC\)/);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.equity[0]).toEqual([Date.UTC(2024, 0, 1), 10_000_000]);
    expect(doc.equity.at(-1)[0]).toBe(Date.UTC(2024, 5, 30, 23));
    for (const t of doc.trades) expect(t.entryTs).toBeGreaterThanOrEqual(Date.UTC(2024, 0, 1));
    const db = openDb({ path: dbPath });
    try {
      const id = Number(/run #(\d+)/.exec(r.stdout)![1]);
      expect(getBacktestRun(db.db, id)).toMatchObject({ fromTs: Date.UTC(2024, 0, 1), toTs: Date.UTC(2024, 5, 30, 23) });
    } finally {
      db.close();
    }
    const empty = await cli("backtest", ["--data", BTC, "--from", "2030-01-01", "--no-store"]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no KRW-BTC candle from 2030-01-01T00:00:00Z to the end \(the file has 2022-01-01T00:00:00Z to 2024-12-31T23:00:00Z\)/);
    const reversed = await cli("backtest", ["--data", BTC, "--from", "2024-02-01", "--to", "2024-01-01", "--no-store"]);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toMatch(/--to \(2024-01-01\) must be later than --from \(2024-02-01\)/);
  });

  it("draws the progress line only when asked (stderr is not a TTY here)", async () => {
    const quiet = await cli("backtest", ["--data", BTC, "--preset", "classic", "--no-store"]);
    expect(quiet.stderr).not.toContain("\r");
    const loud = await cli("backtest", ["--data", BTC, "--preset", "classic", "--no-store", "--progress"]);
    // Not a terminal: whole lines, no carriage returns; the last one with the rate and the time taken.
    expect(loud.stderr).not.toContain("\r");
    expect(loud.stderr).toMatch(/^backtest {2}\[#{24}\] {2}100% {2}26261\/26261 {2}[\d.]+ [Mk]? ?candles\/s {2}took \d+:\d\d$/m);
  });

  it("exits 2 with a clear message for a missing file, bad parameters, an unknown preset or flag", async () => {
    const missing = await cli("backtest", ["--data", join(dir, "KRW-BTC-nope.csv")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/backtest: .*KRW-BTC-nope\.csv: cannot read: no such file/);

    const bad = await cli("backtest", ["--data", BTC, "--params", file("bad.json", { strategy: { emaFast: 0, rsiMax: 120 } })]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid parameters:\n {2}strategy\.emaFast: .*\n {2}strategy\.rsiMax: /);

    const notJson = await cli("backtest", ["--data", BTC, "--params", file("broken.json", "{ nope")]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/broken\.json: not valid JSON/);

    const preset = await cli("backtest", ["--data", BTC, "--preset", "yolo"]);
    expect(preset.code).toBe(2);
    expect(preset.stderr).toMatch(/unknown preset "yolo" \(one of default, classic\)/);

    const flag = await cli("backtest", ["--data", BTC, "--frobnicate"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/usage: bun run backtest/);

    const noData = await cli("backtest", []);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/--data FILE is required/);

    const garbage = await cli("backtest", ["--data", file("upbit-KRW-BTC-1h.csv", "ts,open,high,low,close,volume\n")]);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/upbit-KRW-BTC-1h\.csv: /);
  });

  it("compares two parameter sets with a bootstrap interval and stores the comparison", async () => {
    const r = await cli("backtest", ["--data", BTC, "--preset", "classic", "--compare", "default", "--bootstrap", "300", "--seed", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/classic\s+default/);
    expect(r.stdout).toMatch(/total return A - B: .*95% CI .* 300 resamples/);
    const db = openDb({ path: dbPath });
    try {
      const row = listBacktestRuns(db.db).find((x) => x.kind === "compare")!;
      expect(JSON.parse(row.metrics!).difference.resamples).toBe(300);
    } finally {
      db.close();
    }
  });
});

describe("bun run optimize", () => {
  it("ranks a grid by out-of-sample score on worker threads, writes --json and stores the run", async () => {
    const space = file("space.json", { preset: "classic", parameters: { "strategy.emaFast": [10, 20], "strategy.stopLoss.atrMultiple": [2, 3] } });
    const out = join(dir, "opt.json");
    const r = await cli("optimize", ["--data", BTC, "--space", space, "--folds", "2", "--workers", "2", "--json", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/grid search, 4 candidates, 2 rolling walk-forward folds, ranked by mean out-of-sample sharpe/);
    expect(r.stdout).toMatch(/rank\s+OOS sharpe\s+IS sharpe/);
    expect(r.stdout).toMatch(/walk-forward \(choose the in-sample best each fold\)/);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.ranking).toHaveLength(4);
    expect(doc.best.params.strategy.emaFast).toBe(doc.ranking[0].values["strategy.emaFast"]);
    const db = openDb({ path: dbPath });
    try {
      const row = listBacktestRuns(db.db).find((x) => x.kind === "optimize")!;
      expect(JSON.parse(row.metrics!).top).toHaveLength(4);
      expect(JSON.parse(row.params).folds).toBe(2);
    } finally {
      db.close();
    }
  });

  it("exits 2 on a bad space file", async () => {
    const r = await cli("optimize", ["--data", BTC, "--space", file("bad-space.json", { parameters: { emaFast: [1] } })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/parameters\.emaFast: a dotted path/);
  });
});
