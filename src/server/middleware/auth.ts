import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AppEnv, Principal } from "../env.ts";
import { ApiError } from "../errors.ts";
import type { Logger } from "../../log.ts";

/** A machine credential: the secret and the name the audit log shows for it. */
export interface NamedToken {
  readonly name: string;
  readonly token: string;
}

/** Resolves a presented bearer credential to a principal, or undefined when it is not valid. */
export type Authenticator = (presented: string) => Principal | undefined;

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/**
 * Constant-time string equality. Both sides are hashed first so the comparison always runs over
 * 32 bytes: neither the position of the first difference nor the secret's length leaks through
 * the time it takes.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * An authenticator over a fixed list of tokens. Every token is compared on every call (no early
 * exit), so the time taken does not tell which token, if any, came close.
 */
export function tokenAuthenticator(tokens: readonly NamedToken[]): Authenticator {
  const known = tokens.filter((t) => t.token.length > 0).map((t) => ({ name: t.name, digest: digest(t.token) }));
  return (presented) => {
    const d = digest(presented);
    let match: Principal | undefined;
    for (const t of known) {
      if (timingSafeEqual(d, t.digest) && match === undefined) match = { kind: "token", name: t.name };
    }
    return match;
  };
}

export interface BearerAuthOptions {
  readonly authenticate: Authenticator;
  /** Failed attempts are logged at debug with the client address, never with the credential. */
  readonly logger?: Logger;
  /** Shown in the `WWW-Authenticate` challenge. */
  readonly realm?: string;
}

const BEARER_RE = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Requires `Authorization: Bearer <token>` (RFC 6750) and puts the principal on the context.
 * Missing, malformed and wrong credentials all get the same 401, so the answer does not say which
 * part was wrong.
 */
export function bearerAuth(options: BearerAuthOptions): MiddlewareHandler<AppEnv> {
  const challenge = `Bearer realm="${(options.realm ?? "api").replace(/["\\]/g, "")}"`;
  return async (c, next) => {
    const header = c.req.header("authorization");
    const presented = header === undefined ? undefined : BEARER_RE.exec(header)?.[1];
    const principal = presented === undefined ? undefined : options.authenticate(presented);
    if (!principal) {
      const reason = header === undefined ? "missing" : presented === undefined ? "malformed" : "invalid";
      options.logger?.debug({ reqId: c.get("requestId"), ip: c.get("clientIp"), path: c.req.path, reason }, "authentication failed");
      throw new ApiError(401, "unauthorized", "a valid bearer token is required", { headers: { "WWW-Authenticate": challenge } });
    }
    c.set("principal", principal);
    await next();
  };
}
