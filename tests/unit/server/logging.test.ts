import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterEach, describe, expect, it } from "vitest";
import { errorHandler } from "../../../src/server/errors.ts";
import { silentLogger } from "../../../src/log.ts";
import { CLIENT_IP, harness, TOKEN, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

describe("request id", () => {
  it("gives every answer an X-Request-Id, keeping a well-formed one the client sent", async () => {
    h = harness();
    const a = await h.request("/healthz", { token: null });
    const b = await h.request("/healthz", { token: null });
    expect(a.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
    const mine = await h.request("/api/v1/actors", { headers: { "X-Request-Id": "trace-123" } });
    expect(mine.headers.get("x-request-id")).toBe("trace-123");
    // A header that could forge log lines or break the response is replaced, not echoed.
    const hostile = await h.request("/api/v1/actors", { headers: { "X-Request-Id": "a b\"c" } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await h.request("/api/v1/actors", { token: null });
    expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("access log", () => {
  it("writes one debug line per request with id, method, path, status, client and who", async () => {
    h = harness();
    const res = await h.request("/api/v1/orders?limit=5");
    await h.request("/api/v1/orders", { token: null });
    const lines = h.log.lines().filter((l) => l.msg === "http request");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual(
      expect.objectContaining({ level: 20, reqId: res.headers.get("x-request-id"), method: "GET", path: "/api/v1/orders", status: 200, ip: CLIENT_IP, who: "api-token", ms: 0 }),
    );
    expect(lines[1]).toMatchObject({ status: 401, path: "/api/v1/orders" });
    expect(lines[1]!.who).toBeUndefined();
  });

  it("stays silent at info level", async () => {
    h = harness();
    h.log.logger.level = "info";
    await h.request("/api/v1/actors");
    expect(h.log.lines().filter((l) => l.msg === "http request")).toEqual([]);
  });
});

describe("secrets in logs", () => {
  it("never writes the token or the Authorization header, whatever happens to the request", async () => {
    h = harness();
    const wrong = `${TOKEN}-typo`;
    await h.request("/api/v1/actors");
    await h.request("/api/v1/actors", { token: wrong });
    await h.request("/api/v1/actors", { token: null, headers: { Authorization: `Basic ${TOKEN}` } });
    await h.request(`/api/v1/orders?limit=abc`);
    await h.request("/api/v1/trading/pause", { method: "POST" });
    h.control.answer = async () => {
      throw new Error("runtime exploded");
    };
    await h.request("/api/v1/trading/flatten-all", { method: "POST" });
    const text = h.log.text();
    // The capturing logger has no redaction configured: this checks what the server hands to it.
    expect(h.log.lines().length).toBeGreaterThanOrEqual(8);
    expect(text).toContain("authentication failed");
    expect(text).toContain("request failed");
    expect(text).not.toContain(TOKEN);
    expect(text.toLowerCase()).not.toContain("authorization");
    expect(text.toLowerCase()).not.toContain("bearer");
  });
});

describe("errors from Hono's own middleware", () => {
  it("come out in the API's JSON shape, keeping the headers the middleware set", async () => {
    const app = new Hono();
    app.get("/limited", () => {
      throw new HTTPException(429, { res: new Response("Too Many Requests", { status: 429, headers: { "Retry-After": "30", "Content-Type": "text/plain" } }) });
    });
    app.get("/plain", () => {
      throw new HTTPException(403, { message: "not for you" });
    });
    app.onError(errorHandler(silentLogger()));
    const limited = await app.request("/limited");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("30");
    expect(limited.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await limited.json()).toEqual({ error: { code: "too_many_requests", message: "too many requests" } });
    const plain = await app.request("/plain");
    expect(await plain.json()).toEqual({ error: { code: "forbidden", message: "not for you" } });
  });
});
