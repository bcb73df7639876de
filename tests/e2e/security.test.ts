/**
 * Issue 6's security proof, on the app as `src/main.ts` assembles it (createApp with the real
 * sessions, CSRF, CSP, users, tokens, secrets box, alert service and the dashboard) over a real
 * SQLite database, driven through `app.request()` with a cookie jar per user:
 *
 *   - EVERY mutating route, enumerated from the app's own route table (a route added later that is
 *     not in the table below fails the test), is refused without a session, with a viewer's
 *     session (and, for admin routes, an operator's), without the CSRF token / with another
 *     session's token / sent cross-site, and with a too-weak or invalid bearer token; each refusal
 *     changes nothing (database, runtime commands, alert deliveries). The same request with the
 *     right role and token does change something, so the sample requests are ones that matter.
 *   - XSS payloads in market names, signals, alerts, trader errors, alert channel names, settings
 *     fields, user and token names, backtest and login forms and query strings come back escaped
 *     in every page (every GET route crawled as each role) and the live stream; API answers are
 *     JSON that cannot be sniffed as HTML.
 *   - SQL-injection strings in every filter (API and pages) change nothing: same rows as a harmless
 *     query, the database byte-for-byte the same and intact.
 *   - No secret (admin and user passwords, session secret, bootstrap and created API tokens,
 *     SECRETS_KEY, exchange keys, Telegram bot token, SMTP password, webhook secret) appears in
 *     any answer, header or log line (the logger is captured without redaction), nor in plaintext
 *     in the database file.
 *
 * And the real bot (`bun start` against `bun run sim`, every secret in its environment, debug
 * logging) is driven over HTTP and its whole output searched for the secrets.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveRiskParams } from "../../src/core/risk/index.ts";
import { STRATEGY_PRESETS } from "../../src/core/strategy/index.ts";
import { formValues, type Section } from "../../src/server/dashboard/params-form.ts";
import { RAW_XSS, SQLI_STRINGS, XSS_ATTR, XSS_SCRIPT, XSS_SINGLE, XSS_URL } from "../fixtures/e2e/payloads.ts";
import { waitFor } from "../integration/helpers/poll.ts";
import { workDir } from "../integration/helpers/workdir.ts";
import { startHttpReceiver, startSmtpReceiver, startTelegramFake, type HttpReceiver, type SmtpReceiver, type TelegramFake } from "../unit/alerts/support.ts";
import { CookieJar } from "../unit/server/auth/support.ts";
import { ADMIN, alertChannelEnv, type Answer, changedParts, csrfFromPage, fingerprint, type RequestOptions, SECRETS, type SecureApp, type Session, startSecureApp, T0 } from "./support/app.ts";
import { type RealBot, startRealBot } from "./support/bot.ts";

/** A request that would change something if it got through. */
interface Send {
  readonly path: string;
  readonly method?: string;
  /** Form fields (dashboard routes) or the JSON body (API routes). */
  readonly body?: Record<string, unknown>;
}

/**
 * Who may send it: the weakest role; `self` = any logged-in user about their own account or
 * session (language, logout); `login` = the login form, whose own token guards it.
 */
type Who = "operator" | "admin" | "self" | "login";

