import { resolve } from "node:path";
import type { Logger } from "pino";
import { ScaledClock } from "../../clock/scaled.ts";
import { SystemClock } from "../../clock/system.ts";
import { DEFAULT_MIN_TOTAL_KRW, type Market } from "../../core/model.ts";
import { DEFAULT_SIM_SPEED, SIM_DEFAULT_ACCESS_KEY, SIM_DEFAULT_SECRET_KEY } from "../../config/schema.ts";
import { silentLogger } from "../../log.ts";
import type { Clock, TimerId } from "../../ports/clock.ts";
import { createAdmin, type SimAdmin } from "./admin.ts";
import { type LiquiditySource, MatchingEngine } from "./engine/engine.ts";
import { fixedFromNumber } from "./fixed.ts";
import { createSimApp } from "./http/app.ts";
import { RequestAuthenticator } from "./http/auth.ts";
import { FaultInjector, type FaultSettings } from "./http/faults.ts";
import type { SimServices } from "./http/services.ts";
import { loadCandleDir } from "./market/data.ts";
import { Replay } from "./market/replay.ts";
import { MarketTimeline } from "./market/timeline.ts";
import { DAY_MS, MINUTE_MS } from "./time.ts";
import { type Conn, PRIVATE_WS_PATH, PUBLIC_WS_PATH, WsHub } from "./ws/hub.ts";

export interface SimulatorOptions {
  /** Interface to bind; loopback by default (the simulator is never meant to be exposed). */
  readonly host?: string;
  /** 0 = an ephemeral port (read it back from the handle). */
  readonly port?: number;
  /** Simulated seconds per real second for the default clock (default DEFAULT_SIM_SPEED = 60). */
  readonly speed?: number;
  /** Seed of every synthetic choice: trades, books, fault draws (default 42). */
  readonly seed?: number;
  /** Folder of `*-KRW-XXX-1m.csv[.gz]` files (default `data/candles`). */
  readonly dataDir?: string;
  /** Markets to serve (default: every market with a file). */
  readonly markets?: readonly Market[];
  /** Replay start, epoch ms. Default: `startIndex` minutes after the earliest first candle. */
  readonly startAt?: number;
  /** Replay start as minutes into the data (default 9 days = 12,960, so 200 hourly candles exist). */
  readonly startIndex?: number;
  readonly accessKey?: string;
  readonly secretKey?: string;
  /** Fee rate on every fill, maker and taker (default 0.0025). */
  readonly feeRate?: number;
  /** Starting KRW balance (default 10,000,000). */
  readonly initialKrw?: number;
  /** Minimum order total in KRW (default 5,000). */
  readonly minTotal?: number;
  /**
   * Replay time. A Clock is used as is (the replay starts at its `now()`); a function receives
   * the resolved start time and returns the clock (e.g. `(t) => new SimulatedClock(t)`). Default:
   * a ScaledClock anchored at the start, running at `speed`.
   */
  readonly clock?: Clock | ((start: number) => Clock);
  /** Real time for auth windows, latency faults and WebSocket keep-alive (default: system clock). */
  readonly wallClock?: Clock;
  readonly faults?: Partial<FaultSettings>;
  readonly logger?: Logger;
  /** Accepted distance of a JWT `timestamp` from now, real ms (default 60 s). */
  readonly authWindowMs?: number;
  /** WebSocket `{"status":"UP"}` interval, real ms (default 10 s). */
  readonly heartbeatMs?: number;
  /** WebSocket idle timeout, real ms (default 120 s). */
  readonly wsIdleTimeoutMs?: number;
  /** WebSocket connection attempts per second (default 10; 0 = unlimited). */
  readonly wsConnectsPerSecond?: number;
  /** Shortest pause between replay steps in simulated ms (default speed x 20, i.e. ~20 real ms). */
  readonly minStepMs?: number;
}

export interface SimulatorHandle {
  /** `http://127.0.0.1:<port>` */
  readonly restUrl: string;
  /** `ws://127.0.0.1:<port>/websocket/v1` */
  readonly wsUrl: string;
  /** `ws://127.0.0.1:<port>/websocket/v2/private` */
  readonly wsPrivateUrl: string;
  readonly port: number;
  /** The replay clock (share it with an embedded bot). */
  readonly clock: Clock;
  /** Replay start, epoch ms. */
  readonly startedAt: number;
  readonly speed: number;
  readonly markets: readonly Market[];
  readonly admin: SimAdmin;
  stop(): Promise<void>;
}

export const DEFAULT_SIM_SEED = 42;
export const DEFAULT_SIM_FEE_RATE = 0.0025;
export const DEFAULT_SIM_INITIAL_KRW = 10_000_000;
/**
 * 9 days into the data (so 200 hourly candles of history exist), less 10 minutes: the bundled data
 * has an entry signal for the default strategy (KRW-XRP) a few minutes after 2025-09-10T00:00Z, so a
 * new user's `bun start` places and fills an order within seconds, with margin for a slow warm-up.
 */
export const DEFAULT_START_INDEX = (9 * DAY_MS - 10 * MINUTE_MS) / MINUTE_MS;

/** Where the replay starts: explicit time, else minutes into the data; never before a market's first full minute. */
function resolveStart(options: SimulatorOptions, timelines: readonly MarketTimeline[]): number {
  const earliest = Math.min(...timelines.map((t) => t.firstTs));
  const start = options.startAt ?? earliest + (options.startIndex ?? DEFAULT_START_INDEX) * MINUTE_MS;
  if (!Number.isFinite(start)) throw new RangeError(`bad replay start ${start}`);
  return start;
}

