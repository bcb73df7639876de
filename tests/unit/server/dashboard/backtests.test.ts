import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getBacktestRun, listAudit } from "../../../../src/db/index.ts";
import { harness, textOf, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

/** Real hourly BTC candles (three years) as the data a backtest can be launched on. */
function withCandleFile(h: Harness): string {
  const name = "upbit-KRW-BTC-1h.csv.gz";
  copyFileSync(join("data/candles", name), join(h.dir, "candles", name));
  return `file:${name}`;
}

/** Waits (real time: the run is in a worker thread) until the run is no longer going. */
async function finished(h: Harness, id: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const p = h.dashboard.backtests!.progressOf(id);
    if (p?.state === "done" || p?.state === "failed") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`backtest ${id} did not finish`);
}

describe("backtests from the dashboard", () => {
  it("offers the candle files and the markets' stored candles as data", async () => {
    h = harness();
    const data = withCandleFile(h);
    const html = await (await h.request("/backtests", { as: "operator" })).text();
    expect(html).toContain(`<option value="${data}">upbit-KRW-BTC-1h.csv.gz</option>`);
    expect(html).toContain('<option value="db:KRW-BTC:1h">KRW-BTC 1h · 300 (DB)</option>');
  });

  it("runs in a worker thread with progress, stores the run and serves its report sandboxed", async () => {
    h = harness();
    const data = withCandleFile(h);
    const res = await h.request("/backtests", { as: "operator", form: { data, preset: "classic", from: "2024-01-01", to: "2024-07-01", params: '{"strategy": {"rsiMax": 75}}' } });
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/backtests\/\d+$/);
    const id = Number(location.split("/").pop());
    // The server answered at once: the run goes on in its worker.
    expect(["queued", "loading", "running"]).toContain(h.dashboard.backtests!.progressOf(id)?.state);
    const running = await (await h.request(location)).text();
    expect(running).toContain(`id="bt-progress-${id}"`);
    expect(running).toContain(`hx-get="/backtests/${id}/progress" hx-trigger="every 1s"`);
    await finished(h, id);
    expect(h.dashboard.backtests!.progressOf(id)).toMatchObject({ state: "done" });
    const row = getBacktestRun(h.handle.db, id)!;
    expect(row).toMatchObject({ status: "done", kind: "backtest", error: null });
    expect(JSON.parse(row.markets)).toEqual(["KRW-BTC"]);
    expect(JSON.parse(row.metrics!).trades).toBeGreaterThan(0);
    expect(listAudit(h.handle.db, { action: "backtest.launch" })[0]).toMatchObject({ actor: "operator", target: String(id) });

    const progress = await h.request(`/backtests/${id}/progress`, { htmx: true });
    expect(progress.headers.get("hx-refresh")).toBe("true");
    expect(await progress.text()).not.toContain("hx-trigger"); // polling stops

    const page = textOf(await (await h.request(location)).text());
    expect(page).toMatch(/totalReturn [+-]?\d/);
    expect(page).toContain('"rsiMax": 75');

    const report = await h.request(`${location}/report`);
    expect(report.status).toBe(200);
    expect(report.headers.get("content-security-policy")).toMatch(/^sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'/);
    const html = await report.text();
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("KRW-BTC");
    expect(html).toMatch(/<script nonce="[^"]+">/);
  }, 60_000);

  it("runs on a market's stored candles, read by the worker from the database", async () => {
    h = harness();
    const res = await h.request("/backtests", { as: "operator", form: { data: "db:KRW-BTC:1h", preset: "default" } });
    const id = Number(res.headers.get("location")!.split("/").pop());
    await finished(h, id);
    const row = getBacktestRun(h.handle.db, id)!;
    expect(row.status).toBe("done");
    expect(JSON.parse(row.metrics!).candles).toBeGreaterThan(0);
  }, 60_000);

  it("refuses bad input next to each field, and runs nothing", async () => {
    h = harness();
    const data = withCandleFile(h);
    const res = await h.request("/backtests", { as: "operator", form: { data: "file:../../etc/passwd", preset: "nope", from: "2024-13-45", to: "yesterday", params: '{"strategy": {"emaFast": -1}}' } });
    expect(res.status).toBe(422);
    const html = await res.text();
    for (const id of ["bt-data", "bt-preset", "bt-from", "bt-to"]) expect(html, id).toMatch(new RegExp(`id="${id}"[\\s\\S]*?<span class="field-error"`));
    // The backtester's own validation, line by line under the parameters box.
    const params = await h.request("/backtests", { as: "operator", form: { data, preset: "default", params: '{"strategy": {"emaFast": -1}}' } });
    expect(params.status).toBe(422);
    expect(await params.text()).toMatch(/id="bt-params"[\s\S]*?<span class="field-error" role="alert">strategy\.emaFast: [^<]+<\/span>/);
    const unknown = await h.request("/backtests", { as: "operator", form: { data, preset: "default", params: '{"bogus": 1}' } });
    expect(textOf(await unknown.text())).toContain('(root): Unrecognized key: "bogus"');
    const order = await h.request("/backtests", { as: "operator", form: { data, preset: "default", from: "2024-02-01", to: "2024-01-01" } });
    expect(textOf(await order.text())).toContain("종료일은 시작일보다 뒤여야 합니다.");
    expect(h.dashboard.backtests!.active).toBe(0);
  });

  it("runs one backtest at a time by default", async () => {
    h = harness();
    const data = withCandleFile(h);
    const first = await h.request("/backtests", { as: "operator", form: { data, preset: "default" } });
    expect(first.status).toBe(303);
    const second = await h.request("/backtests", { as: "operator", form: { data, preset: "default" } });
    expect(second.status).toBe(429);
    await finished(h, Number(first.headers.get("location")!.split("/").pop()));
  }, 60_000);

  it("answers htmx with a redirect to the run", async () => {
    h = harness();
    const res = await h.request("/backtests", { as: "operator", htmx: true, form: { data: "db:KRW-BTC:1h", preset: "default" } });
    expect(res.status).toBe(204);
    const to = res.headers.get("hx-redirect")!;
    expect(to).toMatch(/^\/backtests\/\d+$/);
    await finished(h, Number(to.split("/").pop()));
  }, 60_000);

  it("serves only reports the dashboard wrote", async () => {
    h = harness();
    const { startBacktestRun, finishBacktestRun } = await import("../../../../src/db/index.ts");
    const row = startBacktestRun(h.handle.db, { markets: ["KRW-BTC"], params: {} }, 1);
    finishBacktestRun(h.handle.db, row.id, { metrics: {}, reportPath: "/etc/passwd" }, 2);
    expect((await h.request(`/backtests/${row.id}/report`)).status).toBe(404);
    expect((await h.request("/backtests/999/report")).status).toBe(404);
    expect((await h.request("/backtests/999")).status).toBe(404);
  });
});
