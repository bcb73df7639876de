import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { jsx, type Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AssetUrls, Flash, HeaderStatus, ViewContext } from "../../../views/context.ts";
import { translator } from "../../../views/i18n.ts";
import { recordAudit } from "../../db/index.ts";
import type { ControlPort } from "../../ports/control.ts";
import { hasRole, isLang, who, type DashboardEnv, type Lang } from "./contract.ts";
import type { DashboardDeps } from "./deps.ts";

/**
 * Per-request helpers of the dashboard routes: the reader's language, the view context, rendering
 * a page (with its doctype, never cached), flash messages across a redirect, the safe way back
 * after a form, and the audit row every change writes.
 */

export type Ctx = Context<DashboardEnv>;

const LANG_COOKIE = "dash_lang";
const FLASH_COOKIE = "dash_flash";

/**
 * The reader's language: the one just chosen with the switch (a cookie bound to the user's id, so
 * it cannot leak to another account on the same browser), else the user's saved language, else
 * Korean.
 */
export function readerLang(c: Ctx): Lang {
  const principal = c.get("principal");
  const chosen = getCookie(c, LANG_COOKIE);
  if (chosen && principal?.kind === "user") {
    const [id, lang] = chosen.split(":");
    if (id === String(principal.userId) && isLang(lang)) return lang;
  }
  if (principal?.kind === "user" && isLang(principal.lang)) return principal.lang;
  return "ko";
}

export function rememberLang(c: Ctx, userId: number, lang: Lang): void {
  setCookie(c, LANG_COOKIE, `${userId}:${lang}`, { path: "/", httpOnly: true, sameSite: "Strict", secure: isHttps(c), maxAge: 365 * 86_400 });
}

function isHttps(c: Ctx): boolean {
  return c.req.url.startsWith("https:");
}

/** Keeps a message for the page the browser is redirected to (read once, then deleted). */
export function setFlash(c: Ctx, flash: Flash): void {
  setCookie(c, FLASH_COOKIE, encodeURIComponent(JSON.stringify({ kind: flash.kind, text: flash.text.slice(0, 500) })), {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    secure: isHttps(c),
    maxAge: 60,
  });
}

function takeFlash(c: Ctx): Flash | undefined {
  const raw = getCookie(c, FLASH_COOKIE);
  if (raw === undefined) return undefined;
  deleteCookie(c, FLASH_COOKIE, { path: "/" });
  try {
    const v = JSON.parse(decodeURIComponent(raw)) as { kind?: unknown; text?: unknown };
    if ((v.kind === "ok" || v.kind === "error") && typeof v.text === "string") return { kind: v.kind, text: v.text };
  } catch {
    // a cookie that does not parse is dropped
  }
  return undefined;
}

function headerStatus(control: ControlPort): HeaderStatus | undefined {
  try {
    const h = control.health();
    return { mode: h.mode, tradingState: h.tradingState, healthy: h.healthy };
  } catch {
    return undefined;
  }
}

/** The view context of a request (its flash message is consumed here). */
export function viewContext(c: Ctx, deps: Pick<DashboardDeps, "control">, assets: AssetUrls, options: { flash?: Flash } = {}): ViewContext {
  const principal = c.get("principal");
  const lang = readerLang(c);
  const url = new URL(c.req.url);
  return {
    lang,
    t: translator(lang),
    nonce: c.get("cspNonce") ?? "",
    csrf: c.get("csrfToken") ?? "",
    user: principal ? { name: principal.name, role: principal.kind === "user" ? principal.role : "viewer" } : null,
    can: { operate: hasRole(principal, "operator"), admin: hasRole(principal, "admin") },
    path: url.pathname,
    here: url.pathname + url.search,
    assets,
    flash: options.flash ?? takeFlash(c),
    status: headerStatus(deps.control),
  };
}

/** Pages show the account and the bot's state: never stored by a browser or proxy. */
export const NO_STORE = { "Cache-Control": "no-store" } as const;

/** The HTML of a rendered tree (hono/jsx nodes render through `toString`, async components through a promise). */
export async function toHtml(node: Child): Promise<string> {
  if (node === null || node === undefined || typeof node === "boolean") return "";
  return await (node as { toString(): string | Promise<string> }).toString();
}

/** A full page: doctype + the rendered tree. */
export async function renderPage(c: Ctx, node: Child, status: ContentfulStatusCode = 200): Promise<Response> {
  return c.html(`<!DOCTYPE html>${await toHtml(node)}`, status, NO_STORE);
}

/** A fragment for htmx (no doctype). */
export async function renderFragment(c: Ctx, node: Child, status: ContentfulStatusCode = 200): Promise<Response> {
  return c.html(await toHtml(node), status, NO_STORE);
}

/** True for requests htmx made (they get fragments instead of pages and redirects). */
export function isHtmx(c: Ctx): boolean {
  return c.req.header("hx-request") === "true";
}

/**
 * Where to send the browser after a form: the local path it came from (`back`), or `fallback`.
 * Only same-site paths are accepted (`/x`, not `//host` or `/\host`), so the field cannot be used
 * to redirect elsewhere.
 */
export function safeBack(back: unknown, fallback: string): string {
  if (typeof back !== "string" || back.length > 2000) return fallback;
  return /^\/(?![/\\])[^\s]*$/.test(back) ? back : fallback;
}

/** Writes the audit row of a change made from the dashboard (who, what, target, from where). */
export function audit(c: Ctx, deps: Pick<DashboardDeps, "db" | "clock">, action: string, target: string | undefined, details: Record<string, unknown>): void {
  const principal = c.get("principal");
  recordAudit(deps.db, { actor: principal ? who(principal) : "anonymous", action, target, source: c.get("clientIp"), details: { ...details, via: "dashboard", requestId: c.get("requestId") } }, deps.clock.now());
}

/**
 * The answer to a form: for htmx, the flash message as a fragment (swapped into `#flash`; a
 * confirmation dialog, if open, is closed), with `status` so htmx and tests see a refusal as one;
 * without JavaScript, the message is kept for the next page and the browser goes back (303).
 */
export async function finish(c: Ctx, flash: Flash, back: string, status: ContentfulStatusCode = 200): Promise<Response> {
  if (isHtmx(c)) {
    const message = jsx("div", { class: `flash ${flash.kind}`, role: flash.kind === "error" ? "alert" : "status" }, flash.text);
    const closeDialog = jsx("div", { id: "dialog", "hx-swap-oob": "true" });
    return c.html((await toHtml(message)) + (await toHtml(closeDialog)), status, NO_STORE);
  }
  setFlash(c, flash);
  return c.redirect(back, 303);
}

/** A submitted form's text fields (files ignored): the first value of each name, and every value. */
export interface FormFields {
  readonly values: Readonly<Record<string, string>>;
  all(name: string): string[];
}

export async function readForm(c: Ctx): Promise<FormFields> {
  const body = await c.req.parseBody({ all: true });
  const values: Record<string, string> = {};
  const lists = new Map<string, string[]>();
  for (const [name, v] of Object.entries(body)) {
    const texts = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
    lists.set(name, texts);
    if (texts[0] !== undefined) values[name] = texts[0];
  }
  return { values, all: (name) => lists.get(name) ?? [] };
}