function checkStart(start: number, timelines: readonly MarketTimeline[]): void {
  for (const t of timelines) {
    if (start < t.firstTs + MINUTE_MS) {
      throw new RangeError(`replay start ${new Date(start).toISOString()} is before ${t.market}'s first full minute (${new Date(t.firstTs + MINUTE_MS).toISOString()})`);
    }
  }
}

/** The live book of the replay as the engine's liquidity. */
function replayLiquidity(replay: Replay): LiquiditySource {
  return {
    levels: (market, side) => replay.market(market)?.liveBook()[side] ?? [],
    consume: (market, side, price, units) => replay.market(market)?.consume(side, price, units),
  };
}

/**
 * Start a Bithumb-compatible exchange on loopback: REST (`/v1`, `/v2`), public and private
 * WebSockets, replaying recorded 1-minute candles as synthetic trades on the given clock, with a
 * matching engine, JWT auth as Bithumb checks it, fault injection and an admin API.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const logger = (options.logger ?? silentLogger()).child({ component: "sim" });
  const speed = options.speed ?? DEFAULT_SIM_SPEED;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be > 0, got ${speed}`);
  const seed = options.seed ?? DEFAULT_SIM_SEED;
  const dataDir = resolve(options.dataDir ?? "data/candles");
  const accessKey = options.accessKey ?? SIM_DEFAULT_ACCESS_KEY;
  const secretKey = options.secretKey ?? SIM_DEFAULT_SECRET_KEY;

  const series = await loadCandleDir(dataDir, options.markets);
  const timelines = series.map((s) => new MarketTimeline(s, seed));
  const clock =
    typeof options.clock === "function" ? options.clock(resolveStart(options, timelines)) : (options.clock ?? new ScaledClock({ anchorSimMs: resolveStart(options, timelines), speed }));
  const start = clock.now();
  checkStart(start, timelines);
  const wallClock = options.wallClock ?? new SystemClock();

  const replay = new Replay(timelines, start, seed);
  const engine = new MatchingEngine({
    feeRate: fixedFromNumber(options.feeRate ?? DEFAULT_SIM_FEE_RATE),
    minTotal: fixedFromNumber(options.minTotal ?? DEFAULT_MIN_TOTAL_KRW),
    initialKrw: fixedFromNumber(options.initialKrw ?? DEFAULT_SIM_INITIAL_KRW, 8),
    liquidity: replayLiquidity(replay),
  });
  const auth = new RequestAuthenticator({ accessKey, secretKey, windowMs: options.authWindowMs ?? 60_000, wallClock, simClock: clock, speed });
  const faults = new FaultInjector(seed, options.faults);

  let hub: WsHub | undefined;
  const services: SimServices = {
    replay,
    engine,
    clock,
    wallClock,
    speed,
    auth,
    faults,
    secretKey,
    logger,
    sync: () => {
      const now = clock.now();
      replay.advanceTo(now);
      return now;
    },
    dropWebSockets: () => hub?.dropAll() ?? 0,
  };
  hub = new WsHub(services, {
    heartbeatMs: options.heartbeatMs ?? 10_000,
    idleTimeoutMs: options.wsIdleTimeoutMs ?? 120_000,
    connectsPerSecond: options.wsConnectsPerSecond ?? 10,
  });
  const wsHub = hub;
  replay.listen({
    trade: (mr, trade) => {
      engine.onTrade(mr.market, trade.price, trade.volumeUnits, trade.ts);
      wsHub.onTrade(mr, trade);
    },
    settled: (markets) => wsHub.onSettled(markets),
  });
  engine.subscribe((event) => wsHub.onEngineEvent(event));

  const admin = createAdmin(services);
  const app = createSimApp(services, admin);
  let server: ReturnType<typeof Bun.serve<Conn>>;
  try {
    server = Bun.serve<Conn>({
      hostname: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      // Slow answers are a feature here (latency and ack-delay faults): never cut them.
      idleTimeout: 0,
      fetch: async (req, srv) => {
        const path = new URL(req.url).pathname;
        if (path === PUBLIC_WS_PATH) return wsHub.upgrade(req, srv, "public");
        if (path === PRIVATE_WS_PATH) return wsHub.upgrade(req, srv, "private");
        return app.fetch(req);
      },
      websocket: wsHub.handler(),
    });
  } catch (e) {
    wsHub.stop(); // its keep-alive timer would otherwise hold the process open
    throw e;
  }

  // Replay driver: wake at the next trade (but not more often than minStep), reveal, repeat.
  const minStep = options.minStepMs ?? Math.max(1, speed * 20);
  let timer: TimerId | undefined;
  let stopped = false;
  const step = () => {
    if (stopped) return;
    try {
      services.sync();
    } catch (e) {
      logger.error({ err: e }, "sim replay step failed");
    }
    const due = replay.nextDue();
    timer = clock.setTimeout(step, Math.max(minStep, (due ?? clock.now() + minStep) - clock.now()));
  };
  step();

  const port = server.port!;
  const host = options.host ?? "127.0.0.1";
  const restUrl = `http://${host}:${port}`;
  logger.info({ restUrl, start: new Date(start).toISOString(), speed, seed, markets: replay.markets.size }, "sim started");
  return {
    restUrl,
    wsUrl: `ws://${host}:${port}${PUBLIC_WS_PATH}`,
    wsPrivateUrl: `ws://${host}:${port}${PRIVATE_WS_PATH}`,
    port,
    clock,
    startedAt: start,
    speed,
    markets: [...replay.markets.keys()],
    admin,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      wsHub.stop();
      await server.stop(true);
      logger.info("sim stopped");
    },
  };
}
