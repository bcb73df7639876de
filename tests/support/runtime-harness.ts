import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_RUNTIME_SETTINGS, type RuntimeDeps, type RuntimeSettings } from "../../actors/deps.ts";
import { createRuntime, type Runtime } from "../../actors/runtime.ts";
import { SimulatedClock } from "../../src/clock/simulated.ts";
import type { Candle, Market } from "../../src/core/model.ts";
import { RISK_PRESETS, type RiskParams } from "../../src/core/risk/index.ts";
import { type EmaCrossParams, resolveStrategyParams } from "../../src/core/strategy/index.ts";
import { type DbHandle, openDb } from "../../src/db/index.ts";
import { silentLogger } from "../../src/log.ts";
import { Metrics } from "../../src/metrics/index.ts";
import { FakeExchange, FakeStream } from "./fake-exchange.ts";

/**
 * A whole actor runtime on a simulated clock, with the fake exchange and streams, a real SQLite
 * file and real metrics: what the supervision, order and trader tests drive.
 */

export const MINUTE = 60_000;
export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);

/** Tiny periods so a handful of candles make signals. */
export const FAST_PARAMS: EmaCrossParams = resolveStrategyParams({
  emaFast: 2,
  emaSlow: 4,
  rsiPeriod: 2,
  rsiMin: 0,
  rsiMax: 100,
  volumePeriod: 2,
  volumeRatioMin: 0,
  atrPeriod: 2,
  stopLoss: { mode: "percent", percent: 0.05 },
  exitOnDeadCross: true,
  target: { enabled: false },
  takeProfits: { enabled: false },
  trailingStop: { enabled: false },
  timeStop: { enabled: false },
});

export interface Harness {
  readonly clock: SimulatedClock;
  readonly exchange: FakeExchange;
  readonly marketStream: FakeStream;
  readonly privateStream: FakeStream;
  readonly db: DbHandle;
  readonly metrics: Metrics;
  readonly alerts: { key: string; title: string; severity: string }[];
  runtime: Runtime;
  /** Let promises (invoked actors, fake I/O) run. */
  settle(rounds?: number): Promise<void>;
  /** Advance simulated time in steps, settling between them. */
  advance(ms: number, step?: number): Promise<void>;
  /** A public trade at the current simulated time. */
  trade(market: Market, price: number, volume?: number): void;
  /** One closed candle per call as trades: open, high, low, close over the current minute. */
  candle(market: Market, close: number, volume?: number): Promise<void>;
  /** A second runtime on the same database and exchange (after a crash). */
  restart(over?: Partial<HarnessOptions>): Runtime;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly markets?: readonly Market[];
  readonly strategy?: EmaCrossParams;
  readonly risk?: RiskParams;
  readonly settings?: Partial<RuntimeSettings>;
  /** History candles per market served by the exchange (oldest first). */
  readonly history?: (market: Market) => Candle[];
  readonly dbPath?: string;
  readonly provide?: (deps: RuntimeDeps) => RuntimeDeps;
  /** Simulated start time (default T0). */
  readonly start?: number;
  /** Market-order slippage of the fake exchange (buys at price x (1 + s), sells at price x (1 - s)). */
  readonly slippage?: number;
  /** Price the fake exchange starts each market at (default 1,000). */
  readonly initialPrice?: (market: Market) => number;
}

/** A flat history ending at `end` (exclusive): enough candles to warm the indicators. */
export function flatHistory(end: number, price: number, count = 30): Candle[] {
  return Array.from({ length: count }, (_, i) => ({ ts: end - (count - i) * MINUTE, open: price, high: price, low: price, close: price, volume: 1 }));
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const markets = options.markets ?? (["KRW-BTC"] as Market[]);
  const start = options.start ?? T0;
  const clock = new SimulatedClock(start);
  const privateStream = new FakeStream();
  const marketStream = new FakeStream();
  const exchange = new FakeExchange({ clock, markets, privateStream, slippage: options.slippage });
  for (const m of markets) {
    exchange.history.set(m, options.history?.(m) ?? flatHistory(start, 1_000));
    exchange.setPrice(m, options.initialPrice?.(m) ?? 1_000);
  }
  const dbPath = options.dbPath ?? join(mkdtempSync(join(tmpdir(), "rt-")), "bot.db");
  const db = openDb({ path: dbPath });
  const metrics = new Metrics({ defaultMetrics: false });
  const alerts: Harness["alerts"] = [];
  let idSeq = 0;
  let tradeSeq = 0;
  const build = (over: Partial<HarnessOptions> = {}): Runtime => {
    const settings: RuntimeSettings = { ...DEFAULT_RUNTIME_SETTINGS, interval: "1m", markets: [], candleGraceMs: 1_000, candleCloseSpreadRealMs: 0, ...options.settings, ...over.settings };
    let deps: RuntimeDeps = {
      clock,
      exchange,
      marketStream,
      privateStream,
      db: db.db,
      logger: silentLogger(),
      metrics,
      strategyParams: over.strategy ?? options.strategy ?? FAST_PARAMS,
      riskParams: over.risk ?? options.risk ?? RISK_PRESETS.classic,
      settings,
      nextClientOrderId: () => `t-${++idSeq}-${Math.random().toString(36).slice(2, 8)}`,
      random: () => 0.5,
      alert: (a) => alerts.push(a),
    };
    const provide = over.provide ?? options.provide;
    if (provide) deps = provide(deps);
    return createRuntime(deps, { mode: "sim" });
  };
  const settle = async (rounds = 20) => {
    for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
  };
  const h: Harness = {
    clock,
    exchange,
    marketStream,
    privateStream,
    db,
    metrics,
    alerts,
    runtime: build(),
    settle,
    async advance(ms, step = 1_000) {
      const end = clock.now() + ms;
      while (clock.now() < end) {
        clock.advance(Math.min(step, end - clock.now()));
        await settle(5);
      }
    },
    trade(market, price, volume = 1) {
      exchange.setPrice(market, price);
      marketStream.emit({ type: "trade", trade: { market, price, volume, timestamp: clock.now(), side: "BID", sequentialId: String(++tradeSeq) } });
    },
    async candle(market, close, volume = 1) {
      // Trades inside the current minute, then move to the next minute so the candle closes.
      let start = Math.floor(clock.now() / MINUTE) * MINUTE;
      if (clock.now() > start + 1_000) start += MINUTE;
      clock.set(start + 1_000);
      h.trade(market, close, volume);
      await settle(5);
      clock.set(start + MINUTE + 1_500);
      await settle(5);
    },
    restart(over = {}) {
      h.runtime = build(over);
      return h.runtime;
    },
    async stop() {
      await h.runtime.stop();
      db.close();
    },
  };
  return h;
}
