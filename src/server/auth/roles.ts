import { LANGS, ROLES, SCOPES, type Lang, type Principal, type Role, type Scope } from "../env.ts";

/**
 * Roles and scopes are one ladder: viewer < operator < admin, and a token scope stands for the
 * role of the same rank (read ~ viewer, trade ~ operator, admin ~ admin). A higher rank includes
 * everything below it, so an `admin` token may also read and trade.
 */

const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

/** The role a scope grants. */
export const SCOPE_ROLE: Readonly<Record<Scope, Role>> = { read: "viewer", trade: "operator", admin: "admin" };

/** The scope that grants a role (the OpenAPI document names both). */
export const ROLE_SCOPE: Readonly<Record<Role, Scope>> = { viewer: "read", operator: "trade", admin: "admin" };

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && (SCOPES as readonly string[]).includes(value);
}

/** The highest role a principal holds: a user's role, or the strongest of a token's scopes (none: undefined). */
export function effectiveRole(principal: Principal): Role | undefined {
  if (principal.kind === "user") return principal.role;
  let best: Role | undefined;
  for (const scope of principal.scopes) {
    const role = SCOPE_ROLE[scope];
    if (role !== undefined && (best === undefined || ROLE_RANK[role] > ROLE_RANK[best])) best = role;
  }
  return best;
}

/** True when the principal may do what `role` may (roles and scopes rank viewer < operator < admin). */
export function hasRole(principal: Principal | undefined, role: Role): boolean {
  if (!principal) return false;
  const held = effectiveRole(principal);
  return held !== undefined && ROLE_RANK[held] >= ROLE_RANK[role];
}

/** The audit log's "who": the user's or the token's name. */
export function who(principal: Principal): string {
  return principal.name;
}
