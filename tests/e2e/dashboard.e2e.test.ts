/**
 * Issue 6's browser proof against the REAL bot: `bun run sim` and `bun start` as subprocesses
 * (sim mode, temporary database, ADMIN_PASSWORD set, an ephemeral port), driven in Debian's
 * headless Chromium through playwright-core:
 *   - log in through the login form (a wrong password first),
 *   - watch the overview update live over SSE without a reload,
 *   - pause and resume a market from the browser (seen in the page and through the API; the
 *     market page's row, trader panel and controls follow live),
 *   - flatten a held position through the confirmation dialog (cancel first: nothing happens),
 *     and see the sell fill arrive live on the market page, and on the overview in another tab
 *     (its fills and its recent alerts),
 *   - create a viewer on the settings page, and as the viewer see no mutating control on any
 *     page (nor in the live fragments) while the server refuses the viewer's forged requests
 *     (with its CSRF token) and nothing changes,
 *   - save the strategy form unchanged: exactly the parameters in force are applied,
 *   - log out: the old session cookies open nothing,
 *   - no script error and no CSP violation on any page.
 * Screenshots: artifacts/e2e/*.png.
 */
import { readFileSync } from "node:fs";
import type { BrowserContext, Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveStrategyParams, type EmaCrossParams } from "../../src/core/strategy/index.ts";
import { formatVolume } from "../../views/format.ts";
import { translator } from "../../views/i18n.ts";
import type { ApiActor } from "../integration/helpers/clients.ts";
import { waitFor } from "../integration/helpers/poll.ts";
import { workDir } from "../integration/helpers/workdir.ts";
import { ADMIN_PASSWORD, ADMIN_USER, API_TOKEN, ENTER_AND_HOLD, openPositions, type RealBot, startRealBot } from "./support/bot.ts";
import { launchChromium, mutatingControls, newPage, pageCsrfToken, screenshot, submitLogin } from "./support/browser.ts";

/** How long the page may take to show a change (a loaded 2-core VM; live ticks are 1 s). */
const POLL = { timeout: 20_000, interval: 200 };
const ko = translator("ko");

const VIEWER = { name: "watcher", password: "viewer-password-8c2e71" };

interface AuditItem {
  readonly id: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly source: string | null;
  readonly details: unknown;
}

