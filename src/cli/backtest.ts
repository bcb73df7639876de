/**
 * `bun run backtest`: run the live strategy and risk code over candle files (docs/backtesting.md).
 *
 *   bun run backtest --data FILE [--data FILE ...] [--market M] [--preset classic|default]
 *                    [--params FILE] [--json OUT] [--report OUT.html] [--policy report|fail|skip|forward-fill]
 *                    [--compare PRESET|FILE [--bootstrap N] [--block N] [--seed S]]
 *                    [--progress] [--no-store]
 *
 * Prints a summary table on stdout; data findings and the progress line go to stderr (the progress
 * line only on a TTY or with --progress). The run is stored in SQLite (`DATABASE_PATH`, default
 * data/bot.db) unless --no-store. Exit codes: 0 done, 2 bad input (flags, files, parameters), 1
 * anything else (the message says what).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ParseError } from "../core/errors.ts";
import { isMarket } from "../core/model.ts";
import { DATA_POLICIES, type DataPolicy } from "../backtest/data/index.ts";
import {
  type BacktestConfig,
  backtestJson,
  buildResult,
  createProgressBar,
  dataSummaryLines,
  type LoadedData,
  loadCandleFiles,
  resolveBacktestConfig,
  runBacktest,
  summaryLines,
} from "../backtest/engine/index.ts";
import { STRATEGY_PRESET_NAMES } from "../core/strategy/index.ts";

const USAGE =
  "usage: bun run backtest --data FILE [--data FILE ...] [--market M] [--preset classic|default] [--params FILE] [--json OUT] [--report OUT.html] [--policy report|fail|skip|forward-fill] [--compare PRESET|FILE [--bootstrap N] [--block N] [--seed S]] [--progress] [--no-store]";

/** Bad input: exit code 2 with the message and the usage line. */
export class UsageError extends Error {}

export function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return v;
}

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ParseError(`cannot read: ${(e as { code?: string }).code === "ENOENT" ? "no such file" : (e as Error).message}`, path);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ParseError(`not valid JSON: ${(e as Error).message}`, path);
  }
}

/** `--compare` names a preset or a params file. */
function compareConfig(spec: string): { label: string; config: BacktestConfig } {
  if ((STRATEGY_PRESET_NAMES as readonly string[]).includes(spec)) return { label: spec, config: resolveBacktestConfig({}, spec) };
  return { label: spec.split(/[\\/]/).pop() ?? spec, config: resolveBacktestConfig(readJsonFile(spec), undefined, spec) };
}

interface Flags {
  readonly data: string[];
  readonly market?: string;
  readonly preset?: string;
  readonly params?: string;
  readonly json?: string;
  readonly report?: string;
  readonly policy?: string;
  readonly compare?: string;
  readonly bootstrap?: string;
  readonly block?: string;
  readonly seed?: string;
  readonly progress: boolean;
  readonly store: boolean;
}

function parseFlags(argv: readonly string[]): Flags | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        data: { type: "string", multiple: true },
        market: { type: "string" },
        preset: { type: "string" },
        params: { type: "string" },
        json: { type: "string" },
        report: { type: "string" },
        policy: { type: "string" },
        compare: { type: "string" },
        bootstrap: { type: "string" },
        block: { type: "string" },
        seed: { type: "string" },
        progress: { type: "boolean" },
        "no-store": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (v.data === undefined || v.data.length === 0) throw new UsageError("--data FILE is required");
  return {
    data: v.data,
    market: v.market,
    preset: v.preset,
    params: v.params,
    json: v.json,
    report: v.report,
    policy: v.policy,
    compare: v.compare,
    bootstrap: v.bootstrap,
    block: v.block,
    seed: v.seed,
    progress: v.progress ?? false,
    store: !(v["no-store"] ?? false),
  };
}

export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => number;
}

function validateFlags(flags: Flags): { policy: DataPolicy | undefined } {
  if (flags.market !== undefined && !isMarket(flags.market)) throw new UsageError(`--market must be a market code like KRW-BTC, got ${JSON.stringify(flags.market)}`);
  if (flags.policy !== undefined && !(DATA_POLICIES as readonly string[]).includes(flags.policy)) throw new UsageError(`--policy must be one of ${DATA_POLICIES.join(", ")}, got ${JSON.stringify(flags.policy)}`);
  if (flags.preset !== undefined && !(STRATEGY_PRESET_NAMES as readonly string[]).includes(flags.preset)) {
    throw new UsageError(`unknown preset ${JSON.stringify(flags.preset)} (one of ${STRATEGY_PRESET_NAMES.join(", ")})`);
  }
  if (flags.compare === undefined && (flags.bootstrap ?? flags.block ?? flags.seed) !== undefined) throw new UsageError("--bootstrap, --block and --seed go with --compare");
  if (flags.compare !== undefined && flags.report !== undefined) throw new UsageError("--report makes one run's report; leave it out with --compare");
  return { policy: flags.policy as DataPolicy | undefined };
}

