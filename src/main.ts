/**
 * The composition root: reads the configuration once, builds the real parts for the chosen mode
 * (sim: an embedded or external Bithumb simulator on loopback; paper: Bithumb's public data with
 * local fills; live: real orders), starts the supervised actor runtime and the HTTP server, and
 * handles shutdown. Nothing below this file reads the environment.
 */
import type { RuntimeDeps, RuntimeSettings } from "../actors/deps.ts";
import { createRuntime, PARAMS_KEYS } from "../actors/runtime.ts";
import { ScaledClock } from "./clock/scaled.ts";
import { SystemClock } from "./clock/system.ts";
import { formatProblems, loadConfig } from "./config/load.ts";
import type { AppConfig } from "./config/schema.ts";
import { INTERVAL_MS, type Market } from "./core/model.ts";
import { acquireRunLock, backupDatabase, type Db, getConfigValue, openDb, pruneAlerts, pruneBackups, pruneSessions, startCheckpointer } from "./db/index.ts";
import { createAlertAdmin, createAlertService, createErrorRateMonitor, createRestartStormMonitor, type ErrorRateMonitor } from "./alerts/index.ts";
import { createDashboard } from "./server/dashboard/index.ts";
import { resolveRiskParams } from "./core/risk/index.ts";
import { resolveStrategyParams } from "./core/strategy/index.ts";
import { BithumbRestClient, BithumbWsClient, ClientOrderIdFactory, createRestRateLimiter } from "./exchange/bithumb/index.ts";
import { type SimulatorHandle, startSimulator } from "./exchange/sim/index.ts";
import { bookDailyPnl, every, nextKstMidnight, scheduleRecurring } from "./jobs/index.ts";
import { createLogger, type Logger, SecretList } from "./log.ts";
import { bindExchangeMetrics, bindLiveMetrics, bindStreamMetrics, Metrics, startMetricsSampler } from "./metrics/index.ts";
import type { Clock } from "./ports/clock.ts";
import type { Exchange } from "./ports/exchange.ts";
import type { MarketStream } from "./ports/market-stream.ts";
import { API_TOKEN_NAME, ApiError, createApp, createSecretsBox, resolveApiToken, startServer } from "./server/index.ts";
import { createAuth, ensureFirstAdmin } from "./server/auth/index.ts";
import { dirname, join } from "node:path";

interface Wiring {
  readonly clock: Clock;
  readonly timeScale: number;
  readonly exchange: Exchange;
  readonly marketStream: MarketStream;
  readonly privateStream: MarketStream;
  readonly close: () => Promise<void>;
  readonly describe: string;
}

const wallClock = new SystemClock();

/** Exchange failures (not refusals: a 404 lookup is normal) feed the error-rate spike alert once it exists. */
const exchangeErrors: { monitor?: ErrorRateMonitor } = {};

function restClient(config: AppConfig, baseUrl: string, logger: Logger, metrics: Metrics, keys: boolean): BithumbRestClient {
  const measured = bindExchangeMetrics(metrics);
  return new BithumbRestClient({
    observer: {
      onRequest: (r) => {
        measured.onRequest?.(r);
        if (r.outcome !== "ok" && r.outcome !== "rejected") exchangeErrors.monitor?.error(r.outcome);
      },
      onRateLimit: (r) => measured.onRateLimit?.(r),
    },
    baseUrl,
    accessKey: keys ? config.exchange.accessKey : undefined,
    secretKey: keys ? config.exchange.secretKey : undefined,
    // Network deadlines, backoff and JWT timestamps are wall-clock matters in every mode.
    clock: wallClock,
    timeoutMs: config.exchange.requestTimeoutMs,
    retry: { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 },
    rateLimiter: createRestRateLimiter(wallClock),
    logger: logger.child({ component: "rest" }),
  });
}

function streams(config: AppConfig, wsUrl: string, wsPrivateUrl: string, logger: Logger, metrics: Metrics): { marketStream: BithumbWsClient; privateStream: BithumbWsClient } {
  // The market-data actor records the public stream's connection and lag; in sim mode message
  // timestamps are simulated time, so the private stream's lag would be meaningless there.
  const marketStream = new BithumbWsClient({ url: wsUrl, clock: wallClock, logger: logger.child({ component: "ws" }), observer: bindStreamMetrics(metrics, { stream: "public", connection: false, lag: false }) });
  const privateStream = new BithumbWsClient({
    observer: bindStreamMetrics(metrics, { stream: "private", connection: false, lag: config.mode !== "sim" }),
    url: wsPrivateUrl,
    clock: wallClock,
    logger: logger.child({ component: "ws-private" }),
    credentials: { accessKey: config.exchange.accessKey!, secretKey: config.exchange.secretKey! },
  });
  privateStream.subscribePrivate({ myOrder: "all", myAsset: true });
  return { marketStream, privateStream };
}

