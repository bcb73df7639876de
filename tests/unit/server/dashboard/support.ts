import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono, type MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import type { Market, MarketInfo } from "../../../../src/core/model.ts";
import { exchangeOrder } from "../../../support/exchange-order.ts";
import { applyExchangeOrder, insertUser, openDb, recordOrderIntent, recordSignal, saveCandles, syncMarkets, updatePositionExits, type Db, type DbHandle } from "../../../../src/db/index.ts";
import { createAuth, csrfProtect, type Auth } from "../../../../src/server/auth/index.ts";
import { createDashboard, type AlertAdmin, type AlertView, type Dashboard, type DashboardDeps } from "../../../../src/server/dashboard/index.ts";
import type { AppEnv, Principal, Role } from "../../../../src/server/env.ts";
import { errorHandler, pageAwareNotFound } from "../../../../src/server/errors.ts";
import { clientIp } from "../../../../src/server/middleware/client-ip.ts";
import { securityHeaders } from "../../../../src/server/middleware/security-headers.ts";
import { SecretsBox } from "../../../../src/server/secrets.ts";
import { actor, captureLogger, CLIENT_IP, ENV, FakeControl } from "../support.ts";

/**
 * The dashboard mounted the way the app mounts it (request id, client address, the platform's
 * security headers with a fresh CSP nonce, its CSRF check and error pages), with a stand-in for
 * the session middleware: the `x-test-user` header (`name:role[:lang]`) logs a user in. The
 * platform's own `requireUser` / `requireRole` / `csrfProtect` guard the routes, so the tests see
 * the real refusals. Real users, tokens and secrets services run on a temporary SQLite file.
 */

export const T0 = Date.UTC(2026, 10, 26, 3, 0, 0);

/** The CSRF token the stand-in gives a user's session. */
export const csrfOf = (name: string) => `csrf-token-for-${name}`;

const USER_IDS: Record<string, number> = { viewer: 1, operator: 2, admin: 3 };

/** Sets what the platform's `authenticate` middleware sets, from the test header. */
export function standInSession(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("x-test-user");
    c.set("authRejected", false);
    if (header) {
      const [name = "x", role = "viewer", lang = "ko"] = header.split(":");
      const principal: Principal = { kind: "user", name, userId: USER_IDS[name] ?? 99, role: role as Role, lang: lang === "en" ? "en" : "ko" };
      c.set("principal", principal);
      c.set("authMethod", "session");
      c.set("csrfToken", csrfOf(name));
    } else {
      c.set("principal", undefined);
      c.set("authMethod", undefined);
      c.set("csrfToken", "");
    }
    await next();
  };
}

/** An in-memory alerter admin (the real one is src/alerts/admin.ts). */
export class FakeAlerts implements AlertAdmin {
  channels = [
    { id: "env:telegram", kind: "telegram" as const, name: "ops chat", enabled: true, minSeverity: "warning" as const, summary: "chats 12345", editable: false },
    { id: "db:1", kind: "webhook" as const, name: "<b>hook</b>", enabled: true, minSeverity: "info" as const, summary: "example.invalid", editable: true },
  ];
  created: unknown[] = [];
  /** Test sends as asked for: the channel and who pressed the button. */
  tests: { id: string; by: string }[] = [];
  testResult = { ok: true, retryable: false } as { ok: boolean; retryable: boolean; error?: string };
  listChannels() {
    return this.channels;
  }
  /** Newest first, like the alerter's; tests add to it to see the overview follow. */
  alerts: AlertView[] = [{ id: 1, ts: T0 - 60_000, severity: "critical", title: "Trading halted", text: "reconciliation mismatch <script>alert(1)</script>", suppressed: false }];
  recentAlerts(limit: number) {
    return this.alerts.slice(0, limit);
  }
  async testChannel(id: string, by: string) {
    this.tests.push({ id, by });
    return this.testResult;
  }
  async createChannel(input: unknown) {
    this.created.push(input);
    return input;
  }
  async setChannelEnabled() {
    return undefined;
  }
  async deleteChannel() {
    return undefined;
  }
}

export const XSS = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

