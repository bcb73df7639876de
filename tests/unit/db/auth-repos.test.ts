import { afterEach, describe, expect, it } from "vitest";
import {
  activeSessionInFamily,
  clearFailedLogins,
  countActiveAdmins,
  countUsers,
  deleteSecretRow,
  findApiTokenByName,
  findUserByName,
  getApiToken,
  getSecretRow,
  getSession,
  getSessionWithUser,
  insertApiToken,
  insertSession,
  insertUser,
  listActiveSessions,
  listApiTokens,
  listSecretKeys,
  listUsers,
  openDb,
  parseScopes,
  pruneSessions,
  recordFailedLogin,
  revokeApiToken,
  revokeSessionFamily,
  revokeUserSessions,
  rotateSession,
  sessionFamilyStart,
  touchApiToken,
  updateUser,
  upsertSecret,
  type DbHandle,
} from "../../../src/db/index.ts";

let handle: DbHandle;
afterEach(() => handle?.close());

const T0 = 1_700_000_000_000;
const user = (name: string, role = "viewer") => insertUser(handle.db, { name, passwordHash: `$argon2id$hash-of-${name}`, role, lang: "ko" }, T0);
const session = (userId: number, familyId: string, at = T0, expiresAt = T0 + 1_000_000) =>
  insertSession(handle.db, { userId, refreshHash: `hash-${familyId}-${at}`, familyId, expiresAt, ip: "192.0.2.1", userAgent: "x".repeat(400) }, at);

describe("users", () => {
  it("insert, find, list by name, count, update; names are unique", () => {
    handle = openDb({ path: ":memory:" });
    const bob = user("bob", "operator");
    const alice = user("alice", "admin");
    expect(bob).toMatchObject({ id: 1, name: "bob", role: "operator", lang: "ko", disabled: false, failedLogins: 0, lockedUntil: null, createdAt: T0, updatedAt: T0 });
    expect(() => user("bob")).toThrow(/UNIQUE/);
    expect(findUserByName(handle.db, "alice")?.id).toBe(alice.id);
    expect(findUserByName(handle.db, "ALICE")).toBeUndefined();
    expect(listUsers(handle.db).map((u) => u.name)).toEqual(["alice", "bob"]);
    expect(countUsers(handle.db)).toBe(2);
    expect(countActiveAdmins(handle.db)).toBe(1);
    expect(updateUser(handle.db, alice.id, { disabled: true }, T0 + 5)).toBe(true);
    expect(countActiveAdmins(handle.db)).toBe(0);
    expect(findUserByName(handle.db, "alice")).toMatchObject({ disabled: true, updatedAt: T0 + 5 });
    expect(updateUser(handle.db, 99, { role: "admin" }, T0)).toBe(false);
  });

  it("counts failed logins and sets the lock the policy decides, atomically; a success clears both", () => {
    handle = openDb({ path: ":memory:" });
    const bob = user("bob");
    const lockAtThree = (n: number) => (n === 3 ? 60_000 : 0);
    expect(recordFailedLogin(handle.db, bob.id, lockAtThree, T0)).toEqual({ failures: 1, lockedUntil: null });
    expect(recordFailedLogin(handle.db, bob.id, lockAtThree, T0)).toEqual({ failures: 2, lockedUntil: null });
    expect(recordFailedLogin(handle.db, bob.id, lockAtThree, T0 + 10)).toEqual({ failures: 3, lockedUntil: T0 + 60_010 });
    expect(findUserByName(handle.db, "bob")).toMatchObject({ failedLogins: 3, lockedUntil: T0 + 60_010 });
    clearFailedLogins(handle.db, bob.id);
    expect(findUserByName(handle.db, "bob")).toMatchObject({ failedLogins: 0, lockedUntil: null });
    expect(recordFailedLogin(handle.db, 99, lockAtThree, T0)).toEqual({ failures: 0, lockedUntil: null });
  });
});

