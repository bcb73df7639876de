/**
 * `bun run optimize`: grid or random search over strategy/risk parameters with walk-forward
 * evaluation on worker threads, ranked by out-of-sample results (docs/optimization.md).
 *
 *   bun run optimize --data FILE [--data FILE ...] --space FILE [--market M] [--preset classic|default]
 *                    [--search grid|random] [--samples N] [--seed S] [--folds K] [--window rolling|anchored]
 *                    [--objective sharpe|sortino|calmar|totalReturn|cagr] [--workers N] [--top N]
 *                    [--json OUT] [--policy report|fail|skip|forward-fill] [--progress] [--no-store]
 *
 * Prints the ranked table (top N), the folds, the walk-forward selection and any divergence
 * warning on stdout; the progress line goes to stderr (TTY or --progress). The run is stored in
 * SQLite unless --no-store. Exit codes as `bun run backtest`: 0 done, 2 bad input, 1 other failures.
 */
import { parseArgs } from "node:util";
import { isMarket, type Market } from "../core/model.ts";
import { STRATEGY_PRESET_NAMES } from "../core/strategy/index.ts";
import { DATA_POLICIES, type DataPolicy } from "../backtest/data/index.ts";
import { createProgressBar, dataSummaryLines, loadCandleFiles } from "../backtest/engine/index.ts";
import {
  OBJECTIVES,
  type Objective,
  type OptimizationResult,
  optimizationLines,
  parseSearchSpace,
  runOptimization,
  SEARCH_METHODS,
  type SearchMethod,
  WINDOW_MODES,
  type WindowMode,
} from "../backtest/optimize/index.ts";
import { mulberry32 } from "../exchange/sim/prng.ts";
import { type Io, positiveInt, readJsonFile, runCli, storeRun, UsageError } from "./backtest.ts";

const USAGE =
  "usage: bun run optimize --data FILE [--data FILE ...] --space FILE [--market M] [--preset classic|default] [--search grid|random] [--samples N] [--seed S] [--folds K] [--window rolling|anchored] [--objective sharpe|sortino|calmar|totalReturn|cagr] [--workers N] [--top N] [--json OUT] [--policy report|fail|skip|forward-fill] [--progress] [--no-store]";

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** The result as JSON: every ranked candidate with its values, the best one's full parameters. */
function resultDocument(result: OptimizationResult): Record<string, unknown> {
  const best = result.ranking[0];
  return {
    objective: result.objective,
    search: result.search,
    window: result.window,
    folds: result.folds,
    evaluated: result.evaluated,
    skipped: result.skipped,
    ranking: result.ranking,
    best: best === undefined ? null : { id: best.id, values: best.values, params: result.configs.get(best.id) },
    walkForward: result.walkForward,
    warnings: result.warnings,
  };
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        data: { type: "string", multiple: true },
        space: { type: "string" },
        market: { type: "string" },
        preset: { type: "string" },
        search: { type: "string" },
        samples: { type: "string" },
        seed: { type: "string" },
        folds: { type: "string" },
        window: { type: "string" },
        objective: { type: "string" },
        workers: { type: "string" },
        top: { type: "string" },
        json: { type: "string" },
        policy: { type: "string" },
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
  if (v.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (v.data === undefined || v.data.length === 0) throw new UsageError("--data FILE is required");
  if (v.space === undefined) throw new UsageError("--space FILE is required (the parameters to vary; see docs/optimization.md)");
  if (v.market !== undefined && !isMarket(v.market)) throw new UsageError(`--market must be a market code like KRW-BTC, got ${JSON.stringify(v.market)}`);
  const preset = v.preset === undefined ? undefined : oneOf("preset", v.preset, STRATEGY_PRESET_NAMES, "default");
  const policy = v.policy === undefined ? undefined : oneOf<DataPolicy>("policy", v.policy, DATA_POLICIES, "report");
  const search = oneOf<SearchMethod>("search", v.search, SEARCH_METHODS, "grid");
  const window = oneOf<WindowMode>("window", v.window, WINDOW_MODES, "rolling");
  const objective = oneOf<Objective>("objective", v.objective, OBJECTIVES, "sharpe");
  if (search === "grid" && (v.samples ?? v.seed) !== undefined) throw new UsageError("--samples and --seed go with --search random");
  const samples = positiveInt("samples", v.samples, 100);
  const seed = positiveInt("seed", v.seed, 1);
  const folds = positiveInt("folds", v.folds, 4);
  const top = positiveInt("top", v.top, 10);
  const workers = v.workers === "0" ? 0 : positiveInt("workers", v.workers, Math.max(1, navigator.hardwareConcurrency ?? 2));

  const space = parseSearchSpace(readJsonFile(v.space), v.space);
  const data = await loadCandleFiles(v.data, { market: v.market as Market | undefined, policy });
  for (const line of dataSummaryLines(data)) io.stderr.write(`data: ${line}\n`);

  let bar: ReturnType<typeof createProgressBar> | undefined;
  const result = await runOptimization({
    series: data.series,
    space,
    search,
    samples,
    random: mulberry32(seed),
    folds,
    window,
    objective,
    workers,
    presetOverride: preset,
    onProgress: (done, total) => {
      bar ??= createProgressBar({ label: "optimize", total, sink: io.stderr, enabled: v.progress === true || io.stderr.isTTY === true, now: io.now, unit: "candidates/s" });
      if (done >= total) bar.finish(done);
      else bar.update(done);
    },
  });
  if (v.json !== undefined) await Bun.write(v.json, JSON.stringify(resultDocument(result)));
  io.stdout.write(`Optimize on ${data.series.map((s) => s.market).join(", ")} (${data.series[0]!.interval}, ${data.fingerprint})\n${optimizationLines(result, top).join("\n")}\n`);
  if (!(v["no-store"] ?? false)) {
    const id = await storeRun(io, {
      kind: "optimize",
      data,
      params: { space, preset: preset ?? space.preset ?? "default", search, samples: search === "random" ? samples : undefined, seed: search === "random" ? seed : undefined, folds, window, objective },
      metrics: {
        objective,
        evaluated: result.evaluated,
        skipped: result.skipped.length,
        folds: result.folds,
        top: result.ranking.slice(0, top).map((r) => ({ ...r, params: result.configs.get(r.id) })),
        walkForward: result.walkForward,
        warnings: result.warnings,
      },
    });
    io.stdout.write(`stored as run #${id} in ${io.env.DATABASE_PATH ?? "data/bot.db"}\n`);
  }
  return 0;
}

if (import.meta.main) await runCli("optimize", USAGE, main);