/** The exchange, streams and clock for the configured mode. */
async function wire(config: AppConfig, logger: Logger, metrics: Metrics): Promise<Wiring> {
  if (config.mode === "sim") {
    let sim: SimulatorHandle | null = null;
    let restUrl = config.exchange.restUrl;
    let wsUrl = config.exchange.wsUrl;
    let wsPrivateUrl = config.exchange.wsPrivateUrl;
    let clock: Clock;
    let speed: number;
    if (config.exchange.embeddedSim) {
      sim = await startSimulator({
        port: config.sim.port,
        speed: config.sim.speed,
        seed: config.sim.seed,
        dataDir: config.sim.dataDir,
        accessKey: config.sim.accessKey,
        secretKey: config.sim.secretKey,
        feeRate: config.sim.feeRate,
        initialKrw: config.sim.initialKrw,
        logger: logger.child({ component: "sim" }),
      });
      restUrl = sim.restUrl;
      wsUrl = sim.wsUrl;
      wsPrivateUrl = sim.wsPrivateUrl;
      clock = sim.clock;
      speed = sim.speed;
    } else {
      // A separately started simulator: run on its simulated time.
      const res = await fetch(new URL("/sim/clock", restUrl));
      if (!res.ok) throw new Error(`the simulator at ${restUrl} did not answer /sim/clock (${res.status})`);
      const body = (await res.json()) as { now: number; speed: number };
      clock = new ScaledClock({ anchorSimMs: body.now, speed: body.speed });
      speed = body.speed;
    }
    const exchange = restClient(config, restUrl, logger, metrics, true);
    const { marketStream, privateStream } = streams(config, wsUrl, wsPrivateUrl, logger, metrics);
    return {
      clock,
      timeScale: speed,
      exchange,
      marketStream,
      privateStream,
      describe: sim ? `embedded simulator at ${restUrl} (speed ${speed}x)` : `simulator at ${restUrl} (speed ${speed}x)`,
      close: async () => {
        await sim?.stop();
      },
    };
  }
  if (config.mode === "paper") {
    const { createPaperExchange } = await import("./exchange/paper/index.ts");
    const data = restClient(config, config.exchange.restUrl, logger, metrics, false);
    const marketStream = new BithumbWsClient({ url: config.exchange.wsUrl, clock: wallClock, logger: logger.child({ component: "ws" }), observer: bindStreamMetrics(metrics, { stream: "public", connection: false, lag: false }) });
    // The paper exchange watches its own stream for fills; the runtime gets another for its traders.
    const paperStream = new BithumbWsClient({ url: config.exchange.wsUrl, clock: wallClock, logger: logger.child({ component: "ws-paper" }), observer: bindStreamMetrics(metrics, { stream: "paper" }) });
    const paper = await createPaperExchange({
      source: data,
      stream: paperStream,
      clock: wallClock,
      random: Math.random,
      storePath: join(dirname(config.database.path), "paper.db"),
      initialKrw: config.sim.initialKrw,
      feeRate: config.sim.feeRate,
      logger: logger.child({ component: "paper" }),
    });
    return {
      clock: wallClock,
      timeScale: 1,
      exchange: paper.exchange,
      marketStream,
      privateStream: paper.privateStream,
      describe: `paper trading on Bithumb public data (${config.exchange.restUrl})`,
      close: async () => paper.close(),
    };
  }
  const exchange = restClient(config, config.exchange.restUrl, logger, metrics, true);
  const { marketStream, privateStream } = streams(config, config.exchange.wsUrl, config.exchange.wsPrivateUrl, logger, metrics);
  return { clock: wallClock, timeScale: 1, exchange, marketStream, privateStream, describe: `LIVE trading on ${config.exchange.restUrl}`, close: async () => {} };
}

function runtimeSettings(config: AppConfig, timeScale: number): RuntimeSettings {
  return { ...config.runtime, interval: config.trading.interval, markets: config.trading.markets as Market[], timeScale };
}

