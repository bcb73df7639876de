import { afterEach, describe, expect, it } from "vitest";
import { listAudit } from "../../../../src/db/index.ts";
import { hasRole, requireRole, requireUser, who, type Principal, type Role, type Scope } from "../../../../src/server/auth/index.ts";
import { authHarness, BOOT_TOKEN, type AuthHarness, type Session } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly role: Role;
}

async function operations(): Promise<Operation[]> {
  const doc = await (await h.request("/api/openapi.json")).json();
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries<Record<string, { "x-required-role": Role }>>(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) out.push({ method: method.toUpperCase(), path, role: op["x-required-role"] });
  }
  return out;
}

/** A concrete URL for a documented path: a market that exists, ids and names that may not. */
const concrete = (path: string) => path.replace("{market}", "KRW-BTC").replace("{id}", "999").replace("{key}", "bithumb.access_key");

/** Refused by authentication or the role guard (a 403 for another reason, e.g. a token has no language, is past the guard). */
async function denied(res: Response): Promise<boolean> {
  if (res.status === 401) return true;
  return res.status === 403 && /^requires the /.test((await res.clone().json()).error.message);
}

describe("hasRole and who", () => {
  it("rank viewer < operator < admin for users, and by the strongest scope for tokens", () => {
    const user = (role: Role): Principal => ({ kind: "user", name: "u", userId: 1, role, lang: "ko" });
    const token = (...scopes: Scope[]): Principal => ({ kind: "token", name: "t", scopes });
    expect(hasRole(user("viewer"), "viewer")).toBe(true);
    expect(hasRole(user("viewer"), "operator")).toBe(false);
    expect(hasRole(user("operator"), "operator")).toBe(true);
    expect(hasRole(user("operator"), "admin")).toBe(false);
    expect(hasRole(user("admin"), "operator")).toBe(true);
    expect(hasRole(token("read"), "viewer")).toBe(true);
    expect(hasRole(token("read"), "operator")).toBe(false);
    expect(hasRole(token("read", "trade"), "operator")).toBe(true);
    expect(hasRole(token("trade"), "admin")).toBe(false);
    expect(hasRole(token("admin"), "operator")).toBe(true);
    expect(hasRole(token(), "viewer")).toBe(false);
    expect(hasRole(undefined, "viewer")).toBe(false);
    expect(who(user("admin"))).toBe("u");
    expect(who(token("read"))).toBe("t");
  });
});

