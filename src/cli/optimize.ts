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
import { ParseError } from "../core/errors.ts";
import { STRATEGY_PRESET_NAMES } from "../core/strategy/index.ts";
import { dataSummaryLines, loadCandleFiles } from "../backtest/engine/index.ts";
import {
  OBJECTIVES,
  type Objective,
  type OptimizationResult,
  optimizationLines,
  parseSearchSpace,
  runOptimization,
  SEARCH_METHODS,
  WINDOW_MODES,
} from "../backtest/optimize/index.ts";
import { mulberry32 } from "../core/random.ts";
import { type CliIo, parseChoiceArg, parseCliArgs, parsePositiveIntArg, readJsonFile, runCli, UsageError } from "./args.ts";
import { DATA_OPTIONS, dataFlags, storeRun } from "./backtest.ts";
import { createProgressBar, type ProgressBar } from "./progress.ts";

const USAGE =
  "usage: bun run optimize --data FILE [--data FILE ...] --space FILE [--market M] [--preset classic|default] [--search grid|random] [--samples N] [--seed S] [--folds K] [--window rolling|anchored] [--objective sharpe|sortino|calmar|totalReturn|cagr] [--workers N] [--top N] [--json OUT] [--policy report|fail|skip|forward-fill] [--progress] [--no-store]";

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

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v } = parseCliArgs(argv, {
    ...DATA_OPTIONS,
    space: { type: "string" },
    search: { type: "string" },
    samples: { type: "string" },
    seed: { type: "string" },
    folds: { type: "string" },
    window: { type: "string" },
    objective: { type: "string" },
    workers: { type: "string" },
    top: { type: "string" },
    json: { type: "string" },
  });
  if (v.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { files, market, policy } = dataFlags(v);
  const preset = parseChoiceArg("preset", v.preset, STRATEGY_PRESET_NAMES);
  if (v.space === undefined) throw new UsageError("--space FILE is required (the parameters to vary; see docs/optimization.md)");
  const search = parseChoiceArg("search", v.search, SEARCH_METHODS, "grid");
  const window = parseChoiceArg("window", v.window, WINDOW_MODES, "rolling");
  const objective = parseChoiceArg<Objective>("objective", v.objective, OBJECTIVES, "sharpe");
  if (search === "grid" && (v.samples ?? v.seed) !== undefined) throw new UsageError("--samples and --seed go with --search random");
  const samples = parsePositiveIntArg("samples", v.samples, 100);
  const seed = parsePositiveIntArg("seed", v.seed, 1);
  const folds = parsePositiveIntArg("folds", v.folds, 4);
  const top = parsePositiveIntArg("top", v.top, 10);
  const workers = v.workers === "0" ? 0 : parsePositiveIntArg("workers", v.workers, Math.max(1, navigator.hardwareConcurrency ?? 2));

  const space = parseSearchSpace(readJsonFile(v.space), v.space);
  const data = await loadCandleFiles(files, { market, policy });
  for (const line of dataSummaryLines(data)) io.stderr.write(`data: ${line}\n`);

  const showProgress = v.progress === true || io.stderr.isTTY === true;
  let bar: ProgressBar | undefined;
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
      if (!showProgress) return;
      bar ??= createProgressBar({ label: "optimize", total, stream: io.stderr, now: io.now, rateUnit: "candidates/s" });
      bar.update(done);
      if (done >= total) bar.finish();
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

if (import.meta.main) await runCli("optimize", USAGE, main, { badInput: [ParseError] });
