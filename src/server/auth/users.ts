import { USER_NAME_HINT, USER_NAME_RE } from "../../config/schema.ts";
import type { Origin } from "../../core/messages.ts";
import {
  clearFailedLogins,
  countActiveAdmins,
  countUsers,
  findUserByName,
  getUser,
  insertUser,
  listUsers as listUserRows,
  recordAudit,
  revokeUserSessions,
  updateUser,
  type Db,
  type UserRow,
} from "../../db/index.ts";
import type { Clock } from "../../ports/clock.ts";
import type { Lang, Role } from "../env.ts";
import { ApiError } from "../errors.ts";
import { passwordProblem, type PasswordHasher } from "./passwords.ts";
import { isLang, isRole } from "./roles.ts";

/**
 * Users and roles for the settings page and the admin API. Every change is validated here, written
 * with its audit row in one transaction (who = `origin.by`, from where = `origin.source`), and
 * answered with the user as lists show it: never the password hash. Bad input is an `ApiError`
 * (400 with `fields`, 404, or 409), so a route can let it through or show the field errors.
 */

/** A user as pages and the API show it. */
export interface UserInfo {
  readonly id: number;
  readonly name: string;
  readonly role: Role;
  readonly lang: Lang;
  readonly disabled: boolean;
  readonly failedLogins: number;
  /** Epoch ms the login lock ends, or null. */
  readonly lockedUntil: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewUserInput {
  readonly name: string;
  readonly password: string;
  readonly role: Role;
  readonly lang?: Lang;
}

export function toUserInfo(row: UserRow): UserInfo {
  return {
    id: row.id,
    name: row.name,
    role: isRole(row.role) ? row.role : "viewer",
    lang: isLang(row.lang) ? row.lang : "ko",
    disabled: row.disabled,
    failedLogins: row.failedLogins,
    lockedUntil: row.lockedUntil,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function invalid(fields: Record<string, string>): ApiError {
  return new ApiError(400, "invalid_request", "invalid user data", { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, [v]])) });
}

