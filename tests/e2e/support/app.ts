/**
 * The HTTP app exactly as `src/main.ts` assembles it (createApp with the platform's sessions,
 * CSRF, CSP and error pages; the dashboard mounted; the real user/token services, secrets box and
 * alert service with channels from the environment and the database), on a real temporary SQLite
 * database, driven in process through `app.request()` like a browser (a cookie jar per user).
 * Only the trading runtime is a stand-in: a control port that records every command, so "nothing
 * reached the bot" is a fact the tests can check.
 *
 * Every answer is kept (method, path, status, headers, body) and every log line is captured with
 * no redaction, so the tests can search all of them for a secret or an unescaped payload.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { channelsFromEnv } from "../../../src/alerts/config.ts";
import { createAlertAdmin, createAlertService, type AlertService } from "../../../src/alerts/index.ts";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import { SystemClock } from "../../../src/clock/system.ts";
import type { ExchangeOrder, Market, MarketInfo } from "../../../src/core/model.ts";
import { applyExchangeOrder, openDb, recordAlert, recordAudit, recordOrderIntent, recordSignal, saveCandles, syncMarkets, type DbHandle } from "../../../src/db/index.ts";
import { Metrics } from "../../../src/metrics/index.ts";
import { createAuth, ensureFirstAdmin, type Auth } from "../../../src/server/auth/index.ts";
import { createDashboard, type Dashboard } from "../../../src/server/dashboard/index.ts";
import { API_TOKEN_NAME, ApiError, createApp, createSecretsBox, type SecretsBox } from "../../../src/server/index.ts";
import { XSS_ATTR, XSS_SCRIPT, XSS_SINGLE } from "../../fixtures/e2e/payloads.ts";
import { startHttpReceiver, startSmtpReceiver, startTelegramFake, TLS_CERT, type HttpReceiver, type SmtpReceiver, type TelegramFake } from "../../unit/alerts/support.ts";
import { CookieJar } from "../../unit/server/auth/support.ts";
import { actor, captureLogger, FakeControl } from "../../unit/server/support.ts";

/** The client address every request comes from (a bound peer, as Bun.serve gives). */
export const CLIENT_IP = "192.0.2.44";
const BINDINGS = { server: { requestIP: () => ({ address: CLIENT_IP }) } };

/** 2026-11-26 12:00 KST. */
export const T0 = Date.UTC(2026, 10, 26, 3, 0, 0);

/** Every secret the app is given or told, by name: none may ever show up in a page, an API answer or a log line. */
export const SECRETS = {
  adminPassword: "Adm1n-password-e2e-7b3f0c",
  sessionSecret: "session-secret-e2e-0123456789abcdef0123456789",
  bootstrapToken: "boot-api-token-e2e-5d8a1c9e7f",
  /** SECRETS_KEY as main receives it (base64 of 32 bytes). */
  secretsKey: Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 59 + 17) % 256)).toString("base64"),
  telegramToken: "987654321:AAE2E-telegram_token_0123456789xyz",
  smtpPassword: "smtp-e2e-password-42af9c",
  webhookSecret: "webhook-e2e-secret-0123456789abcd",
  exchangeAccessKey: "EXCHANGE-ACCESS-e2e-9f2a7c41d0",
  exchangeSecretKey: "EXCHANGE-SECRET-e2e-3b6d0e88a5",
  apiSecretValue: "stored-secret-value-e2e-77c1d2",
  userPassword: "user-password-e2e-c0ffee12",
} as const;

export const ADMIN = "admin";

export interface Answer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export interface RequestOptions {
  readonly method?: string;
  /** Send this browser's cookies and keep what the answer sets. */
  readonly jar?: CookieJar;
  readonly bearer?: string;
  /** `X-CSRF-Token` header. */
  readonly csrf?: string;
  /** A url-encoded form body. */
  readonly form?: Record<string, string | readonly string[]>;
  /** A JSON body. */
  readonly json?: unknown;
  /** Default `text/html` (a page load); `application/json` for API calls. */
  readonly accept?: string;
  /** An htmx request (`HX-Request: true`). */
  readonly htmx?: boolean;
  readonly headers?: Record<string, string>;
}

export interface Session {
  readonly name: string;
  readonly jar: CookieJar;
  /** The session's CSRF token, read from a page as a browser's htmx would. */
  readonly csrf: string;
}

