import { afterEach, describe, expect, it } from "vitest";
import { getApiToken, listAudit } from "../../../../src/db/index.ts";
import { authHarness, BOOT_TOKEN, type AuthHarness } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

const json = { "Content-Type": "application/json" };

describe("scoped API tokens", () => {
  it("are created by an admin over the API, shown once, stored only as a hash, and listed without their value", async () => {
    h = authHarness();
    const res = await h.request("/api/v1/tokens", { method: "POST", bearer: BOOT_TOKEN, headers: json, body: JSON.stringify({ name: "grafana", scopes: ["read"] }) });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const created = await res.json();
    expect(created).toMatchObject({ id: 1, name: "grafana", scopes: ["read"], createdBy: "api-token", revokedAt: null });
    expect(created.token).toMatch(/^bkt_1_[A-Za-z0-9_-]{43}$/);
    const secret = created.token.slice("bkt_1_".length);
    const row = getApiToken(h.handle.db, 1)!;
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secret);
    const list = await (await h.request("/api/v1/tokens", { bearer: BOOT_TOKEN })).text();
    expect(list).toContain('"grafana"');
    expect(list).not.toContain(secret);
    expect(list).not.toContain(row.tokenHash);
    expect(listAudit(h.handle.db, { action: "token.created" })[0]).toMatchObject({ actor: "api-token", target: "grafana" });
  });

  it("a read token reads but cannot pause; a trade token can; each is audited under its name", async () => {
    h = authHarness();
    const read = h.auth.tokens.createToken({ name: "dash-ro", scopes: ["read"] }, { by: "test" }).token;
    const trade = h.auth.tokens.createToken({ name: "ci-bot", scopes: ["trade"] }, { by: "test" }).token;
    expect((await h.request("/api/v1/positions", { bearer: read })).status).toBe(200);
    const refused = await h.request("/api/v1/actors/KRW-BTC/pause", { method: "POST", bearer: read });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { code: "forbidden", message: "requires the operator role" } });
    expect(h.control.calls).toEqual([]);
    expect((await h.request("/api/v1/actors/KRW-BTC/pause", { method: "POST", bearer: trade })).status).toBe(200);
    expect(h.control.calls.map((c) => c.origin.by)).toEqual(["ci-bot"]);
    expect((await h.request("/api/v1/tokens", { bearer: trade })).status).toBe(403);
  });

  it("a revoked token is refused from the next request on; an expired one too", async () => {
    h = authHarness();
    const { token, info } = h.auth.tokens.createToken({ name: "temp", scopes: ["trade"] }, { by: "test" });
    expect((await h.request("/api/v1/actors", { bearer: token })).status).toBe(200);
    const del = await h.request(`/api/v1/tokens/${info.id}`, { method: "DELETE", bearer: BOOT_TOKEN });
    expect(del.status).toBe(204);
    const res = await h.request("/api/v1/actors", { bearer: token });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(listAudit(h.handle.db, { action: "token.revoked" })[0]).toMatchObject({ actor: "api-token", target: "temp" });
    expect((await h.request("/api/v1/tokens/999", { method: "DELETE", bearer: BOOT_TOKEN })).status).toBe(404);

    const short = h.auth.tokens.createToken({ name: "short", scopes: ["read"], expiresAt: h.clock.now() + 60_000 }, { by: "test" }).token;
    expect((await h.request("/api/v1/actors", { bearer: short })).status).toBe(200);
    h.clock.advance(60_000);
    expect((await h.request("/api/v1/actors", { bearer: short })).status).toBe(401);
  });

  it("refuses a right id with a wrong secret, a malformed token, and another token's secret", async () => {
    h = authHarness();
    const a = h.auth.tokens.createToken({ name: "a", scopes: ["admin"] }, { by: "test" }).token;
    const b = h.auth.tokens.createToken({ name: "b", scopes: ["read"] }, { by: "test" }).token;
    const secretOfB = b.split("_").slice(2).join("_");
    for (const bad of [`bkt_1_${secretOfB}`, a.slice(0, -1) + (a.endsWith("A") ? "B" : "A"), "bkt_1_", "bkt_x_" + secretOfB, `bkt_99_${secretOfB}`]) {
      expect((await h.request("/api/v1/actors", { bearer: bad })).status, bad).toBe(401);
    }
  });

  it("validates names and scopes; names are unique and the bootstrap name is reserved", async () => {
    h = authHarness();
    const post = (body: unknown) => h.request("/api/v1/tokens", { method: "POST", bearer: BOOT_TOKEN, headers: json, body: JSON.stringify(body) });
    expect(Object.keys((await (await post({ name: "x", scopes: ["root"] })).json()).error.fields)).toEqual(["scopes.0"]);
    expect((await post({ name: "x", scopes: [] })).status).toBe(400);
    expect((await post({ name: "bad name!", scopes: ["read"] })).status).toBe(400);
    expect((await post({ name: "api-token", scopes: ["read"] })).status).toBe(400);
    expect((await post({ name: "x", scopes: ["read"], expiresAt: h.clock.now() - 1 })).status).toBe(400);
    expect((await post({ name: "x", scopes: ["read", "read"] })).status).toBe(201);
    expect((await post({ name: "x", scopes: ["read"] })).status).toBe(409);
    expect(h.auth.tokens.listTokens().map((t) => t.scopes)).toEqual([["read"]]);
  });

  it("records when a token was last used, at most once a minute", async () => {
    h = authHarness();
    const { token, info } = h.auth.tokens.createToken({ name: "m", scopes: ["read"] }, { by: "test" });
    await h.request("/api/v1/actors", { bearer: token });
    const first = h.clock.now();
    expect(getApiToken(h.handle.db, info.id)!.lastUsedAt).toBe(first);
    h.clock.advance(30_000);
    await h.request("/api/v1/actors", { bearer: token });
    expect(getApiToken(h.handle.db, info.id)!.lastUsedAt).toBe(first);
    h.clock.advance(31_000);
    await h.request("/api/v1/actors", { bearer: token });
    expect(getApiToken(h.handle.db, info.id)!.lastUsedAt).toBe(h.clock.now());
  });
});