export const MARKETS: MarketInfo[] = [
  { market: "KRW-BTC", koreanName: "비트코인", englishName: "Bitcoin", warning: "NONE" },
  { market: "KRW-ETH", koreanName: "이더리움", englishName: "Ethereum", warning: "NONE" },
  { market: "KRW-XRP", koreanName: "리플", englishName: "XRP", warning: "CAUTION" },
  { market: "KRW-EVIL", koreanName: XSS, englishName: XSS, warning: "NONE" },
];


/** 300 hourly BTC candles (a slow rise with a wave), a buy and a sell fill, an open ETH position, signals. */
export function seed(db: Db): void {
  syncMarkets(db, MARKETS, T0 - 86_400_000);
  const hour = 3_600_000;
  const start = T0 - 300 * hour;
  saveCandles(
    db,
    "KRW-BTC",
    "1h",
    Array.from({ length: 300 }, (_, i) => {
      const base = 90_000_000 + i * 20_000 + Math.sin(i / 9) * 900_000;
      return { ts: start + i * hour, open: base, high: base + 300_000, low: base - 300_000, close: base + (i % 3 === 0 ? -120_000 : 150_000), volume: 1 + (i % 7) / 3 };
    }),
  );
  const order = (id: string, market: Market, side: "bid" | "ask", price: number, volume: number, t: number) =>
    recordOrderIntent(db, { clientOrderId: id, market, side, type: "limit", price, volume, priority: 2, reason: side === "bid" ? "entry" : "exit" }, t);
  order("b1", "KRW-BTC", "bid", 91_000_000, 0.01, start + 100 * hour);
  applyExchangeOrder(db, "b1", exchangeOrder({ orderId: "C1", clientOrderId: "b1", price: 91_000_000, volume: 0.01, executedVolume: 0.01, executedFunds: 910_000, paidFee: 364 }), start + 100 * hour + 5_000);
  order("s1", "KRW-BTC", "ask", 94_000_000, 0.01, start + 200 * hour);
  applyExchangeOrder(db, "s1", exchangeOrder({ orderId: "C2", clientOrderId: "s1", side: "ask", price: 94_000_000, volume: 0.01, executedVolume: 0.01, executedFunds: 940_000, paidFee: 376 }), start + 200 * hour + 5_000);
  order("e1", "KRW-ETH", "bid", 5_000_000, 0.2, T0 - 10 * hour);
  applyExchangeOrder(db, "e1", exchangeOrder({ orderId: "C3", clientOrderId: "e1", market: "KRW-ETH", price: 5_000_000, volume: 0.2, executedVolume: 0.2, executedFunds: 1_000_000, paidFee: 400 }), T0 - 10 * hour + 1_000);
  updatePositionExits(db, "KRW-ETH", { stop: 4_800_000, highWater: 5_150_000 }, T0 - hour);
  order("x1", "KRW-XRP", "bid", 800, 1000, T0 - hour);
  recordSignal(db, { market: "KRW-BTC", kind: "enter", strength: 0.62, reasons: ["ema_cross", "rsi_ok"], candleTs: start + 99 * hour, outcome: "approved" }, start + 100 * hour);
  recordSignal(db, { market: "KRW-BTC", kind: "enter", strength: 0.3, reasons: ["ema_cross"], candleTs: start + 150 * hour, outcome: "denied", deniedReason: "max_positions" }, start + 150 * hour);
}

/** The fake control port with a realistic health report (started five hours before T0). */
export class DashboardControl extends FakeControl {
  override health() {
    return { ...super.health(), startedAt: T0 - 5 * 3_600_000, now: T0 };
  }
  /** KRW 880,000 + 5,000 locked + the ETH position at 5,100,000 (cost 1,000,400). */
  override portfolio() {
    return { ...super.portfolio(), krwAvailable: 880_000, positionsValue: 1_020_000, unrealisedPnl: 19_600 };
  }
}

