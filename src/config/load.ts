import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { z } from "zod";
import { ALERT_SECRET_ENV_VARS, type AlertEnv, channelsFromEnv } from "../alerts/config.ts";
import { resolveRiskParams } from "../core/risk/index.ts";
import { resolveStrategyParams } from "../core/strategy/index.ts";
import { runtimeSettingsSchema } from "./runtime.ts";
import {
  type AppConfig,
  BITHUMB_REST_URL,
  BITHUMB_WS_PRIVATE_URL,
  BITHUMB_WS_URL,
  decodeSecretsKey,
  DEFAULT_SIM_SPEED,
  envSchema,
  fileSchema,
  LIVE_CONFIRM_PHRASE,
  SIM_DEFAULT_ACCESS_KEY,
  SIM_DEFAULT_SECRET_KEY,
} from "./schema.ts";

/** One bad setting: where it came from, what was received, what is allowed. */
export interface ConfigProblem {
  readonly field: string;
  readonly received: string;
  readonly allowed: string;
}

export type ConfigResult = { readonly ok: true; readonly config: AppConfig } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

const SECRET_FIELDS = new Set([
  "BITHUMB_ACCESS_KEY",
  "BITHUMB_SECRET_KEY",
  "API_TOKEN",
  "SIM_SECRET_KEY",
  "SIM_ACCESS_KEY",
  "LIVE_TRADING_CONFIRM",
  "ADMIN_PASSWORD",
  "SESSION_SECRET",
  "SECRETS_KEY",
  ...ALERT_SECRET_ENV_VARS,
]);

/** Show what was received without ever echoing a secret. */
function describeReceived(field: string, value: unknown): string {
  if (value === undefined) return "nothing";
  if (SECRET_FIELDS.has(field)) return "(hidden)";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? value.slice(0, 77) + "..." : value);
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 80 ? s.slice(0, 77) + "..." : s;
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

function issuesToProblems(prefix: string, input: unknown, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const field = prefix ? (path ? `${prefix}${prefix.includes(":") ? "." : ":"}${path}` : prefix) : path;
    const allowed =
      issue.code === "unrecognized_keys" ? `no key ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} (unknown setting)` : issue.message;
    const received = issue.code === "unrecognized_keys" ? "unknown keys" : describeReceived(path, valueAt(input, issue.path));
    return { field, received, allowed };
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Later layers win; objects merge key by key, arrays and scalars replace. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

function readJsonFile(path: string, problems: ConfigProblem[]): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (!isPlainObject(parsed)) {
      problems.push({ field: path, received: "a JSON value that is not an object", allowed: "a JSON object" });
      return {};
    }
    return parsed;
  } catch (e) {
    problems.push({ field: path, received: "unreadable or invalid JSON", allowed: `a JSON object (${(e as Error).message.split("\n")[0]})` });
    return {};
  }
}

export interface LoadOptions {
  readonly env: Record<string, string | undefined>;
  /** Folder holding default.json and <mode>.json. */
  readonly configDir?: string;
  readonly cwd?: string;
}

/**
 * Read and validate the whole configuration. Pure apart from reading the config files; returns
 * every problem at once so the operator can fix them in one go.
 */
