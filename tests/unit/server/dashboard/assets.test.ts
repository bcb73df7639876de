import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { harness, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

describe("static assets (served locally, no CDN)", () => {
  it("serves htmx 4, its SSE extension and lightweight-charts from node_modules under fingerprinted URLs", async () => {
    h = harness();
    const urls = h.dashboard.assets.urls;
    expect(urls.htmx).toMatch(/^\/static\/htmx\.min\.[0-9a-f]{12}\.js$/);
    expect(urls.sse).toMatch(/^\/static\/hx-sse\.min\.[0-9a-f]{12}\.js$/);
    expect(urls.charts).toMatch(/^\/static\/lightweight-charts\.standalone\.production\.[0-9a-f]{12}\.js$/);
    const res = await h.request(urls.htmx, { as: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const body = await res.text();
    expect(body).toBe(readFileSync("node_modules/htmx.org/dist/htmx.min.js", "utf8"));
    expect(body).toContain("4.0.1");
    const charts = await (await h.request(urls.charts, { as: null })).text();
    expect(charts).toContain("LightweightCharts");
  });

  it("serves the stylesheet, script and icon with their types", async () => {
    h = harness();
    const { css, app, icon } = h.dashboard.assets.urls;
    expect((await h.request(css, { as: null })).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await h.request(app, { as: null })).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await h.request(icon, { as: null })).headers.get("content-type")).toBe("image/svg+xml");
    const styles = await (await h.request(css, { as: null })).text();
    // htmx's own indicator stylesheet is switched off (the CSP forbids injected styles), so it ships here.
    expect(styles).toContain(".htmx-request .htmx-indicator");
  });

  it("gzips for clients that accept it and answers a known ETag with 304", async () => {
    h = harness();
    const url = h.dashboard.assets.urls.charts;
    const zipped = await h.request(url, { as: null, headers: { "accept-encoding": "gzip, br" } });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("vary")).toBe("Accept-Encoding");
    const raw = new Uint8Array(await zipped.arrayBuffer());
    expect(new TextDecoder().decode(Bun.gunzipSync(raw))).toContain("LightweightCharts");
    const etag = zipped.headers.get("etag")!;
    const again = await h.request(url, { as: null, headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("serves nothing else from /static (no old versions, no path tricks)", async () => {
    h = harness();
    for (const path of ["/static/htmx.min.js", "/static/htmx.min.000000000000.js", "/static/../package.json", "/static/%2e%2e/bun.lock"]) {
      expect((await h.request(path, { as: null })).status, path).toBe(404);
    }
  });

  it("is what the pages link to", async () => {
    h = harness();
    const html = await (await h.request("/markets/KRW-BTC")).text();
    for (const url of Object.values(h.dashboard.assets.urls)) expect(html).toContain(url);
    expect(html).not.toMatch(/(src|href)="https?:\/\/(?!www\.tradingview\.com)/);
  });
});