describe("the dashboard in Chromium against the real bot", () => {
  const dir = workDir("e2e-dashboard");
  const problems: string[] = [];
  let real: RealBot;
  let browser: Browser;
  let admin: { context: BrowserContext; page: Page };

  /** A bearer-token read of the bot's API (what an outside observer sees). */
  async function api<T>(path: string): Promise<T> {
    const res = await fetch(real.base + path, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    return (await res.json()) as T;
  }
  /** The audit rows of `action` written in the admin's name, newest first. */
  const audit = async (action: string) => (await api<{ items: AuditItem[] }>(`/api/v1/audit?action=${action}&limit=1000`)).items.filter((i) => i.actor === ADMIN_USER);
  const actor = (market: string) => real.bot.api.actor(market);
  const text = (page: Page, selector: string) => page.locator(selector).innerText();
  /** The trader column of a market's row (the row also holds the buttons, whose labels may read alike). */
  const traderCell = (page: Page, market: string) => text(page, `#m-${market} td:nth-child(4)`);

  beforeAll(async () => {
    [real, browser] = await Promise.all([startRealBot(dir), launchChromium()]);
  }, 80_000);

  afterAll(async () => {
    await browser?.close();
    await real?.stop();
    dir.cleanup();
  });

  it("logs in through the login form (a wrong password is refused first)", async () => {
    admin = await newPage(browser, problems);
    const { page } = admin;
    await page.goto(`${real.base}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await screenshot(page, "login");

    await submitLogin(page, ADMIN_USER, "not-the-password");
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await page.locator("#login-password").count()).toBe(1);
    expect((await admin.context.cookies()).map((c) => c.name)).not.toContain("bot_access");

    await submitLogin(page, ADMIN_USER, ADMIN_PASSWORD);
    expect(page.url()).toBe(`${real.base}/`);
    expect(await page.locator("header").innerText()).toContain(ADMIN_USER);
    // The session cookie is HttpOnly and SameSite=Strict: page scripts cannot read it.
    const session = (await admin.context.cookies()).filter((c) => c.httpOnly);
    expect(session.length).toBeGreaterThan(0);
    for (const c of session) expect(c.sameSite).toBe("Strict");
    expect(await page.evaluate(() => document.cookie)).not.toMatch(/access|refresh/);
  }, 30_000);

  it("updates the overview live over SSE, without a reload, as the bot trades", async () => {
    const { page } = admin;
    const held = await openPositions(real.bot);
    await page.goto(`${real.base}/`);
    // A marker that a reload would wipe out.
    await page.evaluate(() => Object.assign(window, { __sameDocument: true }));
    await expect.poll(() => text(page, "#ov-positions"), POLL).toContain(held[0]!.market);
    const equity = () => text(page, "#ov-summary .card:first-child .card-value");
    const firstEquity = await equity();
    const firstPositions = await text(page, "#ov-positions");
    await screenshot(page, "overview");
    // Marks move with the simulator's prices: the positions' values and the equity change.
    await expect.poll(() => text(page, "#ov-positions"), { ...POLL, timeout: 40_000 }).not.toBe(firstPositions);
    await expect.poll(equity, { ...POLL, timeout: 40_000 }).not.toBe(firstEquity);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    // The held markets the API reports are the ones the page lists.
    for (const p of await openPositions(real.bot)) await expect.poll(() => text(page, "#ov-positions"), POLL).toContain(p.market);
    await screenshot(page, "overview-live");
  }, 90_000);

  it("pauses and resumes a market from the browser (the page and the API agree)", async () => {
    const { page } = admin;
    const market = real.sim.markets[0]!;
    const auditBefore = (await audit("trader.pause")).length;
    await page.goto(`${real.base}/markets/${market}`);
    await page.waitForSelector('#market-chart[data-ready="1"]', { timeout: 20_000 });
    await screenshot(page, "market-detail");

    await page.locator(`.page-head form[action="/markets/${market}/pause"] button`).click();
    await expect.poll(() => text(page, "#flash"), POLL).toContain(ko("cmd.trader.pause", { target: market }));
    await waitFor(async () => (await actor(market)).state === "paused", { what: `${market} paused in the API`, timeoutMs: 15_000 });
    // The row is replaced live: the trader's badge says paused and the button became "resume".
    await expect.poll(() => traderCell(page, market), POLL).toContain(ko("trader.paused"));
    const resume = page.locator(`#m-${market} form[action="/markets/${market}/resume"] button`);
    await expect.poll(() => resume.count(), POLL).toBe(1);
    // The trader panel and the page head's controls follow live too (no reload).
    await expect.poll(() => text(page, "#market-trader"), POLL).toContain(ko("trader.paused"));
    await expect.poll(() => page.locator(`#market-actions form[action="/markets/${market}/resume"] button`).count(), POLL).toBe(1);
    expect(await page.locator(`#market-actions form[action="/markets/${market}/pause"]`).count()).toBe(0);
    const paused = await audit("trader.pause");
    expect(paused.length).toBe(auditBefore + 1);
    expect(paused[0]).toMatchObject({ actor: ADMIN_USER, target: market, source: "127.0.0.1" });
    await screenshot(page, "market-paused");

    await resume.click();
    await expect.poll(() => text(page, "#flash"), POLL).toContain(ko("cmd.trader.resume", { target: market }));
    await waitFor(async () => (await actor(market)).state !== "paused", { what: `${market} trading again in the API`, timeoutMs: 15_000 });
    await expect.poll(() => page.locator(`#m-${market} form[action="/markets/${market}/pause"] button`).count(), POLL).toBe(1);
    expect(await traderCell(page, market)).not.toContain(ko("trader.paused"));
    await expect.poll(() => text(page, "#market-trader"), POLL).not.toContain(ko("trader.paused"));
    await expect.poll(() => page.locator(`#market-actions form[action="/markets/${market}/pause"] button`).count(), POLL).toBe(1);
    expect((await audit("trader.resume"))[0]).toMatchObject({ actor: ADMIN_USER, target: market });
  }, 60_000);

  it("flattens a held position through the confirmation; the sell fill shows up live on the overview", async () => {
    const { page } = admin;
    const held = await openPositions(real.bot);
    const market = held[0]!.market;
    // A second tab on the overview, to see the fill arrive.
    const overview = await admin.context.newPage();
    await overview.goto(`${real.base}/`);
    const sellsShown = async () => (await text(overview, "#ov-fills")).split("\n").filter((l) => l.includes(market) && l.includes(ko("side.ask"))).length;
    const sellsBefore = await sellsShown();
    // The alerter raises an alert per fill (in the bot's language, Korean here): "체결: KRW-… 매도".
    const sellAlert = `체결: ${market} ${ko("side.ask")}`;
    const sellAlertsShown = async () => (await text(overview, "#ov-alerts")).split(sellAlert).length - 1;
    const sellAlertsBefore = await sellAlertsShown();

    await page.goto(`${real.base}/markets/${market}`);
    await page.waitForSelector('#market-chart[data-ready="1"]', { timeout: 20_000 });
    const marketSells = async () => (await text(page, "#market-fills")).split("\n").filter((l) => l.includes(ko("side.ask"))).length;
    const marketSellsBefore = await marketSells();
    expect(await text(page, "#market-position")).toContain(formatVolume(held[0]!.volume));
    await screenshot(page, "market-held");
    const openDialog = async () => {
      await page.locator(`.page-head a[href="/confirm/flatten/${market}"]`).click();
      await page.waitForSelector('#dialog .modal[role="dialog"]', { timeout: 10_000 });
    };
    // Cancel first: the dialog closes and nothing is sent.
    await openDialog();
    const dialogText = await text(page, "#dialog");
    expect(dialogText).toContain(market);
    // It lists what will be sold: the position's volume as the API reports it.
    expect(dialogText).toContain(formatVolume(held[0]!.volume));
    await screenshot(page, "flatten-confirm", false);
    await page.locator('#dialog [data-dismiss="dialog"]').click();
    await expect.poll(() => page.locator("#dialog .modal").count(), POLL).toBe(0);
    expect((await audit("trader.flatten")).length).toBe(0);
    expect((await actor(market)).position?.status).toBe("open");

    await openDialog();
    await page.locator("#dialog button.danger").click();
    await expect.poll(() => text(page, "#flash"), POLL).toContain(ko("cmd.trader.flatten", { target: market }));
    const flat = await waitFor(
      async () => {
        const a: ApiActor = await actor(market);
        return a.state === "paused" && (a.position === null || a.position.status === "dust") && a;
      },
      { what: `${market} flat and paused in the API`, timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(flat.state).toBe("paused");
    expect((await audit("trader.flatten"))[0]).toMatchObject({ actor: ADMIN_USER, target: market });
    // In the page: the live row says paused with no position, and the sell is among the fills.
    await expect.poll(() => traderCell(page, market), POLL).toContain(ko("trader.paused"));
    // Flat, or dust below the exchange's minimum order (which cannot be sold).
    const left = flat.position === null ? "–" : formatVolume(flat.position.volume);
    await expect.poll(() => text(page, `#m-${market} td:nth-child(6)`), POLL).toContain(left);
    await expect.poll(() => sellsShown(), { ...POLL, message: "the sell among the overview's fills" }).toBeGreaterThan(sellsBefore);
    // The overview's recent alerts follow live as well.
    await expect.poll(() => sellAlertsShown(), { ...POLL, message: "the sell's alert among the overview's alerts" }).toBeGreaterThan(sellAlertsBefore);
    // And the market's own page: no open position any more, the sell among its fills, the trader paused.
    if (flat.position === null) await expect.poll(() => text(page, "#market-position"), POLL).toContain(ko("positions.noneHere"));
    await expect.poll(() => marketSells(), { ...POLL, message: "the sell among the market page's fills" }).toBeGreaterThan(marketSellsBefore);
    await expect.poll(() => text(page, "#market-trader"), POLL).toContain(ko("trader.paused"));
    expect(await page.locator(`#market-actions form[action="/markets/${market}/resume"] button`).count()).toBe(1);
    await screenshot(page, "market-after-flatten");
    await screenshot(overview, "overview-after-flatten");
    await overview.close();
    // The positions page no longer lists it as held (a fresh load).
    await page.goto(`${real.base}/positions`);
    const open = (await real.bot.api.positions()).filter((p) => p.status === "open").map((p) => p.market);
    expect(open).not.toContain(market);
    if (flat.position === null) expect(await text(page, "#positions-body")).not.toContain(market);
    await screenshot(page, "positions-after-flatten");
  }, 90_000);

  it("creates a viewer on the settings page; the viewer sees no mutating control, and the server refuses their forged requests", async () => {
    const { page } = admin;
    await page.goto(`${real.base}/settings`);
    await page.locator("#nu-name").fill(VIEWER.name);
    await page.locator("#nu-password").fill(VIEWER.password);
    await page.locator("#nu-role").selectOption("viewer");
    await Promise.all([page.waitForLoadState("load"), page.locator('form[action="/settings/users"] button[type="submit"]').click()]);
    await expect.poll(() => text(page, "#users"), POLL).toContain(VIEWER.name);
    const users = await api<{ items: { id: number; name: string; role: string }[] }>("/api/v1/users");
    const created = users.items.find((u) => u.name === VIEWER.name);
    expect(created?.role).toBe("viewer");
    await screenshot(page, "settings-users");

    const viewer = await newPage(browser, problems);
    const v = viewer.page;
    await v.goto(`${real.base}/login`);
    await submitLogin(v, VIEWER.name, VIEWER.password);
    expect(v.url()).toBe(`${real.base}/`);
    // Two traders that are not paused (the flattened one is): one for the forged pause, one to pause live.
    const running = (await real.bot.api.actors()).filter((a) => a.state !== "paused").map((a) => a.market);
    expect(running.length).toBeGreaterThanOrEqual(2);
    const [market, other] = running as [string, string];
    // Only the language switch and logout are forms a viewer gets, on every page.
    for (const path of ["/", "/markets", `/markets/${market}`, "/positions", "/orders", "/orders?view=fills", "/actors", "/backtests", "/settings"]) {
      await v.goto(real.base + path);
      expect((await mutatingControls(v)).filter((c) => c !== "form /lang" && c !== "form /logout"), path).toEqual([]);
    }
    // Live fragments a viewer receives carry no controls either: a trader paused elsewhere shows up in
    // the viewer's markets list, still without buttons.
    await v.goto(`${real.base}/markets`);
    expect((await real.bot.api.command(`/api/v1/actors/${other}/pause`)).status).toBe(200);
    await expect.poll(() => traderCell(v, other), POLL).toContain(ko("trader.paused"));
    expect((await mutatingControls(v)).filter((c) => c !== "form /lang" && c !== "form /logout")).toEqual([]);
    expect((await real.bot.api.command(`/api/v1/actors/${other}/resume`)).status).toBe(200);
    await expect.poll(() => traderCell(v, other), POLL).not.toContain(ko("trader.paused"));
    expect((await mutatingControls(v)).filter((c) => c !== "form /lang" && c !== "form /logout")).toEqual([]);
    // The same on a market's page: its trader panel follows live, and no control arrives with it.
    await v.goto(`${real.base}/markets/${other}`);
    expect((await real.bot.api.command(`/api/v1/actors/${other}/pause`)).status).toBe(200);
    await expect.poll(() => text(v, "#market-trader"), POLL).toContain(ko("trader.paused"));
    expect((await mutatingControls(v)).filter((c) => c !== "form /lang" && c !== "form /logout")).toEqual([]);
    expect((await real.bot.api.command(`/api/v1/actors/${other}/resume`)).status).toBe(200);
    await expect.poll(() => text(v, "#market-trader"), POLL).not.toContain(ko("trader.paused"));
    expect((await mutatingControls(v)).filter((c) => c !== "form /lang" && c !== "form /logout")).toEqual([]);
    await screenshot(v, "viewer-market");
    await v.goto(`${real.base}/`);
    await screenshot(v, "viewer-overview");

    // Forged requests from the viewer's own session, with its valid CSRF token.
    const token = await pageCsrfToken(v);
    const health = async () => (await real.bot.api.health()).body.tradingState;
    const tradingBefore = await health();
    const viewerAudit = async () => (await api<{ items: AuditItem[] }>("/api/v1/audit?limit=1000")).items.filter((i) => i.actor === VIEWER.name);
    const auditBefore = (await viewerAudit()).length;
    const forged = await v.evaluate(
      async ({ token, market, viewerId }) => {
        const form = (path: string, body: string) =>
          fetch(path, { method: "POST", headers: { "X-CSRF-Token": token, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded" }, body }).then((r) => r.status);
        const json = (method: string, path: string, body?: unknown) =>
          fetch(path, { method, headers: { "X-CSRF-Token": token, "Content-Type": "application/json", Accept: "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.status);
        return {
          pause: await form(`/markets/${market}/pause`, "back=%2F"),
          flattenAll: await form("/trading/flatten-all", "confirm=yes&back=%2F"),
          apiPause: await json("POST", `/api/v1/actors/${market}/pause`),
          apiTrading: await json("POST", "/api/v1/trading/pause"),
          promote: await json("PATCH", `/api/v1/users/${viewerId}`, { role: "admin" }),
          newToken: await form("/settings/tokens", "name=stolen&scopes=admin"),
        };
      },
      { token, market, viewerId: created!.id },
    );
    expect(forged).toEqual({ pause: 403, flattenAll: 403, apiPause: 403, apiTrading: 403, promote: 403, newToken: 403 });
    // Not paused (its state may still move on as it trades), and nothing was done in the viewer's name.
    expect((await actor(market)).state).not.toBe("paused");
    expect(await health()).toBe(tradingBefore);
    expect((await viewerAudit()).length).toBe(auditBefore);
    expect((await api<{ items: { name: string; role: string }[] }>("/api/v1/users")).items.find((u) => u.name === VIEWER.name)?.role).toBe("viewer");
    expect((await api<{ items: { name: string }[] }>("/api/v1/tokens")).items.map((t) => t.name)).not.toContain("stolen");
    await viewer.context.close();
  }, 60_000);

  it("saves the strategy parameters unchanged from the settings page: exactly the parameters in force", async () => {
    const { page } = admin;
    await page.goto(`${real.base}/settings`);
    // Take-profit shares read as percentages (the stored 1/3 is 33.33), not as 0.3333333333333333.
    expect(await page.locator('#params-strategy input[name="takeProfits.levels.0.fraction"]').inputValue()).toBe("33.33");
    expect(await page.locator("#params-strategy").innerText()).not.toContain("0.333");
    const before = (await audit("settings.strategy")).length;
    await page.locator('#params-strategy form[action="/settings/strategy"] button[type="submit"]').click();
    await expect.poll(() => page.locator("#params-strategy .flash.ok").count(), POLL).toBe(1);
    const saved = await audit("settings.strategy");
    expect(saved.length).toBe(before + 1);
    // What the bot runs with: the enter-and-hold file's strategy, resolved (1/3 exactly, not 0.3333).
    const inForce = resolveStrategyParams((JSON.parse(readFileSync(ENTER_AND_HOLD, "utf8")) as { strategy: unknown }).strategy);
    expect(saved[0]!.details).toMatchObject({ ok: true, params: inForce });
    expect((saved[0]!.details as { params: EmaCrossParams }).params.takeProfits.levels.map((l) => l.fraction)).toEqual([1 / 3, 1 / 3]);
    await screenshot(page, "settings-saved-unchanged");
  }, 30_000);

  it("logs out: the session ends, and its old cookies are refused", async () => {
    const { context, page } = admin;
    await page.goto(`${real.base}/positions`);
    const cookies = await context.cookies();
    await Promise.all([page.waitForURL(`${real.base}/login`), page.locator('form[action="/logout"] button').click()]);
    await page.goto(`${real.base}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    // The cookies as they were before logging out no longer open anything.
    const header = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    const replay = await fetch(`${real.base}/api/v1/me`, { headers: { cookie: header, accept: "application/json" } });
    expect(replay.status).toBe(401);
    expect((await audit("auth.logout")).length).toBe(1);
  }, 30_000);

  it("logged no script error and broke no CSP rule on any page", () => {
    expect(problems).toEqual([]);
  });
});
