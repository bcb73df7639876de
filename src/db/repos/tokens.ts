import { and, asc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../client.ts";
import { apiTokens } from "../schema.ts";

/**
 * Machine tokens for the JSON API. Only the SHA-256 of a token's secret is stored; the plaintext
 * exists once, in the answer to its creation (src/server/auth).
 */

export type ApiTokenRow = typeof apiTokens.$inferSelect;

/** A token as lists show it: everything but the hash, scopes parsed. */
export interface ApiTokenInfo {
  readonly id: number;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdBy: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

export interface NewApiToken {
  readonly name: string;
  /** SHA-256 (hex) of the token's secret. */
  readonly tokenHash: string;
  readonly scopes: readonly string[];
  readonly createdBy: string;
  readonly expiresAt?: number;
}

export function insertApiToken(db: Db, token: NewApiToken, now: number): ApiTokenRow {
  return db
    .insert(apiTokens)
    .values({
      name: token.name,
      tokenHash: token.tokenHash,
      scopes: JSON.stringify(token.scopes),
      createdBy: token.createdBy,
      createdAt: now,
      expiresAt: token.expiresAt ?? null,
    })
    .returning()
    .get();
}

export function getApiToken(db: Db, id: number): ApiTokenRow | undefined {
  return db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
}

export function findApiTokenByName(db: Db, name: string): ApiTokenRow | undefined {
  return db.select().from(apiTokens).where(eq(apiTokens.name, name)).get();
}

/** The stored scopes JSON as a list (an unreadable value grants nothing). */
export function parseScopes(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
  } catch {
    return [];
  }
}

export function toApiTokenInfo(row: ApiTokenRow): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

/** Every token, revoked ones included (the list shows when they ended), by name. */
export function listApiTokens(db: Db): ApiTokenInfo[] {
  return db.select().from(apiTokens).orderBy(asc(apiTokens.name)).all().map(toApiTokenInfo);
}

/** Revokes a token if still active; true when it was. */
export function revokeApiToken(db: Db, id: number, now: number): boolean {
  return db.update(apiTokens).set({ revokedAt: now }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).returning({ k: apiTokens.id }).all().length > 0;
}

/** Records use, at most once per `minIntervalMs` so a busy client does not write on every request. */
export function touchApiToken(db: Db, id: number, now: number, minIntervalMs = 60_000): void {
  db.update(apiTokens)
    .set({ lastUsedAt: now })
    .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, now - minIntervalMs))))
    .run();
}
