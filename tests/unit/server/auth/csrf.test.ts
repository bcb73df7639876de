import { afterEach, describe, expect, it } from "vitest";
import { listAudit } from "../../../../src/db/index.ts";
import { authHarness, BOOT_TOKEN, type AuthHarness } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

const PAUSE = "/api/v1/actors/KRW-BTC/pause";

describe("CSRF protection of cookie-authenticated mutations", () => {
  it("refuses a missing or wrong token and runs nothing; accepts the header or the form field", async () => {
    h = authHarness();
    await h.user("op", "operator");
    const { jar, csrf } = await h.login("op");
    const missing = await h.request(PAUSE, { method: "POST", jar });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({ error: { code: "csrf_failed", message: "missing or invalid CSRF token" } });
    expect((await h.request(PAUSE, { method: "POST", jar, headers: { "X-CSRF-Token": csrf.slice(0, -1) + (csrf.endsWith("A") ? "B" : "A") } })).status).toBe(403);
    expect((await h.request(PAUSE, { method: "POST", jar, headers: { "X-CSRF-Token": "" } })).status).toBe(403);
    expect((await h.request(PAUSE, { method: "POST", jar, body: new URLSearchParams({ _csrf: "nope" }) })).status).toBe(403);
    expect(h.control.calls).toEqual([]);
    expect(listAudit(h.handle.db, { action: "trader.pause" })).toEqual([]);

    expect((await h.request(PAUSE, { method: "POST", jar, headers: { "X-CSRF-Token": csrf } })).status).toBe(200);
    expect((await h.request(PAUSE, { method: "POST", jar, body: new URLSearchParams({ _csrf: csrf }) })).status).toBe(200);
    expect(h.control.calls.map((c) => c.origin.by)).toEqual(["op", "op"]);
  });

  it("a token belongs to its session: another user's token does not work", async () => {
    h = authHarness();
    await h.user("op1", "operator");
    await h.user("op2", "operator");
    const a = await h.login("op1");
    const b = await h.login("op2");
    expect(a.csrf).not.toBe(b.csrf);
    expect((await h.request(PAUSE, { method: "POST", jar: a.jar, headers: { "X-CSRF-Token": b.csrf } })).status).toBe(403);
  });

  it("refuses a cross-site request even with the token", async () => {
    h = authHarness();
    await h.user("op", "operator");
    const { jar, csrf } = await h.login("op");
    const res = await h.request(PAUSE, { method: "POST", jar, headers: { "X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site" } });
    expect(res.status).toBe(403);
    expect((await h.request(PAUSE, { method: "POST", jar, headers: { "X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-origin" } })).status).toBe(200);
  });

  it("does not apply to bearer tokens (a browser never adds one on its own) or to reads", async () => {
    h = authHarness();
    expect((await h.request(PAUSE, { method: "POST", bearer: BOOT_TOKEN })).status).toBe(200);
    await h.user("v", "viewer");
    const { jar } = await h.login("v");
    expect((await h.request("/api/v1/orders", { jar })).status).toBe(200);
  });

  it("a bearer header never falls back to the cookie: a wrong token with a valid session is refused", async () => {
    h = authHarness();
    await h.user("op", "operator");
    const { jar, csrf } = await h.login("op");
    const res = await h.request(PAUSE, { method: "POST", jar, bearer: "wrong", headers: { "X-CSRF-Token": csrf } });
    expect(res.status).toBe(401);
    expect(h.control.calls).toEqual([]);
  });
});
