import { afterEach, describe, expect, it, vi } from "vitest";
import { findUserByName, listAudit } from "../../../../src/db/index.ts";
import { authHarness, CookieJar, PASSWORD, postLogin, PROBE_PATH, type AuthHarness } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

/** The login page's body with its per-render CSRF token and nonce blanked, to compare two answers. */
const normalised = (html: string) => html.replace(/name="_csrf" value="[^"]+"/, 'name="_csrf" value=""');

describe("login form", () => {
  it("renders a form with a CSRF token paired with an HttpOnly SameSite=Strict cookie", async () => {
    h = authHarness();
    const jar = new CookieJar();
    const res = await h.request("/login", { jar, headers: { Accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/login">');
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(jar.values.get("bot_login")).toBe(token);
    expect(jar.attributes.get("bot_login")).toMatch(/HttpOnly/);
    expect(jar.attributes.get("bot_login")).toMatch(/SameSite=Strict/);
    expect(html).toContain('lang="ko"');
    expect(await (await h.request("/login?lang=en")).text()).toContain("Log in");
  });

  it("logs in: 303 to next, session cookies HttpOnly SameSite=Strict (not Secure over plain HTTP), audit row", async () => {
    h = authHarness();
    await h.user("alice", "operator");
    const jar = new CookieJar();
    const res = await postLogin(h, { name: "alice", password: PASSWORD, next: "/markets?q=BTC" }, jar);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/markets?q=BTC");
    for (const name of ["bot_at", "bot_rt"]) {
      expect(jar.values.has(name)).toBe(true);
      expect(jar.attributes.get(name)).toMatch(/HttpOnly/);
      expect(jar.attributes.get(name)).toMatch(/SameSite=Strict/);
      expect(jar.attributes.get(name)).toMatch(/Path=\//);
      expect(jar.attributes.get(name)).not.toMatch(/Secure/);
    }
    expect(jar.attributes.get("bot_at")).toMatch(/Max-Age=900/);
    expect(jar.values.has("bot_login")).toBe(false); // the form token is spent
    const probe = await (await h.request(PROBE_PATH, { jar })).json();
    expect(probe.principal).toEqual({ kind: "user", name: "alice", userId: 1, role: "operator", lang: "ko" });
    expect(probe.authMethod).toBe("session");
    const audit = listAudit(h.handle.db, { action: "auth.login" });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "alice", target: "alice", source: "192.0.2.7" });
  });

  it("never redirects off-site after login", async () => {
    h = authHarness();
    await h.user("alice", "viewer");
    for (const next of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
      const res = await postLogin(h, { name: "alice", password: PASSWORD, next });
      expect(res.headers.get("location"), next).toBe("/");
    }
  });

  it("sets __Host- Secure cookies over HTTPS (COOKIE_SECURE=true, or auto behind a trusted proxy saying https)", async () => {
    h = authHarness({ app: { cookieSecure: "true" } });
    await h.user("alice", "viewer");
    const jar = new CookieJar();
    expect((await postLogin(h, { name: "alice", password: PASSWORD }, jar)).status).toBe(303);
    expect([...jar.values.keys()].sort()).toEqual(["__Host-bot_at", "__Host-bot_rt"]);
    expect(jar.attributes.get("__Host-bot_at")).toMatch(/Secure/);
    expect((await (await h.request(PROBE_PATH, { jar })).json()).principal.name).toBe("alice");
    h.close();

    h = authHarness({ app: { trustProxy: true } });
    await h.user("alice", "viewer");
    const viaProxy = new CookieJar();
    const https = { "X-Forwarded-Proto": "https" };
    expect((await postLogin(h, { name: "alice", password: PASSWORD }, viaProxy, https)).status).toBe(303);
    expect(viaProxy.attributes.get("__Host-bot_rt")).toMatch(/Secure/);
    // The same proxy headers are needed to read them back: over plain HTTP the plain names are read.
    expect((await (await h.request(PROBE_PATH, { jar: viaProxy, headers: https })).json()).principal.name).toBe("alice");
    expect((await (await h.request(PROBE_PATH, { jar: viaProxy })).json()).principal).toBeNull();
  });

  it("answers a wrong password and an unknown user identically, after the same argon2 work", async () => {
    h = authHarness();
    await h.user("alice", "admin");
    const verify = vi.spyOn(h.auth.hasher, "verify");
    const wrong = await postLogin(h, { name: "alice", password: "not the password" });
    expect(verify).toHaveBeenCalledTimes(1);
    const unknown = await postLogin(h, { name: "mallory", password: "not the password" });
    expect(verify).toHaveBeenCalledTimes(2); // the dummy hash is checked for a name that does not exist
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [await wrong.text(), await unknown.text()];
    // Not even the typed name comes back (people type their password into it).
    expect(normalised(a)).toBe(normalised(b));
    expect(a).toContain("사용자 이름 또는 비밀번호가 올바르지 않습니다.");
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith("bot_at"))).toBe(false);
  });

  it("refuses a disabled user with the same answer as a wrong password", async () => {
    h = authHarness();
    await h.user("root", "admin");
    const id = await h.user("bob", "operator");
    h.auth.users.disableUser(id, { by: "root" });
    const res = await postLogin(h, { name: "bob", password: PASSWORD });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("올바르지 않습니다");
  });

  it("refuses a login post without the form's token (login CSRF) or with another one", async () => {
    h = authHarness();
    await h.user("alice", "viewer");
    const noForm = await h.request("/login", { method: "POST", body: new URLSearchParams({ name: "alice", password: PASSWORD }) });
    expect(noForm.status).toBe(403);
    const jar = new CookieJar();
    await h.request("/login", { jar });
    const forged = await h.request("/login", { method: "POST", jar, body: new URLSearchParams({ name: "alice", password: PASSWORD, _csrf: "A".repeat(43) }) });
    expect(forged.status).toBe(403);
    expect(jar.values.has("bot_at")).toBe(false);
    expect(listAudit(h.handle.db, { action: "auth.login" })).toEqual([]);
  });

  it("redirects a logged-in user away from the login page", async () => {
    h = authHarness();
    await h.user("alice", "viewer");
    const { jar } = await h.login("alice");
    const res = await h.request("/login?next=/positions", { jar });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/positions");
  });
});

