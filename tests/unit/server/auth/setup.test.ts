import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatProblems, loadConfig } from "../../../../src/config/load.ts";
import { findUserByName, listAudit } from "../../../../src/db/index.ts";
import { ensureFirstAdmin } from "../../../../src/server/auth/index.ts";
import { authHarness, postLogin, type AuthHarness } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

const configDir = () => mkdtempSync(join(tmpdir(), "cfg-"));
const KEY_B64 = Buffer.alloc(32, 9).toString("base64");

describe("configuration of the platform", () => {
  it("defaults: admin user `admin`, no password (generated at first start), auto cookies, no proxy, no secrets key", () => {
    const r = loadConfig({ env: {}, configDir: configDir() });
    if (!r.ok) throw new Error(formatProblems(r.problems));
    expect(r.config.auth).toEqual({ adminUser: "admin", adminPassword: undefined, sessionSecret: undefined, cookieSecure: "auto" });
    expect(r.config.server.trustProxy).toBe(false);
    expect(r.config.secretsKey).toBeUndefined();
  });

  it("reads every setting, decodes SECRETS_KEY, and hands all secret values to the scrubber", () => {
    const env = { ADMIN_USER: "boss", ADMIN_PASSWORD: "first-admin-pass", SESSION_SECRET: "s".repeat(40), SECRETS_KEY: KEY_B64, COOKIE_SECURE: "TRUE", TRUST_PROXY: "yes" };
    const r = loadConfig({ env, configDir: configDir() });
    if (!r.ok) throw new Error(formatProblems(r.problems));
    expect(r.config.auth).toEqual({ adminUser: "boss", adminPassword: "first-admin-pass", sessionSecret: "s".repeat(40), cookieSecure: "true" });
    expect(r.config.server.trustProxy).toBe(true);
    expect(Buffer.from(r.config.secretsKey!).equals(Buffer.alloc(32, 9))).toBe(true);
    expect(r.config.secrets).toEqual(expect.arrayContaining(["first-admin-pass", "s".repeat(40), KEY_B64]));
  });

  it("refuses a bad key, a short password or secret and a bad user name, never echoing the secret ones", () => {
    const env = { ADMIN_USER: "no spaces allowed", ADMIN_PASSWORD: "short", SESSION_SECRET: "too-short-secret", SECRETS_KEY: Buffer.alloc(16, 1).toString("base64"), COOKIE_SECURE: "maybe" };
    const r = loadConfig({ env, configDir: configDir() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = formatProblems(r.problems);
    for (const field of ["ADMIN_USER", "ADMIN_PASSWORD", "SESSION_SECRET", "SECRETS_KEY", "COOKIE_SECURE"]) expect(text).toContain(`${field}:`);
    expect(text).toContain("base64 of exactly 32 random bytes");
    for (const secret of ["short", "too-short-secret", env.SECRETS_KEY]) expect(text).not.toContain(`"${secret}"`);
    expect(text).toContain("ADMIN_PASSWORD: received (hidden)");
  });
});

describe("the first admin", () => {
  it("is created once with ADMIN_PASSWORD, and can log in with it", async () => {
    h = authHarness();
    expect(await ensureFirstAdmin(h.auth, { name: "admin", password: "first-admin-pass" })).toEqual({ created: true, name: "admin" });
    expect(await ensureFirstAdmin(h.auth, { name: "admin", password: "another-password" })).toEqual({ created: false });
    expect(findUserByName(h.handle.db, "admin")).toMatchObject({ role: "admin", lang: "ko" });
    expect((await postLogin(h, { name: "admin", password: "first-admin-pass" })).status).toBe(303);
    expect(listAudit(h.handle.db, { action: "user.created" })[0]).toMatchObject({ actor: "system", target: "admin", source: "startup" });
  });

  it("gets a generated password (for main to print once) when none is configured", async () => {
    h = authHarness();
    const first = await ensureFirstAdmin(h.auth, { name: "root" });
    if (!first.created) throw new Error("not created");
    expect(first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await postLogin(h, { name: "root", password: first.generatedPassword! })).status).toBe(303);
    expect(JSON.stringify(listAudit(h.handle.db))).not.toContain(first.generatedPassword);
  });

  it("the last active admin cannot be demoted or disabled", async () => {
    h = authHarness();
    const admin = await h.user("admin", "admin");
    expect(() => h.auth.users.setRole(admin, "operator", { by: "admin" })).toThrow(/last active admin/);
    expect(() => h.auth.users.disableUser(admin, { by: "admin" })).toThrow(/last active admin/);
    const second = await h.user("admin2", "admin");
    expect(h.auth.users.setRole(admin, "operator", { by: "admin2" }).role).toBe("operator");
    expect(() => h.auth.users.disableUser(second, { by: "admin2" })).toThrow(/last active admin/);
  });

  it("PATCH /users/{id} applies several changes at once, or none", async () => {
    h = authHarness();
    const root = await h.user("root", "admin");
    const bob = await h.user("bob", "viewer");
    const patch = (id: number, body: unknown) =>
      h.request(`/api/v1/users/${id}`, { method: "PATCH", bearer: "boot-token-7d1e0c5b9a2f4e83b6c1", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const res = await patch(bob, { role: "operator", lang: "en" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: "bob", role: "operator", lang: "en", disabled: false });
    expect(listAudit(h.handle.db).filter((r) => r.target === "bob").map((r) => r.action)).toEqual(["user.lang_changed", "user.role_changed", "user.created"]);
    // Demoting and disabling the only admin: refused as a whole, nothing changed.
    const refused = await patch(root, { lang: "en", disabled: true });
    expect(refused.status).toBe(409);
    expect(h.auth.users.getUser(root)).toMatchObject({ lang: "ko", disabled: false, role: "admin" });
    expect((await patch(bob, {})).status).toBe(400);
    expect((await patch(999, { lang: "en" })).status).toBe(404);
    expect((await patch(bob, { disabled: true })).status).toBe(200);
    expect(h.auth.users.getUser(bob)).toMatchObject({ disabled: true, role: "operator", lang: "en" });
  });

  it("user input is validated with field errors; duplicate names are a conflict", async () => {
    h = authHarness();
    await expect(h.auth.users.createUser({ name: "bad name", password: "short", role: "root" as never }, { by: "t" })).rejects.toMatchObject({
      status: 400,
      fields: { name: [expect.any(String)], password: ["at least 8 characters"], role: ["one of viewer, operator, admin"] },
    });
    await h.user("alice", "viewer");
    await expect(h.user("alice", "viewer")).rejects.toMatchObject({ status: 409 });
    await expect(h.auth.users.changePassword(1, "wrong", "new-password-1", { by: "alice" })).rejects.toMatchObject({ fields: { currentPassword: ["not the current password"] } });
  });
});
