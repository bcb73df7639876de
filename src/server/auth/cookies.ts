import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieSecureMode } from "../../config/schema.ts";
import type { AppEnv } from "../env.ts";
import type { IssuedTokens } from "./sessions.ts";

/**
 * The session cookies: `bot_at` (the access JWT) and `bot_rt` (the refresh token), plus
 * `bot_login` (the login form's CSRF token). All HttpOnly and SameSite=Strict. When Secure, they
 * carry the `__Host-` prefix, which makes the browser refuse them unless they are Secure, for
 * this exact host and path `/`: a sibling subdomain cannot plant or overwrite them.
 */

export interface CookiePolicy {
  /** `true`: always Secure; `false`: never (plain-HTTP loopback); `auto`: when the request came over HTTPS. */
  readonly secure: CookieSecureMode;
  /** Believe `X-Forwarded-Proto` (only behind our own reverse proxy). */
  readonly trustProxy: boolean;
}

export const COOKIE_NAMES = { access: "bot_at", refresh: "bot_rt", login: "bot_login" } as const;
type CookieKey = keyof typeof COOKIE_NAMES;

/** True when the request reached us over HTTPS: directly, or through a trusted proxy that says so. */
export function requestIsHttps(c: Context<AppEnv>, trustProxy: boolean): boolean {
  if (c.req.url.startsWith("https:")) return true;
  if (!trustProxy) return false;
  return c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}

export function cookiesSecure(c: Context<AppEnv>, policy: CookiePolicy): boolean {
  return policy.secure === "true" || (policy.secure === "auto" && requestIsHttps(c, policy.trustProxy));
}

export function readCookie(c: Context<AppEnv>, policy: CookiePolicy, key: CookieKey): string | undefined {
  return cookiesSecure(c, policy) ? getCookie(c, COOKIE_NAMES[key], "host") : getCookie(c, COOKIE_NAMES[key]);
}

export function writeCookie(c: Context<AppEnv>, policy: CookiePolicy, key: CookieKey, value: string, maxAgeSeconds: number): void {
  const options = { httpOnly: true, sameSite: "Strict", path: "/", maxAge: Math.max(0, Math.floor(maxAgeSeconds)) } as const;
  if (cookiesSecure(c, policy)) setCookie(c, COOKIE_NAMES[key], value, { ...options, secure: true, prefix: "host" });
  else setCookie(c, COOKIE_NAMES[key], value, options);
}

export function clearCookie(c: Context<AppEnv>, policy: CookiePolicy, key: CookieKey): void {
  if (cookiesSecure(c, policy)) deleteCookie(c, COOKIE_NAMES[key], { path: "/", secure: true, prefix: "host" });
  else deleteCookie(c, COOKIE_NAMES[key], { path: "/" });
}

/** Sets the cookies a login or refresh issued (the refresh cookie only when a new refresh token came). */
export function writeSessionCookies(c: Context<AppEnv>, policy: CookiePolicy, issued: IssuedTokens, now: number): void {
  writeCookie(c, policy, "access", issued.access, (issued.accessExpiresAt - now) / 1000);
  if (issued.refresh !== undefined && issued.refreshExpiresAt !== undefined) writeCookie(c, policy, "refresh", issued.refresh, (issued.refreshExpiresAt - now) / 1000);
}

export function clearSessionCookies(c: Context<AppEnv>, policy: CookiePolicy): void {
  clearCookie(c, policy, "access");
  clearCookie(c, policy, "refresh");
}
