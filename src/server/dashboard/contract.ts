import type { AppEnv } from "../env.ts";

/**
 * The platform's auth contract as the dashboard uses it (src/server/env.ts, src/server/auth): the
 * principal with its role and language, and the per-request CSRF token and CSP nonce the platform
 * middleware puts on the context. The dashboard builds no sessions and checks no credentials; its
 * routes put the platform's `requireUser` / `requireRole` / `csrfProtect` in front of themselves.
 */
export type DashboardEnv = AppEnv;
export { LANGS, ROLES, type Lang, type Principal, type Role, type Scope } from "../env.ts";
export { csrfProtect, hasRole, isLang, isRole, originOf, requireRole, requireUser, who } from "../auth/index.ts";
