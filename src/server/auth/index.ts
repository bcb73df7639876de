export { ROLES, LANGS, SCOPES, type Role, type Lang, type Scope, type Principal, type AuthMethod } from "../env.ts";
export { hasRole, who, effectiveRole, isRole, isLang, isScope, SCOPE_ROLE, ROLE_SCOPE } from "./roles.ts";
export {
  authenticate,
  csrfProtect,
  requireUser,
  requireRole,
  requireAuthenticated,
  originOf,
  formField,
  safeNext,
  CSRF_HEADER,
  CSRF_FIELD,
} from "./middleware.ts";
export { wantsHtml } from "../errors.ts";
export { createAuth, type Auth, type AuthOptions } from "./service.ts";
export { ensureFirstAdmin, type FirstAdmin } from "./bootstrap.ts";
export { UserService, toUserInfo, type UserInfo, type NewUserInput } from "./users.ts";
export { TokenService, TOKEN_NAME_RE, type NewTokenInput, type CreatedToken, type ApiTokenInfo } from "./tokens.ts";
export {
  SessionManager,
  DEFAULT_SESSION_POLICY,
  type SessionPolicy,
  type SessionState,
  type LoginResult,
  type IssuedTokens,
  type ClientMeta,
  type UserPrincipal,
} from "./sessions.ts";
export { PasswordHasher, DEFAULT_PASSWORD_HASHING, passwordProblem, PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH, type PasswordHashing } from "./passwords.ts";
export { AccessTokens, JWT_ISSUER, JWT_AUDIENCE, type AccessClaims } from "./jwt.ts";
export {
  LockoutTracker,
  RateLimiter,
  lockDuration,
  DEFAULT_USER_LOCKOUT,
  DEFAULT_IP_LOCKOUT,
  DEFAULT_LOGIN_RATE,
  type LockoutPolicy,
  type RatePolicy,
} from "./throttle.ts";
export { COOKIE_NAMES, requestIsHttps, cookiesSecure, type CookiePolicy } from "./cookies.ts";
export { defaultLoginPage, defaultErrorPage, loginErrorText, guessLang, type LoginPageProps, type ErrorPageProps, type RenderLogin, type RenderError } from "./pages.ts";
export { authRoutes, LOGIN_PATH, LOGOUT_PATH } from "./routes.ts";
export { newSecret, sha256Hex, SECRET_BYTES, type RandomBytes } from "./crypto.ts";
