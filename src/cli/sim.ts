/**
 * `bun run sim`: the Bithumb exchange simulator as a standalone server (docs/simulator.md).
 *
 *   bun run sim --port 5555 [--speed 60] [--seed 42] [--data data/candles] [--start ISO|index]
 *               [--markets KRW-BTC,KRW-ETH] [--fee 0.0025] [--krw 10000000]
 *               [--fail-5xx 0.05] [--fail-429 0.05] [--retry-after 1] [--latency 200]
 *               [--ack-delay 3000] [--lose-responses 1] [--log-level info]
 *
 * Keys come from SIM_ACCESS_KEY / SIM_SECRET_KEY (defaults in src/config/schema.ts); every flag
 * also has a SIM_* environment fallback where one exists. On start it prints one line to stdout:
 *
 *   SIM_READY port=5555 rest=http://127.0.0.1:5555 ws=ws://127.0.0.1:5555/websocket/v1 ws_private=... start=... speed=60 seed=42
 *
 * and exits 0 on SIGINT/SIGTERM after closing the server. Logs go to stderr.
 */
import { parseArgs } from "node:util";
import pino from "pino";
import { DEFAULT_SIM_SPEED, envSchema, SIM_DEFAULT_ACCESS_KEY, SIM_DEFAULT_SECRET_KEY } from "../config/schema.ts";
import { isMarket, type Market } from "../core/model.ts";
import { createLogger } from "../log.ts";
import { DEFAULT_SIM_FEE_RATE, DEFAULT_SIM_INITIAL_KRW, DEFAULT_SIM_SEED, type FaultSettings, startSimulator } from "../exchange/sim/index.ts";

const USAGE = "usage: bun run sim [--port N] [--speed X] [--seed S] [--data DIR] [--start ISO|index] [--markets A,B] [--fee R] [--krw N] [--fail-5xx R] [--fail-429 R] [--retry-after S] [--latency MS] [--ack-delay MS] [--lose-responses N] [--log-level L]";

function fail(message: string): never {
  console.error(`sim: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

function num(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) fail(`--${name} must be a number, got ${JSON.stringify(text)}`);
  return v;
}

function int(name: string, text: string | undefined): number | undefined {
  const v = num(name, text);
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) fail(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return v;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      options: {
        port: { type: "string" },
        host: { type: "string" },
        speed: { type: "string" },
        seed: { type: "string" },
        data: { type: "string" },
        start: { type: "string" },
        markets: { type: "string" },
        fee: { type: "string" },
        krw: { type: "string" },
        "fail-5xx": { type: "string" },
        "fail-429": { type: "string" },
        "retry-after": { type: "string" },
        latency: { type: "string" },
        "ack-delay": { type: "string" },
        "lose-responses": { type: "string" },
        "log-level": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const flags = parsed.values;
  if (flags.help) {
    console.log(USAGE);
    return;
  }

  const env = envSchema
    .pick({ SIM_PORT: true, SIM_SPEED: true, SIM_SEED: true, SIM_DATA_DIR: true, SIM_ACCESS_KEY: true, SIM_SECRET_KEY: true, SIM_FEE_RATE: true, SIM_INITIAL_KRW: true, LOG_LEVEL: true })
    .safeParse(process.env);
  if (!env.success) fail(env.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  const e = env.data;

  let startAt: number | undefined;
  let startIndex: number | undefined;
  if (flags.start !== undefined) {
    if (/^\d{1,9}$/.test(flags.start)) startIndex = Number(flags.start);
    else {
      startAt = Date.parse(flags.start);
      if (!Number.isFinite(startAt)) fail(`--start must be an ISO date-time or a minute index, got ${JSON.stringify(flags.start)}`);
    }
  }
  let markets: Market[] | undefined;
  if (flags.markets !== undefined) {
    const codes = flags.markets.split(",").map((m) => m.trim());
    const bad = codes.filter((m) => !isMarket(m));
    if (bad.length > 0) fail(`--markets: not market codes: ${bad.join(", ")}`);
    markets = codes as Market[];
  }
  const faults: Partial<Record<keyof FaultSettings, number>> = {};
  const faultFlags: [keyof FaultSettings, string][] = [
    ["fail5xxRate", "fail-5xx"],
    ["fail429Rate", "fail-429"],
    ["retryAfterSeconds", "retry-after"],
    ["latencyMs", "latency"],
    ["ackDelayMs", "ack-delay"],
    ["loseOrderResponses", "lose-responses"],
  ];
  for (const [key, flag] of faultFlags) {
    const v = num(flag, flags[flag as keyof typeof flags] as string | undefined);
    if (v !== undefined) faults[key] = v;
  }

  const logLevel = flags["log-level"] ?? e.LOG_LEVEL;
  const logger = createLogger({ level: logLevel, format: "json", name: "sim", destination: pino.destination({ dest: 2, sync: true }), secrets: [e.SIM_SECRET_KEY ?? SIM_DEFAULT_SECRET_KEY] });
  const seed = int("seed", flags.seed) ?? e.SIM_SEED ?? DEFAULT_SIM_SEED;
  const speed = num("speed", flags.speed) ?? e.SIM_SPEED ?? DEFAULT_SIM_SPEED;

  let sim;
  try {
    sim = await startSimulator({
      host: flags.host ?? "127.0.0.1",
      port: int("port", flags.port) ?? e.SIM_PORT ?? 0,
      speed,
      seed,
      dataDir: flags.data ?? e.SIM_DATA_DIR ?? "data/candles",
      markets,
      startAt,
      startIndex,
      accessKey: e.SIM_ACCESS_KEY ?? SIM_DEFAULT_ACCESS_KEY,
      secretKey: e.SIM_SECRET_KEY ?? SIM_DEFAULT_SECRET_KEY,
      feeRate: num("fee", flags.fee) ?? e.SIM_FEE_RATE ?? DEFAULT_SIM_FEE_RATE,
      initialKrw: num("krw", flags.krw) ?? e.SIM_INITIAL_KRW ?? DEFAULT_SIM_INITIAL_KRW,
      faults,
      logger,
    });
  } catch (err) {
    fail((err as Error).message);
  }

  console.log(
    `SIM_READY port=${sim.port} rest=${sim.restUrl} ws=${sim.wsUrl} ws_private=${sim.wsPrivateUrl} start=${new Date(sim.startedAt).toISOString()} speed=${sim.speed} seed=${seed} markets=${sim.markets.join(",")}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "sim shutting down");
    await sim.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

await main();