interface RouteCase {
  readonly who: Who;
  readonly send: () => Send;
  /** Without a session there is nothing to do: answered (login page) but changes nothing. Logout only. */
  readonly anonymousNoOp?: true;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
/** `app.use` middleware shows up in the route table as method ALL on these paths. */
const MIDDLEWARE_PATHS = new Set(["/*", "/api/v1/*"]);

let s: SecureApp;
let admin: Session;
let operator: Session;
let viewer: Session;
/** Sessions the positive controls end (logout, revoke), so the others stay usable. */
let logoutVictim: Session;
let revokeVictimId: number;
const targets = { user: 0, disabledUser: 0, lockedUser: 0, token: 0, tokenForPage: 0, hookA: "", hookB: "" };
const bearer = { read: "", trade: "" };
/** Plaintext tokens created during the tests: each may appear in its creation answer only. */
const createdTokens: { token: string; answer: Answer }[] = [];

function paramsForm(section: Section, over: Record<string, string> = {}): Record<string, string> {
  const values = section === "strategy" ? STRATEGY_PRESETS.default : resolveRiskParams({});
  return { ...formValues(section, values), ...over };
}

/** Every mutating route of the app: the sample request and who may send it. */
const CASES: Record<string, RouteCase> = {
  "POST /login": { who: "login", send: () => ({ path: "/login", body: { name: ADMIN, password: SECRETS.adminPassword, next: "/" } }) },
  "POST /logout": { who: "self", send: () => ({ path: "/logout" }), anonymousNoOp: true },
  "POST /lang": { who: "self", send: () => ({ path: "/lang", body: { lang: "en", back: "/" } }) },
  "PATCH /api/v1/me": { who: "self", send: () => ({ method: "PATCH", path: "/api/v1/me", body: { lang: "en" } }) },

  "POST /api/v1/actors/:market/pause": { who: "operator", send: () => ({ path: "/api/v1/actors/KRW-BTC/pause" }) },
  "POST /api/v1/actors/:market/resume": { who: "operator", send: () => ({ path: "/api/v1/actors/KRW-XSS/resume" }) },
  "POST /api/v1/actors/:market/flatten": { who: "operator", send: () => ({ path: "/api/v1/actors/KRW-BTC/flatten" }) },
  "POST /api/v1/trading/pause": { who: "operator", send: () => ({ path: "/api/v1/trading/pause" }) },
  "POST /api/v1/trading/resume": { who: "operator", send: () => ({ path: "/api/v1/trading/resume" }) },
  "POST /api/v1/trading/flatten-all": { who: "operator", send: () => ({ path: "/api/v1/trading/flatten-all" }) },
  "POST /markets/:market/pause": { who: "operator", send: () => ({ path: "/markets/KRW-BTC/pause", body: { back: "/markets" } }) },
  "POST /markets/:market/resume": { who: "operator", send: () => ({ path: "/markets/KRW-XSS/resume", body: { back: "/markets" } }) },
  "POST /markets/:market/flatten": { who: "operator", send: () => ({ path: "/markets/KRW-BTC/flatten", body: { confirm: "yes", back: "/" } }) },
  "POST /trading/pause": { who: "operator", send: () => ({ path: "/trading/pause", body: { back: "/" } }) },
  "POST /trading/resume": { who: "operator", send: () => ({ path: "/trading/resume", body: { back: "/" } }) },
  "POST /trading/flatten-all": { who: "operator", send: () => ({ path: "/trading/flatten-all", body: { confirm: "yes", back: "/" } }) },
  "POST /backtests": { who: "operator", send: () => ({ path: "/backtests", body: { data: "db:KRW-BTC:1m", preset: "default", from: "", to: "", params: "" } }) },

  "POST /api/v1/users": { who: "admin", send: () => ({ path: "/api/v1/users", body: { name: "made-by-api", password: SECRETS.userPassword, role: "viewer" } }) },
  "PATCH /api/v1/users/:id": { who: "admin", send: () => ({ method: "PATCH", path: `/api/v1/users/${targets.user}`, body: { role: "admin" } }) },
  "POST /api/v1/users/:id/password": { who: "admin", send: () => ({ path: `/api/v1/users/${targets.user}/password`, body: { password: SECRETS.userPassword } }) },
  "POST /api/v1/users/:id/unlock": { who: "admin", send: () => ({ path: `/api/v1/users/${targets.lockedUser}/unlock` }) },
  "DELETE /api/v1/sessions/:id": { who: "admin", send: () => ({ method: "DELETE", path: `/api/v1/sessions/${revokeVictimId}` }) },
  "POST /api/v1/tokens": { who: "admin", send: () => ({ path: "/api/v1/tokens", body: { name: "made-by-api", scopes: ["admin"] } }) },
  "DELETE /api/v1/tokens/:id": { who: "admin", send: () => ({ method: "DELETE", path: `/api/v1/tokens/${targets.token}` }) },
  "PUT /api/v1/secrets/:key": { who: "admin", send: () => ({ method: "PUT", path: "/api/v1/secrets/test.one", body: { value: SECRETS.apiSecretValue } }) },
  "DELETE /api/v1/secrets/:key": { who: "admin", send: () => ({ method: "DELETE", path: "/api/v1/secrets/test.two" }) },
  "POST /settings/strategy": { who: "admin", send: () => ({ path: "/settings/strategy", body: paramsForm("strategy", { emaFast: "9" }) }) },
  "POST /settings/risk": { who: "admin", send: () => ({ path: "/settings/risk", body: paramsForm("risk") }) },
  "POST /settings/keys/delete": { who: "admin", send: () => ({ path: "/settings/keys/delete" }) },
  // After the delete: the keys stay stored for the checks at rest.
  "POST /settings/keys": { who: "admin", send: () => ({ path: "/settings/keys", body: { accessKey: SECRETS.exchangeAccessKey, secretKey: SECRETS.exchangeSecretKey } }) },
  "POST /settings/alerts/test": { who: "admin", send: () => ({ path: "/settings/alerts/test", body: { id: targets.hookA } }) },
  "POST /settings/alerts": { who: "admin", send: () => ({ path: "/settings/alerts", body: { kind: "webhook", name: "made-on-page", url: `${s.hook.url}/made`, minSeverity: "info" } }) },
  "POST /settings/alerts/enable": { who: "admin", send: () => ({ path: "/settings/alerts/enable", body: { id: targets.hookA, enabled: "false" } }) },
  "POST /settings/alerts/delete": { who: "admin", send: () => ({ path: "/settings/alerts/delete", body: { id: targets.hookB } }) },
  "POST /settings/users": { who: "admin", send: () => ({ path: "/settings/users", body: { name: "made-on-page", password: SECRETS.userPassword, role: "admin", lang: "ko" } }) },
  "POST /settings/users/:id/role": { who: "admin", send: () => ({ path: `/settings/users/${targets.user}/role`, body: { role: "operator" } }) },
  "POST /settings/users/:id/disable": { who: "admin", send: () => ({ path: `/settings/users/${targets.user}/disable` }) },
  "POST /settings/users/:id/enable": { who: "admin", send: () => ({ path: `/settings/users/${targets.disabledUser}/enable` }) },
  "POST /settings/users/:id/password": { who: "admin", send: () => ({ path: `/settings/users/${targets.user}/password`, body: { password: SECRETS.userPassword } }) },
  "POST /settings/tokens": { who: "admin", send: () => ({ path: "/settings/tokens", body: { name: "made-on-page", scopes: "admin" } }) },
  "POST /settings/tokens/:id/revoke": { who: "admin", send: () => ({ path: `/settings/tokens/${targets.tokenForPage}/revoke` }) },
};

/** The app's routes as `METHOD path`, once each. */
function routeTable(): { method: string; path: string }[] {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of s.app.routes) seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  return [...seen.values()];
}

const isApi = (path: string) => path.startsWith("/api/");

type CsrfMode = "valid" | "none" | "wrong";

/** Sends `send` the way a browser (session) or a machine (bearer) would. */
function deliver(send: Send, options: { session?: Session; csrf?: CsrfMode; htmx?: boolean; crossSite?: boolean; bearer?: string }): Promise<Answer> {
  const { session, csrf = "valid" } = options;
  const token = csrf === "valid" ? session?.csrf : csrf === "wrong" ? (session === viewer ? admin.csrf : viewer.csrf) : undefined;
  const api = isApi(send.path);
  const request: RequestOptions = {
    method: send.method ?? "POST",
    jar: session?.jar ?? new CookieJar(),
    bearer: options.bearer,
    accept: api ? "application/json" : "text/html",
    htmx: options.htmx,
    headers: options.crossSite ? { "sec-fetch-site": "cross-site" } : {},
  };
  if (api) {
    return s.request(send.path, { ...request, csrf: token, json: send.body ?? (request.method === "DELETE" ? undefined : {}) });
  }
  // Dashboard forms: htmx sends the token as a header, a plain form as the `_csrf` field.
  const form: Record<string, string | readonly string[]> = { ...(send.body as Record<string, string> | undefined) };
  if (token !== undefined && !options.htmx) form["_csrf"] = token;
  return s.request(send.path, { ...request, csrf: options.htmx ? token : undefined, form });
}

/** A refusal: 401/403, or (a page request without a session) a redirect to the login page. */
function refused(a: Answer): boolean {
  return a.status === 401 || a.status === 403 || (a.status === 303 && (a.headers.get("location") ?? "").startsWith("/login"));
}

