import { createHash } from "node:crypto";
import type { Db } from "../../db/index.ts";
import type { Logger } from "../../log.ts";
import type { Clock } from "../../ports/clock.ts";
import type { NamedToken } from "../middleware/auth.ts";
import { cryptoRandom, type RandomBytes } from "./crypto.ts";
import { AccessTokens } from "./jwt.ts";
import { DEFAULT_PASSWORD_HASHING, PasswordHasher, type PasswordHashing } from "./passwords.ts";
import { DEFAULT_SESSION_POLICY, SessionManager, type SessionPolicy } from "./sessions.ts";
import { DEFAULT_IP_LOCKOUT, DEFAULT_LOGIN_RATE, DEFAULT_USER_LOCKOUT, type LockoutPolicy, type RatePolicy } from "./throttle.ts";
import { TokenService } from "./tokens.ts";
import { UserService } from "./users.ts";

export interface AuthOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * SESSION_SECRET: the JWT key is its SHA-256. When absent a random key is made for this process;
   * browsers then get a new JWT from their refresh cookie after a restart (sessions survive).
   */
  readonly sessionSecret?: string;
  /** Fixed bearer tokens (the bootstrap `API_TOKEN` as `api-token`, …); scope admin unless given. */
  readonly bootstrapTokens?: readonly NamedToken[];
  /** argon2id cost (tests pass a cheap one). */
  readonly passwordHashing?: PasswordHashing;
  readonly session?: Partial<SessionPolicy>;
  readonly userLockout?: LockoutPolicy;
  readonly ipLockout?: LockoutPolicy;
  readonly loginRate?: RatePolicy;
  readonly random?: RandomBytes;
}

/**
 * Everything about who may do what: users and roles, login sessions, API tokens. Built once by
 * main and shared by the app (middleware, login routes, admin API) and the dashboard's settings
 * pages; see docs/security.md.
 */
export interface Auth {
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly sessions: SessionManager;
  readonly hasher: PasswordHasher;
}

export function createAuth(options: AuthOptions): Auth {
  const random = options.random ?? cryptoRandom;
  const key = options.sessionSecret ? new Uint8Array(createHash("sha256").update(options.sessionSecret, "utf8").digest()) : random(32);
  const hasher = new PasswordHasher(options.passwordHashing ?? DEFAULT_PASSWORD_HASHING);
  const accessTokens = new AccessTokens(key, options.clock, options.session?.accessTtlMs ?? DEFAULT_SESSION_POLICY.accessTtlMs);
  return {
    hasher,
    users: new UserService(options.db, options.clock, hasher),
    tokens: new TokenService(options.db, options.clock, options.bootstrapTokens, random),
    sessions: new SessionManager({
      db: options.db,
      clock: options.clock,
      logger: options.logger,
      hasher,
      tokens: accessTokens,
      policy: options.session,
      userLockout: options.userLockout ?? DEFAULT_USER_LOCKOUT,
      ipLockout: options.ipLockout ?? DEFAULT_IP_LOCKOUT,
      loginRate: options.loginRate ?? DEFAULT_LOGIN_RATE,
      random,
    }),
  };
}
