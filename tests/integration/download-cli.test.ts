/**
 * The candle downloader against the exchange simulator over real sockets: as a function call with
 * the real REST client, and as `bun run src/cli/download.ts` subprocesses. The simulator's replay
 * clock is frozen (SimulatedClock) half-way through an hour, so its newest 1m and 1h candles are
 * still forming. Expected candles come from the simulator's own source data
 * (`data/candles/upbit-KRW-BTC-1m.csv.gz`), folded into hours here, independently of src/.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isRowDefect, readCandleCsvFile, seriesToCandles } from "../../src/backtest/data/index.ts";
import { downloadCandles, openCsvCandleStore, sqliteCandleStore, type DownloadOptions } from "../../src/backtest/download/index.ts";
import { SimulatedClock } from "../../src/clock/simulated.ts";
import { SystemClock } from "../../src/clock/system.ts";
import type { Candle, Interval } from "../../src/core/model.ts";
import { loadCandles, openDb } from "../../src/db/index.ts";
import { BithumbRestClient } from "../../src/exchange/bithumb/index.ts";
import { NO_FAULTS, type SimulatorHandle, startSimulator } from "../../src/exchange/sim/index.ts";

const NOW = Date.parse("2025-10-01T00:30:20Z");
const DATA_START = Date.parse("2025-09-01T00:00:00Z");
const MINUTE = 60_000;
const HOUR = 3_600_000;
const REPO = join(import.meta.dirname, "..", "..");

let sim: SimulatorHandle;
let simClock: SimulatedClock;
let sourceMinutes: Candle[];
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 5, markets: ["KRW-BTC"], startAt: NOW, clock: (t) => (simClock = new SimulatedClock(t)) });
  sourceMinutes = seriesToCandles((await readCandleCsvFile(join(REPO, "data/candles/upbit-KRW-BTC-1m.csv.gz"), { interval: "1m" })).series);
  dir = mkdtempSync(join(tmpdir(), "download-it-"));
});

afterAll(async () => {
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await sim.admin.setFaults(NO_FAULTS);
});

/** The closed candles of `interval` (1m or 1h) in [from, to) at simulated time `now`, folded from the source minutes. */
function expected(interval: "1m" | "1h", from: number, to: number, now = simClock.now()): Candle[] {
  const len = interval === "1m" ? MINUTE : HOUR;
  const out: Candle[] = [];
  for (const m of sourceMinutes) {
    const ts = Math.floor(m.ts / len) * len;
    if (ts < from || ts >= to || ts + len > now) continue;
    const last = out[out.length - 1];
    if (last?.ts === ts) out[out.length - 1] = { ...last, high: Math.max(last.high, m.high), low: Math.min(last.low, m.low), close: m.close, volume: last.volume + m.volume };
    else out.push({ ...m, ts });
  }
  return out;
}

/** Equal prices and times; volumes to float-summation accuracy (the simulator sums 1e-8 units). */
function expectSameCandles(actual: readonly Candle[], wanted: readonly Candle[]): void {
  expect(actual.map((c) => [c.ts, c.open, c.high, c.low, c.close])).toEqual(wanted.map((c) => [c.ts, c.open, c.high, c.low, c.close]));
  actual.forEach((c, i) => expect(Math.abs(c.volume - wanted[i]!.volume)).toBeLessThan(1e-9 * Math.max(1, wanted[i]!.volume)));
}

function client(): BithumbRestClient {
  return new BithumbRestClient({ baseUrl: sim.restUrl, clock: new SystemClock(), timeoutMs: 5_000, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 50 } });
}

function download(store: DownloadOptions["store"], interval: Interval, over: Partial<DownloadOptions> = {}) {
  return downloadCandles({ source: client(), store, clock: new SystemClock(), market: "KRW-BTC", interval, from: DATA_START, retry: { maxRetries: 5, baseDelayMs: 10, maxDelayMs: 100 }, ...over });
}

async function csvCandles(path: string, interval: Interval): Promise<Candle[]> {
  const read = await readCandleCsvFile(path, { market: "KRW-BTC", interval });
  expect(read.issues.filter((i) => isRowDefect(i.kind))).toEqual([]);
  return seriesToCandles(read.series);
}