describe("the server enforces roles on every /api/v1 route", () => {
  it("for users: each route answers only at or above its role; mutating routes are never open to viewers", async () => {
    h = authHarness();
    const sessions: Record<Role, Session> = {} as Record<Role, Session>;
    for (const role of ["viewer", "operator", "admin"] as const) {
      await h.user(role, role);
      sessions[role] = await h.login(role);
    }
    const ops = await operations();
    expect(ops.length).toBeGreaterThanOrEqual(25);
    for (const op of ops) {
      // The only change a viewer may make is to their own language.
      if (op.method !== "GET" && op.path !== "/api/v1/me") expect(op.role, `${op.method} ${op.path}`).not.toBe("viewer");
      for (const role of ["viewer", "operator", "admin"] as const) {
        const s = sessions[role];
        const res = await h.request(concrete(op.path), {
          method: op.method,
          jar: s.jar,
          headers: { "X-CSRF-Token": s.csrf, "Content-Type": "application/json" },
          body: op.method === "GET" ? undefined : "{}",
        });
        const allowed = RANK[role] >= RANK[op.role];
        expect(await denied(res), `${role} ${op.method} ${op.path} -> ${res.status}`).toBe(!allowed);
        if (!allowed) expect(res.status).toBe(403);
      }
    }
  });

  it("for tokens: read can read, trade can also steer, admin can also administer", async () => {
    h = authHarness();
    const tokens: Record<Scope, string> = {
      read: h.auth.tokens.createToken({ name: "reader", scopes: ["read"] }, { by: "test" }).token,
      trade: h.auth.tokens.createToken({ name: "trader", scopes: ["trade"] }, { by: "test" }).token,
      admin: h.auth.tokens.createToken({ name: "boss", scopes: ["admin"] }, { by: "test" }).token,
    };
    const scopeRank: Record<Scope, number> = { read: 0, trade: 1, admin: 2 };
    for (const op of await operations()) {
      for (const scope of ["read", "trade", "admin"] as const) {
        const res = await h.request(concrete(op.path), { method: op.method, bearer: tokens[scope], headers: { "Content-Type": "application/json" }, body: op.method === "GET" ? undefined : "{}" });
        const allowed = scopeRank[scope] >= RANK[op.role];
        expect(await denied(res), `${scope} ${op.method} ${op.path} -> ${res.status}`).toBe(!allowed);
      }
    }
  });

  it("a viewer's forged command is refused, not run and not audited as done", async () => {
    h = authHarness();
    await h.user("v", "viewer");
    const { jar, csrf } = await h.login("v");
    for (const path of ["/api/v1/actors/KRW-BTC/pause", "/api/v1/actors/KRW-BTC/flatten", "/api/v1/trading/flatten-all", "/api/v1/trading/resume"]) {
      const res = await h.request(path, { method: "POST", jar, headers: { "X-CSRF-Token": csrf } });
      expect(res.status, path).toBe(403);
      expect(await res.json()).toEqual({ error: { code: "forbidden", message: "requires the operator role" } });
    }
    expect(h.control.calls).toEqual([]);
    expect(listAudit(h.handle.db).filter((r) => r.action.startsWith("trader.") || r.action.startsWith("trading."))).toEqual([]);
  });

  it("an operator steers trading (audited under their name) but cannot touch admin settings", async () => {
    h = authHarness();
    await h.user("op", "operator");
    const { jar, csrf } = await h.login("op");
    const headers = { "X-CSRF-Token": csrf, "Content-Type": "application/json" };
    expect((await h.request("/api/v1/trading/pause", { method: "POST", jar, headers })).status).toBe(200);
    expect(listAudit(h.handle.db, { action: "trading.pause" })[0]).toMatchObject({ actor: "op", source: "192.0.2.7" });
    for (const [method, path, body] of [
      ["POST", "/api/v1/users", { name: "eve", password: "password123", role: "admin" }],
      ["POST", "/api/v1/tokens", { name: "mine", scopes: ["admin"] }],
      ["PUT", "/api/v1/secrets/bithumb.secret_key", { value: "stolen" }],
      ["GET", "/api/v1/users", undefined],
    ] as const) {
      const res = await h.request(path, { method, jar, headers, body: body ? JSON.stringify(body) : undefined });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect(h.auth.users.listUsers().map((u) => u.name)).toEqual(["op"]);
    expect(h.secrets.hasSecret("bithumb.secret_key")).toBe(false);
  });

  it("the bootstrap token keeps full (admin) access", async () => {
    h = authHarness();
    const res = await h.request("/api/v1/users", { method: "POST", bearer: BOOT_TOKEN, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "carol", password: "password123", role: "operator" }) });
    expect(res.status).toBe(201);
    expect(listAudit(h.handle.db, { action: "user.created" })[0]).toMatchObject({ actor: "api-token", target: "carol" });
  });
});

describe("page guards", () => {
  it("requireUser sends visitors to the login page (with next), htmx requests via HX-Redirect", async () => {
    h = authHarness({
      app: {
        extraRoutes: (app) => {
          app.get("/positions", requireUser(), (c) => c.html("<p>positions</p>"));
          app.post("/positions/KRW-BTC/close", requireRole("operator"), (c) => c.html("<p>closed</p>"));
          app.get("/settings", requireRole("admin"), (c) => c.html("<p>settings</p>"));
        },
      },
    });
    const page = await h.request("/positions?tab=open", { headers: { Accept: "text/html" } });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login?next=%2Fpositions%3Ftab%3Dopen");
    const hx = await h.request("/positions", { headers: { "HX-Request": "true", "HX-Current-URL": "http://127.0.0.1:3000/markets?q=BTC" } });
    expect(hx.status).toBe(401);
    expect(hx.headers.get("hx-redirect")).toBe("/login?next=%2Fmarkets%3Fq%3DBTC");
    const machine = await h.request("/positions", { headers: { Accept: "application/json" } });
    expect(machine.status).toBe(401);

    await h.user("v", "viewer");
    await h.user("op", "operator");
    const v = await h.login("v");
    expect((await h.request("/positions", { jar: v.jar })).status).toBe(200);
    const forbidden = await h.request("/positions/KRW-BTC/close", { method: "POST", jar: v.jar, headers: { Accept: "text/html", "X-CSRF-Token": v.csrf } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await forbidden.text()).toContain("requires the operator role");
    const op = await h.login("op");
    expect((await h.request("/positions/KRW-BTC/close", { method: "POST", jar: op.jar, headers: { "X-CSRF-Token": op.csrf } })).status).toBe(200);
    expect((await h.request("/settings", { jar: op.jar, headers: { Accept: "text/html" } })).status).toBe(403);
    // A bearer token is not a dashboard login.
    expect((await h.request("/positions", { bearer: BOOT_TOKEN })).status).toBe(403);
  });
});