export interface SecureApp {
  readonly app: ReturnType<typeof createApp>;
  readonly handle: DbHandle;
  readonly control: FakeControl;
  readonly auth: Auth;
  readonly secrets: SecretsBox;
  readonly alerts: AlertService;
  readonly dashboard: Dashboard;
  readonly telegram: TelegramFake;
  readonly smtp: SmtpReceiver;
  /** Receives the webhook channels created on the settings page. */
  readonly hook: HttpReceiver;
  readonly log: ReturnType<typeof captureLogger>;
  /** Every answer the app gave, in order. */
  readonly answers: Answer[];
  readonly dir: string;
  request(path: string, options?: RequestOptions): Promise<Answer>;
  /** Logs in through the login form (GET then POST /login) and reads the CSRF token from the overview. */
  login(name: string, password: string): Promise<Session>;
  close(): Promise<void>;
}

/** The session's CSRF token in a page (`hx-headers:inherited` on `<body>`, HTML-escaped). */
export function csrfFromPage(html: string): string | undefined {
  return /hx-headers:inherited="\{&quot;X-CSRF-Token&quot;:&quot;([^&]+)&quot;\}"/.exec(html)?.[1];
}

export const MARKETS: MarketInfo[] = [
  { market: "KRW-BTC", koreanName: "비트코인", englishName: "Bitcoin", warning: "NONE" },
  { market: "KRW-ETH", koreanName: "이더리움", englishName: "Ethereum", warning: "NONE" },
  // An exchange that sends markup as a market's names (the listing is exchange text).
  { market: "KRW-XSS", koreanName: `${XSS_SCRIPT}${XSS_SINGLE}`, englishName: XSS_ATTR, warning: "CAUTION" },
];

function report(over: Partial<ExchangeOrder>): ExchangeOrder {
  return { orderId: "X0", market: "KRW-BTC", side: "bid", type: "limit", state: "done", remainingVolume: 0, executedVolume: 0, executedFunds: 0, paidFee: 0, reservedFee: 0, remainingFee: 0, locked: 0, createdAt: 1, ...over };
}

/**
 * The records the pages show: markets (one with hostile names), 300 one-minute BTC candles (a
 * backtest data set), filled orders and an open position in BTC and in the hostile market, signals,
 * alerts and audit rows whose text is markup.
 */
export function seedRecords(handle: DbHandle): void {
  const { db } = handle;
  syncMarkets(db, MARKETS, T0 - 86_400_000);
  const minute = 60_000;
  const start = T0 - 300 * minute;
  saveCandles(
    db,
    "KRW-BTC",
    "1m",
    Array.from({ length: 300 }, (_, i) => {
      const base = 95_000_000 + i * 5_000 + Math.sin(i / 7) * 200_000;
      return { ts: start + i * minute, open: base, high: base + 60_000, low: base - 60_000, close: base + (i % 3 === 0 ? -20_000 : 30_000), volume: 0.5 + (i % 5) / 4 };
    }),
  );
  const fill = (id: string, market: Market, side: "bid" | "ask", price: number, volume: number, t: number) => {
    recordOrderIntent(db, { clientOrderId: id, market, side, type: "limit", price, volume, priority: 2, reason: side === "bid" ? "entry" : "exit" }, t);
    applyExchangeOrder(db, id, report({ orderId: `X-${id}`, clientOrderId: id, market, side, price, volume, executedVolume: volume, executedFunds: price * volume, paidFee: price * volume * 0.0004 }), t + 1_000);
  };
  fill("b1", "KRW-BTC", "bid", 95_000_000, 0.01, start + 50 * minute);
  fill("s1", "KRW-BTC", "ask", 96_000_000, 0.004, start + 150 * minute);
  fill("x1", "KRW-XSS", "bid", 1_000, 600, start + 200 * minute);
  recordOrderIntent(db, { clientOrderId: "e1", market: "KRW-ETH", side: "bid", type: "limit", price: 5_000_000, volume: 0.1, priority: 2, reason: "entry" }, T0 - minute);
  recordSignal(db, { market: "KRW-BTC", kind: "enter", strength: 0.7, reasons: ["ema_cross", XSS_SCRIPT], candleTs: start + 49 * minute, outcome: "approved" }, start + 50 * minute);
  recordSignal(db, { market: "KRW-XSS", kind: "enter", strength: 0.4, reasons: [XSS_ATTR], candleTs: start + 199 * minute, outcome: "denied", deniedReason: XSS_SINGLE }, start + 200 * minute);
  recordAlert(db, { ts: T0 - 5 * minute, severity: "critical", key: "halt:KRW-XSS", title: `Halted ${XSS_SCRIPT}`, text: `exchange said ${XSS_ATTR}`, suppressed: false });
  recordAudit(db, { actor: "system", action: "test.seeded", target: XSS_SCRIPT, details: { note: XSS_ATTR }, source: "cli" }, T0 - 4 * minute);
}