export function loadConfig(options: LoadOptions): ConfigResult {
  const cwd = options.cwd ?? process.cwd();
  const configDir = options.configDir ?? join(cwd, "configs");
  const problems: ConfigProblem[] = [];

  const envParsed = envSchema.safeParse(options.env);
  if (!envParsed.success) problems.push(...issuesToProblems("", options.env, envParsed.error.issues));
  const env = envParsed.success ? envParsed.data : undefined;
  const mode = env?.TRADING_MODE ?? "sim";

  let merged: Record<string, unknown> = {};
  const layers = [join(configDir, "default.json"), join(configDir, `${mode}.json`)];
  if (options.env.CONFIG_FILE) layers.push(resolve(cwd, options.env.CONFIG_FILE));
  for (const file of layers) {
    if (!existsSync(file)) {
      if (file === resolve(cwd, options.env.CONFIG_FILE ?? "\0")) problems.push({ field: "CONFIG_FILE", received: JSON.stringify(options.env.CONFIG_FILE), allowed: "a path to an existing JSON file" });
      continue;
    }
    merged = deepMerge(merged, readJsonFile(file, problems));
  }
  const fileParsed = fileSchema.safeParse(merged);
  if (!fileParsed.success) problems.push(...issuesToProblems("configs", merged, fileParsed.error.issues));
  // Each section is checked by its owner's schema, every problem reported at once.
  const strategy = parseSection("strategy", merged.strategy, resolveStrategyParams, problems);
  const risk = parseSection("risk", merged.risk, resolveRiskParams, problems);
  const runtime = parseSection("runtime", merged.runtime, (v) => runtimeSettingsSchema.parse(v ?? {}), problems);

  if (!env || !fileParsed.success || strategy === undefined || risk === undefined || runtime === undefined) return { ok: false, problems };

  // Cross-field rules.
  const restGiven = env.BITHUMB_REST_URL !== undefined;
  const wsGiven = env.BITHUMB_WS_URL !== undefined;
  if (mode === "sim" && restGiven !== wsGiven) {
    problems.push({
      field: restGiven ? "BITHUMB_WS_URL" : "BITHUMB_REST_URL",
      received: "nothing",
      allowed: "set together with the other URL (both point at an external simulator) or neither (embedded simulator)",
    });
  }
  if (mode === "live") {
    if (!env.BITHUMB_ACCESS_KEY) problems.push({ field: "BITHUMB_ACCESS_KEY", received: "nothing", allowed: "your Bithumb API 2.0 access key (required in live mode)" });
    if (!env.BITHUMB_SECRET_KEY) problems.push({ field: "BITHUMB_SECRET_KEY", received: "nothing", allowed: "your Bithumb API 2.0 secret key (required in live mode)" });
    if (env.LIVE_TRADING_CONFIRM !== LIVE_CONFIRM_PHRASE) {
      problems.push({
        field: "LIVE_TRADING_CONFIRM",
        received: env.LIVE_TRADING_CONFIRM === undefined ? "nothing" : "(hidden)",
        allowed: `exactly ${LIVE_CONFIRM_PHRASE} to confirm that live mode places real orders with real money`,
      });
    }
  }
  // Alert channels from the environment (Telegram, Slack, e-mail, webhook): checked here too.
  const alertEnv = channelsFromEnv(options.env as AlertEnv);
  for (const line of alertEnv.problems) {
    const [field, ...rest] = line.split(": ");
    problems.push({ field: field!, received: describeReceived(field!, options.env[field!]), allowed: rest.join(": ") });
  }
  const dedupeRaw = options.env.ALERT_DEDUPE_WINDOW_MS;
  const dedupeWindowMs = dedupeRaw === undefined || dedupeRaw === "" ? undefined : Number(dedupeRaw);
  if (dedupeWindowMs !== undefined && !(Number.isInteger(dedupeWindowMs) && dedupeWindowMs >= 0 && dedupeWindowMs <= 86_400_000)) {
    problems.push({ field: "ALERT_DEDUPE_WINDOW_MS", received: describeReceived("ALERT_DEDUPE_WINDOW_MS", dedupeRaw), allowed: "a whole number of milliseconds from 0 to 86400000" });
  }
  if (problems.length > 0) return { ok: false, problems };

  const embeddedSim = mode === "sim" && !restGiven;
  const simAccess = env.SIM_ACCESS_KEY ?? SIM_DEFAULT_ACCESS_KEY;
  const simSecret = env.SIM_SECRET_KEY ?? SIM_DEFAULT_SECRET_KEY;
  const accessKey = mode === "sim" ? (env.BITHUMB_ACCESS_KEY ?? simAccess) : env.BITHUMB_ACCESS_KEY;
  const secretKey = mode === "sim" ? (env.BITHUMB_SECRET_KEY ?? simSecret) : env.BITHUMB_SECRET_KEY;

  const config: AppConfig = {
    mode,
    exchange: {
      restUrl: env.BITHUMB_REST_URL ?? BITHUMB_REST_URL,
      wsUrl: env.BITHUMB_WS_URL ?? BITHUMB_WS_URL,
      wsPrivateUrl: env.BITHUMB_WS_PRIVATE_URL ?? (env.BITHUMB_WS_URL ? privateUrlFor(env.BITHUMB_WS_URL) : BITHUMB_WS_PRIVATE_URL),
      accessKey,
      secretKey,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS ?? 10_000,
      embeddedSim,
    },
    database: { path: resolve(cwd, env.DATABASE_PATH ?? "data/bot.db") },
    server: { host: env.HOST ?? "127.0.0.1", port: env.PORT ?? 3000, apiToken: env.API_TOKEN, trustProxy: env.TRUST_PROXY ?? false },
    auth: { adminUser: env.ADMIN_USER, adminPassword: env.ADMIN_PASSWORD, sessionSecret: env.SESSION_SECRET, cookieSecure: env.COOKIE_SECURE },
    secretsKey: env.SECRETS_KEY === undefined ? undefined : decodeSecretsKey(env.SECRETS_KEY),
    log: {
      level: env.LOG_LEVEL,
      format: env.LOG_FORMAT ?? (env.NODE_ENV === "production" || !process.stdout.isTTY ? "json" : "pretty"),
    },
    sim: {
      port: env.SIM_PORT ?? 0,
      speed: env.SIM_SPEED ?? DEFAULT_SIM_SPEED,
      seed: env.SIM_SEED ?? 42,
      dataDir: resolve(cwd, env.SIM_DATA_DIR ?? "data/candles"),
      accessKey: simAccess,
      secretKey: simSecret,
      feeRate: env.SIM_FEE_RATE ?? 0.0025,
      initialKrw: env.SIM_INITIAL_KRW ?? 10_000_000,
    },
    tradingEnabled: env.TRADING_ENABLED ?? true,
    trading: fileParsed.data,
    strategy,
    risk,
    runtime,
    alerts: { env: alertEnv, dedupeWindowMs, telegramCommands: options.env.TELEGRAM_COMMANDS !== "false" },
    secrets: [accessKey, secretKey, env.API_TOKEN, env.SIM_SECRET_KEY, env.LIVE_TRADING_CONFIRM, env.ADMIN_PASSWORD, env.SESSION_SECRET, env.SECRETS_KEY, ...alertEnv.secrets].filter(
      (s): s is string => typeof s === "string" && s.length >= 4,
    ),
  };
  return { ok: true, config };
}

/** Parse one config section with its schema; on failure record one problem per bad field. */
function parseSection<T>(name: string, value: unknown, parse: (v: unknown) => T, problems: ConfigProblem[]): T | undefined {
  try {
    return parse(value ?? {});
  } catch (e) {
    const issues = (e as { issues?: readonly z.core.$ZodIssue[] }).issues;
    if (!issues) throw e;
    problems.push(...issuesToProblems(`configs:${name}`, value, issues));
    return undefined;
  }
}

/** The private stream lives next to the public one: `.../websocket/v1` -> `.../websocket/v2/private`. */
export function privateUrlFor(publicWsUrl: string): string {
  const u = new URL(publicWsUrl);
  u.pathname = u.pathname.replace(/\/websocket\/v1\/?$/, "/websocket/v2/private");
  if (!u.pathname.endsWith("/private")) u.pathname = u.pathname.replace(/\/?$/, "/v2/private");
  return u.toString();
}

/** One line per problem, for stderr: `FIELD: received X; allowed: Y`. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `config error: ${p.field}: received ${p.received}; allowed: ${p.allowed}`).join("\n");
}
