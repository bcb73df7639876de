/**
 * `bun run backtest`: run the live strategy and risk code over candle files (docs/backtesting.md).
 *
 *   bun run backtest --data FILE [--data FILE ...] [--market M] [--from TIME] [--to TIME]
 *                    [--preset classic|default] [--params FILE] [--json OUT] [--report OUT.html]
 *                    [--policy report|fail|skip|forward-fill]
 *                    [--compare PRESET|FILE [--bootstrap N] [--block N] [--seed S]]
 *                    [--progress] [--no-store]
 *
 * `--from` / `--to` trade only the candles in [from, to) (dates or date-times, UTC unless zoned,
 * or epoch ms), the strategy warmed up on the candles before `from`. Prints a summary table on
 * stdout; data findings and the progress line go to stderr (the progress line only on a TTY or
 * with --progress). The run is stored in SQLite (`DATABASE_PATH`, default
 * data/bot.db) unless --no-store. Exit codes: 0 done, 2 bad input (flags, files, parameters), 1
 * anything else (the message says what).
 */
import { ParseError } from "../core/errors.ts";
import type { Market } from "../core/model.ts";
import { DATA_POLICIES, type DataPolicy, isoTs, lowerBound } from "../backtest/data/index.ts";
// The engine, the strategy and their parameter schemas (zod) are imported in `main`, after the
// data files have started loading: the file reads run on Bun's I/O threads while those modules load.
import type { BacktestConfig, LoadedData } from "../backtest/engine/index.ts";
import { type CliIo, parseChoiceArg, parseCliArgs, parseMarketArg, parsePositiveIntArg, parseTimeArg, readJsonFile, runCli, UsageError } from "./args.ts";
import { createProgressBar } from "./progress.ts";

const USAGE =
  "usage: bun run backtest --data FILE [--data FILE ...] [--market M] [--from TIME] [--to TIME] [--preset classic|default] [--params FILE] [--json OUT] [--report OUT.html] [--policy report|fail|skip|forward-fill] [--compare PRESET|FILE [--bootstrap N] [--block N] [--seed S]] [--progress] [--no-store]";

/** The stderr line describing a `--from`/`--to` window. */
function windowLine(from: number | undefined, to: number | undefined, data: LoadedData, startTs: number | undefined): string {
  const warm = startTs === undefined ? 0 : data.series.reduce((n, s) => n + lowerBound(s.ts, startTs), 0);
  const span = `${from === undefined ? "the first candle" : isoTs(from)} to ${to === undefined ? "the last candle" : `${isoTs(to)} (exclusive)`}`;
  return `window ${span}${warm > 0 ? `, after ${warm} warm-up candle${warm === 1 ? "" : "s"}` : ""}; data ${data.fingerprint}`;
}

type EngineModule = typeof import("../backtest/engine/index.ts");

/** `--compare` names a preset or a params file. */
function compareConfig(engine: EngineModule, spec: string): { label: string; config: BacktestConfig } {
  if (Object.hasOwn(engine.ENGINE_PRESETS, spec)) return { label: spec, config: engine.resolveBacktestConfig({}, spec) };
  return { label: spec.split(/[\\/]/).pop() ?? spec, config: engine.resolveBacktestConfig(readJsonFile(spec), undefined, spec) };
}

/**
 * Start reading every data file now (raw bytes, gzip or not). Loading then awaits these instead of
 * reading; a read that fails is reported there, where the file is named.
 */
function startReads(files: readonly string[]): (path: string) => Promise<Uint8Array<ArrayBuffer>> {
  const reads = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
  for (const path of files) {
    const read = Bun.file(path).bytes();
    read.catch(() => undefined); // awaited (and reported) by the loader; not unhandled meanwhile
    reads.set(path, read);
  }
  return (path) => reads.get(path) ?? Bun.file(path).bytes();
}

