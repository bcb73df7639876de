import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { Db } from "../db/index.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/index.ts";
import type { Clock } from "../ports/clock.ts";
import type { ControlPort } from "../ports/control.ts";
import type { AppEnv } from "./env.ts";
import { errorHandler, notFoundHandler } from "./errors.ts";
import { accessLog } from "./middleware/access-log.ts";
import { bearerAuth, tokenAuthenticator, type NamedToken } from "./middleware/auth.ts";
import { clientIp } from "./middleware/client-ip.ts";
import { actorRoutes } from "./routes/actors.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { recordRoutes } from "./routes/records.ts";
import { tradingRoutes } from "./routes/trading.ts";

/** The audit log's "who" for the bootstrap `API_TOKEN`. */
export const API_TOKEN_NAME = "api-token";

export interface AppDeps {
  readonly control: ControlPort;
  readonly db: Db;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The bootstrap bearer token for `/api/v1/*` (audited as `api-token`). */
  readonly apiToken: string;
  /** More named machine tokens, audited under their names. */
  readonly extraTokens?: readonly NamedToken[];
  /** Take the client address from `X-Forwarded-For` (only behind a reverse proxy). */
  readonly trustProxy?: boolean;
  /** Largest request body accepted on the API, in bytes (default 64 KiB). */
  readonly maxBodyBytes?: number;
}

/** The API's path prefix; every route under it requires a bearer token. */
export const API_PREFIX = "/api/v1";

/**
 * Builds the HTTP app: `GET /healthz` and `GET /metrics` without authentication, the JSON API
 * under `/api/v1` behind a bearer token. Middleware order: request id, client address, access log
 * (so it sees the final status), security headers, then per-area auth and limits. The app holds
 * no state of its own; everything comes from `deps`, so tests drive it through `app.request()`.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  if (deps.apiToken.length === 0) throw new Error("createApp: apiToken must not be empty");
  const app = new Hono<AppEnv>();
  const tokens: NamedToken[] = [{ name: API_TOKEN_NAME, token: deps.apiToken }, ...(deps.extraTokens ?? [])];
  const commandDeps = { db: deps.db, clock: deps.clock, logger: deps.logger, control: deps.control };

  app.use(requestId());
  app.use(clientIp({ trustProxy: deps.trustProxy }));
  app.use(accessLog({ logger: deps.logger, clock: deps.clock }));
  app.use(secureHeaders());

  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(deps));

  app.use(`${API_PREFIX}/*`, async (c, next) => {
    await next();
    // Positions, balances and the audit trail must not sit in shared or browser caches.
    c.header("Cache-Control", "no-store");
  });
  app.use(`${API_PREFIX}/*`, bearerAuth({ authenticate: tokenAuthenticator(tokens), logger: deps.logger }));
  app.use(`${API_PREFIX}/*`, bodyLimit({ maxSize: deps.maxBodyBytes ?? 64 * 1024 }));
  app.route(API_PREFIX, actorRoutes(commandDeps));
  app.route(API_PREFIX, tradingRoutes(commandDeps));
  app.route(API_PREFIX, recordRoutes(deps));

  app.notFound(notFoundHandler);
  app.onError(errorHandler(deps.logger));
  return app;
}