describe("login throttling", () => {
  const fail = (name: string, ip?: string) => postLogin(h, { name, password: "wrong-password" }, new CookieJar(), ip ? { "X-Forwarded-For": ip } : {});

  it("locks a name after 5 failures for 15 min, then 30 min after the next 5; unknown names alike", async () => {
    h = authHarness({ app: { trustProxy: true }, auth: { loginRate: { maxAttempts: 1_000, windowMs: 60_000 } } });
    await h.user("alice", "operator");
    for (let i = 0; i < 5; i++) expect((await fail("alice", `198.51.100.${i}`)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await fail("nobody", `198.51.100.${i}`)).status).toBe(401);
    expect(findUserByName(h.handle.db, "alice")).toMatchObject({ failedLogins: 5, lockedUntil: h.clock.now() + 15 * 60_000 });

    // Locked: even the right password is refused, without checking it, and the same for an unknown name.
    const verify = vi.spyOn(h.auth.hasher, "verify");
    const locked = await postLogin(h, { name: "alice", password: PASSWORD }, new CookieJar(), { "X-Forwarded-For": "203.0.113.9" });
    const lockedUnknown = await fail("nobody", "203.0.113.9");
    expect(verify).not.toHaveBeenCalled();
    for (const res of [locked, lockedUnknown]) {
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("900");
    }
    expect(normalised(await locked.text())).toBe(normalised(await lockedUnknown.text()));
    expect(listAudit(h.handle.db, { action: "auth.login_throttled" }).length).toBe(2);

    h.clock.advance(15 * 60_000);
    for (let i = 0; i < 5; i++) await fail("alice", "198.51.100.77");
    const second = await postLogin(h, { name: "alice", password: PASSWORD }, new CookieJar(), { "X-Forwarded-For": "203.0.113.10" });
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("1800"); // doubled

    h.clock.advance(30 * 60_000);
    const ok = await postLogin(h, { name: "alice", password: PASSWORD }, new CookieJar(), { "X-Forwarded-For": "203.0.113.10" });
    expect(ok.status).toBe(303);
    expect(findUserByName(h.handle.db, "alice")).toMatchObject({ failedLogins: 0, lockedUntil: null });
  });

  it("locks an address after 20 failures, whatever names it tries", async () => {
    h = authHarness({ app: { trustProxy: true }, auth: { loginRate: { maxAttempts: 1_000, windowMs: 60_000 } } });
    await h.user("alice", "operator");
    for (let i = 0; i < 20; i++) expect((await fail(`user${i}`, "198.51.100.1")).status).toBe(401);
    expect((await postLogin(h, { name: "alice", password: PASSWORD }, new CookieJar(), { "X-Forwarded-For": "198.51.100.1" })).status).toBe(429);
    // Another address is not affected.
    expect((await postLogin(h, { name: "alice", password: PASSWORD }, new CookieJar(), { "X-Forwarded-For": "198.51.100.2" })).status).toBe(303);
  });

  it("allows at most 10 attempts a minute from one address, right or wrong", async () => {
    h = authHarness();
    await h.user("alice", "operator");
    for (let i = 0; i < 10; i++) expect((await fail(`x${i}`)).status).toBe(401);
    const limited = await postLogin(h, { name: "alice", password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    h.clock.advance(60_000);
    expect((await postLogin(h, { name: "alice", password: PASSWORD })).status).toBe(303);
  });
});
