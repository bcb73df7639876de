import { z } from "zod";
import { isPlainObject, mergeSection } from "../merge.ts";

/**
 * Risk and sizing parameters. Schema defaults are the production defaults (also spelled out in
 * configs/default.json); `RISK_PRESETS.classic` is the all-in sizing of the classic backtest.
 */
const kellySchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Share of the full Kelly fraction used: 0.5 = half-Kelly. */
    multiplier: z.number().gt(0).max(1).default(0.5),
    /** Most recent closed trades considered. */
    lookback: z.number().int().min(1).max(10_000).default(50),
    /** Below this many closed trades the prior is used instead of the estimate. */
    minTrades: z.number().int().min(1).max(10_000).default(20),
    /** Prior win rate (share of trades with positive PnL). */
    priorWinRate: z.number().min(0).max(1).default(0.35),
    /** Prior average win in R (multiples of the initial risk), losses assumed to cost 1 R. */
    priorPayoffR: z.number().gt(0).default(2),
    /**
     * Share of equity risked per trade while the Kelly fraction is below it (down to no measured
     * edge): the strategy keeps trading small, so new outcomes can move the estimate back up. 0
     * turns probing off: entries are then denied `no_edge` while the estimate is 0, which locks a
     * strategy out for good once its last `lookback` trades show no edge (kelly.ts).
     */
    probeRiskFraction: z.number().min(0).max(0.01).default(0.0025),
  })
  .strict();

const correlationSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Returns (candle to candle) used for the correlation. */
    lookback: z.number().int().min(2).max(10_000).default(60),
    /** Fewer aligned returns than this: the correlation is not trusted and ignored. */
    minObservations: z.number().int().min(2).max(10_000).default(30),
    /** From this correlation up, the size shrinks linearly... */
    reduceAbove: z.number().min(-1).max(1).default(0.7),
    /** ...to zero here: at or above it the entry is denied. */
    denyAbove: z.number().min(-1).max(1).default(0.9),
  })
  .strict()
  .refine((c) => c.reduceAbove < c.denyAbove, { message: "reduceAbove must be below denyAbove", path: ["reduceAbove"] });

const entryOrderSchema = z
  .object({
    /** `market`: buy by KRW amount (order type `price`); `limit`: a marketable limit just above the reference price. */
    type: z.enum(["market", "limit"]).default("market"),
    /** Limit orders: price = reference x (1 + limitOffset), rounded down to the tick grid. */
    limitOffset: z.number().min(0).max(0.05).default(0.002),
  })
  .strict();

export const riskParamsSchema = z
  .object({
    /** `risk_based`: the smallest of the Kelly, risk, weight and cash caps; `all_available`: every available KRW (classic backtest). */
    sizing: z.enum(["risk_based", "all_available"]).default("risk_based"),
    /** Share of equity lost if the stop is hit, fees included. */
    maxRiskPerTrade: z.number().min(0.005, "from 0.5 %").max(0.05, "at most 5 %").default(0.03),
    maxPositions: z.number().int().min(1).max(100).default(5),
    /** Largest share of equity in one market. */
    maxMarketWeight: z.number().gt(0).max(1).default(0.25),
    /** KRW never traded: taken out of both equity and available cash before sizing. */
    reservedKrw: z.number().min(0).default(0),
    /** Loss since the start of the KST day, as a share of that day's starting equity, that stops new entries (null = off). */
    dailyLossLimit: z.number().gt(0).max(1).nullable().default(0.05),
    /** Drawdown from the equity peak that stops new entries (null = off). */
    maxDrawdown: z.number().gt(0).max(1).nullable().default(0.2),
    kelly: kellySchema.prefault({}),
    correlation: correlationSchema.prefault({}),
    entryOrder: entryOrderSchema.prefault({}),
    /**
     * A market sell is valued at a reference price before it executes; its notional must clear the
     * exchange minimum by this margin so a small drop in between does not make the exchange refuse it.
     */
    sellMinimumMargin: z.number().min(0).max(0.2).default(0.01),
  })
  .strict();

export type RiskParams = z.output<typeof riskParamsSchema>;
export type RiskParamsInput = z.input<typeof riskParamsSchema>;
export type KellyParams = RiskParams["kelly"];
export type CorrelationParams = RiskParams["correlation"];

export const RISK_PRESETS = {
  default: riskParamsSchema.parse({}),
  /** The classic backtest: buy with all available KRW, no portfolio brakes (one market). */
  classic: riskParamsSchema.parse({
    sizing: "all_available",
    maxPositions: 100,
    maxMarketWeight: 1,
    dailyLossLimit: null,
    maxDrawdown: null,
    kelly: { enabled: false },
    correlation: { enabled: false },
  }),
} as const satisfies Record<string, RiskParams>;

const RISK_PRESET_NAMES = ["default", "classic"] as const;
const riskPresetSelector = z.object({ preset: z.enum(RISK_PRESET_NAMES, { error: `one of ${RISK_PRESET_NAMES.join(", ")}` }).default("default") }).loose();

/**
 * Risk parameters from a config section: `{ preset?: "default" | "classic", ...overrides }` (`{}` =
 * defaults); the preset is the base and other keys override it. Throws a `ZodError` naming the bad field.
 */
export function resolveRiskParams(input: unknown = {}): RiskParams {
  if (!isPlainObject(input)) return riskParamsSchema.parse(input);
  const { preset } = riskPresetSelector.parse(input);
  const { preset: _preset, ...overrides } = input;
  return riskParamsSchema.parse(mergeSection(RISK_PRESETS[preset] as unknown as Record<string, unknown>, overrides));
}
