import type { Context } from "hono";
import { generateCookie, getCookie } from "hono/cookie";
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

/** A `Set-Cookie` value for the cookie `key` (Max-Age 0 deletes it). */
export function serializeCookie(c: Context<AppEnv>, policy: CookiePolicy, key: CookieKey, value: string, maxAgeSeconds: number): string {
  const options = { httpOnly: true, sameSite: "Strict", path: "/", maxAge: Math.max(0, Math.floor(maxAgeSeconds)) } as const;
  return cookiesSecure(c, policy) ? generateCookie(COOKIE_NAMES[key], value, { ...options, secure: true, prefix: "host" }) : generateCookie(COOKIE_NAMES[key], value, options);
}

/** Sets a cookie on the answer a route is about to build (`c.html`, `c.redirect`, …). */
export function writeCookie(c: Context<AppEnv>, policy: CookiePolicy, key: CookieKey, value: string, maxAgeSeconds: number): void {
  c.header("Set-Cookie", serializeCookie(c, policy, key, value, maxAgeSeconds), { append: true });
}

export function clearCookie(c: Context<AppEnv>, policy: CookiePolicy, key: CookieKey): void {
  c.header("Set-Cookie", serializeCookie(c, policy, key, "", 0), { append: true });
}

/** The `Set-Cookie` values for what a login or refresh issued (the refresh cookie only when a new refresh token came). */
export function sessionCookies(c: Context<AppEnv>, policy: CookiePolicy, issued: IssuedTokens, now: number): string[] {
  const out = [serializeCookie(c, policy, "access", issued.access, (issued.accessExpiresAt - now) / 1000)];
  if (issued.refresh !== undefined && issued.refreshExpiresAt !== undefined) out.push(serializeCookie(c, policy, "refresh", issued.refresh, (issued.refreshExpiresAt - now) / 1000));
  return out;
}

/** The `Set-Cookie` values that delete both session cookies. */
export function expiredSessionCookies(c: Context<AppEnv>, policy: CookiePolicy): string[] {
  return [serializeCookie(c, policy, "access", "", 0), serializeCookie(c, policy, "refresh", "", 0)];
}

export function writeSessionCookies(c: Context<AppEnv>, policy: CookiePolicy, issued: IssuedTokens, now: number): void {
  for (const cookie of sessionCookies(c, policy, issued, now)) c.header("Set-Cookie", cookie, { append: true });
}

export function clearSessionCookies(c: Context<AppEnv>, policy: CookiePolicy): void {
  for (const cookie of expiredSessionCookies(c, policy)) c.header("Set-Cookie", cookie, { append: true });
}
