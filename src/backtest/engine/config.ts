import { z } from "zod";
import { ParseError } from "../../core/errors.ts";
import { mergeSection } from "../../core/merge.ts";
import { DEFAULT_FEE_RATE, DEFAULT_MIN_TOTAL_KRW, type Market, type MarketRules } from "../../core/model.ts";
import { resolveRiskParams, type RiskParams } from "../../core/risk/index.ts";
import { type EmaCrossParams, resolveStrategyParams, STRATEGY_PRESET_NAMES, type StrategyPresetName, warmupCandles } from "../../core/strategy/index.ts";

/**
 * What a backtest runs with: the strategy's and the risk layer's parameters (the same schemas the
 * live system reads) plus the simulated market's own settings. A `--params` file, the optimizer's
 * candidates and the A/B comparison all go through `resolveBacktestConfig`, so every path validates
 * the same way and names the bad field.
 */

/**
 * How fills are sized:
 * - `exchange`: as Bithumb would execute them: bought volumes floored to 8 decimals, market-buy
 *   amounts in whole KRW, sells through risk's `planExit` (8 decimals, the minimum, dust);
 * - `exact`: the issue's classic formula without exchange rounding: all-in buys get exactly
 *   `cash / (price x (1 + fee))`, exits sell exactly the fraction asked. Rounding would move results
 *   by up to ~1e-7 per trade, which compounds past the 1e-6 agreement the classic check demands.
 */
export const FILL_PRECISIONS = ["exchange", "exact"] as const;
export type FillPrecision = (typeof FILL_PRECISIONS)[number];

export const engineSettingsSchema = z
  .object({
    /** Starting KRW. */
    initialCapital: z.number().gt(0).default(10_000_000),
    /** Fee on every fill's notional (buys: on top; sells: out of the proceeds). */
    feeRate: z.number().min(0).lt(0.1).default(DEFAULT_FEE_RATE),
    /** Market fills: buys at open x (1 + slippage), sells (and stops) at price x (1 - slippage). */
    slippage: z.number().min(0).lt(0.1).default(0.001),
    fillPrecision: z.enum(FILL_PRECISIONS).default("exchange"),
    /** The exchange minimum order in KRW (both sides); 0 turns the check off. */
    minOrderKrw: z.number().min(0).default(DEFAULT_MIN_TOTAL_KRW),
  })
  .strict();

export type EngineSettings = z.output<typeof engineSettingsSchema>;

/** A fully resolved backtest configuration. */
export interface BacktestConfig {
  /** The preset the run is labelled with (and whose engine settings it starts from). */
  readonly preset: StrategyPresetName;
  readonly strategy: EmaCrossParams;
  readonly risk: RiskParams;
  readonly engine: EngineSettings;
}

/**
 * Engine settings per preset (strategy and risk presets are the core's: `STRATEGY_PRESETS`,
 * `RISK_PRESETS`):
 * - `classic`: exact fills and no minimum order (the rules of issue 4 "Engine", checked against
 *   tests/reference/classic.ts), with the core's classic strategy and all-in risk;
 * - `default`: fills as the exchange would make them.
 */
export const ENGINE_PRESETS: Readonly<Record<StrategyPresetName, EngineSettings>> = {
  default: engineSettingsSchema.parse({}),
  classic: engineSettingsSchema.parse({ fillPrecision: "exact", minOrderKrw: 0 }),
};

const presetSchema = z.enum(STRATEGY_PRESET_NAMES, { error: `preset must be one of ${STRATEGY_PRESET_NAMES.join(", ")}` });

/**
 * A `--params` file: `{ "preset"?, "strategy"?, "risk"?, "engine"? }`. The preset is the base of all
 * three sections; a `strategy` or `risk` section may name its own `preset` (as the app's config
 * files do), and its other keys override that base key by key (objects merge, arrays replace). So
 * `{ "preset": "classic", "strategy": { "emaFast": 10 } }` changes one value of classic, and an app
 * config file (configs/*.json) is a valid params file: its `markets`, `interval` and `runtime`
 * fields are accepted and ignored (the data files decide what a backtest runs on).
 */
