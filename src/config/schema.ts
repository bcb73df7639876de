import { z } from "zod";
import type { RiskParams } from "../core/risk/index.ts";
import type { EmaCrossParams } from "../core/strategy/index.ts";
import type { RuntimeConfig } from "./runtime.ts";
import type { EnvChannels } from "../alerts/config.ts";

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

/** User names: letters, digits, `.`, `_`, `-` (they appear in audit rows and URLs). */
export const USER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
export const USER_NAME_HINT = "1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit";
/** NIST SP 800-63B: at least 8 characters, long passphrases allowed (capped so hashing stays bounded). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export const COOKIE_SECURE_MODES = ["auto", "true", "false"] as const;
export type CookieSecureMode = (typeof COOKIE_SECURE_MODES)[number];

/** SECRETS_KEY as 32 key bytes, or undefined when it is not base64 (or base64url) of exactly 32 bytes. */
export function decodeSecretsKey(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return bytes.length === 32 ? new Uint8Array(bytes) : undefined;
}

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
  /** Name of the first admin, created on the first start when no user exists. */
  ADMIN_USER: z.preprocess(emptyToUndefined, z.string().regex(USER_NAME_RE, USER_NAME_HINT).default("admin")),
  /** The first admin's password (first start only); when unset, main generates one and prints it once. */
  ADMIN_PASSWORD: z.preprocess(emptyToUndefined, z.string().min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`).max(PASSWORD_MAX_LENGTH, `at most ${PASSWORD_MAX_LENGTH} characters`).optional()),
  /** Key for the session JWTs; when unset a random one per process (sessions then refresh after a restart). */
  SESSION_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, "at least 32 characters (e.g. `openssl rand -base64 32`)").optional()),
  /** AES-256 key for secrets stored in the database: base64 of exactly 32 bytes. */
  SECRETS_KEY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((s) => decodeSecretsKey(s) !== undefined, "base64 of exactly 32 random bytes (e.g. `openssl rand -base64 32`)")
      .optional(),
  ),
  /** auto: Secure cookies when the request came over HTTPS (directly or via a trusted proxy). */
  COOKIE_SECURE: z.preprocess(
    (v) => (typeof v === "string" ? emptyToUndefined(v.toLowerCase()) : v),
    z.enum(COOKIE_SECURE_MODES, { error: `one of ${COOKIE_SECURE_MODES.join(", ")}` }).default("auto"),
  ),
  /** Behind a reverse proxy: take the client address and scheme from X-Forwarded-For / -Proto. */
  TRUST_PROXY: bool,
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
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly apiToken?: string;
    /** Behind a reverse proxy: client address and scheme from X-Forwarded-For / X-Forwarded-Proto. */
    readonly trustProxy: boolean;
  };
  /** Dashboard users and sessions (src/server/auth). */
  readonly auth: {
    /** The first admin's name (created on the first start when no user exists). */
    readonly adminUser: string;
    /** The first admin's password; unset = main generates one and prints it once. */
    readonly adminPassword?: string;
    /** Session JWT key; unset = random per process. */
    readonly sessionSecret?: string;
    /** Secure cookies: always (`true`), never (`false`), or when the request came over HTTPS (`auto`). */
    readonly cookieSecure: CookieSecureMode;
  };
  /** AES-256-GCM key for secrets at rest (exchange keys, alert channel credentials); unset = saving secrets is refused. */
  readonly secretsKey?: Uint8Array;
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
  /** Alert channels configured in the environment, and the de-duplication window. */
  readonly alerts: { readonly env: EnvChannels; readonly dedupeWindowMs?: number; readonly telegramCommands: boolean };
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
