import {
  activeSessionInFamily,
  clearFailedLogins,
  findUserByName,
  getSessionWithUser,
  insertSession,
  listActiveSessions,
  recordAudit,
  recordFailedLogin,
  revokeSessionFamily,
  rotateSession,
  sessionFamilyStart,
  type ActiveSession,
  type Db,
  type SessionRow,
  type UserRow,
} from "../../db/index.ts";
import type { Origin } from "../../core/messages.ts";
import type { Logger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Principal } from "../env.ts";
import { ApiError } from "../errors.ts";
import { cryptoRandom, digestsEqual, hmacBase64url, newSecret, sha256Hex, type RandomBytes } from "./crypto.ts";
import type { AccessTokens } from "./jwt.ts";
import { PASSWORD_MAX_LENGTH, type PasswordHasher } from "./passwords.ts";
import { isLang, isRole } from "./roles.ts";
import { lockDuration, LockoutTracker, RateLimiter, type LockoutPolicy, type RatePolicy } from "./throttle.ts";

/**
 * Dashboard sessions. Login checks the password (argon2id), then issues a short-lived access JWT
 * and an opaque refresh token `<session id>.<secret>` (only the secret's SHA-256 is stored).
 * When the JWT has expired, the refresh token is rotated: the old row is revoked as `rotated` and
 * a successor joins the family. A rotated token presented again after a short grace period
 * (concurrent requests of one page legitimately race) means it was copied: the whole family is
 * revoked and the event audited. Every access is checked against the session row and the user, so
 * logout, a disabled account or a role change take effect on the next request.
 */

export type UserPrincipal = Extract<Principal, { kind: "user" }>;

export interface SessionPolicy {
  /** Life of the access JWT (15 min). */
  readonly accessTtlMs: number;
  /** Life of a refresh token; each rotation starts a new one (7 days: the idle timeout). */
  readonly refreshTtlMs: number;
  /** Longest a login lasts however active it is (30 days). */
  readonly maxSessionMs: number;
  /** How long after a rotation the old refresh token is still honoured (racing requests of one page). */
  readonly rotationGraceMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  accessTtlMs: 15 * 60_000,
  refreshTtlMs: 7 * 86_400_000,
  maxSessionMs: 30 * 86_400_000,
  rotationGraceMs: 20_000,
};

/** Tokens a login or refresh hands to the browser. `refresh` is absent when only the JWT was renewed. */
export interface IssuedTokens {
  readonly access: string;
  readonly accessExpiresAt: number;
  readonly refresh?: string;
  readonly refreshExpiresAt?: number;
}

/** Where a request comes from, for the session row and the audit log. */
export interface ClientMeta {
  readonly ip: string;
  readonly userAgent?: string;
}

export type LoginResult =
  | { readonly ok: true; readonly principal: UserPrincipal; readonly csrfToken: string; readonly tokens: IssuedTokens }
  | { readonly ok: false; readonly reason: "invalid" }
  | { readonly ok: false; readonly reason: "throttled"; readonly retryAfterMs: number };

/** The outcome of reading a request's session cookies. */
export interface SessionState {
  readonly principal?: UserPrincipal;
  /** "" when there is no session. */
  readonly csrfToken: string;
  /** The session's family (what logout revokes). */
  readonly familyId?: string;
  /** New cookies to set (a refresh happened). */
  readonly issued?: IssuedTokens;
  /** The presented cookies are dead: clear them. */
  readonly clear: boolean;
}

const REFRESH_RE = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/;
const NONE: SessionState = { csrfToken: "", clear: false };
const DEAD: SessionState = { csrfToken: "", clear: true };

export interface SessionManagerOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hasher: PasswordHasher;
  readonly tokens: AccessTokens;
  readonly policy?: Partial<SessionPolicy>;
  readonly userLockout: LockoutPolicy;
  readonly ipLockout: LockoutPolicy;
  readonly loginRate: RatePolicy;
  readonly random?: RandomBytes;
}

export class SessionManager {
  readonly policy: SessionPolicy;
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #hasher: PasswordHasher;
  readonly #tokens: AccessTokens;
  readonly #random: RandomBytes;
  readonly #userPolicy: LockoutPolicy;
  readonly #names: LockoutTracker;
  readonly #ips: LockoutTracker;
  readonly #rate: RateLimiter;