/** The stand-in runtime: the seeded markets' traders, one with an error message that is markup. */
/**
 * The alert channels' settings as the environment gives them: Telegram at the fake's URL and SMTP
 * with STARTTLS required and a password (both carry secrets the tests look for in every output).
 */
export function alertChannelEnv(telegramUrl: string, smtpPort: number): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: SECRETS.telegramToken,
    TELEGRAM_CHAT_IDS: "111222",
    TELEGRAM_API_URL: telegramUrl,
    SMTP_HOST: "127.0.0.1",
    SMTP_PORT: String(smtpPort),
    SMTP_STARTTLS: "required",
    SMTP_USER: "bot",
    SMTP_PASSWORD: SECRETS.smtpPassword,
    SMTP_FROM: "bot@trader.example",
    SMTP_TO: "ops@trader.example",
  };
}

export function recordingControl(): FakeControl {
  const c = new FakeControl();
  c.actors = [
    actor("KRW-BTC", { state: "in_position", lastPrice: 96_100_000, changeRate: 0.011, position: { volume: 0.006, avgPrice: 95_000_000, entryTs: T0 - 3_600_000, status: "open", markPrice: 96_100_000, unrealisedPnl: 6_600 } }),
    actor("KRW-ETH", { state: "watching", lastPrice: 5_010_000, changeRate: -0.002 }),
    actor("KRW-XSS", { state: "paused", lastPrice: 1_010, changeRate: 0.01, warning: "CAUTION", restarts: 3, lastError: `ws closed: ${XSS_SCRIPT}`, position: { volume: 600, avgPrice: 1_000, entryTs: T0 - 60_000, status: "open", markPrice: 1_010, unrealisedPnl: 6_000 } }),
  ];
  return c;
}

