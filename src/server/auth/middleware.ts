import type { Context, MiddlewareHandler } from "hono";
import type { Origin } from "../../core/messages.ts";
import type { Logger } from "../../log.ts";
import type { AppEnv, Role } from "../env.ts";
import { ApiError, wantsHtml } from "../errors.ts";
import { bearerCredential, constantTimeEqual } from "../middleware/auth.ts";
import { mutableResponseHeaders } from "../middleware/response-headers.ts";
import { expiredSessionCookies, readCookie, sessionCookies, type CookiePolicy } from "./cookies.ts";
import { hasRole, who } from "./roles.ts";
import type { Auth } from "./service.ts";

/**
 * Who is calling, for every request: a bearer token (`Authorization: Bearer …`, database or
 * bootstrap token) or the session cookies (JWT, refreshed transparently from the refresh cookie).
 * Nothing is refused here; `requireUser`/`requireRole` decide per route, `csrfProtect` guards
 * cookie-authenticated mutations. A presented but invalid bearer credential marks the request
 * `authRejected` and never falls back to a cookie.
 */
export function authenticate(options: { auth: Auth; cookies: CookiePolicy; logger?: Logger; now: () => number }): MiddlewareHandler<AppEnv> {
  const { auth, cookies } = options;
  return async (c, next) => {
    c.set("principal", undefined);
    c.set("authMethod", undefined);
    c.set("authRejected", false);
    c.set("csrfToken", "");
    c.set("sessionFamily", undefined);
    const header = c.req.header("authorization");
    if (header !== undefined) {
      const presented = bearerCredential(header);
      const principal = presented === undefined ? undefined : auth.tokens.authenticate(presented);
      if (principal) {
        c.set("principal", principal);
        c.set("authMethod", "bearer");
      } else {
        c.set("authRejected", true);
        options.logger?.debug({ reqId: c.get("requestId"), ip: c.get("clientIp"), path: c.req.path, reason: presented === undefined ? "malformed" : "invalid" }, "authentication failed");
      }
      return next();
    }
    const access = readCookie(c, cookies, "access");
    const refresh = readCookie(c, cookies, "refresh");
    if (access === undefined && refresh === undefined) return next();
    const state = await auth.sessions.resume(access, refresh, { ip: c.get("clientIp"), userAgent: c.req.header("user-agent") });
    if (state.principal) {
      c.set("principal", state.principal);
      c.set("authMethod", "session");
      c.set("csrfToken", state.csrfToken);
      c.set("sessionFamily", state.familyId);
    }
    // Added after the route ran: cookies set before it are lost when it answers with its own Response.
    const setCookies = state.issued ? sessionCookies(c, cookies, state.issued, options.now()) : state.clear ? expiredSessionCookies(c, cookies) : [];
    await next();
    if (setCookies.length === 0) return;
    const headers = mutableResponseHeaders(c);
    const already = new Set(headers.getSetCookie().map((v) => v.split("=")[0]));
    // A route that set the session cookies itself (login, logout) has the last word.
    for (const cookie of setCookies) if (!already.has(cookie.split("=")[0])) headers.append("Set-Cookie", cookie);
  };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The header htmx sends (`hx-headers`) and the form field plain forms carry. */
export const CSRF_HEADER = "X-CSRF-Token";
export const CSRF_FIELD = "_csrf";

/**
 * Refuses a cookie-authenticated request that changes something unless it carries the session's
 * CSRF token (header `X-CSRF-Token`, or form field `_csrf`) and was not sent cross-site
 * (`Sec-Fetch-Site`). Bearer-token requests are exempt: a browser never adds that header on its
 * own, so another site cannot make a victim's browser send one.
 */
export function csrfProtect(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || c.get("authMethod") !== "session") return next();
    if (c.req.header("sec-fetch-site") === "cross-site") throw new ApiError(403, "csrf_failed", "cross-site request refused");
    const presented = c.req.header(CSRF_HEADER) ?? (await formField(c, CSRF_FIELD));
    const expected = c.get("csrfToken");
    if (!presented || !expected || !constantTimeEqual(presented, expected)) throw new ApiError(403, "csrf_failed", "missing or invalid CSRF token");
    return next();
  };
}

/** A field of a url-encoded or multipart body (the body stays readable for the handler: Hono caches it). */
export async function formField(c: Context<AppEnv>, name: string): Promise<string | undefined> {
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return undefined;
  try {
    const value = (await c.req.parseBody())[name];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A same-site path to return to after login (anything else becomes `/`). */
export function safeNext(value: string | undefined): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\") || /[\u0000-\u001f]/.test(value)) return "/";
  return value.length > 2_000 ? "/" : value;
}

/**
 * Sends a page request to the login page, to come back afterwards: a page load to itself, an
 * htmx request (answered with `HX-Redirect`, so the whole page goes) to the page it was made from.
 */
function toLogin(c: Context<AppEnv>, loginPath: string): Response {
  const htmx = c.req.header("hx-request") !== undefined;
  const next = safeNext(htmx ? pathOf(c.req.header("hx-current-url")) : c.req.method === "GET" ? pathOf(c.req.url) : undefined);
  const target = next === "/" ? loginPath : `${loginPath}?next=${encodeURIComponent(next)}`;
  if (htmx) return c.body(null, 401, { "HX-Redirect": target });
  return c.redirect(target, 303);
}

/** Path and query of a URL (never its origin, so the result stays on this site). */
function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url, "http://localhost");
    return u.pathname + u.search;
  } catch {
    return undefined;
  }
}

function unauthorized(): ApiError {
  return new ApiError(401, "unauthorized", "a valid bearer token is required", { headers: { "WWW-Authenticate": 'Bearer realm="api"' } });
}

/**
 * Pages: a logged-in dashboard user is required; others are sent to the login page (a request
 * with a bearer token, which pages do not take, gets 403).
 */
export function requireUser(options: { redirectTo?: string } = {}): MiddlewareHandler<AppEnv> {
  const loginPath = options.redirectTo ?? "/login";
  return async (c, next) => {
    const principal = c.get("principal");
    if (principal?.kind === "user") return next();
    if (principal) throw new ApiError(403, "forbidden", "pages need a dashboard login");
    if (wantsHtml(c) && !c.get("authRejected")) return toLogin(c, loginPath);
    throw unauthorized();
  };
}

/**
 * The principal's role (a user's role, or a token's strongest scope) must be at least `role`.
 * Not authenticated: 401 (JSON) or the login page (HTML). Too weak: 403, as a JSON error or an
 * HTML page depending on the request (the app's error handler decides).
 */
export function requireRole(role: Role, options: { redirectTo?: string } = {}): MiddlewareHandler<AppEnv> {
  const loginPath = options.redirectTo ?? "/login";
  return async (c, next) => {
    const principal = c.get("principal");
    if (!principal) {
      if (wantsHtml(c) && !c.get("authRejected")) return toLogin(c, loginPath);
      throw unauthorized();
    }
    if (!hasRole(principal, role)) throw new ApiError(403, "forbidden", `requires the ${role} role`);
    return next();
  };
}

/** Any authenticated caller (the `/api/v1` gate; routes then require their role). */
export function requireAuthenticated(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!c.get("principal")) throw unauthorized();
    return next();
  };
}

/**
 * The audit origin of an authenticated request: who (`who(principal)`) and from where (the client
 * address). Throws 401 when nobody is authenticated (routes call it behind `requireRole`).
 */
export function originOf(c: Context<AppEnv>): Origin {
  const principal = c.get("principal");
  if (!principal) throw unauthorized();
  return { by: who(principal), source: c.get("clientIp") };
}
