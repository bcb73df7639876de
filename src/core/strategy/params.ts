import { z } from "zod";

/**
 * Parameters of the EMA-cross strategy, with the `default` preset as the schema defaults, and the
 * `classic` preset (the reference rules the backtest is checked against; docs/strategy.md).
 */

const period = (fallback: number) => z.number().int().min(1).max(10_000).default(fallback);
const positive = (fallback: number) => z.number().gt(0).default(fallback);

const stopLossSchema = z
  .object({
    /** `atr`: stop = entry fill price - atrMultiple x ATR(signal candle); `percent`: entry x (1 - percent). */
    mode: z.enum(["atr", "percent"]).default("atr"),
    atrMultiple: positive(2),
    percent: z.number().gt(0).lt(1).default(0.03),
  })
  .strict();

const takeProfitLevelSchema = z
  .object({
    /** Profit in R (the initial risk per unit, entry - initial stop) at which this level sells. */
    r: z.number().gt(0),
    /** Share of the INITIAL position sold at this level. */
    fraction: z.number().gt(0).max(1),
  })
  .strict();

const takeProfitsSchema = z
  .object({
    enabled: z.boolean().default(true),
    levels: z
      .array(takeProfitLevelSchema)
      .max(10)
      .default([
        { r: 1, fraction: 1 / 3 },
        { r: 2, fraction: 1 / 3 },
      ])
      .refine((levels) => levels.every((l, i) => i === 0 || l.r > levels[i - 1]!.r), "levels in strictly increasing r")
      .refine((levels) => levels.reduce((s, l) => s + l.fraction, 0) <= 1 + 1e-9, "level fractions adding up to at most 1"),
    /** After the first level sells, raise the stop to the entry price. */
    breakevenAfterFirst: z.boolean().default(true),
  })
  .strict();

const targetSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** `r`: entry + value x R; `percent`: entry x (1 + value). Sells everything. */
    mode: z.enum(["r", "percent"]).default("r"),
    value: positive(3),
  })
  .strict();

const trailingStopSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Stop = highest close since entry - atrMultiple x current ATR, raised at each close, never lowered. */
    atrMultiple: positive(3),
  })
  .strict();

const timeStopSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Exit at the close of the `bars`-th candle held (the entry candle is the first). */
    bars: z.number().int().min(1).default(120),
  })
  .strict();

const strengthSchema = z
  .object({
    /** Cross component reaches 1 when fast - slow is this many ATRs. */
    crossAtr: positive(0.1),
    /** Volume component reaches 1 at this volume ratio. */
    volumeRatioFull: positive(2),
  })
  .strict();

export const emaCrossParamsSchema = z
  .object({
    emaFast: period(20),
    emaSlow: period(60),
    rsiPeriod: period(14),
    /** Entry needs rsiMin <= RSI <= rsiMax (inclusive). */
    rsiMin: z.number().min(0).max(100).default(50),
    rsiMax: z.number().min(0).max(100).default(70),
    volumePeriod: period(20),
    /** Entry needs volume / SMA(volume, volumePeriod) >= this (the SMA includes the signal candle). */
    volumeRatioMin: z.number().min(0).default(1),
    atrPeriod: period(14),
    /** Entry needs strength >= this; 0 turns the filter off. */
    minStrength: z.number().min(0).max(1).default(0),
    strength: strengthSchema.prefault({}),
    stopLoss: stopLossSchema.prefault({}),
    /** Exit everything on the dead cross (fast crosses below slow on a closed candle). */
    exitOnDeadCross: z.boolean().default(true),
    target: targetSchema.prefault({}),
    takeProfits: takeProfitsSchema.prefault({}),
    trailingStop: trailingStopSchema.prefault({}),
    timeStop: timeStopSchema.prefault({}),
  })
  .strict()
  .refine((p) => p.emaFast < p.emaSlow, { message: "emaFast must be shorter than emaSlow", path: ["emaFast"] })
  .refine((p) => p.rsiMin <= p.rsiMax, { message: "rsiMin must not exceed rsiMax", path: ["rsiMin"] });

export type EmaCrossParams = z.output<typeof emaCrossParamsSchema>;
export type EmaCrossParamsInput = z.input<typeof emaCrossParamsSchema>;

export const STRATEGY_PRESET_NAMES = ["default", "classic"] as const;
export type StrategyPresetName = (typeof STRATEGY_PRESET_NAMES)[number];

/**
 * `classic`: everything off except the cross entry (EMA 20 over EMA 60, RSI 14 in [50, 70], volume
 * ratio >= 1.0 over 20 candles), the dead-cross exit and a stop at fill - 2 x ATR 14 of the signal
 * candle. `default`: the schema defaults (partial take-profits, trailing stop, time stop on).
 */
export const STRATEGY_PRESETS: Readonly<Record<StrategyPresetName, EmaCrossParams>> = {
  default: emaCrossParamsSchema.parse({}),
  classic: emaCrossParamsSchema.parse({
    emaFast: 20,
    emaSlow: 60,
    rsiPeriod: 14,
    rsiMin: 50,
    rsiMax: 70,
    volumePeriod: 20,
    volumeRatioMin: 1,
    atrPeriod: 14,
    minStrength: 0,
    stopLoss: { mode: "atr", atrMultiple: 2 },
    exitOnDeadCross: true,
    target: { enabled: false },
    takeProfits: { enabled: false },
    trailingStop: { enabled: false },
    timeStop: { enabled: false },
  }),
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `over` on top of `base`: objects merge key by key, arrays and scalars replace. */
function mergeParams(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeParams(out[k], v) : v;
  return out;
}

const presetSelectorSchema = z
  .object({ preset: z.enum(STRATEGY_PRESET_NAMES, { error: `one of ${STRATEGY_PRESET_NAMES.join(", ")}` }).default("default") })
  .loose();

/**
 * Parameters from a config section or a `--params` file: `{ preset?: "default" | "classic", ...overrides }`.
 * The preset is the base; every other key overrides it (objects merge, arrays replace). Throws a
 * `ZodError` naming the bad field.
 */
export function resolveStrategyParams(input: unknown = {}): EmaCrossParams {
  if (!isPlainObject(input)) return emaCrossParamsSchema.parse(input);
  const { preset } = presetSelectorSchema.parse(input);
  const { preset: _preset, ...overrides } = input;
  return emaCrossParamsSchema.parse(mergeParams(STRATEGY_PRESETS[preset] as unknown as Record<string, unknown>, overrides));
}

/**
 * Closed candles needed before the first possible signal: the cross compares the previous candle's
 * slow EMA (first value at index emaSlow - 1), RSI and ATR start at index `period`, the volume SMA
 * at `volumePeriod - 1`. For `classic` that is 61 candles (first possible signal at index 60).
 */
export function warmupCandles(params: EmaCrossParams): number {
  return Math.max(params.emaSlow, params.rsiPeriod, params.atrPeriod, params.volumePeriod - 1) + 1;
}
