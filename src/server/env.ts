import type { RequestIdVariables } from "hono/request-id";

/**
 * The Hono environment every server module shares: what the Bun adapter binds and what the
 * middleware chain puts on the context for routes, pages and partials to read.
 */

/** The part of Bun's `Server` the app needs: the peer address of a request. */
export interface PeerAddressSource {
  requestIP(request: Request): { readonly address: string } | null;
}

/** Passed as the 2nd argument of `app.fetch` by `startServer` (and by tests via `app.request`). */
export interface ServerBindings {
  readonly server?: PeerAddressSource;
}

/** Dashboard roles, weakest first: viewer reads, operator also steers trading, admin also configures. */
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Page languages; Korean is the default. */
export const LANGS = ["ko", "en"] as const;
export type Lang = (typeof LANGS)[number];

/** API token scopes; each grants what the role of the same rank may do (read ~ viewer, trade ~ operator, admin ~ admin). */
export const SCOPES = ["read", "trade", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Who made an authenticated request: a logged-in dashboard user (cookie session) or a machine
 * (bearer token: a scoped database token or a bootstrap token). `name` is the audit log's "who".
 */
export type Principal =
  | { readonly kind: "user"; readonly name: string; readonly userId: number; readonly role: Role; readonly lang: Lang }
  | { readonly kind: "token"; readonly name: string; readonly scopes: readonly Scope[] };

/** How the request was authenticated: cookie sessions need a CSRF token for mutations, bearer tokens do not. */
export type AuthMethod = "session" | "bearer";

export interface AppVariables extends RequestIdVariables {
  /** The client's address (see `clientIp`), or `unknown` when it cannot be told. */
  clientIp: string;
  /** Set on every request by the authentication middleware; undefined when not logged in. */
  principal: Principal | undefined;
  /** How `principal` was established; undefined when not authenticated. */
  authMethod: AuthMethod | undefined;
  /**
   * True when a bearer credential was presented but not accepted: such a request is refused
   * rather than treated as anonymous (and never falls back to a cookie).
   */
  authRejected: boolean;
  /** The cookie session's family id (what logout revokes); undefined without a session. Internal to the auth module. */
  sessionFamily: string | undefined;
  /** The session's CSRF token for forms (`_csrf`) and htmx (`X-CSRF-Token`); "" when not logged in. */
  csrfToken: string;
  /** This response's CSP nonce: put `nonce={...}` on every <script> and <style> tag. */
  cspNonce: string;
}

export interface AppEnv {
  Bindings: ServerBindings;
  Variables: AppVariables;
}