/**
 * Parameters saved from the dashboard override the config files (they are the operator's latest
 * word); a saved value that no longer validates is ignored with a warning, never half-applied.
 */
function savedParams(db: Db, config: AppConfig, logger: Logger): { strategy: AppConfig["strategy"]; risk: AppConfig["risk"] } {
  const pick = <T>(key: string, parse: (v: unknown) => T, fallback: T): T => {
    const saved = getConfigValue(db, key);
    if (saved === undefined) return fallback;
    try {
      return parse(saved);
    } catch (err) {
      logger.warn({ key, err }, "saved parameters no longer validate; using the config files");
      return fallback;
    }
  };
  return { strategy: pick(PARAMS_KEYS.strategy, resolveStrategyParams, config.strategy), risk: pick(PARAMS_KEYS.risk, resolveRiskParams, config.risk) };
}

async function main(): Promise<void> {
  const loaded = loadConfig({ env: process.env });
  if (!loaded.ok) {
    console.error(formatProblems(loaded.problems));
    process.exit(2);
  }
  const config = loaded.config;
  // Secrets found later (a generated API token, revealed stored keys) join the scrubber's list.
  const scrub = new SecretList(config.secrets);
  const logger = createLogger({ level: config.log.level, format: config.log.format, secrets: scrub });

  // The last resort: nothing escapes silently; the process supervisor restarts us.
  process.on("uncaughtException", (err) => {
    logger.fatal({ err }, "uncaught exception; exiting");
    process.exit(1);
  });
  process.on("unhandledRejection", (err) => {
    logger.fatal({ err }, "unhandled rejection; exiting");
    process.exit(1);
  });


  const releaseLock = acquireRunLock(config.database.path);
  const handle = openDb({ path: config.database.path });
  const checkpointer = startCheckpointer({ sqlite: handle.sqlite, path: config.database.path, logger });
  const metrics = new Metrics({ labels: { mode: config.mode } });
  const wiring = await wire(config, logger, metrics);
  const settings = runtimeSettings(config, wiring.timeScale);
  const { strategy: strategyParams, risk: riskParams } = savedParams(handle.db, config, logger);
  const ids = new ClientOrderIdFactory("bot", wallClock);
  const secrets = createSecretsBox({ db: handle.db, clock: wallClock, key: config.secretsKey, onReveal: (v) => scrub.add(v) });
  // The alerter exists before the runtime (which raises alerts while it starts); delivery pacing,
  // retries and Telegram message ages are wall-clock matters.
  const alerts = createAlertService({
    db: handle.db,
    clock: wallClock,
    runtimeNow: () => wiring.clock.now(),
    logger,
    env: config.alerts.env,
    sealer: secrets,
    dedupeWindowMs: config.alerts.dedupeWindowMs,
    telegramCommands: config.alerts.telegramCommands,
    onSecret: (v) => scrub.add(v),
    onOutcome: (o) => metrics.alertDeliveriesTotal.inc({ channel: o.kind, outcome: o.outcome }),
  });
  const restartStorm = createRestartStormMonitor({ clock: wallClock, windowMs: 300_000, threshold: 10, notify: alerts.alerter.notify });
  exchangeErrors.monitor = createErrorRateMonitor({ clock: wallClock, windowMs: 60_000, threshold: 20, source: "exchange", notify: alerts.alerter.notify });
  const deps: RuntimeDeps = {
    clock: wiring.clock,
    exchange: wiring.exchange,
    marketStream: wiring.marketStream,
    privateStream: wiring.privateStream,
    db: handle.db,
    logger: logger.child({ component: "runtime" }),
    metrics,
    strategyParams,
    riskParams,
    settings,
    nextClientOrderId: () => ids.next(),
    random: Math.random,
    alert: (a) => {
      logger[a.severity === "critical" ? "error" : a.severity === "warning" ? "warn" : "info"]({ alert: a.key }, `${a.title}: ${a.text}`);
      alerts.alerter.alert(a);
    },
    notify: alerts.alerter.notify,
    onActorRestart: (id, lastError) => restartStorm.restarted(id, lastError),
  };
  const runtime = createRuntime(deps, { mode: config.mode });
  runtime.start();
  await alerts.start({ control: runtime.control });

  const token = resolveApiToken(config.server.apiToken, (n) => crypto.getRandomValues(new Uint8Array(n)));
  scrub.add(token.token);
  // Logins, cookies and JWTs age in real time in every mode (never on the simulator's clock).
  const auth = createAuth({ db: handle.db, clock: wallClock, logger: logger.child({ component: "auth" }), sessionSecret: config.auth.sessionSecret, bootstrapTokens: [{ name: API_TOKEN_NAME, token: token.token }] });
  const firstAdmin = await ensureFirstAdmin(auth, { name: config.auth.adminUser, password: config.auth.adminPassword });
  const dashboard = createDashboard({
    control: runtime.control,
    db: handle.db,
    // The UI ticks and ages on the wall clock even when simulated time is scaled.
    clock: wallClock,
    logger: logger.child({ component: "dashboard" }),
    interval: config.trading.interval,
    users: auth.users,
    tokens: auth.tokens,
    secrets,
    alerts: createAlertAdmin({ service: alerts, db: handle.db, refuse: (message, fields) => new ApiError(400, "invalid_request", message, { fields }) }),
    backtests: { candlesDir: config.sim.dataDir, reportsDir: join(dirname(config.database.path), "reports"), dbPath: config.database.path },
    live: { clock: wallClock },
  });
  dashboard.live.observe(bindLiveMetrics(metrics));
  const app = createApp({
    control: runtime.control,
    db: handle.db,
    metrics,
    clock: wallClock,
    logger: logger.child({ component: "http" }),
    auth,
    secrets,
    trustProxy: config.server.trustProxy,
    cookieSecure: config.auth.cookieSecure,
    renderLogin: dashboard.renderLogin,
    renderError: dashboard.renderError,
    extraRoutes: (a) => a.route("/", dashboard.routes),
  });
  const server = startServer({ app, logger, host: config.server.host, port: config.server.port });

  const backupsDir = join(dirname(config.database.path), "backups");
  const jobs = [
    startMetricsSampler({
      control: runtime.control,
      db: handle.db,
      metrics,
      clock: wiring.clock,
      everyMs: 15_000 * wiring.timeScale,
      candleIntervalMs: INTERVAL_MS[config.trading.interval],
      timeScale: wiring.timeScale,
      logger,
    }),
    scheduleRecurring(wiring.clock, nextKstMidnight, (at) => {
      const s = bookDailyPnl(handle.db, runtime.control, at, wiring.clock.now());
      alerts.alerter.notify({ type: "daily_pnl", ts: wiring.clock.now(), ...s });
    }, (err) => logger.error({ err }, "daily PnL job failed")),
    scheduleRecurring(wallClock, every(86_400_000), () => {
      pruneSessions(handle.db, Date.now() - 30 * 86_400_000);
      pruneAlerts(handle.db, wiring.clock.now() - 90 * 86_400_000);
      const b = backupDatabase(handle.sqlite, backupsDir, Date.now());
      const pruned = pruneBackups(backupsDir, { maxCount: 14, maxAgeDays: 30 }, Date.now());
      logger.info({ backup: b.path, bytes: b.bytes, pruned: pruned.length }, "database backed up");
    }, (err) => logger.error({ err }, "backup job failed")),
  ];

  console.log(`Bithumb KRW trader (${config.mode}): ${wiring.describe}`);
  console.log(`API:      ${server.url}/api/v1  (Authorization: Bearer <API_TOKEN>)`);
  console.log(`Health:   ${server.url}/healthz   Metrics: ${server.url}/metrics`);
  console.log(`Database: ${config.database.path}`);
  console.log(`Dashboard: ${server.url}/  (user ${config.auth.adminUser})`);
  if (firstAdmin.created && firstAdmin.generatedPassword) console.log(`Dashboard login created: ${firstAdmin.name} / ${firstAdmin.generatedPassword}  (shown once; set ADMIN_PASSWORD to choose it)`);
  if (token.generated) console.log(`API_TOKEN (generated for this run; set API_TOKEN to keep one): ${token.token}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: no new entries, persisting state");
    const deadline = setTimeout(() => {
      logger.error("shutdown took longer than 9 s; exiting anyway");
      process.exit(1);
    }, 9_000);
    try {
      for (const j of jobs) j.cancel();
      await runtime.stop();
      await alerts.stop({ drainMs: 3_000 });
      dashboard.close();
      await server.stop();
      await wiring.close();
      await checkpointer.stop();
      handle.close();
      releaseLock();
      logger.info("stopped");
      logger.flush?.();
    } finally {
      clearTimeout(deadline);
    }
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

await main();
