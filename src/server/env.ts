import type { RequestIdVariables } from "hono/request-id";

/**
 * The Hono environment every server module shares: what the Bun adapter binds and what the
 * middleware chain puts on the context for routes to read.
 */

/** The part of Bun's `Server` the app needs: the peer address of a request. */
export interface PeerAddressSource {
  requestIP(request: Request): { readonly address: string } | null;
}

/** Passed as the 2nd argument of `app.fetch` by `startServer` (and by tests via `app.request`). */
export interface ServerBindings {
  readonly server?: PeerAddressSource;
}

/**
 * Who made an authenticated request. `name` is what the audit log records as "who". The
 * dashboard issue adds `kind: "user"` with roles; API tokens become scoped then.
 */
export interface Principal {
  readonly kind: "token";
  readonly name: string;
}

export interface AppVariables extends RequestIdVariables {
  /** The client's address (see `clientIp`), or `unknown` when it cannot be told. */
  clientIp: string;
  /** Set by the authentication middleware on protected routes. */
  principal: Principal;
}

export interface AppEnv {
  Bindings: ServerBindings;
  Variables: AppVariables;
}
