import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { API_PREFIX, openApiPath } from "../../../../src/server/index.ts";
import { authHarness, type AuthHarness } from "./support.ts";

let h: AuthHarness;
afterEach(() => h?.close());

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, any>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

async function doc(): Promise<Doc> {
  const res = await h.request("/api/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(await res.text()) as Doc;
}

/** Every `$ref` in the document, to check each resolves. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document listing every /api/v1 route the app serves, and nothing else", async () => {
    h = authHarness();
    const d = await doc();
    expect(d.openapi).toBe("3.1.0");
    const served = new Set(
      h.app.routes.filter((r) => r.path.startsWith(`${API_PREFIX}/`) && r.method !== "ALL" && !r.path.endsWith("*")).map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    );
    const documented = new Set(Object.entries(d.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)));
    expect([...served].sort()).toEqual([...documented].sort());
    for (const expected of ["get /api/v1/actors", "post /api/v1/actors/{market}/pause", "post /api/v1/trading/flatten-all", "get /api/v1/orders", "post /api/v1/tokens", "put /api/v1/secrets/{key}"]) {
      expect(documented.has(expected), expected).toBe(true);
    }
  });

  it("documents auth (bearer + cookie) with scopes and roles, parameters, bodies and errors", async () => {
    h = authHarness();
    const d = await doc();
    expect(Object.keys(d.components.securitySchemes).sort()).toEqual(["bearerAuth", "cookieAuth"]);
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(d.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(ids.has(op.operationId), where).toBe(false);
        ids.add(op.operationId);
        expect(op.summary, where).toBeTruthy();
        expect(["viewer", "operator", "admin"]).toContain(op["x-required-role"]);
        expect(op.security).toEqual([{ bearerAuth: [op["x-required-scope"]] }, { cookieAuth: [op["x-required-role"]] }]);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["401", "403"]));
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
          expect(op.parameters?.some((p: any) => p.in === "path" && p.name === name && p.required === true), `${where} declares {${name}}`).toBe(true);
        }
        if (method !== "get") {
          expect(op.parameters?.some((p: any) => p.in === "header" && p.name === "X-CSRF-Token"), where).toBe(true);
          if (op["x-required-role"] === "viewer") expect(path).toBe("/api/v1/me");
        }
      }
    }
    const orders = d.paths["/api/v1/orders"]!.get;
    expect(orders.parameters.map((p: any) => p.name)).toEqual(["market", "state", "side", "sort", "limit", "offset"]);
    expect(orders.parameters.find((p: any) => p.name === "limit").description).toBe("an integer from 1 to 1000 (default 100)");
    expect(orders.parameters.find((p: any) => p.name === "side").schema.enum).toEqual(["bid", "ask"]);
    const pause = d.paths["/api/v1/actors/{market}/pause"]!.post;
    expect(pause["x-required-scope"]).toBe("trade");
    expect(pause["x-audit-action"]).toBe("trader.pause");
    expect(Object.keys(pause.responses)).toEqual(expect.arrayContaining(["200", "400", "404", "409"]));
    const newUser = d.paths["/api/v1/users"]!.post;
    expect(newUser.requestBody.content["application/json"].schema.required).toEqual(["name", "password", "role"]);
    expect(newUser["x-required-role"]).toBe("admin");
    for (const ref of refs(d)) expect(ref.startsWith("#/components/schemas/") && ref.slice(21) in d.components.schemas, ref).toBe(true);
  });

  it("lists routes other parts add through the registry, with their role", async () => {
    h = authHarness({
      app: {
        extraRoutes: (_app, { api }) => {
          api.add({ method: "post", path: "/alerts/channels/:id/test", summary: "Send a test alert", tags: ["alerts"], role: "admin", params: z.object({ id: z.string() }) }, (c) => c.json({ ok: true }));
        },
      },
    });
    const d = await doc();
    expect(d.paths["/api/v1/alerts/channels/{id}/test"]!.post["x-required-role"]).toBe("admin");
  });

  it("needs no credential (it describes the API, it holds no data)", async () => {
    h = authHarness();
    expect((await h.request("/api/openapi.json")).status).toBe(200);
  });
});
