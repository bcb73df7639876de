import { Hono, type Context } from "hono";
import type { Clock } from "../../ports/clock.ts";
import type { AppEnv } from "../env.ts";
import { constantTimeEqual } from "../middleware/auth.ts";
import { clearCookie, clearSessionCookies, readCookie, writeCookie, writeSessionCookies, type CookiePolicy } from "./cookies.ts";
import { newSecret } from "./crypto.ts";
import { safeNext } from "./middleware.ts";
import { guessLang, type LoginPageProps, type RenderLogin } from "./pages.ts";
import type { Auth } from "./service.ts";

export interface AuthRouteDeps {
  readonly auth: Auth;
  readonly cookies: CookiePolicy;
  readonly clock: Clock;
  readonly renderLogin: RenderLogin;
}

export const LOGIN_PATH = "/login";
export const LOGOUT_PATH = "/logout";

/** How long a login form stays usable (its CSRF cookie's life). */
const LOGIN_FORM_TTL_SECONDS = 3_600;
/** Longest name and password read from the form (longer input is simply wrong). */
const MAX_FIELD = 1_024;

/**
 * `GET /login` (the form), `POST /login` (check, then session cookies and a 303 to `next`) and
 * `POST /logout` (revokes the session family; CSRF-checked like every cookie mutation). The login
 * form has its own CSRF token (double submit: a random value in the `bot_login` cookie and the
 * form), since there is no session yet to derive one from: another site cannot log a visitor in
 * to an account of its choosing.
 */
export function authRoutes(deps: AuthRouteDeps): Hono<AppEnv> {
  const page = async (c: Context<AppEnv>, status: 200 | 401 | 403 | 429, props: Omit<LoginPageProps, "csrfToken" | "action" | "nonce" | "lang">) => {
    const csrfToken = newSecret();
    writeCookie(c, deps.cookies, "login", csrfToken, LOGIN_FORM_TTL_SECONDS);
    const lang = guessLang(c.req.query("lang"), c.req.header("accept-language"));
    const body = await deps.renderLogin({ ...props, action: LOGIN_PATH, csrfToken, lang, nonce: c.get("cspNonce") });
    return c.html(body, status, { "Cache-Control": "no-store" });
  };

  return new Hono<AppEnv>()
    .get(LOGIN_PATH, async (c) => {
      const next = safeNext(c.req.query("next"));
      if (c.get("principal")?.kind === "user") return c.redirect(next, 303);
      return page(c, 200, { next });
    })
    .post(LOGIN_PATH, async (c) => {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const field = (k: string) => (typeof form[k] === "string" ? (form[k] as string).slice(0, MAX_FIELD) : "");
      const next = safeNext(field("next"));
      const expected = readCookie(c, deps.cookies, "login");
      const presented = field("_csrf");
      if (!expected || !presented || !constantTimeEqual(expected, presented)) return page(c, 403, { next, error: "expired" });
      const result = await deps.auth.sessions.login(field("name").trim(), field("password"), { ip: c.get("clientIp"), userAgent: c.req.header("user-agent") });
      if (!result.ok && result.reason === "throttled") {
        const retryAfterSeconds = Math.ceil(result.retryAfterMs / 1000);
        c.header("Retry-After", String(retryAfterSeconds));
        return page(c, 429, { next, error: "throttled", retryAfterSeconds });
      }
      if (!result.ok) return page(c, 401, { next, error: "invalid" });
      clearCookie(c, deps.cookies, "login");
      writeSessionCookies(c, deps.cookies, result.tokens, deps.clock.now());
      return c.redirect(next, 303);
    })
    .post(LOGOUT_PATH, (c) => {
      const principal = c.get("principal");
      const family = c.get("sessionFamily");
      if (principal?.kind === "user" && family) deps.auth.sessions.logout(family, { by: principal.name, source: c.get("clientIp") });
      clearSessionCookies(c, deps.cookies);
      if (c.req.header("hx-request") !== undefined) return c.body(null, 204, { "HX-Redirect": LOGIN_PATH });
      return c.redirect(LOGIN_PATH, 303);
    });
}
