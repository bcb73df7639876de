import { mkdirSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SystemClock } from "../../../../src/clock/system.ts";
import { applyExchangeOrder, loadCandles, recordOrderIntent, updatePositionExits } from "../../../../src/db/index.ts";
import { harness, T0, type Harness } from "./support.ts";

/**
 * Headless Chromium over the real pages (served by Bun on loopback, behind the platform's CSP
 * and a stand-in session): the chart draws, live updates arrive over SSE, htmx sends commands
 * with the CSRF header, the confirmation opens as a dialog, and nothing breaks the CSP or logs an
 * error. Screenshots go to artifacts/.
 */

/** How long a poll waits for the page to change (the VM may be busy: generous). */
const POLL = { timeout: 10_000 };

const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let h: Harness;
let server: ReturnType<typeof Bun.serve>;
let browser: Browser;
let base: string;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync("artifacts", { recursive: true });
  h = harness({ live: { clock: new SystemClock(), tickMs: 200, heartbeatMs: 5_000 } });
  server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req, srv) => h.app.fetch(req, { server: srv }) });
  base = `http://127.0.0.1:${server.port}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS });
});

afterAll(async () => {
  await browser?.close();
  server?.stop(true);
  h?.close();
});

async function open(options: { role: "viewer" | "operator" | "admin"; lang?: "ko" | "en"; width?: number; height?: number; scheme?: "light" | "dark" }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1440, height: options.height ?? 1000 },
    colorScheme: options.scheme ?? "light",
    extraHTTPHeaders: { "x-test-user": `${options.role}:${options.role}:${options.lang ?? "ko"}` },
  });
  const page = await context.newPage();
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // Streams cut by navigating away are expected; nothing else may fail.
    if (!r.url().includes("/live")) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return { context, page };
}

describe("the dashboard in Chromium", () => {
  it("draws the market chart (candles, EMAs, volume, markers; RSI and ATR panes)", async () => {
    const { context, page } = await open({ role: "operator" });
    await page.goto(`${base}/markets/KRW-BTC`);
    await page.waitForSelector('#market-chart[data-ready="1"]', { timeout: 10_000 });
    const canvases = await page.locator("#market-chart canvas").count();
    expect(canvases).toBeGreaterThan(3);
    const box = await page.locator("#market-chart").boundingBox();
    expect(box!.height).toBeGreaterThan(400);
    // Three panes, each drawn on (a blank canvas would be a single colour).
    const painted = await page.evaluate(() => {
      const all = [...document.querySelectorAll<HTMLCanvasElement>("#market-chart canvas")].filter((c) => c.width > 200 && c.height > 60);
      return all.map((c) => {
        const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set<number>();
        for (let i = 0; i < data.length; i += 4 * 97) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        return colours.size;
      });
    });
    expect(painted.filter((n) => n > 3).length).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: "artifacts/dashboard-market.png", fullPage: true });
    await context.close();
  });

  it("updates the overview live over SSE", async () => {
    const { context, page } = await open({ role: "operator" });
    await page.goto(`${base}/`);
    await expect.poll(() => page.locator("#ov-summary").innerText(), POLL).toContain("1,905,000원");
    const portfolio = h.control.portfolio.bind(h.control);
    h.control.portfolio = () => ({ ...portfolio(), equity: 2_345_678 });
    h.control.actors[1] = { ...h.control.actors[1]!, state: "exiting" };
    await expect.poll(() => page.locator("#ov-summary").innerText(), POLL).toContain("2,345,678원");
    await expect.poll(() => page.locator("#ov-actors").innerText(), POLL).toContain("청산 중");
    // Table parts (a tbody here) update too: they travel as htmx partials, not as bare OOB rows.
    const held = h.control.actors.findIndex((a) => a.position !== null);
    expect(held).toBeGreaterThanOrEqual(0);
    h.control.actors[held] = { ...h.control.actors[held]!, position: { ...h.control.actors[held]!.position!, markPrice: 12_345, unrealisedPnl: -1 } };
    await expect.poll(() => page.locator("#ov-positions").innerText(), POLL).toContain("12,345");
    await page.screenshot({ path: "artifacts/dashboard-overview.png", fullPage: true });
    await context.close();
  });

  it("sends a command with htmx (the CSRF header from hx-headers) and shows the answer", async () => {
    const { context, page } = await open({ role: "operator" });
    await page.goto(`${base}/markets`);
    // A live price tick replaces just the price cell of the row (a td, sent as an htmx partial).
    const btc = h.control.actors.findIndex((a) => a.market === "KRW-BTC");
    h.control.actors[btc] = { ...h.control.actors[btc]!, lastPrice: 77_777_000 };
    await expect.poll(() => page.locator("#mp-KRW-BTC").innerText(), POLL).toContain("77,777,000");
    const before = h.control.calls.length;
    await page.locator('#m-KRW-BTC form[action="/markets/KRW-BTC/pause"] button').click();
    await expect.poll(() => page.locator("#flash").innerText(), POLL).toContain("KRW-BTC 일시 정지");
    expect(h.control.calls.slice(before).map((c) => [c.method, c.market])).toEqual([["pauseMarket", "KRW-BTC"]]);
    expect(page.url()).toBe(`${base}/markets`); // no navigation: htmx swapped the answer in
    await context.close();
  });

  it("asks for confirmation in a dialog before the kill switch, and cancel sends nothing", async () => {
    const { context, page } = await open({ role: "operator" });
    await page.goto(`${base}/positions`);
    await page.locator('a[href="/confirm/flatten-all"]').click();
    await page.waitForSelector('#dialog .modal[role="dialog"]');
    expect(await page.locator("#dialog").innerText()).toContain("KRW-ETH");
    await page.screenshot({ path: "artifacts/dashboard-confirm.png" });
    const before = h.control.calls.length;
    await page.locator('#dialog [data-dismiss="dialog"]').click();
    await expect.poll(() => page.locator("#dialog .modal").count(), POLL).toBe(0);
    expect(h.control.calls.length).toBe(before);
    await page.locator('a[href="/confirm/flatten-all"]').click();
    await page.locator("#dialog button.danger").click();
    await expect.poll(() => page.locator("#flash").innerText(), POLL).toContain("전체 정리");
    expect(h.control.calls.at(-1)?.method).toBe("flattenAll");
    await expect.poll(() => page.locator("#dialog .modal").count(), POLL).toBe(0);
    await context.close();
  });

  it("filters the markets as the operator types", async () => {
    const { context, page } = await open({ role: "viewer" });
    await page.goto(`${base}/markets`);
    await page.locator('input[name="q"]').fill("리플");
    await expect.poll(() => page.locator("#markets-table tbody tr").count(), POLL).toBe(1);
    expect(page.url()).toContain("q=");
    await context.close();
  });

  it("looks right for a viewer in English, dark, on a phone", async () => {
    const { context, page } = await open({ role: "viewer", lang: "en", width: 390, height: 844, scheme: "dark" });
    await page.goto(`${base}/`);
    expect(await page.locator("#ov-trading form").count()).toBe(0); // no kill switch for a viewer
    await page.screenshot({ path: "artifacts/dashboard-overview-mobile-dark.png", fullPage: true });
    await page.goto(`${base}/markets/KRW-BTC`);
    await page.waitForSelector('#market-chart[data-ready="1"]');
    await page.screenshot({ path: "artifacts/dashboard-market-mobile-dark.png", fullPage: true });
    await context.close();
  });

  it("follows a market's trader on its page: state, controls and position arrive live", async () => {
    const { context, page } = await open({ role: "operator" });
    await page.goto(`${base}/markets/KRW-ETH`);
    await page.waitForSelector("#market-trader");
    expect(await page.locator("#market-trader").innerText()).not.toContain("일시 정지");
    const eth = h.control.actors.findIndex((a) => a.market === "KRW-ETH");
    h.control.actors[eth] = { ...h.control.actors[eth]!, state: "paused", restarts: 4, lastError: "feed stalled" };
    await expect.poll(() => page.locator("#market-trader").innerText(), POLL).toContain("일시 정지");
    expect(await page.locator("#market-trader").innerText()).toContain("feed stalled");
    await expect.poll(() => page.locator('#market-actions form[action="/markets/KRW-ETH/resume"] button').count(), POLL).toBe(1);
    h.control.actors[eth] = { ...h.control.actors[eth]!, position: { ...h.control.actors[eth]!.position!, markPrice: 5_432_000, unrealisedPnl: 86_000 } };
    await expect.poll(() => page.locator("#market-position").innerText(), POLL).toContain("5,432,000");
    // The resume button that arrived live works like the page's own (htmx, CSRF header from the page).
    const before = h.control.calls.length;
    await page.locator('#market-actions form[action="/markets/KRW-ETH/resume"] button').click();
    await expect.poll(() => h.control.calls.slice(before).map((c) => [c.method, c.market]), POLL).toEqual([["resumeMarket", "KRW-ETH"]]);
    await context.close();
  });

  it("draws the average-price and stop lines with labels that do not cover the EMAs' (screenshot)", async () => {
    // A position bought at the last close: its average-price line sits where the price and both EMAs end.
    const last = loadCandles(h.handle.db, "KRW-BTC", "1h").at(-1)!;
    const price = Math.round(last.close / 1000) * 1000;
    recordOrderIntent(h.handle.db, { clientOrderId: "chart-b", market: "KRW-BTC", side: "bid", type: "limit", price, volume: 0.01, priority: 2, reason: "entry" }, T0);
    applyExchangeOrder(
      h.handle.db,
      "chart-b",
      { orderId: "CB", clientOrderId: "chart-b", market: "KRW-BTC", side: "bid", type: "limit", state: "done", price, volume: 0.01, remainingVolume: 0, executedVolume: 0.01, executedFunds: price * 0.01, paidFee: 0, reservedFee: 0, remainingFee: 0, locked: 0, createdAt: T0 },
      T0 + 1_000,
    );
    updatePositionExits(h.handle.db, "KRW-BTC", { stop: price - 1_500_000, highWater: price }, T0 + 2_000);
    for (const scheme of ["light", "dark"] as const) {
      const { context, page } = await open({ role: "viewer", scheme });
      await page.goto(`${base}/markets/KRW-BTC`);
      await page.waitForSelector('#market-chart[data-ready="1"]', { timeout: 10_000 });
      const chart = (await page.locator("#market-chart").boundingBox())!;
      // The right end of the price pane, where the labels are.
      await page.screenshot({ path: `artifacts/dashboard-market-labels-${scheme}.png`, clip: { x: chart.x + chart.width - 420, y: chart.y, width: 420, height: chart.height * 0.62 } });
      await page.screenshot({ path: `artifacts/dashboard-market-position-${scheme}.png`, fullPage: true });
      await context.close();
    }
  });

  it("shows the take-profit levels as rows of R and percentages (screenshot)", async () => {
    const { context, page } = await open({ role: "admin" });
    await page.goto(`${base}/settings`);
    const levels = page.locator("#params-strategy .param.rows");
    expect(await levels.locator('input[name="takeProfits.levels.1.fraction"]').inputValue()).toBe("33.33");
    // Two levels and two spare rows to add one.
    expect(await levels.locator("tbody tr").count()).toBe(4);
    await levels.screenshot({ path: "artifacts/dashboard-settings-levels.png" });
    await context.close();
  });

  it("logged no error and broke no CSP rule on any page", async () => {
    expect(problems).toEqual([]);
    // The watch works: an inline script without the nonce is refused and reported.
    const { context, page } = await open({ role: "viewer" });
    await page.goto(`${base}/actors`);
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "document.title = 'injected'";
      document.head.append(s);
    });
    await expect.poll(() => problems.length, POLL).toBeGreaterThan(0);
    expect(problems.join("\n")).toMatch(/CSP violation: script-src-elem inline|Content Security Policy/);
    expect(await page.title()).not.toBe("injected");
    await context.close();
  });
});
