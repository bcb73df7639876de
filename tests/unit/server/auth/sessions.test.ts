import { afterEach, describe, expect, it } from "vitest";
import { getSession, listAudit } from "../../../../src/db/index.ts";
import { createAuth } from "../../../../src/server/auth/index.ts";
import { authHarness, CookieJar, PROBE_PATH, type AuthHarness } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

const MIN = 60_000;
const whoami = async (jar: CookieJar) => (await (await h.request(PROBE_PATH, { jar })).json()).principal as { name: string; role: string } | null;
const api = (jar: CookieJar, path = "/api/v1/me") => h.request(path, { jar });

describe("session cookies", () => {
  it("authenticate the JSON API as the user", async () => {
    h = authHarness();
    await h.user("alice", "operator");
    const { jar } = await h.login("alice");
    const res = await api(jar);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ kind: "user", name: "alice", role: "operator", lang: "ko" });
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("refresh transparently once the JWT expired: new JWT, rotated refresh token, same CSRF token", async () => {
    h = authHarness();
    await h.user("alice", "viewer");
    const { jar, csrf } = await h.login("alice");
    const firstRefresh = jar.values.get("bot_rt")!;
    const firstAccess = jar.values.get("bot_at")!;
    h.clock.advance(16 * MIN);
    const res = await api(jar);
    expect(res.status).toBe(200);
    expect(jar.values.get("bot_at")).not.toBe(firstAccess);
    expect(jar.values.get("bot_rt")).not.toBe(firstRefresh);
    const oldRow = getSession(h.handle.db, Number(firstRefresh.split(".")[0]))!;
    expect(oldRow).toMatchObject({ revokedAt: h.clock.now(), revokeReason: "rotated" });
    const probe = await (await h.request(PROBE_PATH, { jar })).json();
    expect(probe.csrfToken).toBe(csrf); // pages loaded before the refresh keep working
  });

  it("the refreshed cookies reach the browser whatever the route answers with (a raw Response, a redirect)", async () => {
    h = authHarness({
      app: {
        extraRoutes: (app) => {
          app.get("/static/app.css", () => new Response("body{}", { headers: { "Content-Type": "text/css", "Cache-Control": "max-age=3600" } }));
          app.get("/go", (c) => c.redirect("/elsewhere", 303));
        },
      },
    });
    await h.user("alice", "viewer");
    const { jar } = await h.login("alice");
    for (const path of ["/static/app.css", "/go"]) {
      const before = jar.values.get("bot_rt");
      h.clock.advance(16 * MIN);
      const res = await h.request(path, { jar });
      expect(res.headers.getSetCookie().map((c) => c.split("=")[0]).sort(), path).toEqual(["bot_at", "bot_rt"]);
      expect(jar.values.get("bot_rt")).not.toBe(before);
    }
    // A route's own caching is kept; other answers to a logged-in caller are private.
    expect((await h.request("/static/app.css", { jar })).headers.get("cache-control")).toBe("max-age=3600");
    expect((await h.request("/go", { jar })).headers.get("cache-control")).toBe("no-store");
  });

  it("refuses an expired JWT without a refresh cookie, and clears it", async () => {
    h = authHarness();
    await h.user("alice", "viewer");
    const { jar } = await h.login("alice");
    jar.values.delete("bot_rt");
    h.clock.advance(15 * MIN + 1_000);
    const res = await api(jar);
    expect(res.status).toBe(401);
    expect(jar.values.has("bot_at")).toBe(false);
  });

  it("refuses a tampered or foreign JWT", async () => {
    h = authHarness();
    await h.user("alice", "viewer");
    await h.user("bob", "admin");
    const { jar } = await h.login("alice");
    jar.values.delete("bot_rt");
    const [head, payload, sig] = jar.values.get("bot_at")!.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: "2" })).toString("base64url");
    jar.values.set("bot_at", `${head}.${forged}.${sig}`);
    expect((await api(jar)).status).toBe(401);
    // A JWT signed with another key (another deployment) is refused too.
    const other = authHarness({ auth: { sessionSecret: "another-deployment-secret-abcdefghijkl" } });
    await other.user("alice", "viewer");
    const foreign = await other.login("alice");
    other.close();
    const jar2 = new CookieJar();
    jar2.values.set("bot_at", foreign.jar.values.get("bot_at")!);
    expect((await api(jar2)).status).toBe(401);
  });

  it("a rotated refresh token used again after the grace period revokes the whole family", async () => {
    h = authHarness();
    await h.user("alice", "operator");
    const { jar } = await h.login("alice");
    const stolen = jar.clone();
    h.clock.advance(16 * MIN);
    expect((await api(jar)).status).toBe(200); // the owner's browser rotates
    h.clock.advance(MIN);
    // The thief replays the old refresh token: refused, and the owner's session ends with it.
    stolen.values.delete("bot_at");
    expect((await api(stolen)).status).toBe(401);
    expect((await api(jar)).status).toBe(401);
    const [row] = listAudit(h.handle.db, { action: "auth.refresh_reuse" });
    expect(row).toMatchObject({ actor: "system", target: "alice", source: "192.0.2.7" });
    expect(h.log.text()).toContain("a rotated refresh token was used again");
  });

  it("racing requests of one page with the same old refresh token all get through (grace period)", async () => {
    h = authHarness();
    await h.user("alice", "operator");
    const { jar } = await h.login("alice");
    h.clock.advance(16 * MIN);
    const racer = jar.clone();
    expect((await api(jar)).status).toBe(200);
    h.clock.advance(2_000);
    const res = await api(racer);
    expect(res.status).toBe(200);
    // Only a new JWT: the refresh cookie the first answer set stays the browser's.
    expect(res.headers.getSetCookie().map((c) => c.split("=")[0])).toEqual(["bot_at"]);
    expect((await api(jar)).status).toBe(200);
  });

  it("logout revokes: the cookies stop working at once, even the unexpired JWT", async () => {
    h = authHarness();
    await h.user("alice", "operator");
    const { jar, csrf } = await h.login("alice");
    const copy = jar.clone();
    const res = await h.request("/logout", { method: "POST", jar, headers: { "X-CSRF-Token": csrf } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(jar.values.has("bot_at")).toBe(false);
    expect(jar.values.has("bot_rt")).toBe(false);
    expect((await api(copy)).status).toBe(401);
    h.clock.advance(16 * MIN);
    expect((await api(copy)).status).toBe(401);
    expect(listAudit(h.handle.db, { action: "auth.logout" })).toHaveLength(1);
  });

  it("logout with an expired JWT: the refresh and the logout happen in one request, and no cookie survives", async () => {
    h = authHarness();
    await h.user("alice", "operator");
    const { jar, csrf } = await h.login("alice");
    h.clock.advance(16 * MIN);
    const res = await h.request("/logout", { method: "POST", jar, headers: { "X-CSRF-Token": csrf } });
    expect(res.status).toBe(303);
    expect([...jar.values.keys()]).toEqual([]);
    expect(h.auth.sessions.listSessions()).toEqual([]);
  });

  it("logout needs the CSRF token like any cookie mutation", async () => {
    h = authHarness();
    await h.user("alice", "operator");
    const { jar } = await h.login("alice");
    expect((await h.request("/logout", { method: "POST", jar })).status).toBe(403);
    expect((await api(jar)).status).toBe(200);
  });

  it("a disabled user, a reset password or an admin's revocation end sessions at once; a role change applies on the next request", async () => {
    h = authHarness();
    await h.user("root", "admin");
    const bob = await h.user("bob", "operator");
    const s1 = await h.login("bob");
    h.auth.users.setRole(bob, "viewer", { by: "root" });
    expect(await whoami(s1.jar)).toMatchObject({ name: "bob", role: "viewer" });
    h.auth.users.disableUser(bob, { by: "root" });
    expect((await api(s1.jar)).status).toBe(401);
    h.auth.users.enableUser(bob, { by: "root" });
    const s2 = await h.login("bob");
    await h.auth.users.resetPassword(bob, "a brand new password", { by: "root" });
    expect((await api(s2.jar)).status).toBe(401);
    const s3 = await h.login("bob", "a brand new password");
    const [active] = h.auth.sessions.listSessions(bob);
    expect(h.auth.sessions.revokeSession(active!.id, { by: "root" })).toBe(true);
    expect((await api(s3.jar)).status).toBe(401);
  });

  it("a login lasts at most 30 days however active, and a refresh token idles out after 7", async () => {
    h = authHarness();
    await h.user("alice", "viewer");
    const { jar } = await h.login("alice");
    for (let day = 1; day < 30; day++) {
      h.clock.advance(86_400_000);
      expect((await api(jar)).status, `day ${day}`).toBe(200);
    }
    h.clock.advance(86_400_000);
    expect((await api(jar)).status).toBe(401);

    const idle = await h.login("alice");
    h.clock.advance(7 * 86_400_000 + 1);
    expect((await api(idle.jar)).status).toBe(401);
  });

  it("survives a restart with a new random key: the refresh cookie brings a new JWT", async () => {
    h = authHarness({ auth: { sessionSecret: undefined } });
    await h.user("alice", "viewer");
    const { jar } = await h.login("alice");
    // The restarted process: same database, a new random JWT key.
    const fresh = createAuth({ db: h.handle.db, clock: h.clock, logger: h.log.logger, passwordHashing: { memoryCost: 64, timeCost: 1 } });
    const state = await fresh.sessions.resume(jar.values.get("bot_at"), jar.values.get("bot_rt"), { ip: "192.0.2.7" });
    expect((await fresh.sessions.resume(jar.values.get("bot_at"), undefined, { ip: "192.0.2.7" })).principal).toBeUndefined();
    expect(state.principal?.name).toBe("alice");
    expect(state.issued?.refresh).toBeDefined();
  });
});