export async function startSecureApp(): Promise<SecureApp> {
  const dir = mkdtempSync(join(tmpdir(), "e2e-security-"));
  const handle = openDb({ path: join(dir, "bot.db") });
  seedRecords(handle);
  const clock = new SimulatedClock(T0);
  const log = captureLogger("trace");
  const logger = log.logger;
  const control = recordingControl();
  const telegram = startTelegramFake(SECRETS.telegramToken);
  const smtp = await startSmtpReceiver({ starttls: true, credentials: { user: "bot", password: SECRETS.smtpPassword } });
  const hook = startHttpReceiver();

  const secrets = createSecretsBox({ db: handle.db, clock, key: new Uint8Array(Buffer.from(SECRETS.secretsKey, "base64")) });
  const env = channelsFromEnv(alertChannelEnv(telegram.url, smtp.port));
  if (env.problems.length > 0) throw new Error(`alert env: ${env.problems.join("; ")}`);
  const alerts = createAlertService({ db: handle.db, clock, logger, env, sealer: secrets, smtpTls: { ca: TLS_CERT }, random: () => 0.5 });
  await alerts.start({});

  const auth = createAuth({ db: handle.db, clock, logger: logger.child({ component: "auth" }), sessionSecret: SECRETS.sessionSecret, bootstrapTokens: [{ name: API_TOKEN_NAME, token: SECRETS.bootstrapToken }] });
  await ensureFirstAdmin(auth, { name: ADMIN, password: SECRETS.adminPassword });
  mkdirSync(join(dir, "candles"));
  const dashboard = createDashboard({
    control,
    db: handle.db,
    clock,
    logger: logger.child({ component: "dashboard" }),
    interval: "1m",
    users: auth.users,
    tokens: auth.tokens,
    secrets,
    alerts: createAlertAdmin({ service: alerts, db: handle.db, refuse: (message, fields) => new ApiError(400, "invalid_request", message, { fields }) }),
    backtests: { candlesDir: join(dir, "candles"), reportsDir: join(dir, "reports"), dbPath: handle.path },
    // As in main: the live stream ticks on the wall clock.
    live: { clock: new SystemClock(), tickMs: 200, heartbeatMs: 5_000 },
  });
  const app = createApp({
    control,
    db: handle.db,
    metrics: new Metrics({ defaultMetrics: false }),
    clock,
    logger: logger.child({ component: "http" }),
    auth,
    secrets,
    renderLogin: dashboard.renderLogin,
    renderError: dashboard.renderError,
    extraRoutes: (a) => a.route("/", dashboard.routes),
  });

  const answers: Answer[] = [];
  const request = async (path: string, options: RequestOptions = {}): Promise<Answer> => {
    const headers = new Headers(options.headers);
    headers.set("accept", options.accept ?? headers.get("accept") ?? "text/html");
    if (options.jar && options.jar.values.size > 0) headers.set("cookie", options.jar.header());
    if (options.bearer !== undefined) headers.set("authorization", `Bearer ${options.bearer}`);
    if (options.csrf !== undefined) headers.set("x-csrf-token", options.csrf);
    if (options.htmx) headers.set("hx-request", "true");
    let body: string | undefined;
    if (options.form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(options.form)) for (const one of typeof v === "string" ? [v] : v) params.append(k, one);
      body = params.toString();
      headers.set("content-type", "application/x-www-form-urlencoded");
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers.set("content-type", "application/json");
    }
    const method = options.method ?? (body === undefined ? "GET" : "POST");
    const res = await app.request(path, { method, headers, body }, BINDINGS);
    options.jar?.update(res);
    const answer = { method, path, status: res.status, headers: res.headers, body: await res.text() };
    answers.push(answer);
    return answer;
  };

  const login = async (name: string, password: string): Promise<Session> => {
    const jar = new CookieJar();
    const form = await request("/login", { jar });
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1];
    if (!token) throw new Error("the login form has no CSRF token");
    const res = await request("/login", { jar, form: { name, password, _csrf: token, next: "/" } });
    if (res.status !== 303) throw new Error(`login as ${name} answered ${res.status}`);
    const csrf = csrfFromPage((await request("/", { jar })).body);
    if (!csrf) throw new Error(`no CSRF token in ${name}'s overview`);
    return { name, jar, csrf };
  };

  return {
    app,
    handle,
    control,
    auth,
    secrets,
    alerts,
    dashboard,
    telegram,
    smtp,
    hook,
    log,
    answers,
    dir,
    request,
    login,
    async close() {
      dashboard.close();
      await alerts.stop({ drainMs: 0 });
      telegram.close();
      hook.close();
      await smtp.close();
      handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Tables and columns that record the use of a credential rather than a change by a route. */
const USAGE_COLUMNS: Readonly<Record<string, readonly string[]>> = { sessions: ["last_used_at"], api_tokens: ["last_used_at"] };

/**
 * A fingerprint of everything a route could change: one hash per database table (all rows, in
 * rowid order, minus credential-usage timestamps), the commands the runtime received, and what
 * the alert receivers got. Two equal fingerprints mean nothing changed.
 */
export function fingerprint(s: SecureApp): Record<string, string> {
  const sqlite = s.handle.sqlite;
  const out: Record<string, string> = {};
  const tables = sqlite.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
  for (const { name } of tables) {
    const skip = USAGE_COLUMNS[name] ?? [];
    const rows = sqlite.query<Record<string, unknown>, []>(`SELECT * FROM "${name}" ORDER BY rowid`).all();
    const kept = rows.map((r) => Object.entries(r).filter(([k]) => !skip.includes(k)));
    out[`table ${name}`] = new Bun.CryptoHasher("sha256").update(JSON.stringify(kept, (_k, v) => (typeof v === "bigint" ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v))).digest("hex");
  }
  out["runtime commands"] = JSON.stringify(s.control.calls.map((c) => [c.method, c.market ?? null]));
  out["telegram messages"] = String(s.telegram.sent.length);
  out["e-mails"] = String(s.smtp.transactions.length);
  out["webhook posts"] = String(s.hook.received.length);
  return out;
}

/** The names of the parts that differ between two fingerprints. */
export function changedParts(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]).sort();
}
