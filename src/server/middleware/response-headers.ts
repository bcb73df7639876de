import type { Context } from "hono";

/**
 * The response's headers, ready to change after `await next()`. A handler may have answered with a
 * Response whose headers are immutable (`Response.redirect()`, a fetched response); such a
 * response is copied first. Middleware that adds headers after the handler ran (security headers,
 * refreshed session cookies) goes through here: headers set with `c.header()` before the handler
 * are lost when it returns a Response of its own.
 */
export function mutableResponseHeaders(c: Context): Headers {
  try {
    c.res.headers.delete("X-Mutability-Probe"); // throws on immutable headers, a no-op otherwise
    return c.res.headers;
  } catch {
    c.res = new Response(c.res.body, c.res);
    return c.res.headers;
  }
}
