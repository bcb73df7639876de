import type { TradingState } from "../src/ports/control.ts";
import type { Lang } from "./format.ts";
import type { Translate } from "./i18n.ts";

/**
 * What every page and fragment is rendered with besides its own data: the reader's language and
 * role (which controls to show), the request's CSP nonce and CSRF token, the asset URLs and the
 * header's status badges. Built per request by the dashboard routes; views never look anything up.
 */
export interface ViewContext {
  readonly lang: Lang;
  readonly t: Translate;
  /** Goes on every `<script>`/`<style>` (the CSP allows no other inline code). */
  readonly nonce: string;
  /** The synchronizer token for `_csrf` form fields and the `X-CSRF-Token` header. Empty in shared live fragments. */
  readonly csrf: string;
  readonly user: { readonly name: string; readonly role: string } | null;
  /** Operator controls (pause, resume, flatten, backtests) and admin controls (settings). */
  readonly can: { readonly operate: boolean; readonly admin: boolean };
  /** Path of the page (for the navigation). */
  readonly path: string;
  /** Path and query of the page: where a form posted from it comes back to. */
  readonly here: string;
  readonly assets: AssetUrls;
  readonly flash?: Flash;
  readonly status?: HeaderStatus;
}

/** Fingerprinted URLs of the static files (long-cached). */
export interface AssetUrls {
  readonly css: string;
  readonly htmx: string;
  readonly sse: string;
  readonly charts: string;
  readonly app: string;
  readonly icon: string;
}

export interface Flash {
  readonly kind: "ok" | "error";
  readonly text: string;
}

export interface HeaderStatus {
  readonly mode: string;
  readonly tradingState: TradingState;
  readonly healthy: boolean;
}

/** The live-update topics a page subscribes to (see src/server/dashboard/live.ts); `market:KRW-BTC` is one market's page. */
export type LiveTopic = "overview" | "markets" | "positions" | "actors" | `market:${string}`;
