/**
 * Headless Chromium for the end-to-end tests: Debian's browser driven by playwright-core (no
 * browser download), a watch that collects what must never happen in a page (a script error, a
 * CSP violation, a console error other than an HTTP status the test provoked on purpose), the
 * dashboard's login form, and screenshots kept under `artifacts/e2e/` (gitignored).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { REPO_ROOT } from "../../integration/helpers/processes.ts";

/** TOOLCHAIN.md section 12: what Debian's chromium needs to run headless in a VM or container. */
export const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Where the screenshots go (the repository's `artifacts/`, ignored by git). */
export const ARTIFACTS_DIR = join(REPO_ROOT, "artifacts", "e2e");

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
}

/** A full-page screenshot `artifacts/e2e/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/**
 * Collects a page's script errors, CSP violations and console errors into `problems`. Chromium
 * reports every 4xx/5xx answer as a console error ("Failed to load resource"); those are left to
 * the tests, which provoke some on purpose (a wrong password, a forged request) and check each.
 */
export function watchPage(page: Page, problems: string[]): void {
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (/^Failed to load resource: the server responded with a status of \d{3}/.test(m.text())) return;
    problems.push(`${page.url()} console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${page.url()} page error: ${e.message}`));
}

/** A fresh browser context (its own cookies: another user) with a watched page. */
export async function newPage(browser: Browser, problems: string[], options: { width?: number; height?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1440, height: options.height ?? 1000 } });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  watchPage(page, problems);
  return { context, page };
}

/** Fills the dashboard's login form and submits it; resolves once the answer has loaded. */
export async function submitLogin(page: Page, name: string, password: string): Promise<void> {
  await page.locator("#login-name").fill(name);
  await page.locator("#login-password").fill(password);
  await Promise.all([page.waitForLoadState("load"), page.waitForResponse((r) => r.url().endsWith("/login") && r.request().method() === "POST"), page.locator('form[action="/login"] button[type="submit"]').click()]);
}

/** The session's CSRF token as the page carries it for htmx (`hx-headers:inherited` on `<body>`). */
export async function pageCsrfToken(page: Page): Promise<string> {
  const headers = await page.locator("body").getAttribute("hx-headers:inherited");
  const token = headers ? (JSON.parse(headers) as Record<string, string>)["X-CSRF-Token"] : undefined;
  if (!token) throw new Error(`no CSRF token on ${page.url()}`);
  return token;
}

/**
 * Everything on the page a user could use to change something: POST forms (by action), htmx
 * mutations (hx-post/put/patch/delete) and links to a confirmation step.
 */
export async function mutatingControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const f of document.querySelectorAll("form")) if ((f.getAttribute("method") ?? "get").toLowerCase() !== "get") found.push(`form ${f.getAttribute("action")}`);
    for (const a of ["hx-post", "hx-put", "hx-patch", "hx-delete"]) for (const el of document.querySelectorAll(`[${a}]`)) found.push(`${a} ${el.getAttribute(a)}`);
    for (const a of document.querySelectorAll('a[href^="/confirm"]')) found.push(`link ${a.getAttribute("href")}`);
    return found;
  });
}
