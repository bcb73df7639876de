import { createHash, timingSafeEqual } from "node:crypto";
import type { Principal, Scope } from "../env.ts";

/**
 * Fixed machine credentials: the bootstrap `API_TOKEN` and any extra named tokens main is given.
 * Scoped database tokens live in `src/server/auth/tokens.ts`; both are tried by the
 * authentication middleware (`src/server/auth/middleware.ts`).
 */

/** A machine credential: the secret, the name the audit log shows for it, and its scopes (default admin). */
export interface NamedToken {
  readonly name: string;
  readonly token: string;
  readonly scopes?: readonly Scope[];
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
 * exit), so the time taken does not tell which token, if any, came close. A token without scopes
 * is an admin token (the bootstrap token can do everything, as before scopes existed).
 */
export function tokenAuthenticator(tokens: readonly NamedToken[]): Authenticator {
  const known = tokens.filter((t) => t.token.length > 0).map((t) => ({ name: t.name, scopes: t.scopes ?? (["admin"] as const), digest: digest(t.token) }));
  return (presented) => {
    const d = digest(presented);
    let match: Principal | undefined;
    for (const t of known) {
      if (timingSafeEqual(d, t.digest) && match === undefined) match = { kind: "token", name: t.name, scopes: t.scopes };
    }
    return match;
  };
}

/** `Authorization: Bearer <token>` (RFC 6750; scheme case-insensitive): the token, or undefined when malformed. */
export function bearerCredential(header: string): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1];
}
