import { afterEach, describe, expect, it } from "vitest";
import { authHarness, BOOT_TOKEN, CookieJar, PASSWORD, postLogin, type AuthHarness } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

describe("no secret in any log line or answer", () => {
  it("passwords, session cookies, refresh tokens, CSRF tokens, API tokens and stored secrets never appear", async () => {
    // The capturing logger has no redaction: this checks what the server hands to the logger.
    h = authHarness({ app: { trustProxy: true } });
    await h.user("alice", "admin");
    const json = { "Content-Type": "application/json" };

    // A login, failed logins (one with the password typed into the name field), a refresh, a reuse.
    const { jar, csrf } = await h.login("alice");
    await postLogin(h, { name: "alice", password: "alice-wrong-password" });
    await postLogin(h, { name: PASSWORD, password: "x" });
    const stolen = jar.clone();
    h.clock.advance(16 * 60_000);
    await h.request("/api/v1/me", { jar });
    h.clock.advance(60_000);
    stolen.values.delete("bot_at");
    await h.request("/api/v1/me", { jar: stolen });
    const relogged = await h.login("alice");

    // Tokens and secrets through the API, then used, then misused.
    const created = await (await h.request("/api/v1/tokens", { method: "POST", jar: relogged.jar, headers: { ...json, "X-CSRF-Token": relogged.csrf }, body: JSON.stringify({ name: "ci", scopes: ["trade"] }) })).json();
    const apiToken: string = created.token;
    await h.request("/api/v1/secrets/bithumb.secret_key", { method: "PUT", bearer: BOOT_TOKEN, headers: json, body: JSON.stringify({ value: "exchange-secret-value-77" }) });
    await h.request("/api/v1/users", { method: "POST", bearer: apiToken, headers: json, body: JSON.stringify({ name: "eve", password: "eve-password-123", role: "admin" }) });
    await h.request("/api/v1/users", { method: "POST", bearer: BOOT_TOKEN, headers: json, body: JSON.stringify({ name: "bob", password: "bob-password-123", role: "viewer" }) });
    await h.request("/api/v1/users/2/password", { method: "POST", bearer: BOOT_TOKEN, headers: json, body: JSON.stringify({ password: "bob-new-password-9" }) });
    await h.request("/api/v1/actors/KRW-BTC/pause", { method: "POST", bearer: apiToken });
    await h.request("/api/v1/actors/KRW-BTC/pause", { method: "POST", bearer: apiToken + "x" });
    await h.request("/api/v1/actors/KRW-BTC/pause", { method: "POST", jar: relogged.jar });
    await h.request("/logout", { method: "POST", jar: relogged.jar, headers: { "X-CSRF-Token": relogged.csrf } });

    const cookieValues = [...jar.values.values(), ...stolen.values.values(), ...relogged.jar.values.values()];
    const secrets = [PASSWORD, "alice-wrong-password", "eve-password-123", "bob-password-123", "bob-new-password-9", "exchange-secret-value-77", BOOT_TOKEN, apiToken, apiToken.slice(6), csrf, relogged.csrf, ...cookieValues];
    const log = h.log.text();
    expect(h.log.lines().length).toBeGreaterThan(10);
    for (const s of secrets) expect(log, `log holds ${s.slice(0, 8)}…`).not.toContain(s);
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]+\./); // no JWT
    // Answers: the token's value appears once, in the answer that created it; nothing else ever.
    const answers = h.bodies.join("\n");
    expect(answers.split(apiToken).length - 1).toBe(1);
    for (const s of secrets.filter((s) => s !== apiToken && !s.startsWith(apiToken.slice(6)) && s !== apiToken.slice(6))) {
      if (s === csrf || s === relogged.csrf) continue; // the CSRF token is meant to be on the page (probe answers carry it)
      expect(answers, `an answer holds ${s.slice(0, 8)}…`).not.toContain(s);
    }
    expect(answers).not.toMatch(/\$argon2id\$/);
    expect(answers).not.toMatch(/"(password|passwordHash|tokenHash|refreshHash)":/);
  });

  it("login failures log the address and (only for existing users) the name, never the typed text", async () => {
    h = authHarness();
    await postLogin(h, { name: "my secret passphrase", password: "x" }, new CookieJar());
    const failed = h.log.lines().filter((l) => l.msg === "login failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ ip: "192.0.2.7" });
    expect(failed[0]!.user).toBeUndefined();
    expect(h.log.text()).not.toContain("my secret passphrase");
  });
});
