import type { MiddlewareHandler } from "hono";
import type { Clock } from "../../ports/clock.ts";
import type { Logger } from "../../log.ts";
import type { AppEnv } from "../env.ts";

export interface AccessLogOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** pino level of the access lines (debug by default: one line per request is noisy at info). */
  readonly level?: "trace" | "debug" | "info";
}

/**
 * One structured line per request: id, method, path (without the query string), status, time
 * taken, client address and, when authenticated, who. Headers are never logged, so neither the
 * Authorization header nor a cookie can end up in a log file.
 */
export function accessLog(options: AccessLogOptions): MiddlewareHandler<AppEnv> {
  const level = options.level ?? "debug";
  return async (c, next) => {
    const started = options.clock.now();
    await next();
    if (!options.logger.isLevelEnabled(level)) return;
    options.logger[level](
      {
        reqId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: options.clock.now() - started,
        ip: c.get("clientIp"),
        who: c.get("principal")?.name,
      },
      "http request",
    );
  };
}
