import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { listAudit, openDb, type DbHandle } from "../../../../src/db/index.ts";
import { Metrics } from "../../../../src/metrics/index.ts";
import { createAuth } from "../../../../src/server/auth/index.ts";
import { createDashboard, type Dashboard } from "../../../../src/server/dashboard/index.ts";
import { createApp, SecretsBox } from "../../../../src/server/index.ts";
import { CHEAP_HASHING, CookieJar, PASSWORD } from "../auth/support.ts";
import { captureLogger, CLIENT_IP, ENV } from "../support.ts";
import { control, FakeAlerts, seed, T0, textOf } from "./support.ts";

/**
 * The dashboard mounted in the real app (createApp with the platform's sessions, CSRF, CSP and
 * error pages), driven like a browser: the styled login page, a login through the form, pages
 * with the session's CSRF token, a command, and the platform's refusals.
 */

interface Setup {
  app: ReturnType<typeof createApp>;
  dashboard: Dashboard;
  handle: DbHandle;
  ctl: ReturnType<typeof control>;
  dir: string;
  jar: CookieJar;
  request(path: string, init?: RequestInit): Promise<Response>;
}

let s: Setup | undefined;
afterEach(() => {
  s?.dashboard.close();
  s?.handle.close();
  if (s) rmSync(s.dir, { recursive: true, force: true });
  s = undefined;
});

async function setup(): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), "dashboard-app-"));
  const handle = openDb({ path: join(dir, "bot.db") });
  seed(handle.db);
  const clock = new SimulatedClock(T0);
  const log = captureLogger("info");
  const auth = createAuth({ db: handle.db, clock, logger: log.logger, passwordHashing: CHEAP_HASHING });
  await auth.users.createUser({ name: "boss", password: PASSWORD, role: "admin", lang: "ko" }, { by: "test" });
  await auth.users.createUser({ name: "watcher", password: PASSWORD, role: "viewer", lang: "en" }, { by: "test" });
  const secrets = new SecretsBox({ db: handle.db, clock, key: new Uint8Array(32).fill(3) });
  const ctl = control();
  const dashboard = createDashboard({ control: ctl, db: handle.db, clock, logger: log.logger, interval: "1h", users: auth.users, tokens: auth.tokens, secrets, alerts: new FakeAlerts() });
  const app = createApp({
    control: ctl,
    db: handle.db,
    metrics: new Metrics({ defaultMetrics: false }),
    clock,
    logger: log.logger,
    auth,
    secrets,
    renderLogin: dashboard.renderLogin,
    renderError: dashboard.renderError,
    extraRoutes: (a) => a.route("/", dashboard.routes),
  });
  const jar = new CookieJar();
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("accept", headers.get("accept") ?? "text/html");
    if (jar.values.size > 0) headers.set("cookie", jar.header());
    const res = await app.request(path, { ...init, headers }, ENV);
    jar.update(res);
    return res;
  };
  return { app, dashboard, handle, ctl, dir, jar, request };
}

async function login(setup: Setup, name: string): Promise<void> {
  const page = await (await setup.request("/login?next=%2Fmarkets")).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const res = await setup.request("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ name, password: PASSWORD, _csrf: csrf, next: "/markets" }).toString() });
  expect(res.status).toBe(303);
  expect(res.headers.get("location")).toBe("/markets");
}

/** The session's CSRF token, as every page carries it. */
async function csrfOf(setup: Setup): Promise<string> {
  const html = await (await setup.request("/")).text();
  return /hx-headers:inherited="\{&quot;X-CSRF-Token&quot;:&quot;([^&]+)&quot;\}"/.exec(html)![1]!;
}

describe("the dashboard in the real app", () => {
  it("renders the platform's login page in the dashboard's look, and lets the user in", async () => {
    s = await setup();
    const res = await s.request("/", { headers: { accept: "text/html" } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    const page = await s.request("/login");
    const html = await page.text();
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain('<form method="post" action="/login" class="form">');
    expect(html).toContain(s.dashboard.assets.urls.css);
    const nonce = /'nonce-([^']+)'/.exec(page.headers.get("content-security-policy")!)![1]!;
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
    await login(s, "boss");
    const markets = await s.request("/markets");
    expect(markets.status).toBe(200);
    expect(textOf(await markets.text())).toContain("boss");
  });

  it("shows a failed login in the user's language, without saying which part was wrong", async () => {
    s = await setup();
    const page = await (await s.request("/login")).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const res = await s.request("/login", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ name: "boss", password: "wrong", _csrf: csrf }).toString() });
    expect(res.status).toBe(401);
    expect(textOf(await res.text())).toContain("사용자 이름 또는 비밀번호가 올바르지 않습니다.");
  });

  it("runs a command with the session's CSRF token, audited with the user and address", async () => {
    s = await setup();
    await login(s, "boss");
    const token = await csrfOf(s);
    const res = await s.request("/markets/KRW-BTC/pause", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "hx-request": "true", "x-csrf-token": token }, body: "back=%2Fmarkets" });
    expect(res.status).toBe(200);
    expect(s.ctl.calls).toEqual([{ method: "pauseMarket", market: "KRW-BTC", origin: { by: "boss", source: CLIENT_IP } }]);
    expect(listAudit(s.handle.db, { action: "trader.pause" })[0]).toMatchObject({ actor: "boss", source: CLIENT_IP });
    const forged = await s.request("/markets/KRW-BTC/resume", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "back=%2F" });
    expect(forged.status).toBe(403);
    expect(s.ctl.calls).toHaveLength(1);
  });

  it("refuses a viewer's forged command with the dashboard's error page, in their language", async () => {
    s = await setup();
    await login(s, "watcher");
    const token = await csrfOf(s);
    const res = await s.request("/trading/flatten-all", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": token }, body: "confirm=yes" });
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain(s.dashboard.assets.urls.css);
    expect(s.ctl.calls).toEqual([]);
  });

  it("serves the assets to anyone and the pages' unknown paths as the dashboard's 404", async () => {
    s = await setup();
    expect((await s.request(s.dashboard.assets.urls.htmx)).headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    await login(s, "boss");
    const res = await s.request("/no/such/page");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain(s.dashboard.assets.urls.css);
  });
});
