import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { Metrics } from "../../../src/metrics/index.ts";
import { httpMetrics, UNMATCHED_ROUTE } from "../../../src/server/middleware/metrics.ts";
import { sampleValue } from "./support.ts";

/**
 * The HTTP metrics middleware: requests counted and timed by route pattern (never the raw path),
 * method and status, including answers from middleware, errors and paths nothing matched.
 */

function app(options: { maxRoutes?: number } = {}) {
  const metrics = new Metrics({ defaultMetrics: false });
  let t = 0;
  // Each request "takes" 30 ms on this fake timer.
  const now = () => (t += 15);
  const api = new Hono()
    .get("/actors/:market", (c) => c.json({ market: c.req.param("market") }))
    .post("/actors/:market/pause", (c) => c.json({ ok: true }))
    .get("/boom", () => {
      throw new Error("boom");
    });
  const root = new Hono();
  root.use(httpMetrics({ metrics, now, ...options }));
  root.use("/api/v1/*", async (c, next) => {
    if (c.req.header("authorization") !== "Bearer ok") return c.json({ error: "unauthorised" }, 401);
    await next();
  });
  root.route("/api/v1", api);
  root.get("/static/*", (c) => c.text("asset"));
  root.get("/items/:id", (c) => c.text(c.req.param("id")));
  root.onError((_, c) => c.json({ error: "internal" }, 500));
  return { root, metrics };
}

const auth = { headers: { authorization: "Bearer ok" } };

describe("httpMetrics", () => {
  it("labels by the route pattern, so ids in paths do not make new series", async () => {
    const { root, metrics } = app();
    for (const m of ["KRW-BTC", "KRW-ETH", "KRW-XRP"]) expect((await root.request(`/api/v1/actors/${m}`, auth)).status).toBe(200);
    await root.request("/api/v1/actors/KRW-BTC/pause", { method: "POST", ...auth });
    const labels = { method: "GET", route: "/api/v1/actors/:market" };
    expect(await sampleValue(metrics, "bot_http_requests_total", { ...labels, status: 200 })).toBe(3);
    expect(await sampleValue(metrics, "bot_http_request_duration_seconds_count", labels)).toBe(3);
    expect(await sampleValue(metrics, "bot_http_request_duration_seconds_sum", labels)).toBeCloseTo(0.045, 9);
    expect(await sampleValue(metrics, "bot_http_requests_total", { method: "POST", route: "/api/v1/actors/:market/pause", status: 200 })).toBe(1);
    const text = await metrics.text();
    expect(text).not.toContain("KRW-ETH");
  });

  it("counts a refusal by middleware, a handler error, and paths nothing matched", async () => {
    const { root, metrics } = app();
    expect((await root.request("/api/v1/actors/KRW-BTC")).status).toBe(401);
    expect((await root.request("/api/v1/boom", auth)).status).toBe(500);
    expect((await root.request("/wp-login.php?x=1")).status).toBe(404);
    expect((await root.request("/api/v1/nothing/here", auth)).status).toBe(404);
    expect(await sampleValue(metrics, "bot_http_requests_total", { method: "GET", route: "/api/v1/*", status: 401 })).toBe(1);
    expect(await sampleValue(metrics, "bot_http_requests_total", { method: "GET", route: "/api/v1/boom", status: 500 })).toBe(1);
    expect(await sampleValue(metrics, "bot_http_requests_total", { method: "GET", route: UNMATCHED_ROUTE, status: 404 })).toBe(2);
    expect(await metrics.text()).not.toContain("wp-login");
  });

  it("keeps wildcard handlers and odd methods bounded", async () => {
    const { root, metrics } = app();
    await root.request("/static/htmx.min.js");
    await root.request("/static/app.css");
    await root.request("/items/1", { method: "PROPFIND" });
    expect(await sampleValue(metrics, "bot_http_requests_total", { method: "GET", route: "/static/*", status: 200 })).toBe(2);
    expect(await sampleValue(metrics, "bot_http_requests_total", { method: "OTHER", route: UNMATCHED_ROUTE, status: 404 })).toBe(1);
  });

  it("folds routes past the bound into `other`", async () => {
    const { root, metrics } = app({ maxRoutes: 1 });
    await root.request("/items/1");
    await root.request("/static/x");
    expect(await sampleValue(metrics, "bot_http_requests_total", { method: "GET", route: "/items/:id", status: 200 })).toBe(1);
    expect(await sampleValue(metrics, "bot_http_requests_total", { method: "GET", route: "other", status: 200 })).toBe(1);
  });
});