export const paramsFileSchema = z
  .object({
    preset: presetSchema.optional(),
    strategy: z.record(z.string(), z.unknown()).optional(),
    risk: z.record(z.string(), z.unknown()).optional(),
    engine: z.record(z.string(), z.unknown()).optional(),
    markets: z.unknown().optional(),
    interval: z.unknown().optional(),
    runtime: z.unknown().optional(),
  })
  .strict();

export type ParamsFile = z.input<typeof paramsFileSchema>;

/** One line per problem, `section.field: message`, for a ParseError the CLI prints as is. */
function issueLines(error: z.ZodError, prefix: string): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== "").join(".");
    return `${path || "(root)"}: ${issue.message}`;
  });
}

function validationLines(prefix: string, fn: () => void): string[] {
  try {
    fn();
    return [];
  } catch (e) {
    if (e instanceof z.ZodError) return issueLines(e, prefix);
    throw e;
  }
}

/**
 * Resolve a params file (already parsed JSON) into a full configuration. `presetOverride` (the
 * CLI's `--preset`) replaces every preset the file names. Throws a `ParseError` listing every bad
 * field as `section.field: message`; `source` (a file name) prefixes the message.
 */
export function resolveBacktestConfig(input: unknown = {}, presetOverride?: string, source = "params"): BacktestConfig {
  if (presetOverride !== undefined && !presetSchema.safeParse(presetOverride).success) {
    throw new ParseError(`unknown preset ${JSON.stringify(presetOverride)} (one of ${STRATEGY_PRESET_NAMES.join(", ")})`, source);
  }
  const file = paramsFileSchema.safeParse(input ?? {});
  if (!file.success) throw new ParseError(`invalid parameters:\n  ${issueLines(file.error, "").join("\n  ")}`, source);
  const sectionPreset = presetSchema.safeParse(file.data.strategy?.preset);
  const preset: StrategyPresetName = (presetOverride as StrategyPresetName | undefined) ?? file.data.preset ?? (sectionPreset.success ? sectionPreset.data : "default");
  const section = (values: Record<string, unknown> | undefined) => ({ ...(values ?? {}), preset: presetOverride ?? values?.preset ?? preset });

  let strategy: EmaCrossParams | undefined;
  let risk: RiskParams | undefined;
  const problems = [
    ...validationLines("strategy", () => (strategy = resolveStrategyParams(section(file.data.strategy)))),
    ...validationLines("risk", () => (risk = resolveRiskParams(section(file.data.risk)))),
  ];
  const engine = engineSettingsSchema.safeParse(mergeSection(ENGINE_PRESETS[preset] as unknown as Record<string, unknown>, file.data.engine ?? {}));
  if (!engine.success) problems.push(...issueLines(engine.error, "engine"));
  if (problems.length > 0 || strategy === undefined || risk === undefined || !engine.success) {
    throw new ParseError(`invalid parameters:\n  ${problems.join("\n  ")}`, source);
  }
  return { preset, strategy, risk, engine: engine.data };
}

/**
 * Candles of warm-up before a time window (an optimizer fold, `--from`): enough for the slowest
 * indicator to forget its seed (an EMA(60)'s seed weighs (59/61)^300 ~ 5e-5 after 300 candles), at
 * least 5x the strategy's own warm-up.
 */
export function windowWarmup(config: Pick<BacktestConfig, "strategy">): number {
  return Math.max(300, 5 * warmupCandles(config.strategy));
}

/** The trading rules of a simulated market: the settings' fee on both sides, its minimum, always active. */
export function simulatedRules(market: Market, settings: EngineSettings): MarketRules {
  return {
    market,
    bidFee: settings.feeRate,
    askFee: settings.feeRate,
    makerBidFee: settings.feeRate,
    makerAskFee: settings.feeRate,
    minTotalBid: settings.minOrderKrw,
    minTotalAsk: settings.minOrderKrw,
    state: "active",
  };
}
