import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../../src/log.ts";
import { startServer, type RunningServer } from "../../../../src/server/index.ts";
import { authHarness, type AuthHarness } from "./support.ts";

const CHROMIUM = "/usr/bin/chromium";
// TOOLCHAIN.md section 12.
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const HTMX = fileURLToPath(new URL("../../../../node_modules/htmx.org/dist/htmx.min.js", import.meta.url));

/**
 * The app's real CSP in Chromium: a page with htmx 4 loaded from 'self', a nonce'd inline script,
 * an injected inline script without the nonce, and a style attribute. What must hold: htmx swaps,
 * its indicator stylesheet (a constructed one) applies, the nonce'd script runs, the injected
 * script and the style attribute are blocked.
 */
describe.skipIf(!existsSync(CHROMIUM))("the Content-Security-Policy in a browser", () => {
  let browser: Browser;
  let h: AuthHarness;
  let server: RunningServer;
  beforeAll(async () => {
    h = authHarness({
      app: {
        extraRoutes: (app) => {
          app.get("/static/htmx.min.js", () => new Response(Bun.file(HTMX), { headers: { "Content-Type": "text/javascript" } }));
          app.get("/fragment", (c) => c.html('<b id="swapped">swapped</b>'));
          app.get("/page", (c) => {
            const nonce = c.get("cspNonce");
            return c.html(`<!DOCTYPE html><html><head><script nonce="${nonce}" src="/static/htmx.min.js"></script></head><body>
<div id="indicator" class="htmx-indicator">…</div>
<div id="attr" style="color: rgb(255, 0, 0)">style attribute</div>
<button id="go" hx-get="/fragment" hx-target="#out">go</button><div id="out"></div>
<script>document.body.dataset.injected = "ran";</script>
<script nonce="${nonce}">document.body.dataset.nonced = "ran";</script>
</body></html>`);
          });
        },
      },
    });
    server = startServer({ app: h.app, logger: silentLogger(), host: "127.0.0.1", port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    h?.close();
  });

  it("lets htmx 4 and nonce'd scripts work and blocks injected script and style attributes", async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" && m.text().includes("Content Security Policy")) violations.push(m.text());
    });
    await page.goto(`${server.url}/page`);
    await page.click("#go");
    await page.waitForSelector("#swapped");
    const seen = await page.evaluate(() => ({
      nonced: document.body.dataset.nonced,
      injected: document.body.dataset.injected,
      attrColor: getComputedStyle(document.getElementById("attr")!).color,
      indicatorOpacity: getComputedStyle(document.getElementById("indicator")!).opacity,
    }));
    expect(seen).toEqual({ nonced: "ran", injected: undefined, attrColor: "rgb(0, 0, 0)", indicatorOpacity: "0" });
    expect(violations).toHaveLength(2);
    expect(violations.some((v) => v.includes("Executing inline script violates"))).toBe(true);
    expect(violations.some((v) => v.includes("Applying inline style violates"))).toBe(true);
  });
});
