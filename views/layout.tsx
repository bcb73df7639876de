import type { Child, FC } from "hono/jsx";
import { Csrf, FlashMessage, TradingBadge } from "./components.tsx";
import type { LiveTopic, ViewContext } from "./context.ts";
import type { MessageKey } from "./i18n.ts";

/**
 * The page shell: head (stylesheet, htmx and its SSE extension, the app script, all same-origin
 * and fingerprinted; every script carries the CSP nonce), the top bar with navigation, status
 * badges, the language switch and logout, a flash area, the dialog slot confirmations open in,
 * and, when the page has live parts, the one SSE connection that feeds them.
 *
 * htmx 4 settings: the indicator stylesheet htmx would inject is off (its inline style would break
 * the CSP; the same rules ship in app.css), and every htmx request carries the CSRF header through
 * `hx-headers:inherited` on the body (inheritance is explicit in htmx 4).
 */

const NAV: readonly { readonly href: string; readonly key: MessageKey }[] = [
  { href: "/", key: "nav.overview" },
  { href: "/markets", key: "nav.markets" },
  { href: "/positions", key: "nav.positions" },
  { href: "/orders", key: "nav.orders" },
  { href: "/actors", key: "nav.actors" },
  { href: "/backtests", key: "nav.backtests" },
  { href: "/settings", key: "nav.settings" },
];

/** htmx configuration: `includeIndicatorCSS` is the htmx 4 name (`includeIndicatorStyles` in htmx 2, kept for either). */
const HTMX_CONFIG = JSON.stringify({ includeIndicatorCSS: false, includeIndicatorStyles: false, defaultTimeout: 30_000 });

function isCurrent(path: string, link: string): boolean {
  return link === "/" ? path === "/" : path === link || path.startsWith(`${link}/`);
}

export interface LayoutProps {
  ctx: ViewContext;
  title: string;
  /** Live-update topics of this page; no SSE connection when empty. */
  live?: readonly LiveTopic[];
  /** Extra scripts (the chart library on chart pages). */
  scripts?: readonly string[];
  /** Bare pages (login, error without a session) have no navigation. */
  bare?: boolean;
  children?: Child;
}

const TopBar: FC<{ ctx: ViewContext }> = ({ ctx }) => (
  <header class="topbar">
    <a class="brand" href="/">
      <span class="brand-mark" aria-hidden="true">
        ₩
      </span>
      <span>{ctx.t("app.name")}</span>
    </a>
    {ctx.status ? (
      <div class="status">
        <span class={`badge mode ${ctx.status.mode}`}>{ctx.status.mode.toUpperCase()}</span>
        <TradingBadge ctx={ctx} state={ctx.status.tradingState} id="trading-state" />
      </div>
    ) : null}
    <input type="checkbox" id="nav-toggle" class="nav-toggle" aria-label={ctx.t("nav.menu")} />
    <label for="nav-toggle" class="nav-toggle-label" aria-hidden="true">
      ☰
    </label>
    <nav class="nav" aria-label={ctx.t("nav.label")}>
      {NAV.map((item) => (
        <a href={item.href} aria-current={isCurrent(ctx.path, item.href) ? "page" : undefined}>
          {ctx.t(item.key)}
        </a>
      ))}
    </nav>
    <div class="who">
      <form method="post" action="/lang" class="inline lang-switch">
        <Csrf ctx={ctx} />
        <input type="hidden" name="back" value={ctx.here} />
        <button type="submit" name="lang" value="ko" class="btn quiet" aria-pressed={ctx.lang === "ko" ? "true" : "false"} lang="ko">
          한국어
        </button>
        <button type="submit" name="lang" value="en" class="btn quiet" aria-pressed={ctx.lang === "en" ? "true" : "false"} lang="en">
          EN
        </button>
      </form>
      {ctx.user ? (
        <>
          <span class="user" title={ctx.t(`role.${ctx.user.role as "viewer"}`)}>
            {ctx.user.name} <span class="role">{ctx.t(`role.${ctx.user.role as "viewer"}`)}</span>
          </span>
          <form method="post" action="/logout" class="inline">
            <Csrf ctx={ctx} />
            <button type="submit" class="btn quiet">
              {ctx.t("nav.logout")}
            </button>
          </form>
        </>
      ) : null}
    </div>
  </header>
);

export const Layout: FC<LayoutProps> = ({ ctx, title, live = [], scripts = [], bare = false, children }) => (
  <html lang={ctx.lang}>
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <title>{`${title} · ${ctx.t("app.name")}`}</title>
      <link rel="icon" href={ctx.assets.icon} type="image/svg+xml" />
      <link rel="stylesheet" href={ctx.assets.css} />
      <script nonce={ctx.nonce} src={ctx.assets.htmx} defer></script>
      <script nonce={ctx.nonce} src={ctx.assets.sse} defer></script>
      {scripts.map((src) => (
        <script nonce={ctx.nonce} src={src} defer></script>
      ))}
      <script nonce={ctx.nonce} src={ctx.assets.app} defer></script>
    </head>
    <body hx-headers:inherited={ctx.csrf ? JSON.stringify({ "X-CSRF-Token": ctx.csrf }) : undefined}>
      {bare ? null : <TopBar ctx={ctx} />}
      <div id="flash" class="flash-area" aria-live="polite">
        <FlashMessage ctx={ctx} />
      </div>
      <main class={bare ? "bare" : undefined}>{children}</main>
      <div id="dialog"></div>
      {live.length > 0 ? <div id="live" hidden hx-sse:connect={`/live?topics=${live.join(",")}`}></div> : null}
      <footer class="footer">
        <span>{ctx.t("footer.kst")}</span>
        <span>
          {ctx.t("footer.charts")}{" "}
          <a href="https://www.tradingview.com/" rel="noopener noreferrer">
            TradingView Lightweight Charts™
          </a>
        </span>
      </footer>
    </body>
  </html>
);