/** Sends and checks that the answer is a refusal (`status` when given) and that nothing changed. */
async function expectRefused(label: string, send: Send, options: Parameters<typeof deliver>[1], status?: number): Promise<void> {
  const before = fingerprint(s);
  const a = await deliver(send, options);
  const what = `${label}: ${a.method} ${a.path} answered ${a.status}`;
  if (status !== undefined) expect(a.status, what).toBe(status);
  else expect(refused(a), what).toBe(true);
  expect(changedParts(before, fingerprint(s)), `${label} changed something`).toEqual([]);
}

/** Builds a concrete path for a GET route pattern. */
function concrete(pattern: string, market: string): string | undefined {
  // Static files hold no data; the live stream never ends (read on its own below).
  if (pattern.includes("*") || pattern === "/live") return undefined;
  const backtest = s.handle.sqlite.query<{ id: number }, []>("SELECT id FROM backtest_runs ORDER BY id LIMIT 1").get()?.id ?? 1;
  return pattern
    .replace(/:market\b/, market)
    .replace(/:id\{[^}]*\}|:id\b/, String(backtest))
    .replace(/:key\b/, "test.one");
}

beforeAll(async () => {
  s = await startSecureApp();
  const users = s.auth.users;
  const by = { by: "test", source: "test" };
  for (const [name, role] of [["op", "operator"], ["watcher", "viewer"], ["spare", "viewer"], ["victim", "viewer"]] as const) await users.createUser({ name, password: SECRETS.userPassword, role }, by);
  targets.user = (await users.createUser({ name: "target", password: SECRETS.userPassword, role: "viewer" }, by)).id;
  targets.disabledUser = (await users.createUser({ name: "sleeper", password: SECRETS.userPassword, role: "viewer" }, by)).id;
  users.disableUser(targets.disabledUser, by);
  targets.lockedUser = (await users.createUser({ name: "locked", password: SECRETS.userPassword, role: "viewer" }, by)).id;
  s.handle.sqlite.run("UPDATE users SET failed_logins = 5, locked_until = ? WHERE id = ?", [T0 + 3_600_000, targets.lockedUser]);
  targets.token = s.auth.tokens.createToken({ name: "target-api", scopes: ["read"] }, by).info.id;
  targets.tokenForPage = s.auth.tokens.createToken({ name: "target-page", scopes: ["read"] }, by).info.id;
  bearer.read = s.auth.tokens.createToken({ name: "reader", scopes: ["read"] }, by).token;
  bearer.trade = s.auth.tokens.createToken({ name: "trader", scopes: ["trade"] }, by).token;
  s.secrets.saveSecret("bithumb.access_key", SECRETS.exchangeAccessKey, by);
  s.secrets.saveSecret("bithumb.secret_key", SECRETS.exchangeSecretKey, by);
  s.secrets.saveSecret("test.two", SECRETS.apiSecretValue, by);
  for (const name of ["hook-a", "hook-b"]) {
    const r = s.alerts.channels.create({ kind: "webhook", name, config: { url: `${s.hook.url}/${name}`, secret: SECRETS.webhookSecret, minSeverity: "info" } }, { by: "test" });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    if (name === "hook-a") targets.hookA = r.channel.id;
    else targets.hookB = r.channel.id;
  }
  admin = await s.login(ADMIN, SECRETS.adminPassword);
  operator = await s.login("op", SECRETS.userPassword);
  viewer = await s.login("watcher", SECRETS.userPassword);
  logoutVictim = await s.login("spare", SECRETS.userPassword);
  await s.login("victim", SECRETS.userPassword);
  revokeVictimId = s.auth.sessions.listSessions().find((x) => x.userName === "victim")!.id;
}, 30_000);

afterAll(async () => {
  await s?.close();
});

describe("every mutating route is refused without the role, the session or the CSRF token", () => {
  it("covers every mutating route of the app (the list is derived from the app's routes)", () => {
    const mutating = routeTable().filter((r) => !SAFE.has(r.method) && !(r.method === "ALL" && MIDDLEWARE_PATHS.has(r.path)));
    const keys = mutating.map((r) => `${r.method} ${r.path}`);
    // A handler on ALL would take POSTs too: it must be in the table like any other.
    expect(keys.filter((k) => !(k in CASES)), "mutating routes with no security case").toEqual([]);
    expect(Object.keys(CASES).filter((k) => !keys.includes(k)), "cases for routes the app no longer has").toEqual([]);
    expect(keys.length).toBeGreaterThanOrEqual(40);
  });

  for (const [key, c] of Object.entries(CASES)) {
    it(`${key} (${c.who})`, async () => {
      const send = c.send();
      const api = isApi(send.path);
      if (c.who === "login") {
        // The login form's own token (double submit): without it, or with another browser's, no session.
        const other = new CookieJar();
        const form = await s.request("/login", { jar: other });
        const foreign = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
        for (const [label, body] of [["no token", send.body], ["another browser's token", { ...send.body, _csrf: foreign }]] as const) {
          const before = fingerprint(s);
          const a = await s.request(send.path, { jar: new CookieJar(), form: body as Record<string, string> });
          expect(a.status, label).toBe(403);
          expect(a.headers.getSetCookie().some((v) => v.startsWith("bot_access=") || v.startsWith("bot_refresh=")), label).toBe(false);
          expect(changedParts(before, fingerprint(s)), label).toEqual([]);
        }
        return;
      }
      // (a) nobody logged in: as a page load, as htmx, as an API call.
      if (c.anonymousNoOp) {
        for (const htmx of [false, true]) {
          const before = fingerprint(s);
          const a = await deliver(send, { htmx });
          expect(a.headers.get(htmx ? "hx-redirect" : "location"), "sent to the login page").toBe("/login");
          expect(changedParts(before, fingerprint(s))).toEqual([]);
        }
      } else {
        await expectRefused("no session", send, {});
        if (!api) await expectRefused("no session (htmx)", send, { htmx: true }, 401);
      }
      // (b) a weaker role with its own valid token.
      if (c.who !== "self") await expectRefused("viewer", send, { session: viewer }, 403);
      if (c.who === "admin") await expectRefused("operator", send, { session: operator }, 403);
      // (c) a strong enough session without its CSRF token, with another session's, or sent cross-site.
      const strong = c.who === "self" ? viewer : admin;
      await expectRefused("no CSRF token", send, { session: strong, csrf: "none" }, 403);
      if (c.who === "operator") await expectRefused("operator without a CSRF token", send, { session: operator, csrf: "none" }, 403);
      if (!api) await expectRefused("no CSRF token (htmx)", send, { session: strong, csrf: "none", htmx: true }, 403);
      await expectRefused("another session's CSRF token", send, { session: strong, csrf: "wrong" }, 403);
      await expectRefused("cross-site", send, { session: strong, crossSite: true }, 403);
      // (d) machines: pages take no bearer token at all; the API wants the scope of the role.
      if (c.anonymousNoOp) {
        // A bearer token has no session to end: logout does nothing for it.
        for (const token of ["not-a-token", SECRETS.bootstrapToken]) {
          const before = fingerprint(s);
          await deliver(send, { bearer: token });
          expect(changedParts(before, fingerprint(s))).toEqual([]);
        }
        return;
      }
      await expectRefused("invalid bearer token", send, { bearer: "not-a-token" }, 401);
      if (!api || c.who === "self") await expectRefused("admin bearer token on a page", send, { bearer: SECRETS.bootstrapToken }, 403);
      else {
        await expectRefused("read-scope token", send, { bearer: bearer.read }, 403);
        if (c.who === "admin") await expectRefused("trade-scope token", send, { bearer: bearer.trade }, 403);
      }
    });
  }
});