  constructor(options: SessionManagerOptions) {
    this.#db = options.db;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#hasher = options.hasher;
    this.#tokens = options.tokens;
    this.#random = options.random ?? cryptoRandom;
    this.policy = { ...DEFAULT_SESSION_POLICY, ...options.policy, accessTtlMs: options.tokens.ttlMs };
    this.#userPolicy = options.userLockout;
    this.#names = new LockoutTracker(options.userLockout);
    this.#ips = new LockoutTracker(options.ipLockout);
    this.#rate = new RateLimiter(options.loginRate);
  }

  /** The CSRF token of a session family: unforgeable without the family id, stable across refreshes. */
  csrfToken(familyId: string): string {
    return hmacBase64url(familyId, "csrf-v1");
  }

  /**
   * Checks a user name and password. Unknown names, disabled users and wrong passwords get the
   * same answer after the same work (a dummy argon2 verify); throttling applies to every name,
   * known or not, so a lock does not reveal that a name exists either.
   */
  async login(name: string, password: string, meta: ClientMeta): Promise<LoginResult> {
    const now = this.#clock.now();
    const nameKey = name.trim().toLowerCase().slice(0, 64);
    const rateWait = this.#rate.hit(meta.ip, now);
    const user = name.length > 0 && name.length <= 64 ? findUserByName(this.#db, name) : undefined;
    const lockedUntil = Math.max(this.#ips.lockedUntil(meta.ip, now), this.#names.lockedUntil(nameKey, now), user?.lockedUntil ?? 0);
    if (rateWait > 0 || lockedUntil > now) {
      const retryAfterMs = Math.max(rateWait, lockedUntil - now);
      this.#logger.info({ ip: meta.ip, retryAfterMs }, "login throttled");
      recordAudit(this.#db, { actor: "anonymous", action: "auth.login_throttled", target: user?.name, details: { retryAfterMs }, source: meta.ip }, now);
      return { ok: false, reason: "throttled", retryAfterMs };
    }
    const candidate = password.length <= PASSWORD_MAX_LENGTH ? password : "";
    const ok = user && !user.disabled && password.length > 0 ? await this.#hasher.verify(candidate, user.passwordHash) : await this.#hasher.verifyDummy(candidate);
    const after = this.#clock.now();
    if (!ok || !user) {
      this.#ips.fail(meta.ip, after);
      this.#names.fail(nameKey, after);
      const lock = user ? recordFailedLogin(this.#db, user.id, (n) => lockDuration(this.#userPolicy, n), after) : undefined;
      // The typed name is recorded only when it is a user's: a password typed into the name field must not land in the log.
      this.#logger.info({ ip: meta.ip, user: user?.name }, "login failed");
      recordAudit(this.#db, { actor: "anonymous", action: "auth.login_failed", target: user?.name, details: lock?.lockedUntil ? { lockedUntil: lock.lockedUntil } : undefined, source: meta.ip }, after);
      return { ok: false, reason: "invalid" };
    }
    this.#names.succeed(nameKey);
    clearFailedLogins(this.#db, user.id);
    const refreshSecret = newSecret(this.#random);
    const familyId = newSecret(this.#random);
    const session = this.#db.transaction((tx) => {
      const row = insertSession(tx, { userId: user.id, refreshHash: sha256Hex(refreshSecret), familyId, expiresAt: after + this.policy.refreshTtlMs, ip: meta.ip, userAgent: meta.userAgent }, after);
      recordAudit(tx, { actor: user.name, action: "auth.login", target: user.name, details: { sessionId: row.id }, source: meta.ip }, after);
      return row;
    });
    this.#logger.info({ ip: meta.ip, user: user.name, sessionId: session.id }, "login");
    const access = await this.#tokens.sign({ userId: user.id, sessionId: session.id });
    return {
      ok: true,
      principal: principalOf(user),
      csrfToken: this.csrfToken(familyId),
      tokens: { access: access.token, accessExpiresAt: access.expiresAt, refresh: `${session.id}.${refreshSecret}`, refreshExpiresAt: session.expiresAt },
    };
  }

  /** Reads the session cookies: a valid JWT is enough; otherwise the refresh token is rotated. */
  async resume(access: string | undefined, refresh: string | undefined, meta: ClientMeta): Promise<SessionState> {
    if (access) {
      const check = await this.#tokens.verify(access);
      if (check.ok) {
        const found = getSessionWithUser(this.#db, check.claims.sessionId);
        if (found && found.user.id === check.claims.userId && this.#usable(found.session, found.user)) {
          return { principal: principalOf(found.user), csrfToken: this.csrfToken(found.session.familyId), familyId: found.session.familyId, clear: false };
        }
      }
    }
    if (refresh) return this.#refresh(refresh, meta);
    return access ? DEAD : NONE;
  }

  /** Ends the session family (every rotation of this login). */
  logout(familyId: string, origin: Origin): void {
    const now = this.#clock.now();
    this.#db.transaction((tx) => {
      const n = revokeSessionFamily(tx, familyId, "logout", now);
      if (n > 0) recordAudit(tx, { actor: origin.by, action: "auth.logout", target: origin.by, source: origin.source }, now);
    });
  }

  /** Active sessions (the users page), never with their token hashes. */
  listSessions(userId?: number): ActiveSession[] {
    return listActiveSessions(this.#db, this.#clock.now(), userId);
  }

  /** Ends one session (its whole family) from the users page. */
  revokeSession(sessionId: number, origin: Origin): boolean {
    const now = this.#clock.now();
    return this.#db.transaction((tx) => {
      const found = getSessionWithUser(tx, sessionId);
      if (!found) throw new ApiError(404, "not_found", "no such session");
      const n = revokeSessionFamily(tx, found.session.familyId, "admin", now);
      if (n > 0) recordAudit(tx, { actor: origin.by, action: "session.revoked", target: found.user.name, details: { sessionId }, source: origin.source }, now);
      return n > 0;
    });
  }

  async #refresh(presented: string, meta: ClientMeta): Promise<SessionState> {
    const m = REFRESH_RE.exec(presented);
    if (!m) return DEAD;
    const found = getSessionWithUser(this.#db, Number(m[1]));
    const matches = digestsEqual(sha256Hex(m[2]!), found?.session.refreshHash ?? "00".repeat(32));
    if (!found || !matches) return DEAD;
    const { session, user } = found;
    const now = this.#clock.now();
    if (session.revokedAt !== null) {
      if (session.revokeReason !== "rotated") return DEAD;
      if (now - session.revokedAt <= this.policy.rotationGraceMs) return this.#renewSuccessor(session, user);
      this.#reuseDetected(session, user, meta, now);
      return DEAD;
    }
    if (!this.#usable(session, user)) return DEAD;
    const started = sessionFamilyStart(this.#db, session.familyId) ?? session.createdAt;
    if (now - started >= this.policy.maxSessionMs) {
      revokeSessionFamily(this.#db, session.familyId, "expired", now);
      return DEAD;
    }
    const secret = newSecret(this.#random);
    const next = rotateSession(this.#db, session.id, { userId: user.id, refreshHash: sha256Hex(secret), familyId: session.familyId, expiresAt: now + this.policy.refreshTtlMs, ip: meta.ip, userAgent: meta.userAgent }, now);
    if (!next) return this.#renewSuccessor(session, user); // another request rotated it a moment ago
    const access = await this.#tokens.sign({ userId: user.id, sessionId: next.id });
    return {
      principal: principalOf(user),
      csrfToken: this.csrfToken(session.familyId),
      familyId: session.familyId,
      issued: { access: access.token, accessExpiresAt: access.expiresAt, refresh: `${next.id}.${secret}`, refreshExpiresAt: next.expiresAt },
      clear: false,
    };
  }

  /** A just-rotated token (a racing request of the same page): a new JWT for the family's current session, no new refresh token. */
  async #renewSuccessor(session: SessionRow, user: UserRow): Promise<SessionState> {
    const successor = activeSessionInFamily(this.#db, session.familyId, this.#clock.now());
    if (!successor || !this.#usable(successor, user)) return DEAD;
    const access = await this.#tokens.sign({ userId: user.id, sessionId: successor.id });
    return {
      principal: principalOf(user),
      csrfToken: this.csrfToken(session.familyId),
      familyId: session.familyId,
      issued: { access: access.token, accessExpiresAt: access.expiresAt },
      clear: false,
    };
  }

  #reuseDetected(session: SessionRow, user: UserRow, meta: ClientMeta, now: number): void {
    const revoked = this.#db.transaction((tx) => {
      const n = revokeSessionFamily(tx, session.familyId, "reuse", now);
      recordAudit(tx, { actor: "system", action: "auth.refresh_reuse", target: user.name, details: { sessionId: session.id, revoked: n }, source: meta.ip }, now);
      return n;
    });
    this.#logger.warn({ user: user.name, ip: meta.ip, sessionId: session.id, revoked }, "a rotated refresh token was used again: the session is ended");
  }

  #usable(session: SessionRow, user: UserRow): boolean {
    return session.revokedAt === null && session.expiresAt > this.#clock.now() && !user.disabled;
  }
}

function principalOf(user: UserRow): UserPrincipal {
  return { kind: "user", name: user.name, userId: user.id, role: isRole(user.role) ? user.role : "viewer", lang: isLang(user.lang) ? user.lang : "ko" };
}
