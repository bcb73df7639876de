import { z } from "zod";
import type { RiskParams } from "../core/risk/index.ts";
import type { EmaCrossParams } from "../core/strategy/index.ts";
import type { RuntimeConfig } from "./runtime.ts";

/**
 * The one configuration schema. Environment variables (documented in `.env.example`) carry the
 * deployment settings and secrets; JSON files in `configs/` carry trading parameters. Both are
 * validated here and nowhere else; `main.ts` reads them once and passes the result down.
 */

export const TRADING_MODES = ["sim", "paper", "live"] as const;
export type TradingMode = (typeof TRADING_MODES)[number];

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** The phrase that must be set in LIVE_TRADING_CONFIRM before real orders are sent. */
export const LIVE_CONFIRM_PHRASE = "I_ACCEPT_REAL_ORDERS";

/** Default simulator credentials (also documented in README and .env.example). */
export const SIM_DEFAULT_ACCESS_KEY = "sim-access-key";
export const SIM_DEFAULT_SECRET_KEY = "sim-secret-key-change-me";

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const url = (protocols: readonly string[]) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((s) => {
        try {
          return protocols.includes(new URL(s).protocol);
        } catch {
          return false;
        }
      }, `a URL starting with ${protocols.map((p) => p + "//").join(" or ")}`)
      .optional(),
  );
const intIn = (min: number, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `an integer from ${min} to ${max}` })
      .int(`an integer from ${min} to ${max}`)
      .min(min, `an integer from ${min} to ${max}`)
      .max(max, `an integer from ${min} to ${max}`)
      .optional(),
  );
const numberIn = (min: number, max: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `a number from ${min} to ${max}` })
      .min(min, `a number from ${min} to ${max}`)
      .max(max, `a number from ${min} to ${max}`)
      .optional(),
  );
const bool = z.preprocess(
  (v) => {
    const s = emptyToUndefined(v);
    if (s === undefined || typeof s === "boolean") return s;
    const t = String(s).toLowerCase();
    if (["1", "true", "yes", "on"].includes(t)) return true;
    if (["0", "false", "no", "off"].includes(t)) return false;
    return s;
  },
  z.boolean({ error: "true or false" }).optional(),
);

/** Environment variables, by their names (so error lines can name exactly what to fix). */
export const envSchema = z.object({
  TRADING_MODE: z.preprocess(
    emptyToUndefined,
    z.enum(TRADING_MODES, { error: `one of ${TRADING_MODES.join(", ")}` }).default("sim"),
  ),
  LIVE_TRADING_CONFIRM: optionalString,
  BITHUMB_ACCESS_KEY: optionalString,
  BITHUMB_SECRET_KEY: optionalString,
  BITHUMB_REST_URL: url(["http:", "https:"]),
  BITHUMB_WS_URL: url(["ws:", "wss:"]),
  BITHUMB_WS_PRIVATE_URL: url(["ws:", "wss:"]),
  REQUEST_TIMEOUT_MS: intIn(100, 120_000),
  DATABASE_PATH: optionalString,
  HOST: optionalString,
  PORT: intIn(0, 65_535),
  API_TOKEN: optionalString,
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === "string" ? emptyToUndefined(v.toLowerCase()) : v),
    z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  ),
  LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(["json", "pretty"], { error: "json or pretty" }).optional()),
  NODE_ENV: optionalString,
  CONFIG_FILE: optionalString,
  SIM_PORT: intIn(0, 65_535),
  SIM_SPEED: numberIn(0.001, 1_000_000),
  SIM_SEED: intIn(0, 2 ** 31 - 1),
  SIM_DATA_DIR: optionalString,
  SIM_ACCESS_KEY: optionalString,
  SIM_SECRET_KEY: optionalString,
  SIM_FEE_RATE: numberIn(0, 0.05),
  SIM_INITIAL_KRW: numberIn(0, 1e13),
  TRADING_ENABLED: bool,
});
export type EnvInput = z.input<typeof envSchema>;
export type EnvConfig = z.output<typeof envSchema>;

/** Trading parameters from `configs/*.json`; sections are validated by their owners' schemas later. */
export const fileSchema = z
  .object({
    /** Markets to trade; empty = every KRW market the exchange lists. */
    markets: z.array(z.string().regex(/^KRW-[A-Z0-9]{1,15}$/, "a market code like KRW-BTC")).default([]),
    /** Candle interval the strategy runs on. */
    interval: z.enum(["1m", "3m", "5m", "10m", "15m", "30m", "1h", "4h", "1d"]).default("1m"),
    strategy: z.record(z.string(), z.unknown()).default({}),
    risk: z.record(z.string(), z.unknown()).default({}),
    runtime: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type FileConfig = z.output<typeof fileSchema>;

export interface AppConfig {
  readonly mode: TradingMode;
  readonly exchange: {
    readonly restUrl: string;
    readonly wsUrl: string;
    readonly wsPrivateUrl: string;
    readonly accessKey?: string;
    readonly secretKey?: string;
    readonly requestTimeoutMs: number;
    /** True when sim mode should start its own embedded simulator (no URLs given). */
    readonly embeddedSim: boolean;
  };
  readonly database: { readonly path: string };
  readonly server: { readonly host: string; readonly port: number; readonly apiToken?: string };
  readonly log: { readonly level: (typeof LOG_LEVELS)[number]; readonly format: "json" | "pretty" };
  readonly sim: {
    readonly port: number;
    readonly speed: number;
    readonly seed: number;
    readonly dataDir: string;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly feeRate: number;
    readonly initialKrw: number;
  };
  readonly tradingEnabled: boolean;
  readonly trading: FileConfig;
  /** The validated sections of the config files. */
  readonly strategy: EmaCrossParams;
  readonly risk: RiskParams;
  readonly runtime: RuntimeConfig;
  /** Values never to appear in logs or pages (keys, tokens): fed to the log scrubber. */
  readonly secrets: readonly string[];
}

export const BITHUMB_REST_URL = "https://api.bithumb.com";
export const BITHUMB_WS_URL = "wss://ws-api.bithumb.com/websocket/v1";
export const BITHUMB_WS_PRIVATE_URL = "wss://ws-api.bithumb.com/websocket/v2/private";

/** Default simulated seconds per real second: chosen so a fresh `bun start` sees a fill within minutes. */
export const DEFAULT_SIM_SPEED = 60;