export class UserService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly hasher: PasswordHasher,
  ) {}

  listUsers(): UserInfo[] {
    return listUserRows(this.db).map(toUserInfo);
  }

  getUser(id: number): UserInfo | undefined {
    const row = getUser(this.db, id);
    return row ? toUserInfo(row) : undefined;
  }

  findByName(name: string): UserInfo | undefined {
    const row = findUserByName(this.db, name);
    return row ? toUserInfo(row) : undefined;
  }

  count(): number {
    return countUsers(this.db);
  }

  async createUser(input: NewUserInput, origin: Origin): Promise<UserInfo> {
    const problems: Record<string, string> = {};
    if (!USER_NAME_RE.test(input.name)) problems.name = USER_NAME_HINT;
    const pw = passwordProblem(input.password);
    if (pw) problems.password = pw;
    if (!isRole(input.role)) problems.role = "one of viewer, operator, admin";
    if (input.lang !== undefined && !isLang(input.lang)) problems.lang = "one of ko, en";
    if (Object.keys(problems).length > 0) throw invalid(problems);
    if (findUserByName(this.db, input.name)) throw new ApiError(409, "conflict", "a user with this name exists", { fields: { name: ["already taken"] } });
    const hash = await this.hasher.hash(input.password);
    const now = this.clock.now();
    return this.db.transaction((tx) => {
      // Checked again inside the transaction: the hash took time and another request may have won.
      if (findUserByName(tx, input.name)) throw new ApiError(409, "conflict", "a user with this name exists", { fields: { name: ["already taken"] } });
      const row = insertUser(tx, { name: input.name, passwordHash: hash, role: input.role, lang: input.lang ?? "ko" }, now);
      recordAudit(tx, { actor: origin.by, action: "user.created", target: row.name, details: { role: row.role, lang: row.lang }, source: origin.source }, now);
      return toUserInfo(row);
    });
  }

  /** Changes a role; the last active admin cannot be demoted (nobody could administer the bot). */
  setRole(id: number, role: Role, origin: Origin): UserInfo {
    if (!isRole(role)) throw invalid({ role: "one of viewer, operator, admin" });
    return this.#change(id, origin, "user.role_changed", (tx, user) => {
      if (user.role === "admin" && role !== "admin" && !user.disabled && countActiveAdmins(tx) <= 1) throw lastAdmin();
      return { patch: { role }, details: { from: user.role, to: role } };
    });
  }

  setLang(id: number, lang: Lang, origin: Origin): UserInfo {
    if (!isLang(lang)) throw invalid({ lang: "one of ko, en" });
    return this.#change(id, origin, "user.lang_changed", (_tx, user) => ({ patch: { lang }, details: { from: user.lang, to: lang } }));
  }

  /** Disables a user and ends every session of theirs at once; the last active admin cannot be disabled. */
  disableUser(id: number, origin: Origin): UserInfo {
    return this.#change(id, origin, "user.disabled", (tx, user) => {
      if (user.role === "admin" && !user.disabled && countActiveAdmins(tx) <= 1) throw lastAdmin();
      revokeUserSessions(tx, id, "disabled", this.clock.now());
      return { patch: { disabled: true } };
    });
  }

  enableUser(id: number, origin: Origin): UserInfo {
    return this.#change(id, origin, "user.enabled", () => ({ patch: { disabled: false } }));
  }

  /**
   * Several changes at once (the admin API's PATCH), all or nothing, one audit row per change.
   * The same rules as the single setters: the last active admin stays an active admin.
   */
  updateUser(id: number, patch: { readonly role?: Role; readonly lang?: Lang; readonly disabled?: boolean }, origin: Origin): UserInfo {
    if (patch.role !== undefined && !isRole(patch.role)) throw invalid({ role: "one of viewer, operator, admin" });
    if (patch.lang !== undefined && !isLang(patch.lang)) throw invalid({ lang: "one of ko, en" });
    const now = this.clock.now();
    return this.db.transaction((tx) => {
      const user = getUser(tx, id);
      if (!user) throw notFound();
      const role = patch.role ?? user.role;
      const disabled = patch.disabled ?? user.disabled;
      const losesAdmin = user.role === "admin" && !user.disabled && (role !== "admin" || disabled);
      if (losesAdmin && countActiveAdmins(tx) <= 1) throw lastAdmin();
      const audit = (action: string, details?: unknown) => recordAudit(tx, { actor: origin.by, action, target: user.name, details, source: origin.source }, now);
      if (patch.role !== undefined && patch.role !== user.role) audit("user.role_changed", { from: user.role, to: patch.role });
      if (patch.lang !== undefined && patch.lang !== user.lang) audit("user.lang_changed", { from: user.lang, to: patch.lang });
      if (patch.disabled === true && !user.disabled) {
        revokeUserSessions(tx, id, "disabled", now);
        audit("user.disabled");
      }
      if (patch.disabled === false && user.disabled) audit("user.enabled");
      updateUser(tx, id, { role: patch.role, lang: patch.lang, disabled: patch.disabled }, now);
      return toUserInfo(getUser(tx, id)!);
    });
  }

  /** Clears a login lock (and the failure count) early. */
  unlockUser(id: number, origin: Origin): UserInfo {
    return this.#change(id, origin, "user.unlocked", (tx) => {
      clearFailedLogins(tx, id);
      return { patch: {} };
    });
  }

  /** Sets a new password (admin action): the user's sessions end and any login lock is cleared. */
  async resetPassword(id: number, password: string, origin: Origin): Promise<UserInfo> {
    const pw = passwordProblem(password);
    if (pw) throw invalid({ password: pw });
    if (!getUser(this.db, id)) throw notFound();
    const hash = await this.hasher.hash(password);
    return this.#change(id, origin, "user.password_reset", (tx) => {
      clearFailedLogins(tx, id);
      revokeUserSessions(tx, id, "password", this.clock.now());
      return { patch: { passwordHash: hash } };
    });
  }

  /** A user changes their own password: the current one must be right; other sessions end. */
  async changePassword(id: number, current: string, next: string, origin: Origin): Promise<UserInfo> {
    const row = getUser(this.db, id);
    if (!row) throw notFound();
    if (!(await this.hasher.verify(current, row.passwordHash))) throw invalid({ currentPassword: "not the current password" });
    const pw = passwordProblem(next);
    if (pw) throw invalid({ password: pw });
    const hash = await this.hasher.hash(next);
    return this.#change(id, origin, "user.password_changed", (tx) => {
      revokeUserSessions(tx, id, "password", this.clock.now());
      return { patch: { passwordHash: hash } };
    });
  }

  #change(
    id: number,
    origin: Origin,
    action: string,
    decide: (tx: Db, user: UserRow) => { patch: { role?: string; lang?: string; disabled?: boolean; passwordHash?: string }; details?: unknown },
  ): UserInfo {
    const now = this.clock.now();
    return this.db.transaction((tx) => {
      const user = getUser(tx, id);
      if (!user) throw notFound();
      const { patch, details } = decide(tx, user);
      updateUser(tx, id, patch, now);
      recordAudit(tx, { actor: origin.by, action, target: user.name, details, source: origin.source }, now);
      return toUserInfo(getUser(tx, id)!);
    });
  }
}

function notFound(): ApiError {
  return new ApiError(404, "not_found", "no such user");
}

function lastAdmin(): ApiError {
  return new ApiError(409, "last_admin", "the last active admin cannot be demoted or disabled");
}