describe("the same requests, sent properly, are carried out (so the refusals above refused something)", () => {
  for (const [key, c] of Object.entries(CASES)) {
    it(`${key}`, async () => {
      const send = c.send();
      const before = fingerprint(s);
      let a: Answer;
      if (c.who === "login") {
        const jar = new CookieJar();
        const form = await s.request("/login", { jar });
        const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
        a = await s.request(send.path, { jar, form: { ...(send.body as Record<string, string>), _csrf: token } });
      } else {
        const session = key === "POST /logout" ? logoutVictim : c.who === "self" ? viewer : c.who === "operator" ? operator : admin;
        a = await deliver(send, { session });
      }
      expect(a.status, `${a.method} ${a.path}: ${a.body.slice(0, 300)}`).toBeLessThan(400);
      if (a.status === 303 && !c.anonymousNoOp) expect(a.headers.get("location")).not.toMatch(/^\/login/);
      if (a.status === 201 && /token/.test(a.path)) {
        const plain = /"token":"([^"]+)"/.exec(a.body)?.[1] ?? /<code[^>]*>([^<]{20,})<\/code>/.exec(a.body)?.[1];
        expect(plain, "the created token's value is in its creation answer").toBeTruthy();
        createdTokens.push({ token: plain!.trim(), answer: a });
      }
      expect(changedParts(before, fingerprint(s)).length, "nothing changed").toBeGreaterThan(0);
    });
  }
});

/** The HTML answers (pages, fragments, error pages) among `answers`. */
const htmlOf = (answers: readonly Answer[]) => answers.filter((a) => (a.headers.get("content-type") ?? "").startsWith("text/html"));

