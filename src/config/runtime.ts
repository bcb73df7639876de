import { z } from "zod";

/**
 * The `runtime` section of `configs/*.json`: tuning of the actor runtime (`actors/deps.ts`
 * `RuntimeSettings` adds the interval, the markets and the time scale). Durations are ms of the
 * runtime clock, except `*RealMs` (wall-clock ms; scaled by the simulator speed in sim mode so the
 * load on the exchange stays the same). docs/runtime.md describes each setting.
 */
const ms = (min: number, max: number, dflt: number) =>
  z
    .number({ error: `a whole number of milliseconds from ${min} to ${max}` })
    .int(`a whole number of milliseconds from ${min} to ${max}`)
    .min(min, `a whole number of milliseconds from ${min} to ${max}`)
    .max(max, `a whole number of milliseconds from ${min} to ${max}`)
    .default(dflt);

export const runtimeSettingsSchema = z
  .object({
    candleGraceMs: ms(0, 60_000, 2_000),
    /**
     * Markets close quiet candles at slightly different moments (a fixed offset per market, up to
     * this many wall-clock ms, and at most a tenth of the interval), so hundreds of traders do not
     * all run their strategy in the same instant and delay the market messages queued behind them.
     */
    candleCloseSpreadRealMs: ms(0, 10_000, 250),
    maxConcurrentSubmits: z.number().int().min(1, "from 1 to 50").max(50, "from 1 to 50").default(4),
    orderPollRealMs: ms(200, 600_000, 3_000),
    limitOrderTimeoutMs: ms(0, 86_400_000, 60_000),
    limitOrderOnTimeout: z.enum(["cancel", "reprice"], { error: "cancel or reprice" }).default("cancel"),
    maxIntentAgeRealMs: ms(500, 86_400_000, 120_000),
    balanceRefreshRealMs: ms(1_000, 3_600_000, 15_000),
    /** How often equity is marked (drawdown and daily-loss brakes, equity gauges). */
    equityMarkRealMs: ms(200, 600_000, 5_000),
    marketSyncMs: ms(10_000, 86_400_000, 600_000),
    reconcileRetryRealMs: ms(1_000, 3_600_000, 10_000),
    historyCandles: z.number().int().min(50, "from 50 to 2000").max(2_000, "from 50 to 2000").default(200),
    onShutdownOrders: z.enum(["keep", "cancel"], { error: "keep or cancel" }).default("keep"),
    supervision: z
      .object({
        maxRestarts: z.number().int().min(1, "from 1 to 100").max(100, "from 1 to 100").default(5),
        withinMs: ms(1_000, 3_600_000, 60_000),
        baseBackoffMs: ms(0, 600_000, 500),
        maxBackoffMs: ms(0, 3_600_000, 30_000),
        jitter: z.number().min(0, "from 0 to 1").max(1, "from 0 to 1").default(0.2),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RuntimeConfig = z.output<typeof runtimeSettingsSchema>;

/** Every default, plus the time scale of a real-time clock. */
export const DEFAULT_RUNTIME_SETTINGS: RuntimeConfig & { readonly timeScale: number } = { timeScale: 1, ...runtimeSettingsSchema.parse({}) };
