import { RISK_PRESETS } from "../../../src/core/risk/index.ts";
import { STRATEGY_PRESETS } from "../../../src/core/strategy/index.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import type { Origin } from "../../../src/core/messages.ts";
import type { Market } from "../../../src/core/model.ts";
import { openDb, type DbHandle } from "../../../src/db/index.ts";
import type { Logger } from "../../../src/log.ts";
import { Metrics } from "../../../src/metrics/index.ts";
import type { ActorNode, ActorSummary, CommandResult, ControlPort, HealthReport } from "../../../src/ports/control.ts";
import { createApp, type AppDeps } from "../../../src/server/index.ts";

export const TOKEN = "test-token-3f9a1c77e0b24d6a9c1e";
export const CLIENT_IP = "192.0.2.7";

/** A bound Bun-server stand-in so `clientIp` sees a peer address, as in production. */
export const ENV = { server: { requestIP: () => ({ address: CLIENT_IP }) } };

export function actor(market: Market, over: Partial<ActorSummary> = {}): ActorSummary {
  return { market, id: `trader:${market}`, state: "watching", position: null, restarts: 0, warning: "NONE", stale: false, ...over };
}

export interface ControlCall {
  readonly method: string;
  readonly market?: Market;
  readonly origin: Origin;
}

/**
 * A ControlPort that records every command with its origin. `answer` decides what a command
 * returns (default ok), `healthy` what /healthz reports.
 */
export class FakeControl implements ControlPort {
  readonly calls: ControlCall[] = [];
  healthy = true;
  healthThrows = false;
  answer: (method: string, market?: Market) => Promise<CommandResult> = async (method, market) => ({ ok: true, message: `${method} ${market ?? "all"} done` });
  actors: ActorSummary[] = [
    actor("KRW-BTC", { state: "in_position", position: { volume: 0.01, avgPrice: 90_000_000, entryTs: 1_000, status: "open" }, restarts: 1 }),
    actor("KRW-ETH", { state: "paused" }),
  ];

  health(): HealthReport {
    if (this.healthThrows) throw new Error("runtime not reachable");
    return {
      healthy: this.healthy,
      mode: "sim",
      tradingState: this.healthy ? "running" : "halted",
      ...(this.healthy ? {} : { reason: "market data down" }),
      reconciled: true,
      marketData: { connected: this.healthy, lastMessageAgeMs: 120 },
      privateStream: { connected: true },
      actors: { total: this.actors.length, halted: 0, paused: 1 },
      startedAt: 1_000,
      now: 2_000,
    };
  }
  listActors(): ActorSummary[] {
    return this.actors;
  }
  actorTree(): ActorNode {
    return { id: "root", kind: "root", state: "running", restarts: 0, children: this.actors.map((a) => ({ id: a.id, kind: "trader", state: a.state, restarts: a.restarts })) };
  }
  getActor(market: Market): ActorSummary | undefined {
    return this.actors.find((a) => a.market === market);
  }
  private command(method: string, origin: Origin, market?: Market): Promise<CommandResult> {
    this.calls.push({ method, market, origin });
    return this.answer(method, market);
  }
  pauseMarket(market: Market, origin: Origin) {
    return this.command("pauseMarket", origin, market);
  }
  resumeMarket(market: Market, origin: Origin) {
    return this.command("resumeMarket", origin, market);
  }
  flattenMarket(market: Market, origin: Origin) {
    return this.command("flattenMarket", origin, market);
  }
  pauseTrading(origin: Origin) {
    return this.command("pauseTrading", origin);
  }
  resumeTrading(origin: Origin) {
    return this.command("resumeTrading", origin);
  }
  flattenAll(origin: Origin) {
    return this.command("flattenAll", origin);
  }
  currentParams() {
    return { strategy: STRATEGY_PRESETS.default, risk: RISK_PRESETS.default };
  }
  updateParams(_next: unknown, origin: Origin) {
    return this.command("updateParams" as never, origin);
  }
  portfolio() {
    return { equity: 1_905_000, krwAvailable: 1_000_000, krwLocked: 5_000, positionsValue: 900_000, unrealisedPnl: 0, dayStartEquity: 1_900_000, peakEquity: 1_950_000, drawdown: 0.023, balancesAt: 1 };
  }
  balances() {
    return [
      { currency: "KRW", balance: 1_000_000, locked: 5_000, avgBuyPrice: 0 },
      { currency: "BTC", balance: 0.01, locked: 0, avgBuyPrice: 90_000_000 },
    ];
  }
}

/** A pino logger writing JSON lines into memory (no redaction: proves the server never logs secrets itself). */
export function captureLogger(level = "trace"): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = pino({ level }, stream);
  const text = () => chunks.join("");
  return {
    logger,
    text,
    lines: () =>
      text()
        .split("\n")
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface Harness {
  readonly app: ReturnType<typeof createApp>;
  readonly control: FakeControl;
  readonly handle: DbHandle;
  readonly clock: SimulatedClock;
  readonly metrics: Metrics;
  readonly log: ReturnType<typeof captureLogger>;
  /** `app.request` with the peer address bound and, unless `token: null`, the bearer token. */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): void;
}

/** The app over a fake control port, a real temporary SQLite database and a capturing logger. */
export function harness(over: Partial<AppDeps> = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), "server-"));
  const handle = openDb({ path: join(dir, "bot.db") });
  const control = new FakeControl();
  const clock = new SimulatedClock(1_700_000_000_000);
  const metrics = new Metrics({ defaultMetrics: false });
  const log = captureLogger();
  const app = createApp({ control, db: handle.db, metrics, clock, logger: log.logger, apiToken: TOKEN, ...over });
  return {
    app,
    control,
    handle,
    clock,
    metrics,
    log,
    request: (path, init = {}) => {
      const { token = TOKEN, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null) headers.set("Authorization", `Bearer ${token}`);
      return Promise.resolve(app.request(path, { ...rest, headers }, ENV));
    },
    close: () => {
      handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