describe("sessions", () => {
  it("rotate atomically: the old row is revoked as rotated, the successor joins the family; a second rotation of the same row does nothing", () => {
    handle = openDb({ path: ":memory:" });
    const bob = user("bob");
    const first = session(bob.id, "fam-1");
    expect(first.userAgent).toHaveLength(256);
    const next = rotateSession(handle.db, first.id, { userId: bob.id, refreshHash: "h2", familyId: "fam-1", expiresAt: T0 + 2_000_000 }, T0 + 100)!;
    expect(next).toMatchObject({ familyId: "fam-1", revokedAt: null, createdAt: T0 + 100 });
    expect(getSession(handle.db, first.id)).toMatchObject({ revokedAt: T0 + 100, revokeReason: "rotated", lastUsedAt: T0 + 100 });
    expect(rotateSession(handle.db, first.id, { userId: bob.id, refreshHash: "h3", familyId: "fam-1", expiresAt: T0 + 2_000_000 }, T0 + 200)).toBeUndefined();
    expect(activeSessionInFamily(handle.db, "fam-1", T0 + 200)?.id).toBe(next.id);
    expect(sessionFamilyStart(handle.db, "fam-1")).toBe(T0);
    expect(getSessionWithUser(handle.db, next.id)?.user.name).toBe("bob");
  });

  it("revoke a family, all of a user's sessions, list the active ones and prune the ended", () => {
    handle = openDb({ path: ":memory:" });
    const bob = user("bob");
    const ann = user("ann");
    session(bob.id, "fam-a");
    session(bob.id, "fam-a", T0 + 1);
    session(bob.id, "fam-b");
    const annS = session(ann.id, "fam-c");
    session(ann.id, "fam-old", T0, T0 + 10);
    expect(listActiveSessions(handle.db, T0 + 100).map((s) => s.userName).sort()).toEqual(["ann", "bob", "bob", "bob"]);
    expect(revokeSessionFamily(handle.db, "fam-a", "logout", T0 + 100)).toBe(2);
    expect(revokeSessionFamily(handle.db, "fam-a", "logout", T0 + 100)).toBe(0);
    expect(revokeUserSessions(handle.db, bob.id, "disabled", T0 + 200)).toBe(1);
    expect(listActiveSessions(handle.db, T0 + 300, ann.id).map((s) => s.id)).toEqual([annS.id]);
    expect(JSON.stringify(listActiveSessions(handle.db, T0 + 300))).not.toContain("hash-");
    // Ended before T0 + 150: the two logged-out rows and the expired one; bob's later revocation stays.
    expect(pruneSessions(handle.db, T0 + 150)).toBe(3);
    expect(getSession(handle.db, annS.id)).toBeDefined();
  });
});

describe("api tokens", () => {
  it("store the hash and scopes, list without the hash, revoke once, touch at most once per interval", () => {
    handle = openDb({ path: ":memory:" });
    const t = insertApiToken(handle.db, { name: "ci", tokenHash: "ab".repeat(32), scopes: ["read", "trade"], createdBy: "root" }, T0);
    expect(findApiTokenByName(handle.db, "ci")?.id).toBe(t.id);
    expect(() => insertApiToken(handle.db, { name: "ci", tokenHash: "cd".repeat(32), scopes: ["read"], createdBy: "root" }, T0)).toThrow(/UNIQUE/);
    const [info] = listApiTokens(handle.db);
    expect(info).toEqual({ id: t.id, name: "ci", scopes: ["read", "trade"], createdBy: "root", createdAt: T0, lastUsedAt: null, expiresAt: null, revokedAt: null });
    expect(JSON.stringify(listApiTokens(handle.db))).not.toContain("abab");
    touchApiToken(handle.db, t.id, T0 + 1);
    touchApiToken(handle.db, t.id, T0 + 1_000, 60_000);
    expect(getApiToken(handle.db, t.id)?.lastUsedAt).toBe(T0 + 1);
    expect(revokeApiToken(handle.db, t.id, T0 + 5)).toBe(true);
    expect(revokeApiToken(handle.db, t.id, T0 + 6)).toBe(false);
    expect(getApiToken(handle.db, t.id)?.revokedAt).toBe(T0 + 5);
    expect(parseScopes("not json")).toEqual([]);
    expect(parseScopes('["read", 3, null]')).toEqual(["read"]);
  });
});

describe("secrets", () => {
  it("upsert ciphertext by key, list names only, delete", () => {
    handle = openDb({ path: ":memory:" });
    upsertSecret(handle.db, { key: "bithumb.access_key", ciphertext: "c1", iv: "i1", updatedBy: "root" }, T0);
    upsertSecret(handle.db, { key: "bithumb.access_key", ciphertext: "c2", iv: "i2", updatedBy: "ops" }, T0 + 1);
    expect(getSecretRow(handle.db, "bithumb.access_key")).toEqual({ key: "bithumb.access_key", ciphertext: "c2", iv: "i2", updatedBy: "ops", updatedAt: T0 + 1 });
    expect(listSecretKeys(handle.db)).toEqual([{ key: "bithumb.access_key", updatedBy: "ops", updatedAt: T0 + 1 }]);
    expect(deleteSecretRow(handle.db, "bithumb.access_key")).toBe(true);
    expect(deleteSecretRow(handle.db, "bithumb.access_key")).toBe(false);
  });
});
