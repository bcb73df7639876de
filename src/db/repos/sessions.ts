import { and, desc, eq, gt, isNull, lt, min, or } from "drizzle-orm";
import type { Db } from "../client.ts";
import { sessions, users } from "../schema.ts";
import { getUser, type UserRow } from "./users.ts";

/**
 * Login sessions, one row per refresh token. A refresh rotates: the presented row is revoked
 * (reason `rotated`) and a successor joins the same family. The service (src/server/auth) decides
 * what a reused token means; these verbs only store and read.
 */

export type SessionRow = typeof sessions.$inferSelect;

/** Why a session ended: rotated (replaced by its successor), logout, reuse (theft suspected), … */
export type RevokeReason = "rotated" | "logout" | "reuse" | "password" | "disabled" | "admin" | "expired";

export interface NewSession {
  readonly userId: number;
  /** SHA-256 (hex) of the refresh token's secret. */
  readonly refreshHash: string;
  readonly familyId: string;
  readonly expiresAt: number;
  readonly ip?: string;
  readonly userAgent?: string;
}

/** Longest user agent kept (the rest is noise and an easy way to bloat the table). */
const USER_AGENT_MAX = 256;

export function insertSession(db: Db, s: NewSession, now: number): SessionRow {
  return db
    .insert(sessions)
    .values({
      userId: s.userId,
      refreshHash: s.refreshHash,
      familyId: s.familyId,
      expiresAt: s.expiresAt,
      createdAt: now,
      lastUsedAt: now,
      ip: s.ip ?? null,
      userAgent: s.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
    })
    .returning()
    .get();
}

export function getSession(db: Db, id: number): SessionRow | undefined {
  return db.select().from(sessions).where(eq(sessions.id, id)).get();
}

/**
 * The session and its user (every authenticated page request runs it). Two primary-key reads:
 * drizzle's nested-object join costs about six times as much per call (~220 us against ~75 us).
 */
export function getSessionWithUser(db: Db, id: number): { session: SessionRow; user: UserRow } | undefined {
  const session = getSession(db, id);
  const user = session ? getUser(db, session.userId) : undefined;
  return session && user ? { session, user } : undefined;
}

/**
 * Revokes `oldId` as rotated and inserts its successor, atomically. Returns undefined when the old
 * row was no longer active (another request rotated it first), in which case nothing is written.
 */
export function rotateSession(db: Db, oldId: number, next: NewSession, now: number): SessionRow | undefined {
  return db.transaction((tx) => {
    const res = tx
      .update(sessions)
      .set({ revokedAt: now, revokeReason: "rotated", lastUsedAt: now })
      .where(and(eq(sessions.id, oldId), isNull(sessions.revokedAt)))
      .returning({ k: sessions.id })
      .all();
    if (res.length === 0) return undefined;
    return insertSession(tx, next, now);
  });
}

/** Revokes one session if still active; true when it was. */
export function revokeSession(db: Db, id: number, reason: RevokeReason, now: number): boolean {
  return db.update(sessions).set({ revokedAt: now, revokeReason: reason }).where(and(eq(sessions.id, id), isNull(sessions.revokedAt))).returning({ k: sessions.id }).all().length > 0;
}

/** Revokes every still-active session of a family (logout, reuse detection); returns how many. */
export function revokeSessionFamily(db: Db, familyId: string, reason: RevokeReason, now: number): number {
  return db.update(sessions).set({ revokedAt: now, revokeReason: reason }).where(and(eq(sessions.familyId, familyId), isNull(sessions.revokedAt))).returning({ k: sessions.id }).all().length;
}

/** Revokes every active session of a user (password reset, disabled account); returns how many. */
export function revokeUserSessions(db: Db, userId: number, reason: RevokeReason, now: number): number {
  return db.update(sessions).set({ revokedAt: now, revokeReason: reason }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))).returning({ k: sessions.id }).all().length;
}

/** The family's current (active, unexpired) session, if any: the successor of a rotated token. */
export function activeSessionInFamily(db: Db, familyId: string, now: number): SessionRow | undefined {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.familyId, familyId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.id))
    .get();
}

/** When the family's first session was created (the login), for the absolute session lifetime. */
export function sessionFamilyStart(db: Db, familyId: string): number | undefined {
  return db.select({ start: min(sessions.createdAt) }).from(sessions).where(eq(sessions.familyId, familyId)).get()?.start ?? undefined;
}

export interface ActiveSession {
  readonly id: number;
  readonly userId: number;
  readonly userName: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly expiresAt: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** Active sessions (for the users page), newest first; never the refresh hashes. */
export function listActiveSessions(db: Db, now: number, userId?: number): ActiveSession[] {
  return db
    .select({
      id: sessions.id,
      userId: sessions.userId,
      userName: users.name,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      expiresAt: sessions.expiresAt,
      ip: sessions.ip,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(isNull(sessions.revokedAt), gt(sessions.expiresAt, now), userId === undefined ? undefined : eq(sessions.userId, userId)))
    .orderBy(desc(sessions.id))
    .all();
}

/**
 * Deletes sessions that ended before `before` (revoked or expired). Rotated rows are kept until
 * then because a replayed old token must still be recognised as reuse.
 */
export function pruneSessions(db: Db, before: number): number {
  return db
    .delete(sessions)
    .where(or(lt(sessions.revokedAt, before), and(isNull(sessions.revokedAt), lt(sessions.expiresAt, before))))
    .returning({ k: sessions.id }).all().length;
}

/** Marks a session used now (kept coarse by the caller: once per refresh). */
export function touchSession(db: Db, id: number, now: number): void {
  db.update(sessions).set({ lastUsedAt: now }).where(eq(sessions.id, id)).run();
}

