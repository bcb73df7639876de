import { Hono } from "hono";
import type { AssetUrls, ViewContext } from "../../../views/context.ts";
import { translator } from "../../../views/i18n.ts";
import { ErrorPage, LoginPage } from "../../../views/pages/login.tsx";
import type { LoginPageProps, RenderError, RenderLogin } from "../auth/index.ts";
import { loginErrorText } from "../auth/index.ts";
import { actionRoutes } from "./actions.tsx";
import { createStaticAssets, type StaticAssets } from "./assets.ts";
import { BacktestLauncher } from "./backtest-runner.ts";
import { backtestRoutes } from "./backtests.tsx";
import type { DashboardEnv, Lang } from "./contract.ts";
import type { DashboardDeps } from "./deps.ts";
import { LiveBroadcaster, liveRoutes } from "./live.ts";
import { pageRoutes } from "./pages.tsx";
import { toHtml } from "./request.ts";
import { settingsRoutes } from "./settings.tsx";

/**
 * The operator's dashboard: server-rendered pages (hono/jsx) enhanced by htmx 4, live updates over
 * one SSE broadcaster, static assets served locally, backtests in worker threads.
 *
 * Wiring (src/main.ts): build it with the platform's user/token services and secrets box, then
 * hand `renderLogin`/`renderError` and a mount of `routes` to `createApp` (its `extraRoutes`), so
 * the routes sit behind the platform middleware that sets `principal`, `csrfToken`, `cspNonce`
 * and `clientIp`. Call `close()` at shutdown.
 */
export interface Dashboard {
  /** Every dashboard route: pages, forms, `/live`, `/static/*`. Mount at `/`. */
  readonly routes: Hono<DashboardEnv>;
  readonly live: LiveBroadcaster;
  readonly backtests: BacktestLauncher | undefined;
  readonly assets: StaticAssets;
  /** The styled login page, for the platform's `GET/POST /login` (`AppDeps.renderLogin`). */
  readonly renderLogin: RenderLogin;
  /** Error pages for page requests (`AppDeps.renderError`). */
  readonly renderError: RenderError;
  /** Ends live streams and running backtests. */
  close(): void;
}

/** The context of a page rendered outside a dashboard route (login, errors): no user, no navigation. */
function bareContext(lang: Lang, nonce: string, csrf: string, assets: AssetUrls): ViewContext {
  return { lang, t: translator(lang), nonce, csrf, user: null, can: { operate: false, admin: false }, path: "/login", here: "/login", assets };
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const assets = createStaticAssets();
  const live = new LiveBroadcaster({
    sources: deps,
    clock: deps.live?.clock ?? deps.clock,
    logger: deps.logger,
    assets: assets.urls,
    tickMs: deps.live?.tickMs,
    heartbeatMs: deps.live?.heartbeatMs,
  });
  const launcher = deps.backtests
    ? new BacktestLauncher({ db: deps.db, clock: deps.clock, logger: deps.logger, reportsDir: deps.backtests.reportsDir, maxConcurrent: deps.backtests.maxConcurrent })
    : undefined;

  const renderLogin: RenderLogin = async (props: LoginPageProps) => {
    const ctx = bareContext(props.lang, props.nonce, props.csrfToken, assets.urls);
    const error = loginErrorText(props);
    return `<!DOCTYPE html>${await toHtml(<LoginPage ctx={ctx} error={error} next={props.next === "/" ? undefined : props.next} action={props.action} />)}`;
  };
  const renderError: RenderError = async (props) => {
    const ctx = bareContext(props.lang, props.nonce, "", assets.urls);
    return `<!DOCTYPE html>${await toHtml(<ErrorPage ctx={ctx} status={props.status} message={props.message} />)}`;
  };

  const routes = new Hono<DashboardEnv>();
  routes.route("/", assets.routes);
  routes.route("/", liveRoutes(live));
  routes.route("/", pageRoutes(deps, assets.urls));
  routes.route("/", actionRoutes(deps, assets.urls));
  routes.route("/", settingsRoutes(deps, assets.urls));
  routes.route("/", backtestRoutes(deps, assets.urls, launcher));

  return {
    routes,
    live,
    backtests: launcher,
    assets,
    renderLogin,
    renderError,
    close() {
      live.stop();
      launcher?.close();
    },
  };
}