/** The data flags `backtest` and `optimize` share (node:util parseArgs options). */
export const DATA_OPTIONS = {
  data: { type: "string", multiple: true },
  market: { type: "string" },
  preset: { type: "string" },
  policy: { type: "string" },
  progress: { type: "boolean" },
  "no-store": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export interface DataFlags {
  readonly files: string[];
  readonly market: Market | undefined;
  /** Checked against the presets where the parameters are resolved (`resolveBacktestConfig`). */
  readonly preset: string | undefined;
  readonly policy: DataPolicy | undefined;
}

/** The shared data flags, checked: `--data` given, the market and the policy valid. */
export function dataFlags(values: { data?: string[]; market?: string; preset?: string; policy?: string }): DataFlags {
  if (values.data === undefined || values.data.length === 0) throw new UsageError("--data FILE is required");
  return {
    files: values.data,
    market: values.market === undefined ? undefined : parseMarketArg("market", values.market),
    preset: values.preset,
    policy: parseChoiceArg("policy", values.policy, DATA_POLICIES),
  };
}

function parseFlags(argv: readonly string[]) {
  const { values } = parseCliArgs(argv, {
    ...DATA_OPTIONS,
    params: { type: "string" },
    json: { type: "string" },
    report: { type: "string" },
    compare: { type: "string" },
    bootstrap: { type: "string" },
    block: { type: "string" },
    seed: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
  });
  if (values.help) return "help" as const;
  const from = values.from === undefined ? undefined : parseTimeArg("from", values.from);
  const to = values.to === undefined ? undefined : parseTimeArg("to", values.to);
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError(`--to (${values.to}) must be later than --from (${values.from})`);
  if (values.compare === undefined && (values.bootstrap ?? values.block ?? values.seed) !== undefined) throw new UsageError("--bootstrap, --block and --seed go with --compare");
  if (values.compare !== undefined && values.report !== undefined) throw new UsageError("--report makes one run's report; leave it out with --compare");
  return { ...values, ...dataFlags(values), from, to, progress: values.progress ?? false, store: !(values["no-store"] ?? false) };
}

/** Store a finished run in `DATABASE_PATH` (default data/bot.db); returns its id. */
export async function storeRun(
  io: CliIo,
  record: { kind: "backtest" | "optimize" | "compare"; data: LoadedData; startTs?: number; params: unknown; metrics: unknown; reportPath?: string },
): Promise<number> {
  // Loaded here, after the run: the database layer is not needed before.
  const { openDb } = await import("../db/index.ts");
  const { storeRun: store } = await import("../backtest/engine/store.ts");
  const db = openDb({ path: io.env.DATABASE_PATH ?? "data/bot.db" });
  try {
    const { kind, data, startTs, params, metrics, reportPath } = record;
    return store(db.db, { kind, series: data.series, startTs, dataFingerprint: data.fingerprint, params, metrics, reportPath }, io.now());
  } finally {
    db.close();
  }
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv);
  if (flags === "help") {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const readFile = startReads(flags.files);
  const engine: EngineModule = await import("../backtest/engine/index.ts");
  const { backtestJson, buildResult, dataSummaryLines, loadCandleFiles, resolveBacktestConfig, runBacktest, selectWindow, summaryLines, windowWarmup } = engine;
  const config = resolveBacktestConfig(flags.params === undefined ? {} : readJsonFile(flags.params), flags.preset, flags.params ?? "params");
  const other = flags.compare === undefined ? undefined : compareConfig(engine, flags.compare);
  const loaded = await loadCandleFiles(flags.files, { market: flags.market, policy: flags.policy, readFile });
  for (const line of dataSummaryLines(loaded)) io.stderr.write(`data: ${line}\n`);
  const warmup = Math.max(windowWarmup(config), other === undefined ? 0 : windowWarmup(other.config));
  const { data, startTs, tradedCandles } = selectWindow(loaded, { fromTs: flags.from, toTs: flags.to }, warmup);
  if (startTs !== undefined || flags.to !== undefined) io.stderr.write(`data: ${windowLine(flags.from, flags.to, data, startTs)}\n`);

  if (other !== undefined) {
    // Loaded only here: a plain backtest does not pay for them at start-up.
    const { comparisonLines, compareBacktests } = await import("../backtest/compare/index.ts");
    const { mulberry32 } = await import("../core/random.ts");
    const labelA = flags.params !== undefined ? (flags.params.split(/[\\/]/).pop() ?? flags.params) : config.preset;
    const seed = parsePositiveIntArg("seed", flags.seed, 1);
    const comparison = compareBacktests({
      series: data.series,
      a: { label: labelA, config },
      b: other,
      dataFingerprint: data.fingerprint,
      startTs,
      bootstrap: {
        resamples: parsePositiveIntArg("bootstrap", flags.bootstrap, 2_000),
        blockLength: flags.block === undefined ? undefined : parsePositiveIntArg("block", flags.block, 1),
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
        startTs,
        params: { a: { label: comparison.labelA, ...comparison.a.params }, b: { label: comparison.labelB, ...comparison.b.params }, bootstrap: { seed, resamples: comparison.difference.resamples, blockLength: comparison.difference.blockLength } },
        metrics: { a: comparison.a.metrics, b: comparison.b.metrics, difference: comparison.difference },
      });
      io.stdout.write(`stored as run #${id}\n`);
    }
    return 0;
  }

  const bar = flags.progress || io.stderr.isTTY === true ? createProgressBar({ label: "backtest", total: tradedCandles, stream: io.stderr, now: io.now, rateUnit: "candles/s" }) : undefined;
  const run = runBacktest(data.series, config, { startTs, onProgress: bar === undefined ? undefined : (done) => bar.update(done) });
  bar?.finish();
  const result = buildResult({ run, config, series: data.series, dataFingerprint: data.fingerprint, startTs, benchmarkCurve: flags.report !== undefined });
  if (flags.json !== undefined) await Bun.write(flags.json, backtestJson(result));
  if (flags.report !== undefined) {
    const { renderReport } = await import("../backtest/report/index.ts");
    await Bun.write(flags.report, renderReport(result));
  }
  io.stdout.write(`${summaryLines(result, run).join("\n")}\n`);
  if (flags.store) {
    const id = await storeRun(io, { kind: "backtest", data, startTs, params: result.params, metrics: result.metrics, reportPath: flags.report });
    io.stdout.write(`  ${"stored".padEnd(18)}run #${id} in ${io.env.DATABASE_PATH ?? "data/bot.db"}\n`);
  }
  return 0;
}

if (import.meta.main) await runCli("backtest", USAGE, main, { badInput: [ParseError] });