/** The text of the first `<tbody>` (a table's rows) with tags removed. */
function rowsOf(html: string): string {
  const m = /<tbody[^>]*>([\s\S]*?)<\/tbody>/.exec(html);
  if (!m) throw new Error("no table body in the page");
  return m[1]!.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

/** Opens the live stream (SSE) as `session` (or nobody). */
function openLive(session: Session | null, topics: string): Promise<Response> {
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (session) headers.cookie = session.jar.header();
  return Promise.resolve(s.app.request(`/live?topics=${topics}`, { headers }, { server: { requestIP: () => ({ address: "192.0.2.44" }) } }));
}

/** The first messages of the live stream for `topics`, read for up to `ms`. */
async function liveMessages(session: Session, topics: string, ms: number): Promise<string> {
  const res = await openLive(session, topics);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = performance.now() + ms;
  while (performance.now() < deadline && !/\ndata: [^\n]*ov-summary/.test(text)) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(1, deadline - performance.now())).then(() => null)]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe("hostile text comes back escaped in every page and answer", () => {
  let start = 0;

  it("puts markup into every form that takes text; each answer shows it escaped or refuses it", async () => {
    start = s.answers.length;
    const channelNames = [XSS_ATTR, XSS_SCRIPT, XSS_SINGLE];
    for (const name of channelNames) {
      const a = await deliver({ path: "/settings/alerts", body: { kind: "webhook", name, url: `${s.hook.url}/x`, minSeverity: "info" } }, { session: admin });
      expect(a.status, a.body.slice(0, 200)).toBe(303);
    }
    const echoed: Answer[] = [];
    const send = async (path: string, body: Record<string, string>, session: Session | null = admin) => {
      const a = session ? await deliver({ path, body }, { session }) : await s.request(path, { jar: new CookieJar(), form: body });
      echoed.push(a);
      return a;
    };
    // Settings fields (validated by the zod schemas; the page comes back with the values typed).
    expect((await send("/settings/strategy", paramsForm("strategy", { emaFast: XSS_SCRIPT, rsiMax: XSS_ATTR, "stopLoss.mode": XSS_SINGLE }))).status).toBe(422);
    expect((await send("/settings/risk", paramsForm("risk", { maxPositions: XSS_ATTR }))).status).toBe(422);
    // User and token names (refused by their rules), a channel that misses its URL.
    expect((await send("/settings/users", { name: XSS_ATTR, password: SECRETS.userPassword, role: "viewer", lang: "ko" })).status).toBe(422);
    expect((await send("/settings/tokens", { name: XSS_SCRIPT, scopes: "read" })).status).toBe(422);
    expect((await send("/settings/alerts", { kind: "webhook", name: XSS_SCRIPT, url: XSS_URL, minSeverity: XSS_ATTR })).status).toBe(422);
    expect((await send("/settings/keys", { accessKey: XSS_ATTR, secretKey: "short" })).status).toBe(422);
    // The backtest form: data set, dates and parameters.
    expect((await send("/backtests", { data: XSS_ATTR, preset: XSS_SCRIPT, from: XSS_SINGLE, to: "2026-01-01", params: JSON.stringify({ emaFast: XSS_SCRIPT }) }, operator)).status).toBe(422);
    // The login form (a failed login shows the form again) and its `next`.
    const jar = new CookieJar();
    const loginForm = await s.request("/login", { jar });
    const failed = await s.request("/login", { jar, form: { name: XSS_ATTR, password: "wrong-password", _csrf: /name="_csrf" value="([^"]+)"/.exec(loginForm.body)![1]!, next: XSS_URL } });
    expect(failed.status).toBe(401);
    expect(failed.body).not.toContain("javascript:");
    const nextPage = await s.request(`/login?next=${encodeURIComponent(XSS_URL)}`, { jar: new CookieJar() });
    expect(nextPage.body).not.toContain("javascript:");
    // A browser whose User-Agent is markup (kept with the session, listed by the sessions API).
    const uaJar = new CookieJar();
    const uaForm = await s.request("/login", { jar: uaJar, headers: { "user-agent": XSS_SCRIPT } });
    const uaLogin = await s.request("/login", { jar: uaJar, headers: { "user-agent": XSS_SCRIPT }, form: { name: "op", password: SECRETS.userPassword, _csrf: /name="_csrf" value="([^"]+)"/.exec(uaForm.body)![1]!, next: "/" } });
    expect(uaLogin.status).toBe(303);
    // Where a form sends the browser back to: never another scheme or site.
    for (const back of [XSS_URL, "//evil.example/", `/markets"${XSS_ATTR}`]) {
      const a = await deliver({ path: "/lang", body: { lang: "ko", back } }, { session: viewer });
      expect(a.status).toBe(303);
      expect(a.headers.get("location")).toMatch(/^\/(?!\/)/);
      expect(a.headers.get("location")).not.toMatch(/javascript:|["<>]/);
    }
    // The JSON API refuses markup where its schema forbids it, as JSON.
    const api = await deliver({ path: "/api/v1/users", body: { name: XSS_SCRIPT, password: SECRETS.userPassword, role: "viewer" } }, { session: admin });
    expect(api.status).toBe(400);
    expect(api.headers.get("content-type")).toMatch(/^application\/json/);

    for (const a of echoed) expect(a.body, `${a.method} ${a.path}`).not.toMatch(RAW_XSS);
    // Each form that echoes what was typed shows the payload, escaped (not silently dropped).
    const shown = echoed.filter((a) => a.body.includes("&lt;script&gt;alert(") || a.body.includes("&quot;&gt;&lt;img src=x"));
    expect(shown.map((a) => a.path)).toEqual(expect.arrayContaining(["/settings/strategy", "/settings/risk", "/settings/users", "/settings/tokens", "/settings/alerts", "/backtests"]));
    for (const a of htmlOf(s.answers.slice(start))) expect(a.body, `${a.method} ${a.path}`).not.toMatch(RAW_XSS);
  });

  it("crawls every page (each GET route, as each role) and the live stream: nothing unescaped, every page under the CSP", async () => {
    const from = s.answers.length;
    const gets = routeTable().filter((r) => r.method === "GET");
    const paths = new Set<string>();
    for (const r of gets) for (const market of ["KRW-XSS", "KRW-BTC"]) {
      const p = concrete(r.path, market);
      if (p) paths.add(p);
    }
    for (const extra of [
      `/markets?q=${encodeURIComponent(XSS_SCRIPT)}`,
      `/markets?filter=${encodeURIComponent(XSS_ATTR)}&sort=${encodeURIComponent(XSS_SINGLE)}`,
      `/orders?market=${encodeURIComponent(XSS_ATTR)}&state=${encodeURIComponent(XSS_SCRIPT)}&sort=${encodeURIComponent(XSS_SINGLE)}`,
      `/orders?view=fills&market=KRW-XSS`,
      `/settings?section=strategy&preset=${encodeURIComponent(XSS_SCRIPT)}`,
      `/markets/${encodeURIComponent(XSS_SCRIPT)}`,
      `/no/such/${encodeURIComponent(XSS_ATTR)}`,
      `/confirm/flatten/KRW-XSS?back=${encodeURIComponent(XSS_URL)}`,
      `/api/v1/audit?limit=1000`,
      `/api/v1/actors/KRW-XSS`,
    ]) paths.add(extra);
    for (const path of paths) {
      const api = isApi(path);
      for (const who of [admin, operator, viewer, null]) await s.request(path, { jar: who?.jar ?? new CookieJar(), accept: api ? "application/json" : "text/html" });
      if (!api) await s.request(path, { jar: admin.jar, htmx: true });
      else await s.request(path, { bearer: SECRETS.bootstrapToken, accept: "application/json" });
    }
    const crawled = s.answers.slice(from);
    expect(crawled.filter((a) => a.status >= 500).map((a) => `${a.path} ${a.status}`)).toEqual([]);
    for (const a of crawled) {
      expect(a.headers.get("x-content-type-options"), `${a.path}`).toBe("nosniff");
      const type = a.headers.get("content-type") ?? "";
      if (type.startsWith("text/html")) {
        expect(a.body, `${a.method} ${a.path}`).not.toMatch(RAW_XSS);
        const csp = a.headers.get("content-security-policy") ?? "";
        if (/\/report$/.test(a.path)) expect(csp).toContain("sandbox");
        else {
          const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? "";
          expect(scriptSrc, `${a.path} CSP ${csp}`).toMatch(/'nonce-[^']+'/);
          expect(scriptSrc).not.toContain("'unsafe-inline'");
          for (const tag of a.body.match(/<script\b[^>]*>/g) ?? []) expect(tag, a.path).toMatch(/ nonce="[^"]+"/);
        }
      } else if (a.body.length > 0 && isApi(a.path)) {
        expect(type, `${a.path}`).toMatch(/^application\/json/);
        JSON.parse(a.body);
      }
    }
    // The payloads were on the pages (escaped), so the checks above had something to find.
    const page = (path: string) => crawled.find((a) => a.path === path && a.status === 200 && (a.headers.get("content-type") ?? "").startsWith("text/html"))!.body;
    expect(page("/markets")).toContain("&lt;script&gt;alert(&quot;xss-script&quot;)&lt;/script&gt;");
    expect(page("/markets/KRW-XSS")).toContain("&quot;&gt;&lt;img src=x onerror=alert(&#39;xss-attr&#39;)&gt;");
    expect(page("/")).toContain("Halted &lt;script&gt;");
    expect(page("/actors")).toContain("ws closed: &lt;script&gt;");
    expect(page("/settings")).toContain("&#39;&gt;&lt;svg onload=alert(&#39;xss-svg&#39;)&gt;");
    // The JSON API gives the text back as data, exactly.
    const json = <T>(path: string) => JSON.parse(crawled.find((a) => a.path === path && a.status === 200)!.body) as T;
    expect(json<{ items: { target: string | null }[] }>("/api/v1/audit?limit=1000").items.map((i) => i.target)).toContain(XSS_SCRIPT);
    expect(json<{ items: { userAgent: string | null }[] }>("/api/v1/sessions").items.map((i) => i.userAgent)).toContain(XSS_SCRIPT);

    // The live stream's fragments are the same escaped views (a market page's too: its trader's last error is hostile).
    const topics = "overview,markets,positions,actors,market:KRW-XSS";
    const live = await liveMessages(admin, topics, 5_000);
    expect(live).toContain("ov-summary");
    expect(live).not.toMatch(RAW_XSS);
    expect(live).toContain("&lt;script&gt;");
  }, 60_000);

  it("streams live fragments only to a logged-in user, and a viewer's carry no control", async () => {
    const anonymous = await openLive(null, "overview");
    expect(refused({ method: "GET", path: "/live", status: anonymous.status, headers: anonymous.headers, body: "" })).toBe(true);
    await anonymous.body?.cancel();
    const topics = "overview,markets,positions,actors,market:KRW-BTC";
    const forOperator = await liveMessages(operator, topics, 5_000);
    const forViewer = await liveMessages(viewer, topics, 5_000);
    // The operator's variant has the controls (so the viewer check below can fail), the market
    // page's included ...
    expect(forOperator).toMatch(/hx-post=|method="post"/);
    expect(forOperator).toMatch(/<div id="market-actions" class="page-actions">[^\n]*\/markets\/KRW-BTC\/(pause|resume)/);
    // ... the viewer's has the same fragments without them.
    expect(forViewer).toContain("ov-summary");
    expect(forViewer).toContain("m-KRW-BTC");
    for (const id of ["ov-alerts", "market-actions", "market-trader", "market-position", "market-signals", "market-fills"]) expect(forViewer, id).toContain(`hx-target="#${id}"`);
    expect(forViewer).toContain('<div id="market-actions" class="page-actions"></div>');
    expect(forViewer).not.toMatch(/hx-post=|method="post"|href="\/confirm/);
  });
});

describe("SQL-injection strings in filters change nothing", () => {
  it("the API refuses them as invalid input; the pages ignore them and show the same rows; the database is unchanged and intact", async () => {
    const before = fingerprint(s);
    const q = encodeURIComponent;
    const baseline = {
      orders: rowsOf((await s.request("/orders", { jar: admin.jar })).body),
      fills: rowsOf((await s.request("/orders?view=fills", { jar: admin.jar })).body),
      none: rowsOf((await s.request("/markets?q=zz-no-such-market", { jar: admin.jar })).body),
      ordersCsv: (await s.request("/orders.csv", { jar: admin.jar })).body,
      fillsCsv: (await s.request("/fills.csv", { jar: admin.jar })).body,
      apiOrders: (await s.request("/api/v1/orders?limit=1000", { bearer: SECRETS.bootstrapToken, accept: "application/json" })).body,
    };
    expect(baseline.orders.length).toBeGreaterThan(0);
    expect(baseline.ordersCsv.split("\n").length).toBeGreaterThan(2);
    for (const x of SQLI_STRINGS) {
      for (const path of [
        `/api/v1/orders?market=${q(x)}`,
        `/api/v1/orders?state=${q(x)}`,
        `/api/v1/orders?side=${q(x)}`,
        `/api/v1/orders?sort=${q(x)}`,
        `/api/v1/orders?limit=${q(x)}`,
        `/api/v1/orders?offset=${q(x)}`,
        `/api/v1/fills?market=${q(x)}`,
        `/api/v1/fills?offset=${q(x)}`,
        `/api/v1/audit?action=${q(x)}`,
        `/api/v1/audit?limit=${q(x)}`,
        `/api/v1/trades?limit=${q(x)}`,
        `/api/v1/actors/${q(x)}`,
      ]) {
        const a = await s.request(path, { bearer: SECRETS.bootstrapToken, accept: "application/json" });
        expect([400, 404], `${path} answered ${a.status}: ${a.body.slice(0, 200)}`).toContain(a.status);
        expect((JSON.parse(a.body) as { error?: unknown }).error, path).toBeTruthy();
      }
      const all = `market=${q(x)}&side=${q(x)}&state=${q(x)}&sort=${q(x)}&limit=${q(x)}&offset=${q(x)}`;
      expect(rowsOf((await s.request(`/orders?${all}`, { jar: admin.jar })).body), x).toBe(baseline.orders);
      expect(rowsOf((await s.request(`/orders?view=fills&${all}`, { jar: admin.jar })).body), x).toBe(baseline.fills);
      expect(rowsOf((await s.request(`/markets?q=${q(x)}&filter=${q(x)}&sort=${q(x)}`, { jar: admin.jar })).body), x).toBe(baseline.none);
      expect((await s.request(`/orders.csv?${all}`, { jar: admin.jar })).body, x).toBe(baseline.ordersCsv);
      expect((await s.request(`/fills.csv?${all}`, { jar: admin.jar })).body, x).toBe(baseline.fillsCsv);
      expect((await s.request(`/markets/${q(x)}`, { jar: admin.jar })).status, x).toBe(404);
      expect((await s.request(`/backtests/${q(x)}`, { jar: admin.jar })).status, x).toBe(404);
      expect((await s.request(`/settings?section=${q(x)}&preset=${q(x)}`, { jar: admin.jar })).status, x).toBe(200);
    }
    expect(changedParts(before, fingerprint(s))).toEqual([]);
    expect((await s.request("/api/v1/orders?limit=1000", { bearer: SECRETS.bootstrapToken, accept: "application/json" })).body).toBe(baseline.apiOrders);

    // The login form: an injected user name logs nobody in and touches no user or session.
    const accounts = () => {
      const f = fingerprint(s);
      return [f["table users"], f["table sessions"]];
    };
    const accountsBefore = accounts();
    for (const name of ["admin' --", "' OR '1'='1", "admin'/*", `admin" OR "1"="1`]) {
      const jar = new CookieJar();
      const form = await s.request("/login", { jar });
      const a = await s.request("/login", { jar, form: { name, password: "' OR '1'='1", _csrf: /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!, next: "/" } });
      expect([401, 429], `${name}: ${a.status}`).toContain(a.status);
      expect(a.headers.getSetCookie().some((v) => v.startsWith("bot_access="))).toBe(false);
    }
    expect(accounts()).toEqual(accountsBefore);
    expect(s.handle.sqlite.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe("ok");
  }, 60_000);
});

describe("no secret in any page, API answer, header or log line", () => {
  it("exercises every secret, then finds none of them outside their one allowed answer", async () => {
    // Use the secrets: deliveries over the environment's Telegram (token in the URL path) and SMTP (password in AUTH) channels.
    for (const id of ["env:telegram", "env:email"]) {
      const a = await deliver({ path: "/settings/alerts/test", body: { id } }, { session: admin });
      expect(a.status, `${id}: ${a.body.slice(0, 200)}`).toBe(303);
    }
    expect(s.telegram.sent.length).toBeGreaterThan(0);
    expect(s.smtp.transactions.length).toBeGreaterThan(0);
    expect(s.smtp.commands.some((c) => c.startsWith("AUTH"))).toBe(true);
    // A wrong password that looks like a secret must not be logged either.
    await s.request("/login", { jar: new CookieJar(), form: { name: ADMIN, password: SECRETS.smtpPassword, _csrf: "x" } });
    // The pages that show secret-bearing settings, as the admin, once more.
    for (const path of ["/settings", "/api/v1/secrets", "/api/v1/tokens", "/api/v1/users", "/api/v1/sessions", "/api/openapi.json", "/metrics", "/healthz"]) {
      const a = await s.request(path, { jar: admin.jar, accept: isApi(path) ? "application/json" : "text/html" });
      expect(a.status, path).toBe(200);
    }
    const settings = htmlOf(s.answers).filter((a) => a.path === "/settings").at(-1)!.body;
    expect(settings).toContain('id="exchange-keys"');

    const cookieValues = [admin, operator, viewer].flatMap((x) => [...x.jar.values.values()]).filter((v) => v.length >= 20);
    const secrets: { name: string; value: string; allowedIn?: Answer }[] = [
      ...Object.entries(SECRETS).map(([name, value]) => ({ name, value })),
      { name: "read-scope token", value: bearer.read },
      { name: "trade-scope token", value: bearer.trade },
      ...createdTokens.map((t, i) => ({ name: `created token ${i}`, value: t.token, allowedIn: t.answer })),
      ...cookieValues.map((value, i) => ({ name: `session cookie ${i}`, value })),
    ];
    expect(createdTokens.length).toBe(2);
    const logText = s.log.text();
    expect(logText.length).toBeGreaterThan(10_000);
    const leaks: string[] = [];
    for (const secret of secrets) {
      // The whole value, and (for the configured secrets) a masked form's visible ends.
      const needles = [secret.value, ...(secret.name in SECRETS ? [secret.value.slice(0, 12), secret.value.slice(-12)] : [])];
      for (const a of s.answers) {
        if (a === secret.allowedIn) continue;
        const headers = [...a.headers.entries()].filter(([k]) => k !== "set-cookie").map(([k, v]) => `${k}: ${v}`).join("\n");
        for (const n of needles) if (a.body.includes(n) || headers.includes(n)) leaks.push(`${secret.name} in ${a.method} ${a.path} (${a.status})`);
      }
      for (const n of needles) if (logText.includes(n)) leaks.push(`${secret.name} in the log`);
    }
    expect([...new Set(leaks)]).toEqual([]);
    // Each created token was shown once, in the answer to its creation.
    for (const t of createdTokens) expect(t.answer.body).toContain(t.token);
    expect(s.answers.length).toBeGreaterThan(500);
  });

  it("keeps no secret in plaintext in the database file", () => {
    s.handle.sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
    const file = readFileSync(s.handle.path).toString("latin1");
    const atRest = [SECRETS.exchangeAccessKey, SECRETS.exchangeSecretKey, SECRETS.apiSecretValue, SECRETS.webhookSecret, SECRETS.adminPassword, SECRETS.userPassword, bearer.read, bearer.trade, ...createdTokens.map((t) => t.token)];
    expect(atRest.filter((v) => file.includes(v))).toEqual([]);
    // It is there, sealed: the secrets table holds ciphertext for the stored keys.
    expect(s.handle.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM secrets").get()?.n).toBeGreaterThanOrEqual(3);
  });
});

describe("the real bot (bun start against bun run sim) never shows or logs a secret", () => {
  const dir = workDir("e2e-security-bot");
  let real: RealBot;
  let telegram: TelegramFake;
  let smtp: SmtpReceiver;
  let hook: HttpReceiver;
  const answers: { what: string; status: number; text: string }[] = [];
  let created: { token: string; what: string } | undefined;

  /** A request to the real server: cookies from `jar`, the bearer token when asked; every answer kept. */
  async function call(path: string, init: { method?: string; jar?: CookieJar; bearer?: string; form?: Record<string, string>; json?: unknown; csrf?: string; accept?: string } = {}) {
    const headers: Record<string, string> = { accept: init.accept ?? (isApi(path) ? "application/json" : "text/html") };
    if (init.jar && init.jar.values.size > 0) headers.cookie = init.jar.header();
    if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
    if (init.csrf) headers["x-csrf-token"] = init.csrf;
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers["content-type"] = "application/json";
    }
    const res = await fetch(real.base + path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body, redirect: "manual" });
    init.jar?.update(res);
    const text = await res.text();
    const shown = [...res.headers.entries()].filter(([k]) => k !== "set-cookie").map(([k, v]) => `${k}: ${v}`).join("\n");
    const what = `${init.method ?? (body === undefined ? "GET" : "POST")} ${path}`;
    answers.push({ what, status: res.status, text: `${shown}\n\n${text}` });
    return { status: res.status, text, what };
  }

  beforeAll(async () => {
    telegram = startTelegramFake(SECRETS.telegramToken);
    smtp = await startSmtpReceiver({ starttls: true, credentials: { user: "bot", password: SECRETS.smtpPassword } });
    hook = startHttpReceiver();
    real = await startRealBot(dir, {
      API_TOKEN: SECRETS.bootstrapToken,
      ADMIN_PASSWORD: SECRETS.adminPassword,
      SESSION_SECRET: SECRETS.sessionSecret,
      SECRETS_KEY: SECRETS.secretsKey,
      // The bot does not trust the receiver's self-signed certificate: STARTTLS fails, so the password must not be sent (nor logged).
      ...alertChannelEnv(telegram.url, smtp.port),
      ALERT_WEBHOOK_URL: `${hook.url}/alerts`,
      ALERT_WEBHOOK_SECRET: SECRETS.webhookSecret,
      LOG_LEVEL: "debug",
    });
  }, 60_000);

  afterAll(async () => {
    await real?.stop();
    telegram?.close();
    hook?.close();
    await smtp?.close();
    dir.cleanup();
  });

  it("uses every secret over HTTP, and none comes back in an answer or the bot's output", async () => {
    // A failed login whose password looks like a secret, then the real one.
    const jar = new CookieJar();
    const loginToken = async () => /name="_csrf" value="([^"]+)"/.exec((await call("/login", { jar })).text)![1]!;
    expect((await call("/login", { jar, form: { name: ADMIN, password: SECRETS.smtpPassword, _csrf: await loginToken(), next: "/" } })).status).toBe(401);
    expect((await call("/login", { jar, form: { name: ADMIN, password: SECRETS.adminPassword, _csrf: await loginToken(), next: "/" } })).status).toBe(303);
    const csrf = csrfFromPage((await call("/", { jar })).text)!;
    expect(csrf).toBeTruthy();
    // Exchange keys through the API and the settings form; an alert channel with a signing secret; an API token.
    for (const [key, value] of [["bithumb.access_key", SECRETS.exchangeAccessKey], ["bithumb.secret_key", SECRETS.exchangeSecretKey]] as const) {
      expect((await call(`/api/v1/secrets/${key}`, { method: "PUT", bearer: SECRETS.bootstrapToken, json: { value } })).status).toBe(204);
    }
    expect((await call("/settings/keys", { jar, form: { accessKey: SECRETS.exchangeAccessKey, secretKey: SECRETS.exchangeSecretKey, _csrf: csrf } })).status).toBe(303);
    expect((await call("/settings/alerts", { jar, form: { kind: "webhook", name: "signed hook", url: `${hook.url}/db`, secret: SECRETS.webhookSecret, minSeverity: "info", _csrf: csrf } })).status).toBe(303);
    const token = await call("/api/v1/tokens", { bearer: SECRETS.bootstrapToken, json: { name: "machine", scopes: ["read"] } });
    expect(token.status).toBe(201);
    created = { token: (JSON.parse(token.text) as { token: string }).token, what: token.what };
    expect((await call("/api/v1/me", { bearer: created.token })).status).toBe(200);
    // Deliveries over every channel (the Telegram token travels in the URL path, the webhook secret signs).
    for (const id of ["env:telegram", "env:email", "env:webhook", "db:1"]) await call("/settings/alerts/test", { jar, form: { id, _csrf: csrf } });
    await waitFor(() => telegram.sent.length > 0 && hook.received.length >= 2, { what: "the Telegram and webhook deliveries", timeoutMs: 15_000 });
    expect(hook.received.some((r) => Object.keys(r.headers).some((h) => /signature/i.test(h)))).toBe(true);
    // Every page and every readable API route, as the admin.
    const market = real.sim.markets[0]!;
    for (const path of ["/", "/markets", `/markets/${market}`, "/positions", "/orders", "/orders?view=fills", "/actors", "/backtests", "/settings", `/confirm/flatten/${market}`, "/orders.csv", "/fills.csv", "/metrics", "/healthz"]) {
      expect((await call(path, { jar })).status, path).toBe(200);
    }
    const apiPaths = (JSON.parse((await call("/api/openapi.json")).text) as { paths: Record<string, unknown> }).paths;
    // The running bot's API has no mutating route the cases above miss (main may mount more than the harness).
    const botMutations = Object.entries(apiPaths).flatMap(([p, ops]) =>
      Object.keys(ops as Record<string, unknown>)
        .filter((m) => ["post", "put", "patch", "delete"].includes(m))
        .map((m) => `${m.toUpperCase()} ${p.replace(/\{([^}]+)\}/g, ":$1")}`),
    );
    expect(botMutations.length).toBeGreaterThan(10);
    expect(botMutations.filter((k) => !(k in CASES))).toEqual([]);
    const gets = Object.entries(apiPaths).filter(([, ops]) => typeof ops === "object" && ops !== null && "get" in ops).map(([p]) => p);
    expect(gets.length).toBeGreaterThan(10);
    for (const p of gets) {
      const path = p.replace("{market}", market).replace(/\{[^}]+\}/g, "1");
      expect((await call(path, { bearer: SECRETS.bootstrapToken })).status, path).toBe(200);
      expect((await call(path, { jar })).status, path).toBe(200);
    }
    expect((await call("/logout", { jar, form: { _csrf: csrf } })).status).toBe(303);
    const stopCode = await real.bot.process.stop("SIGTERM", 10_000);
    expect(stopCode).toBe(0);

    const output = `${await real.bot.process.stdout()}\n${await real.bot.process.stderr()}`;
    expect(output).toContain('"level"');
    expect(output.split("\n").length).toBeGreaterThan(50);
    const secrets = [...Object.entries(SECRETS).filter(([name]) => name !== "apiSecretValue" && name !== "userPassword"), ["created API token", created.token] as const, ...[...jar.values.values()].filter((v) => v.length >= 20).map((v, i) => [`cookie ${i}`, v] as const)];
    const leaks: string[] = [];
    for (const [name, value] of secrets) {
      for (const a of answers) if (a.what !== created.what && a.text.includes(value)) leaks.push(`${name} in ${a.what} (${a.status})`);
      if (output.includes(value)) leaks.push(`${name} in the bot's output`);
    }
    expect(leaks).toEqual([]);
    // At rest: the stored keys and the channel's secret are sealed.
    const file = readFileSync(dir.file("bot.db")).toString("latin1") + (existsSync(dir.file("bot.db-wal")) ? readFileSync(dir.file("bot.db-wal")).toString("latin1") : "");
    expect([SECRETS.exchangeAccessKey, SECRETS.exchangeSecretKey, SECRETS.webhookSecret, SECRETS.adminPassword, created.token].filter((v) => file.includes(v))).toEqual([]);
  }, 80_000);
});
