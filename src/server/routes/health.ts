import { Hono } from "hono";
import type { Logger } from "../../log.ts";
import type { ControlPort } from "../../ports/control.ts";
import type { AppEnv } from "../env.ts";

/**
 * `GET /healthz`: the control port's health report, 200 when healthy and 503 otherwise, so a
 * load balancer or process supervisor can act on the status alone and a human can read why.
 * No authentication: it reveals the trading state, not positions or balances.
 */
export function healthRoutes(deps: { control: ControlPort; logger: Logger }): Hono<AppEnv> {
  return new Hono<AppEnv>().get("/healthz", (c) => {
    c.header("Cache-Control", "no-store");
    try {
      const report = deps.control.health();
      return c.json(report, report.healthy ? 200 : 503);
    } catch (err) {
      // A health check that cannot even report is unhealthy, not a server error.
      deps.logger.error({ err }, "health check failed");
      return c.json({ healthy: false, error: { code: "health_check_failed", message: "health report unavailable" } }, 503);
    }
  });
}
