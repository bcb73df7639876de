import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import type { CookieSecureMode } from "../config/schema.ts";
import type { Db } from "../db/index.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/index.ts";
import type { Clock } from "../ports/clock.ts";
import type { ControlPort } from "../ports/control.ts";
import { requestIsHttps, type CookiePolicy } from "./auth/cookies.ts";
import { authenticate, csrfProtect, requireAuthenticated } from "./auth/middleware.ts";
import { defaultErrorPage, defaultLoginPage, type RenderError, type RenderLogin } from "./auth/pages.ts";
import { authRoutes } from "./auth/routes.ts";
import { createAuth, type Auth } from "./auth/service.ts";
import type { AppEnv } from "./env.ts";
import { errorHandler, pageAwareNotFound } from "./errors.ts";
import { accessLog } from "./middleware/access-log.ts";
import { httpMetrics } from "./middleware/metrics.ts";
import type { NamedToken } from "./middleware/auth.ts";
import { clientIp } from "./middleware/client-ip.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { ApiRoutes, openApiDocument } from "./openapi.ts";
import { accessRoutes } from "./routes/access.ts";
import { actorRoutes } from "./routes/actors.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { recordRoutes } from "./routes/records.ts";
import { tradingRoutes } from "./routes/trading.ts";
import { SecretsBox } from "./secrets.ts";

/** The audit log's "who" for the bootstrap `API_TOKEN`. */
export const API_TOKEN_NAME = "api-token";

/** The API's path prefix; every route under it requires a credential and its role. */
export const API_PREFIX = "/api/v1";

/** Where the OpenAPI document of the API is served (no authentication: it holds no data). */
export const OPENAPI_PATH = "/api/openapi.json";

/** What other parts get to mount their routes (the dashboard, the alert settings). */
export interface MountContext {
  /** Add `/api/v1` routes here: each is mounted behind its `requireRole` and listed in the OpenAPI document. */
  readonly api: ApiRoutes;
  readonly auth: Auth;
  readonly secrets: SecretsBox;
}

export interface AppDeps {
  readonly control: ControlPort;
  readonly db: Db;
  readonly metrics: Metrics;
  /** Timestamps of audit rows and the access log (the runtime's clock: simulated in sim mode). */
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Users, sessions and API tokens (`createAuth`; main builds it on the wall clock with the
   * bootstrap tokens). Without it the app builds one from `apiToken`/`extraTokens` with a random
   * session key: what tests and tools that only need the JSON API use.
   */
  readonly auth?: Auth;
  /** The bootstrap bearer token (scope admin, audited as `api-token`); only without `auth`. */
  readonly apiToken?: string;
  /** More named machine tokens; only without `auth`. */
  readonly extraTokens?: readonly NamedToken[];
  /** The secrets box (`createSecretsBox`); without it one with no key (saving is refused with 503). */
  readonly secrets?: SecretsBox;
  /** Take the client address and scheme from `X-Forwarded-For`/`-Proto` (only behind a reverse proxy). */
  readonly trustProxy?: boolean;
  /** COOKIE_SECURE: `auto` (default) sets Secure cookies when the request came over HTTPS. */
  readonly cookieSecure?: CookieSecureMode;
  /** Largest request body accepted, in bytes (default 64 KiB). */
  readonly maxBodyBytes?: number;
  /** The login page (the dashboard's styled one); default: a plain form. */
  readonly renderLogin?: RenderLogin;
  /** Error pages for page requests (403, 404, 500); default: a plain page. API errors stay JSON. */
  readonly renderError?: RenderError;
  /** Mounts other parts' routes after the core ones (the dashboard router, alert settings, …). */
  readonly extraRoutes?: (app: Hono<AppEnv>, context: MountContext) => void;
}

/**
 * Builds the HTTP app. Every request gets a request id, the client address, security headers
 * with a fresh CSP nonce, an access-log line, a body limit, and authentication (bearer token or
 * session cookie, refreshed transparently); cookie-authenticated mutations need the CSRF token.
 * Open: `GET /healthz`, `GET /metrics`, `GET /api/openapi.json`, `/login`. `/api/v1` needs a
 * credential, and each route its role. The app holds no state of its own: everything comes from
 * `deps`, so tests drive it through `app.request()`.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  if (deps.auth && (deps.apiToken !== undefined || deps.extraTokens !== undefined)) {
    throw new Error("createApp: with `auth`, pass the bootstrap tokens to createAuth({ bootstrapTokens }) instead of apiToken/extraTokens");
  }
  const auth = deps.auth ?? createAuth({ db: deps.db, clock: deps.clock, logger: deps.logger, bootstrapTokens: bootstrapTokens(deps.apiToken, deps.extraTokens) });
  const secrets = deps.secrets ?? new SecretsBox({ db: deps.db, clock: deps.clock });
  const cookies: CookiePolicy = { secure: deps.cookieSecure ?? "auto", trustProxy: deps.trustProxy ?? false };
  const renderError = deps.renderError ?? defaultErrorPage;
  const app = new Hono<AppEnv>();
  const commandDeps = { db: deps.db, clock: deps.clock, logger: deps.logger, control: deps.control };

  app.use(requestId());
  app.use(httpMetrics({ metrics: deps.metrics }));
  app.use(clientIp({ trustProxy: deps.trustProxy }));
  app.use(securityHeaders({ isHttps: (c) => cookies.secure === "true" || requestIsHttps(c, cookies.trustProxy) }));
  app.use(accessLog({ logger: deps.logger, clock: deps.clock }));
  app.use(`${API_PREFIX}/*`, noStore());
  app.use(bodyLimit({ maxSize: deps.maxBodyBytes ?? 64 * 1024 }));
  app.use(authenticate({ auth, cookies, logger: deps.logger, now: () => deps.clock.now() }));
  app.use(privateAnswers());
  app.use(csrfProtect());

  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoutes(deps));
  app.route("/", authRoutes({ auth, cookies, clock: deps.clock, renderLogin: deps.renderLogin ?? defaultLoginPage }));

  app.use(`${API_PREFIX}/*`, requireAuthenticated());
  const api = new ApiRoutes(app, API_PREFIX);
  actorRoutes(api, commandDeps);
  tradingRoutes(api, commandDeps);
  recordRoutes(api, deps);
  accessRoutes(api, { auth, secrets });
  deps.extraRoutes?.(app, { api, auth, secrets });

  let document: unknown;
  app.get(OPENAPI_PATH, (c) => {
    // Built on first use, so routes mounted by extraRoutes are listed too.
    document ??= openApiDocument(API_PREFIX, api.specs(), {
      title: "Bithumb KRW trader API",
      version: "1",
      description: "Read the bot's state and steer it. Authenticate with a bearer token (scopes read, trade, admin) or the dashboard session cookie (+ X-CSRF-Token on changes). See docs/api.md and docs/security.md.",
    });
    return c.json(document);
  });

  app.notFound(pageAwareNotFound(renderError));
  app.onError(errorHandler(deps.logger, renderError));
  return app;
}

function bootstrapTokens(apiToken: string | undefined, extra: readonly NamedToken[] | undefined): NamedToken[] {
  return [...(apiToken ? [{ name: API_TOKEN_NAME, token: apiToken }] : []), ...(extra ?? [])];
}

/** Positions, balances and the audit trail must not sit in shared or browser caches (even when refused). */
function noStore(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  };
}

/**
 * Anything answered to a logged-in caller is private: `no-store` unless the route chose its own
 * caching (static assets), so the back button after logout shows no data and no proxy keeps it.
 */
function privateAnswers(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.get("principal") && !c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  };
}
