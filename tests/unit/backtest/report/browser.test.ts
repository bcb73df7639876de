import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReport } from "../../../../src/backtest/report/index.ts";
import { btcResult } from "./fixture.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "../../../../artifacts");
// TOOLCHAIN.md section 12.
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/**
 * Opens the rendered report in headless Chromium with every non-file request blocked and
 * recorded: the charts must draw, offline, without console errors. The screenshot goes to
 * artifacts/backtest-report.png (gitignored) for a human to look at.
 */
describe.skipIf(!existsSync(CHROMIUM))("report in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("draws the equity, drawdown and price charts offline with no console errors", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, "backtest-report.html");
    await Bun.write(path, renderReport(await btcResult()));

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    const external: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file://")) return route.continue();
      external.push(url);
      return route.abort();
    });

    await page.goto(`file://${path}`);
    await page.waitForSelector("body[data-charts]", { timeout: 10_000 });
    expect(await page.evaluate(() => document.body.dataset.charts)).toBe("ready");
    expect(await page.locator("#chart-error").textContent()).toBe("");

    // lightweight-charts draws each chart on several stacked canvases; each container must have
    // some, and they must have a real size.
    for (const id of ["chart-equity", "chart-price-0"]) {
      const sizes = await page.locator(`#${id} canvas`).evaluateAll((els) => els.map((e) => [(e as HTMLCanvasElement).width, (e as HTMLCanvasElement).height]));
      expect(sizes.length, id).toBeGreaterThan(0);
      expect(Math.max(...sizes.map(([w]) => w!)), id).toBeGreaterThan(500);
      expect(Math.max(...sizes.map(([, h]) => h!)), id).toBeGreaterThan(200);
    }
    // The equity chart has two panes (equity, drawdown): lightweight-charts v5 renders a table row per pane.
    expect(await page.locator("#chart-equity table tr").count()).toBeGreaterThanOrEqual(3);
    // Something was actually painted: the equity canvas is not blank.
    const inked = await page.locator("#chart-equity canvas").first().evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let nonWhite = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 240 || pixels[i + 1]! < 240 || pixels[i + 2]! < 240) nonWhite++;
      return nonWhite;
    });
    expect(inked).toBeGreaterThan(1000);

    await page.screenshot({ path: join(ARTIFACTS, "backtest-report.png"), fullPage: true });
    expect(problems).toEqual([]);
    expect(external).toEqual([]);
    await page.close();
  });

  // Three years of hourly candles: ~2,900 equity points and 3,000 bars, more than a chart of this
  // width fits at lightweight-charts' default minimum bar spacing (0.5 px), where it used to
  // scroll to the last two years.
  it.each([800, 1280, 1920])("shows the whole run in every chart at %i px wide, also after a resize", async (width) => {
    const path = join(ARTIFACTS, `backtest-report-${width}.html`);
    await Bun.write(path, renderReport(await btcResult()));
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`file://${path}`);
    await page.waitForSelector("body[data-charts=ready]", { timeout: 10_000 });
    const ranges = () =>
      page.evaluate(() => {
        type Range = { from: number; to: number } | null;
        const data = JSON.parse(document.getElementById("report-data")!.textContent!) as { equity: [number, number][]; markets: { bars: number[][] }[] };
        const charts = (window as unknown as { reportCharts: { timeScale(): { getVisibleRange(): Range } }[] }).reportCharts;
        const spans = [[data.equity[0]![0], data.equity.at(-1)![0]], ...data.markets.map((m) => [m.bars[0]![0], m.bars.at(-1)![0]])];
        return charts.map((c, i) => ({ visible: c.timeScale().getVisibleRange(), first: spans[i]![0]!, last: spans[i]![1]! }));
      });
    const expectWhole = async () => {
      // Let autoSize apply the container's size first.
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
      const all = await ranges();
      expect(all).toHaveLength(2);
      for (const { visible, first, last } of all) {
        expect(visible).not.toBeNull();
        expect(visible!.from).toBeLessThanOrEqual(first);
        expect(visible!.to).toBeGreaterThanOrEqual(last);
      }
    };
    await expectWhole();
    await page.setViewportSize({ width: Math.round(width * 0.7), height: 900 });
    await expectWhole();
    if (width === 1280) await page.locator("section").nth(1).screenshot({ path: join(ARTIFACTS, "backtest-report-equity.png") });
    await page.close();
  });

  it("shows a visible error instead of blank charts when drawing fails", async () => {
    const path = join(ARTIFACTS, "backtest-report-broken.html");
    await Bun.write(path, renderReport(await btcResult(), { chartLibrary: "window.LightweightCharts = {};" }));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`file://${path}`);
    await page.waitForSelector("body[data-charts]", { timeout: 10_000 });
    expect(await page.evaluate(() => document.body.dataset.charts)).toBe("error");
    expect(await page.locator("#chart-error").textContent()).toMatch(/^Charts failed: /);
    expect(errors).toHaveLength(1);
    await page.close();
  });
});
