/**
 * The dashboard benchmark's synthetic target (bench/support/dashboard-targets.ts starts it in its
 * own process): the real app (createApp: sessions, CSRF, CSP, access log, /metrics) with the
 * dashboard mounted, over a temporary SQLite file and a fake control port whose 100 markets move
 * every 100 ms while a "trader" holds five positions and makes round trips elsewhere, an order and
 * its fill every 250 ms (the database writes a trading bot makes, on the connection the pages read
 * from, counted in `bot_orders_total` / `bot_fills_total` as the order manager would). The live
 * broadcaster reports to `/metrics` through `bindLiveMetrics`, as in the bot.
 *
 * Usage: `bun run dashboard-server.ts <user> <password>` (an operator to log in as). Prints
 * `{"port":…}` when ready; SIGTERM stops it and removes its temporary directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { SystemClock } from "../../src/clock/system.ts";
import { RISK_PRESETS } from "../../src/core/risk/index.ts";
import { STRATEGY_PRESETS } from "../../src/core/strategy/index.ts";
import type { Market } from "../../src/core/model.ts";
import { applyExchangeOrder, openDb, recordOrderIntent, saveCandles, syncMarkets } from "../../src/db/index.ts";
import { bindLiveMetrics, Metrics } from "../../src/metrics/index.ts";
import type { ActorSummary, ControlPort } from "../../src/ports/control.ts";
import { createAuth } from "../../src/server/auth/index.ts";
import { createDashboard } from "../../src/server/dashboard/index.ts";
import { createApp, SecretsBox } from "../../src/server/index.ts";

const [user, password] = process.argv.slice(2);
if (!user || !password) throw new Error("usage: dashboard-server.ts <user> <password>");

const clock = new SystemClock();
const dir = mkdtempSync(join(tmpdir(), "bench-dashboard-"));
const handle = openDb({ path: join(dir, "bot.db") });
const db = handle.db;
const logger = pino({ level: "warn" });
const metrics = new Metrics(); // with the process metrics, so the bench can show this server's CPU

const MARKETS = Array.from({ length: 100 }, (_, i) => `KRW-C${String(i).padStart(3, "0")}` as Market);
syncMarkets(
  db,
  MARKETS.map((m, i) => ({ market: m, koreanName: `코인${i}`, englishName: `Coin ${i}`, warning: i % 17 === 0 ? "CAUTION" : "NONE" })),
  clock.now(),
);
const hour = 3_600_000;
const start = Math.floor(clock.now() / hour) * hour - 500 * hour;
for (const m of MARKETS.slice(0, 3)) saveCandles(db, m, "1h", Array.from({ length: 500 }, (_, i) => ({ ts: start + i * hour, open: 1000 + i, high: 1010 + i, low: 990 + i, close: 1005 + i, volume: 10 })));

const actors: ActorSummary[] = MARKETS.map((market, i) => ({
  market,
  id: `trader:${market}`,
  state: i % 10 === 0 ? "in_position" : "watching",
  position: i % 10 === 0 ? { volume: 1.5, avgPrice: 1000, entryTs: clock.now() - hour, status: "open", markPrice: 1000, unrealisedPnl: 0 } : null,
  restarts: 0,
  warning: "NONE",
  lastPrice: 1000 + i,
  changeRate: 0,
  lastCandleTs: clock.now() - hour,
  stale: false,
}));

// The market moves: every 100 ms one in five markets gets a new price.
let tickNo = 0;
setInterval(() => {
  tickNo++;
  for (let i = tickNo % 5; i < actors.length; i += 5) {
    const a = actors[i]!;
    const price = Math.max(1, (a.lastPrice ?? 1000) * (1 + (((tickNo * 7919 + i * 104729) % 200) - 100) / 100_000));
    actors[i] = { ...a, lastPrice: Math.round(price), changeRate: price / 1000 - 1 };
  }
}, 100);

/** Records an order and its complete fill through the repo verbs (what the order manager does). */
function trade(n: number, market: Market, side: "bid" | "ask"): void {
  const id = `bench-${n}`;
  const now = clock.now();
  recordOrderIntent(db, { clientOrderId: id, market, side, type: "limit", price: 1000, volume: 1, priority: 2, reason: "bench" }, now);
  applyExchangeOrder(
    db,
    id,
    { orderId: `C${n}`, clientOrderId: id, market, side, type: "limit", state: "done", price: 1000, volume: 1, remainingVolume: 0, executedVolume: 1, executedFunds: 1000, paidFee: 0.4, reservedFee: 0, remainingFee: 0, locked: 0, createdAt: now },
    now,
  );
  metrics.ordersTotal.inc({ market, side, state: "pending_submit" });
  metrics.fillsTotal.inc({ market, side });
}

// Five positions held (the default maxPositions), then round trips: a buy and, next time, its sell.
let orderNo = 0;
for (const market of MARKETS.slice(0, 5)) trade(orderNo++, market, "bid");
let trip = 0;
setInterval(() => {
  const market = MARKETS[10 + (Math.floor(trip / 2) % 90)]!;
  trade(orderNo++, market, trip % 2 === 0 ? "bid" : "ask");
  trip++;
}, 250);

const control: ControlPort = {
  health: () => ({
    healthy: true,
    mode: "sim",
    tradingState: "running",
    reconciled: true,
    marketData: { connected: true, lastMessageAgeMs: 50 },
    privateStream: { connected: true },
    actors: { total: actors.length, halted: 0, paused: 0 },
    startedAt: clock.now() - hour,
    now: clock.now(),
  }),
  listActors: () => actors,
  actorTree: () => ({ id: "root", kind: "root", state: "running", restarts: 0, children: actors.map((a) => ({ id: a.id, kind: "trader" as const, state: a.state, restarts: 0 })) }),
  getActor: (m) => actors.find((a) => a.market === m),
  pauseMarket: async () => ({ ok: true, message: "paused" }),
  resumeMarket: async () => ({ ok: true, message: "resumed" }),
  flattenMarket: async () => ({ ok: true, message: "flattened" }),
  pauseTrading: async () => ({ ok: true, message: "paused" }),
  resumeTrading: async () => ({ ok: true, message: "resumed" }),
  flattenAll: async () => ({ ok: true, message: "flattened" }),
  portfolio: () => ({ equity: 10_000_000, krwAvailable: 9_000_000, krwLocked: 0, positionsValue: 1_000_000, unrealisedPnl: 12_345, dayStartEquity: 9_950_000, peakEquity: 10_100_000, drawdown: 0.01, balancesAt: clock.now() }),
  currentParams: () => ({ strategy: STRATEGY_PRESETS.default, risk: RISK_PRESETS.default }),
  updateParams: async () => ({ ok: true, message: "saved" }),
  balances: () => [],
};

const auth = createAuth({ db, clock, logger });
await auth.users.createUser({ name: user, password, role: "operator" }, { by: "bench" });
const secrets = new SecretsBox({ db, clock });
const dashboard = createDashboard({ control, db, clock, logger, interval: "1h", users: auth.users, tokens: auth.tokens, secrets, live: { tickMs: 1_000 } });
const app = createApp({ control, db, metrics, clock, logger, auth, secrets, renderLogin: dashboard.renderLogin, renderError: dashboard.renderError, extraRoutes: (a) => a.route("/", dashboard.routes) });
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 60, fetch: (req, srv) => app.fetch(req, { server: srv }) });

dashboard.live.observe(bindLiveMetrics(metrics));
// Stopped with SIGTERM by the bench: leave no temporary database behind.
process.on("SIGTERM", () => {
  dashboard.close();
  void server.stop(true);
  handle.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
