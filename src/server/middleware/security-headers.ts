import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { mutableResponseHeaders } from "./response-headers.ts";

/**
 * Security headers on every answer, with a fresh CSP nonce per request (`c.var.cspNonce`). The
 * policy allows scripts and styles only from this origin or with the nonce, so an injected
 * `<script>` (or inline event handler, or `javascript:` URL) does not run even if escaping ever
 * failed. A route that needs another policy (the sandboxed backtest report) sets its own
 * Content-Security-Policy header; it is then left as it is.
 */

export interface SecurityHeadersOptions {
  /** Whether this request came over HTTPS: HSTS is sent only then (browsers ignore it over HTTP anyway). */
  readonly isHttps: (c: Context<AppEnv>) => boolean;
  /** Random bytes for nonces (default: the platform CSPRNG). */
  readonly random?: (byteLength: number) => Uint8Array;
}

/** Bytes of randomness in a nonce (128 bits, as the CSP spec recommends at least). */
const NONCE_BYTES = 16;

/** The Content-Security-Policy for pages rendered with `nonce`. */
export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join("; ");
}

/** Browser features the dashboard never uses, switched off for it and anything it might embed. */
export const PERMISSIONS_POLICY = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

export function securityHeaders(options: SecurityHeadersOptions): MiddlewareHandler<AppEnv> {
  const random = options.random ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)));
  return async (c, next) => {
    const nonce = Buffer.from(random(NONCE_BYTES)).toString("base64");
    c.set("cspNonce", nonce);
    await next();
    const h = mutableResponseHeaders(c);
    if (!h.has("Content-Security-Policy")) h.set("Content-Security-Policy", contentSecurityPolicy(nonce));
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Permissions-Policy", PERMISSIONS_POLICY);
    h.set("X-Frame-Options", "DENY");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    h.set("Cross-Origin-Resource-Policy", "same-origin");
    if (options.isHttps(c)) h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  };
}

