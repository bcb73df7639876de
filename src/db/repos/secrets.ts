import { asc, eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { secrets } from "../schema.ts";

/**
 * Encrypted secrets (the secrets box in src/server/secrets.ts encrypts and decrypts; these verbs
 * only store ciphertext). Nothing here ever sees a plaintext.
 */

export type SecretRow = typeof secrets.$inferSelect;

export interface SealedSecret {
  readonly key: string;
  /** base64: AES-256-GCM ciphertext with the 16-byte tag appended. */
  readonly ciphertext: string;
  /** base64: the 12-byte IV. */
  readonly iv: string;
  readonly updatedBy: string;
}

/** What lists show about a stored secret: that it exists, who set it and when. */
export interface SecretInfo {
  readonly key: string;
  readonly updatedBy: string;
  readonly updatedAt: number;
}

export function upsertSecret(db: Db, secret: SealedSecret, now: number): void {
  const row = { ...secret, updatedAt: now };
  db.insert(secrets).values(row).onConflictDoUpdate({ target: secrets.key, set: row }).run();
}

export function getSecretRow(db: Db, key: string): SecretRow | undefined {
  return db.select().from(secrets).where(eq(secrets.key, key)).get();
}

export function listSecretKeys(db: Db): SecretInfo[] {
  return db.select({ key: secrets.key, updatedBy: secrets.updatedBy, updatedAt: secrets.updatedAt }).from(secrets).orderBy(asc(secrets.key)).all();
}

/** True when a secret was deleted. */
export function deleteSecretRow(db: Db, key: string): boolean {
  return db.delete(secrets).where(eq(secrets.key, key)).returning({ k: secrets.key }).all().length > 0;
}
