import { Hono } from "hono";
import type { Metrics } from "../../metrics/index.ts";
import type { AppEnv } from "../env.ts";

/**
 * `GET /metrics`: the Prometheus exposition text. Unauthenticated like most scrape targets; the
 * server binds loopback by default and, when exposed, must stay behind the reverse proxy (which
 * should not forward `/metrics`) or be reached by Prometheus on a private network.
 */
export function metricsRoutes(deps: { metrics: Metrics }): Hono<AppEnv> {
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    const text = await deps.metrics.text();
    return c.body(text, 200, { "Content-Type": deps.metrics.contentType, "Cache-Control": "no-store" });
  });
}
