import { afterEach, describe, expect, it } from "vitest";
import { listAudit } from "../../../src/db/index.ts";
import { createAuth } from "../../../src/server/auth/index.ts";
import { constantTimeEqual, createApp, tokenAuthenticator } from "../../../src/server/index.ts";
import { harness, TOKEN, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

describe("constant-time token comparison", () => {
  it("is plain equality on the values, whatever their lengths", () => {
    expect(constantTimeEqual(TOKEN, TOKEN)).toBe(true);
    expect(constantTimeEqual(TOKEN, TOKEN.slice(0, -1))).toBe(false); // a prefix
    expect(constantTimeEqual(TOKEN, TOKEN + "x")).toBe(false); // longer
    expect(constantTimeEqual(TOKEN, TOKEN.replace(/.$/, "0"))).toBe(false); // last char differs
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("", "a")).toBe(false);
  });

  it("checks every configured token and names the one that matched", () => {
    const auth = tokenAuthenticator([
      { name: "grafana", token: "token-one-aaaaaaaaaaaa" },
      { name: "ci", token: "token-two-bbbbbbbbbbbb" },
      { name: "empty", token: "" },
    ]);
    // A fixed token without scopes is an admin token (the bootstrap API_TOKEN can do everything).
    expect(auth("token-one-aaaaaaaaaaaa")).toEqual({ kind: "token", name: "grafana", scopes: ["admin"] });
    expect(auth("token-two-bbbbbbbbbbbb")).toEqual({ kind: "token", name: "ci", scopes: ["admin"] });
    expect(auth("token-two-bbbbbbbbbbb")).toBeUndefined();
    // An empty configured token must never authenticate an empty credential.
    expect(auth("")).toBeUndefined();
  });
});

describe("bearer authentication on /api/v1", () => {
  const unauthorized = async (res: Response) => {
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "a valid bearer token is required" } });
  };

  it("refuses a request without a token, with a wrong token, a prefix of it, or another scheme", async () => {
    h = harness();
    await unauthorized(await h.request("/api/v1/actors", { token: null }));
    await unauthorized(await h.request("/api/v1/actors", { token: "wrong-token" }));
    await unauthorized(await h.request("/api/v1/actors", { token: TOKEN.slice(0, 10) }));
    await unauthorized(await h.request("/api/v1/actors", { token: null, headers: { Authorization: `Basic ${btoa(`user:${TOKEN}`)}` } }));
    await unauthorized(await h.request("/api/v1/actors", { token: null, headers: { Authorization: "Bearer" } }));
    await unauthorized(await h.request("/api/v1/actors", { token: null, headers: { Authorization: `Bearer ${TOKEN} extra` } }));
  });

  it("refuses every command without the token and runs none of them", async () => {
    h = harness();
    for (const path of ["/api/v1/actors/KRW-BTC/pause", "/api/v1/actors/KRW-BTC/flatten", "/api/v1/trading/pause", "/api/v1/trading/flatten-all"]) {
      await unauthorized(await h.request(path, { method: "POST", token: "nope" }));
    }
    expect(h.control.calls).toEqual([]);
    expect(listAudit(h.handle.db)).toEqual([]);
  });

  it("refuses unknown API paths before saying whether they exist", async () => {
    h = harness();
    await unauthorized(await h.request("/api/v1/no-such-thing", { token: null }));
    const res = await h.request("/api/v1/no-such-thing");
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("not_found");
  });

  it("accepts the right token (scheme case-insensitive, as RFC 6750 allows)", async () => {
    h = harness();
    expect((await h.request("/api/v1/actors")).status).toBe(200);
    expect((await h.request("/api/v1/actors", { token: null, headers: { Authorization: `bearer ${TOKEN}` } })).status).toBe(200);
  });

  it("audits a named extra token under its name", async () => {
    h = harness({ extraTokens: [{ name: "ops-laptop", token: "second-token-5b8e2d1f0a" }] });
    const res = await h.request("/api/v1/trading/pause", { method: "POST", token: "second-token-5b8e2d1f0a" });
    expect(res.status).toBe(200);
    expect(h.control.calls[0]?.origin.by).toBe("ops-laptop");
    expect(listAudit(h.handle.db)[0]?.actor).toBe("ops-laptop");
  });

  it("leaves /healthz and /metrics open", async () => {
    h = harness();
    expect((await h.request("/healthz", { token: null })).status).toBe(200);
    expect((await h.request("/metrics", { token: null })).status).toBe(200);
  });

  it("builds an app without a bootstrap token, where an empty credential never authenticates", async () => {
    h = harness({ apiToken: "" });
    expect((await h.request("/api/v1/actors", { token: null, headers: { Authorization: "Bearer " } })).status).toBe(401);
    expect((await h.request("/api/v1/actors", { token: "x" })).status).toBe(401);
    expect((await h.request("/api/v1/actors", { token: TOKEN })).status).toBe(401);
  });

  it("will not take bootstrap tokens both directly and through a ready-made auth", () => {
    h = harness();
    const auth = createAuth({ db: h.handle.db, clock: h.clock, logger: h.log.logger });
    expect(() => createApp({ control: h.control, db: h.handle.db, metrics: h.metrics, clock: h.clock, logger: h.log.logger, auth, apiToken: TOKEN })).toThrow(/bootstrapTokens/);
  });
});
