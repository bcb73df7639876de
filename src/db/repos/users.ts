import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../client.ts";
import { users } from "../schema.ts";

/**
 * Dashboard users. Names, roles and languages are validated by the auth service
 * (src/server/auth) before they get here; these verbs only store and read.
 */

export type UserRow = typeof users.$inferSelect;

export interface NewUser {
  readonly name: string;
  /** An argon2id hash from Bun.password, never a password. */
  readonly passwordHash: string;
  readonly role: string;
  readonly lang: string;
}

/** Inserts a user; throws (SQLite UNIQUE constraint) when the name is taken. */
export function insertUser(db: Db, user: NewUser, now: number): UserRow {
  return db
    .insert(users)
    .values({ name: user.name, passwordHash: user.passwordHash, role: user.role, lang: user.lang, createdAt: now, updatedAt: now })
    .returning()
    .get();
}

export function getUser(db: Db, id: number): UserRow | undefined {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function findUserByName(db: Db, name: string): UserRow | undefined {
  return db.select().from(users).where(eq(users.name, name)).get();
}

export function listUsers(db: Db): UserRow[] {
  return db.select().from(users).orderBy(asc(users.name)).all();
}

export function countUsers(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(users).get()?.n ?? 0;
}

/** Active admins (not disabled): the service refuses to demote or disable the last one. */
export function countActiveAdmins(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(users).where(sql`${users.role} = 'admin' AND ${users.disabled} = 0`).get()?.n ?? 0;
}

export interface UserPatch {
  readonly role?: string;
  readonly lang?: string;
  readonly disabled?: boolean;
  readonly passwordHash?: string;
}

/** Changes the given fields; false when no such user. */
export function updateUser(db: Db, id: number, patch: UserPatch, now: number): boolean {
  const res = db
    .update(users)
    .set({ ...patch, updatedAt: now })
    .where(eq(users.id, id))
    .returning({ k: users.id })
    .all();
  return res.length > 0;
}

/**
 * Counts one more failed login and, in the same transaction, sets the lock that `lockFor(failures)`
 * decides (ms from now, or 0 for none). Returns the new failure count and lock end.
 */
export function recordFailedLogin(db: Db, id: number, lockFor: (failures: number) => number, now: number): { failures: number; lockedUntil: number | null } {
  return db.transaction((tx) => {
    const row = tx
      .update(users)
      .set({ failedLogins: sql`${users.failedLogins} + 1` })
      .where(eq(users.id, id))
      .returning({ failures: users.failedLogins, lockedUntil: users.lockedUntil })
      .get();
    if (!row) return { failures: 0, lockedUntil: null };
    const lockMs = lockFor(row.failures);
    if (lockMs <= 0) return row;
    const lockedUntil = now + lockMs;
    tx.update(users).set({ lockedUntil }).where(eq(users.id, id)).run();
    return { failures: row.failures, lockedUntil };
  });
}

/** After a successful login: the failure count and any lock are cleared. */
export function clearFailedLogins(db: Db, id: number): void {
  db.update(users).set({ failedLogins: 0, lockedUntil: null }).where(eq(users.id, id)).run();
}