/** A control port with the seeded markets' traders: BTC watching, ETH in a position, XRP paused. */
export function control(): DashboardControl {
  const c = new DashboardControl();
  c.actors = [
    actor("KRW-BTC", { state: "watching", lastPrice: 95_600_000, changeRate: 0.0123, lastCandleTs: T0 - 3_600_000 }),
    actor("KRW-ETH", { state: "in_position", lastPrice: 5_100_000, changeRate: -0.0045, position: { volume: 0.2, avgPrice: 5_002_000, entryTs: T0 - 36_000_000, status: "open", markPrice: 5_100_000, unrealisedPnl: 19_600 } }),
    actor("KRW-XRP", { state: "paused", lastPrice: 812.5, changeRate: 0.2, warning: "CAUTION", restarts: 2, lastError: `ws closed ${XSS}` }),
  ];
  return c;
}

export interface Harness {
  readonly app: Hono<AppEnv>;
  readonly dashboard: Dashboard;
  readonly control: DashboardControl;
  readonly handle: DbHandle;
  readonly clock: SimulatedClock;
  readonly alerts: FakeAlerts;
  readonly auth: Auth;
  readonly secrets: SecretsBox;
  readonly dir: string;
  readonly log: ReturnType<typeof captureLogger>;
  request(path: string, init?: RequestOptions): Promise<Response>;
  close(): void;
}

export interface RequestOptions extends RequestInit {
  /** Log in as viewer / operator / admin (user names equal to the roles), or nobody (null). */
  readonly as?: "viewer" | "operator" | "admin" | null;
  readonly lang?: "ko" | "en";
  /** Send the session's CSRF token as `X-CSRF-Token` (default true for non-GET). */
  readonly csrf?: boolean;
  /** Make it an htmx request (`HX-Request: true`). */
  readonly htmx?: boolean;
  /** A url-encoded form body (POST). */
  readonly form?: Record<string, string | string[]>;
}

export function harness(over: Partial<DashboardDeps> = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), "dashboard-"));
  const handle = openDb({ path: join(dir, "bot.db") });
  const clock = new SimulatedClock(T0);
  const log = captureLogger("info");
  const ctl = control();
  const alerts = new FakeAlerts();
  const auth = createAuth({ db: handle.db, clock, logger: log.logger, passwordHashing: { memoryCost: 64, timeCost: 1 } });
  const secrets = new SecretsBox({ db: handle.db, clock, key: new Uint8Array(32).fill(7) });
  seed(handle.db);
  mkdirSync(join(dir, "candles"));
  // Real users whose ids (1, 2, 3) the stand-in session gives viewer, operator and admin.
  for (const role of ["viewer", "operator", "admin"] as const) insertUser(handle.db, { name: role, passwordHash: "not-a-real-hash", role, lang: "ko" }, T0);
  const dashboard = createDashboard({
    control: ctl,
    db: handle.db,
    clock,
    logger: log.logger,
    interval: "1h",
    users: auth.users,
    tokens: auth.tokens,
    secrets,
    alerts,
    backtests: { candlesDir: join(dir, "candles"), reportsDir: join(dir, "reports"), dbPath: handle.path },
    live: { tickMs: 1_000, heartbeatMs: 5_000 },
    ...over,
  });
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.use(clientIp());
  app.use(securityHeaders({ isHttps: () => false }));
  app.use(standInSession());
  app.use(csrfProtect());
  app.route("/", dashboard.routes);
  app.notFound(pageAwareNotFound(dashboard.renderError));
  app.onError(errorHandler(log.logger, dashboard.renderError));

  const request = (path: string, init: RequestOptions = {}) => {
    const { as = "viewer", lang, csrf, htmx, form, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set("accept", headers.get("accept") ?? "text/html");
    if (as) headers.set("x-test-user", `${as}:${as}${lang ? `:${lang}` : ""}`);
    const method = rest.method ?? (form ? "POST" : "GET");
    if (as && (csrf ?? method !== "GET")) headers.set("x-csrf-token", csrfOf(as));
    if (htmx) headers.set("hx-request", "true");
    let body = rest.body;
    if (form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
      body = params.toString();
      headers.set("content-type", "application/x-www-form-urlencoded");
    }
    return Promise.resolve(app.request(path, { ...rest, method, headers, body }, ENV));
  };
  return {
    app,
    dashboard,
    control: ctl,
    handle,
    clock,
    alerts,
    auth,
    secrets,
    dir,
    log,
    request,
    close: () => {
      dashboard.close();
      handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The page's text with tags removed and entities decoded (for "is this label on the page" checks). */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

export { CLIENT_IP };