/** Store a finished run in `DATABASE_PATH` (default data/bot.db); returns its id. */
export async function storeRun(io: Io, record: { kind: "backtest" | "optimize" | "compare"; data: LoadedData; params: unknown; metrics: unknown; reportPath?: string }): Promise<number> {
  // Loaded here, after the run: the database layer is not needed before.
  const { openDb } = await import("../db/index.ts");
  const { storeRun: store } = await import("../backtest/engine/store.ts");
  const db = openDb({ path: io.env.DATABASE_PATH ?? "data/bot.db" });
  try {
    const { kind, data, params, metrics, reportPath } = record;
    return store(db.db, { kind, series: data.series, dataFingerprint: data.fingerprint, params, metrics, reportPath }, io.now());
  } finally {
    db.close();
  }
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const flags = parseFlags(argv);
  if (flags === "help") {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { policy } = validateFlags(flags);
  const config = resolveBacktestConfig(flags.params === undefined ? {} : readJsonFile(flags.params), flags.preset, flags.params ?? "params");
  const other = flags.compare === undefined ? undefined : compareConfig(flags.compare);
  const data = await loadCandleFiles(flags.data, { market: flags.market as `KRW-${string}` | undefined, policy });
  for (const line of dataSummaryLines(data)) io.stderr.write(`data: ${line}\n`);

  if (other !== undefined) {
    // Loaded only here: a plain backtest does not pay for them at start-up.
    const { comparisonLines, compareBacktests } = await import("../backtest/compare/index.ts");
    const { mulberry32 } = await import("../exchange/sim/prng.ts");
    const labelA = flags.params !== undefined ? (flags.params.split(/[\\/]/).pop() ?? flags.params) : config.preset;
    const seed = positiveInt("seed", flags.seed, 1);
    const comparison = compareBacktests({
      series: data.series,
      a: { label: labelA, config },
      b: other,
      dataFingerprint: data.fingerprint,
      bootstrap: {
        resamples: positiveInt("bootstrap", flags.bootstrap, 2_000),
        blockLength: flags.block === undefined ? undefined : positiveInt("block", flags.block, 1),
        random: mulberry32(seed),
      },
    });
    if (flags.json !== undefined) {
      const part = (r: typeof comparison.a) => JSON.parse(backtestJson(r)) as unknown;
      await Bun.write(flags.json, JSON.stringify({ a: part(comparison.a), b: part(comparison.b), difference: comparison.difference }));
    }
    io.stdout.write(`A/B on ${data.series.map((s) => s.market).join(", ")} (${data.fingerprint})\n${comparisonLines(comparison).join("\n")}\n`);
    if (flags.store) {
      const id = await storeRun(io, {
        kind: "compare",
        data,
        params: { a: { label: comparison.labelA, ...comparison.a.params }, b: { label: comparison.labelB, ...comparison.b.params }, bootstrap: { seed, resamples: comparison.difference.resamples, blockLength: comparison.difference.blockLength } },
        metrics: { a: comparison.a.metrics, b: comparison.b.metrics, difference: comparison.difference },
      });
      io.stdout.write(`stored as run #${id}\n`);
    }
    return 0;
  }

  const total = data.series.reduce((n, s) => n + s.length, 0);
  const bar = createProgressBar({ label: "backtest", total, sink: io.stderr, enabled: flags.progress || io.stderr.isTTY === true, now: io.now, unit: "candles/s" });
  const run = runBacktest(data.series, config, { onProgress: (done) => bar.update(done) });
  bar.finish(run.candles);
  const result = buildResult({ run, config, series: data.series, dataFingerprint: data.fingerprint, benchmarkCurve: flags.report !== undefined });
  if (flags.json !== undefined) await Bun.write(flags.json, backtestJson(result));
  if (flags.report !== undefined) {
    const { renderReport } = await import("../backtest/report/index.ts");
    await Bun.write(flags.report, renderReport(result));
  }
  io.stdout.write(`${summaryLines(result, run).join("\n")}\n`);
  if (flags.store) {
    const id = await storeRun(io, { kind: "backtest", data, params: result.params, metrics: result.metrics, reportPath: flags.report });
    io.stdout.write(`  ${"stored".padEnd(18)}run #${id} in ${io.env.DATABASE_PATH ?? "data/bot.db"}\n`);
  }
  return 0;
}

/**
 * Run a command's `main` with the process's streams and map failures to exit codes: 2 for bad
 * input (usage, ParseError: bad files or parameters), 1 for anything else.
 */
export async function runCli(name: string, usage: string, entry: (argv: readonly string[], io: Io) => Promise<number>): Promise<void> {
  const io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env, now: () => Date.now() };
  try {
    process.exitCode = await entry(process.argv.slice(2), io);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${name}: ${e.message}\n${usage}`);
      process.exitCode = 2;
    } else if (e instanceof ParseError) {
      console.error(`${name}: ${e.message}`);
      process.exitCode = 2;
    } else {
      console.error(`${name}: ${(e as Error).stack ?? String(e)}`);
      process.exitCode = 1;
    }
  }
}

if (import.meta.main) await runCli("backtest", USAGE, main);
