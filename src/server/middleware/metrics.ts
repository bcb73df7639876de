import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { BoundedLabel } from "../../metrics/labels.ts";
import type { Metrics } from "../../metrics/index.ts";

export interface HttpMetricsOptions {
  readonly metrics: Metrics;
  /**
   * Monotonic milliseconds for durations (default `performance.now`). Not the runtime clock:
   * in sim mode that one runs faster than real time, and a request takes real time.
   */
  readonly now?: () => number;
  /** Distinct routes past which new ones count as `other` (default 200; the app has far fewer). */
  readonly maxRoutes?: number;
}

const METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The route label of a request nothing answered (only catch-all middleware matched it). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * Counts requests (`bot_http_requests_total{method,route,status}`) and times them until the
 * response starts (`bot_http_request_duration_seconds{method,route}`; for an SSE stream that is
 * the time to its headers, not its life). `route` is the pattern that answered
 * (`/api/v1/actors/:market`), never the raw path, so ids and probes cannot blow up the number
 * of series; a 404 that no route handled is `unmatched`. Mount it first (after the request id)
 * so it also sees requests that a later middleware refuses.
 */
export function httpMetrics(options: HttpMetricsOptions): MiddlewareHandler {
  const { metrics } = options;
  const now = options.now ?? (() => performance.now());
  const routes = new BoundedLabel(options.maxRoutes ?? 200);
  return async (c, next) => {
    const started = now();
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      const method = METHODS.has(c.req.method) ? c.req.method : "OTHER";
      const route = routes.of(routeLabel(c, status));
      metrics.httpRequestSeconds.observe({ method, route }, Math.max(0, now() - started) / 1000);
      metrics.httpRequestsTotal.inc({ method, route, status: String(status) });
    }
  };
}

/**
 * The pattern of the handler (or middleware) that produced the response. Hono leaves
 * `routeIndex` on the last one the request went through; when that is a wildcard middleware and
 * the answer is 404, no route matched the path.
 */
function routeLabel(c: Context, status: number): string {
  const pattern = routePath(c);
  if (pattern === "") return UNMATCHED_ROUTE;
  if (status === 404 && pattern.endsWith("*")) return UNMATCHED_ROUTE;
  return pattern;
}