describe("downloadCandles with the REST client against the simulator", () => {
  it("downloads the simulator's whole hourly history into SQLite, equal to its source data, without the forming hour", async () => {
    const db = openDb({ path: ":memory:" });
    const result = await download(sqliteCandleStore({ db: db.db, market: "KRW-BTC", interval: "1h" }), "1h", { from: Date.parse("2025-08-01") });
    const stored = loadCandles(db.db, "KRW-BTC", "1h");
    db.close();
    expectSameCandles(stored, expected("1h", DATA_START, NOW));
    expect(stored.length).toBe(30 * 24);
    expect(result).toMatchObject({ completed: true, endIsExchangeTime: true, end: NOW, formingSkipped: 1, gaps: [], defects: [], duplicates: [] });
  });

  it("downloads one-minute candles exactly, reporting the source's two gaps", async () => {
    const path = join(dir, "minutes.csv");
    const to = Date.parse("2025-09-08T00:00:00Z");
    const result = await download(openCsvCandleStore(path, "KRW-BTC", "1m"), "1m", { from: Date.parse("2025-09-03T00:00:00Z"), to });
    expectSameCandles(await csvCandles(path, "1m"), expected("1m", Date.parse("2025-09-03T00:00:00Z"), to));
    expect(result.gaps.map((g) => g.message)).toEqual([
      "1 missing candle between 2025-09-03T19:24:00Z and 2025-09-03T19:26:00Z",
      "1 missing candle between 2025-09-07T18:19:00Z and 2025-09-07T18:21:00Z",
    ]);
    expect(result.requests).toBe(1 + Math.ceil((5 * 1440) / 200));
  });

  it("resumes after an abort without refetching or duplicating, then picks up candles closed since", async () => {
    const db = openDb({ path: join(dir, "resume.db") });
    const store = sqliteCandleStore({ db: db.db, market: "KRW-BTC", interval: "1m" });
    const from = Date.parse("2025-09-29T00:00:00Z");
    const controller = new AbortController();
    const first = await download(store, "1m", { from, signal: controller.signal, onProgress: (p) => p.done === 4 && controller.abort() });
    expect(first.completed).toBe(false);
    const partial = loadCandles(db.db, "KRW-BTC", "1m", { limit: 1_000_000 });
    expect(partial.length).toBe(first.stored);
    expectSameCandles(partial, expected("1m", from, partial[partial.length - 1]!.ts + 1));

    const second = await download(store, "1m", { from });
    expect(second.completed).toBe(true);
    expect(second.alreadyStored).toBe(first.stored);
    expect(second.requests).toBe(1 + Math.ceil((NOW - (partial[partial.length - 1]!.ts + MINUTE)) / (200 * MINUTE)));
    expectSameCandles(loadCandles(db.db, "KRW-BTC", "1m", { limit: 1_000_000 }), expected("1m", from, NOW));

    simClock.advance(2 * HOUR);
    try {
      const third = await download(store, "1m", { from });
      expect(third.stored).toBe(120);
      expectSameCandles(loadCandles(db.db, "KRW-BTC", "1m", { limit: 1_000_000 }), expected("1m", from, NOW + 2 * HOUR, NOW + 2 * HOUR));
    } finally {
      db.close();
    }
  });

  it("completes through injected 429s, honouring Retry-After", async () => {
    await sim.admin.setFaults({ fail429Rate: 0.3, retryAfterSeconds: 0.02 });
    const rest = client();
    const path = join(dir, "throttled.csv");
    const result = await downloadCandles({
      source: rest,
      store: openCsvCandleStore(path, "KRW-BTC", "1h"),
      clock: new SystemClock(),
      market: "KRW-BTC",
      interval: "1h",
      from: DATA_START,
      to: Date.parse("2025-09-25"),
      retry: { maxRetries: 10, baseDelayMs: 10, maxDelayMs: 100 },
    });
    expect(result.completed).toBe(true);
    expect(Object.values(rest.rateLimiter.stats()).reduce((n, g) => n + g.throttled, 0)).toBeGreaterThan(0);
    expectSameCandles(await csvCandles(path, "1h"), expected("1h", DATA_START, Date.parse("2025-09-25")));
  });
});

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function spawnCli(args: readonly string[], env: Record<string, string> = {}) {
  return Bun.spawn([process.execPath, "run", "src/cli/download.ts", ...args], {
    cwd: REPO,
    env: { ...process.env, BITHUMB_REST_URL: sim.restUrl, DATABASE_PATH: join(dir, "cli.db"), LOG_LEVEL: "warn", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
}

async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const proc = spawnCli(args, env);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

describe("bun run src/cli/download.ts", () => {
  it("writes a CSV for --from/--to and prints the summary", async () => {
    const out = join(dir, "cli-hours.csv");
    const run = await runCli(["--market", "KRW-BTC", "--interval", "1h", "--from", "2025-09-02", "--to", "2025-09-20T00:00:00Z", "--out", out, "--progress"]);
    expect(run.stderr).toContain("KRW-BTC 1h");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`download complete: KRW-BTC 1h -> ${out} (CSV)`);
    expect(run.stdout).toContain("432 candles stored, 2025-09-02T00:00:00Z .. 2025-09-19T23:00:00Z; 0 were already stored");
    expect(run.stdout).toMatch(/requests: 4; time: /);
    expectSameCandles(await csvCandles(out, "1h"), expected("1h", Date.parse("2025-09-02"), Date.parse("2025-09-20")));

    const again = await runCli(["--market", "KRW-BTC", "--interval", "1h", "--from", "2025-09-02", "--to", "2025-09-20T00:00:00Z", "--out", out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("no new candles stored; 432 were already stored");
    expect(readFileSync(out, "utf8").trim().split("\n").length).toBe(433);
  });

  it("answers a bad argument with the reason, the usage and exit code 2", async () => {
    const run = await runCli(["--market", "KRW-BTC", "--interval", "2h", "--from", "2025-09-01"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("download: --interval must be one of 1m, 3m, 5m, 10m, 15m, 30m, 1h, 4h, 1d, 1w, 1M; got \"2h\"");
    expect(run.stderr).toContain("usage: bun run download");
    const reversed = await runCli(["--market", "KRW-BTC", "--interval", "1h", "--from", "2025-09-10", "--to", "2025-09-01"]);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toContain("--to (2025-09-01) must be later than --from (2025-09-10)");
  });

  it("keeps whole pages when killed mid-way, and a re-run completes the range with no duplicates", async () => {
    const dbPath = join(dir, "killed.db");
    const from = "2025-09-26T00:00:00Z";
    await sim.admin.setFaults({ latencyMs: 40 });
    // Created (and migrated) before the CLI starts, so the two processes never migrate at once.
    const reader = openDb({ path: dbPath });
    const proc = spawnCli(["--market", "KRW-BTC", "--interval", "1m", "--from", from, "--to", "2025-09-28T00:00:00Z"], { DATABASE_PATH: dbPath });
    try {
      const deadline = Date.now() + 15_000;
      while (loadCandles(reader.db, "KRW-BTC", "1m", { limit: 1_000_000 }).length < 600 && Date.now() < deadline) await Bun.sleep(20);
      proc.kill("SIGKILL");
      await proc.exited;
      const partial = loadCandles(reader.db, "KRW-BTC", "1m", { limit: 1_000_000 });
      expect(partial.length).toBeGreaterThanOrEqual(600);
      expect(partial.length).toBeLessThan(2 * 1440);
      // Whole pages only: what is there is exactly the first part of the range.
      expectSameCandles(partial, expected("1m", Date.parse(from), partial[partial.length - 1]!.ts + 1));
    } finally {
      reader.close();
    }
    await sim.admin.setFaults(NO_FAULTS);
    const rerun = await runCli(["--market", "KRW-BTC", "--interval", "1m", "--from", from, "--to", "2025-09-28T00:00:00Z"], { DATABASE_PATH: dbPath });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/\d+ were already stored/);
    const check = openDb({ path: dbPath });
    try {
      expectSameCandles(loadCandles(check.db, "KRW-BTC", "1m", { limit: 1_000_000 }), expected("1m", Date.parse(from), Date.parse("2025-09-28")));
    } finally {
      check.close();
    }
  });

  it("stops after the current page on SIGINT, says so, exits 130, and continues on the next run", async () => {
    const out = join(dir, "interrupted.csv");
    await sim.admin.setFaults({ latencyMs: 40 });
    const proc = spawnCli(["--market", "KRW-BTC", "--interval", "1m", "--from", "2025-09-20", "--to", "2025-09-22", "--out", out]);
    const deadline = Date.now() + 15_000;
    const rows = () => {
      try {
        return readFileSync(out, "utf8").split("\n").length;
      } catch {
        return 0;
      }
    };
    while (rows() < 300 && Date.now() < deadline) await Bun.sleep(20);
    proc.kill("SIGINT");
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(130);
    expect(stdout).toContain("download INTERRUPTED (run the same command again to continue): KRW-BTC 1m");
    await sim.admin.setFaults(NO_FAULTS);
    const rerun = await runCli(["--market", "KRW-BTC", "--interval", "1m", "--from", "2025-09-20", "--to", "2025-09-22", "--out", out]);
    expect(rerun.code).toBe(0);
    expectSameCandles(await csvCandles(out, "1m"), expected("1m", Date.parse("2025-09-20"), Date.parse("2025-09-22")));
  });
});
