import { afterEach, describe, expect, it } from "vitest";
import { listAudit } from "../../../../src/db/index.ts";
import { CLIENT_IP, harness, textOf, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

/** Every route of the dashboard that changes something, with a body it would accept. */
const MUTATING: readonly { path: string; form: Record<string, string>; role: "operator" | "admin" }[] = [
  { path: "/trading/pause", form: {}, role: "operator" },
  { path: "/trading/resume", form: {}, role: "operator" },
  { path: "/trading/flatten-all", form: { confirm: "yes" }, role: "operator" },
  { path: "/markets/KRW-BTC/pause", form: {}, role: "operator" },
  { path: "/markets/KRW-XRP/resume", form: {}, role: "operator" },
  { path: "/markets/KRW-ETH/flatten", form: { confirm: "yes" }, role: "operator" },
  { path: "/backtests", form: { data: "x", preset: "default" }, role: "operator" },
  { path: "/settings/strategy", form: { emaFast: "10" }, role: "admin" },
  { path: "/settings/risk", form: { maxPositions: "3" }, role: "admin" },
  { path: "/settings/keys", form: { accessKey: "access-key-1234", secretKey: "secret-key-1234" }, role: "admin" },
  { path: "/settings/keys/delete", form: {}, role: "admin" },
  { path: "/settings/alerts", form: { kind: "slack", name: "n", webhookUrl: "https://hooks.example.invalid/x" }, role: "admin" },
  { path: "/settings/alerts/test", form: { id: "db:1" }, role: "admin" },
  { path: "/settings/alerts/enable", form: { id: "db:1", enabled: "false" }, role: "admin" },
  { path: "/settings/alerts/delete", form: { id: "db:1" }, role: "admin" },
  { path: "/settings/users", form: { name: "newbie", password: "long-enough-password", role: "viewer", lang: "ko" }, role: "admin" },
  { path: "/settings/users/1/role", form: { role: "operator" }, role: "admin" },
  { path: "/settings/users/1/disable", form: {}, role: "admin" },
  { path: "/settings/users/1/enable", form: {}, role: "admin" },
  { path: "/settings/users/1/password", form: { password: "another-long-password" }, role: "admin" },
  { path: "/settings/tokens", form: { name: "ci", scopes: "read" }, role: "admin" },
  { path: "/settings/tokens/1/revoke", form: {}, role: "admin" },
];

describe("every mutating route is guarded on the server", () => {
  it.each(MUTATING)("$path refuses a weaker role, a missing CSRF token and no session", async ({ path, form, role }) => {
    h = harness();
    const weaker = role === "admin" ? (["viewer", "operator"] as const) : (["viewer"] as const);
    for (const as of weaker) {
      const res = await h.request(path, { as, form });
      expect(res.status, `${path} as ${as}`).toBe(403);
    }
    const forged = await h.request(path, { as: role, form, csrf: false });
    expect(forged.status, `${path} without CSRF`).toBe(403);
    const wrongToken = await h.request(path, { as: role, form, csrf: false, headers: { "x-csrf-token": "csrf-token-for-someone-else" } });
    expect(wrongToken.status, `${path} with another session's token`).toBe(403);
    const anonymous = await h.request(path, { as: null, form });
    expect([401, 303], `${path} without a session`).toContain(anonymous.status);
    // Nothing happened: no command reached the bot, no change was recorded.
    expect(h.control.calls).toEqual([]);
    expect(listAudit(h.handle.db).filter((r) => r.actor !== "test")).toEqual([]);
  });

  it("refuses a forged cross-site form post even with the right token", async () => {
    h = harness();
    const res = await h.request("/trading/pause", { as: "operator", form: {}, headers: { "sec-fetch-site": "cross-site" } });
    expect(res.status).toBe(403);
    expect(h.control.calls).toEqual([]);
  });

  it("accepts the token as the hidden _csrf field of a plain form", async () => {
    h = harness();
    const res = await h.request("/markets/KRW-BTC/pause", { as: "operator", csrf: false, form: { _csrf: "csrf-token-for-operator", back: "/markets" } });
    expect(res.status).toBe(303);
    expect(h.control.calls.map((c) => c.method)).toEqual(["pauseMarket"]);
  });
});

describe("trader and trading commands", () => {
  it("pauses a market as the operator from their address, audits it and goes back with a message", async () => {
    h = harness();
    const res = await h.request("/markets/KRW-BTC/pause", { as: "operator", form: { back: "/markets?q=btc" } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/markets?q=btc");
    expect(h.control.calls).toEqual([{ method: "pauseMarket", market: "KRW-BTC", origin: { by: "operator", source: CLIENT_IP } }]);
    const [row] = listAudit(h.handle.db, { action: "trader.pause" });
    expect(row).toMatchObject({ actor: "operator", target: "KRW-BTC", source: CLIENT_IP });
    expect(JSON.parse(row!.details!)).toMatchObject({ ok: true, via: "dashboard" });
    // The message waits in a cookie for the page the browser goes back to, and is shown once.
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/dash_flash=[^;]+; Max-Age=60; Path=\/; HttpOnly; SameSite=Strict/);
    const next = await h.request("/markets?q=btc", { as: "operator", headers: { cookie: cookie.split(";")[0]! } });
    expect(textOf(await next.text())).toContain("KRW-BTC 일시 정지: pauseMarket KRW-BTC done");
    expect(next.headers.get("set-cookie")).toMatch(/dash_flash=;/);
  });

  it("answers htmx with the message as a fragment", async () => {
    h = harness();
    const res = await h.request("/markets/KRW-XRP/resume", { as: "operator", form: {}, htmx: true });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div class="flash ok" role="status">KRW-XRP 재개: resumeMarket KRW-XRP done</div>');
    expect(html).toContain('<div id="dialog" hx-swap-oob="true"></div>');
  });

  it("shows a refusal as an error (409) and records it", async () => {
    h = harness();
    h.control.answer = async () => ({ ok: false, message: "trading is halted" });
    const res = await h.request("/trading/resume", { as: "operator", form: {}, htmx: true });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("전체 재개 거부됨: trading is halted");
    expect(JSON.parse(listAudit(h.handle.db, { action: "trading.resume" })[0]!.details!)).toMatchObject({ ok: false, message: "trading is halted" });
  });

  it("reports a command that threw as a failure without its details, and records it", async () => {
    h = harness();
    h.control.answer = async () => {
      throw new Error("exchange exploded: secret stuff");
    };
    const res = await h.request("/trading/pause", { as: "operator", form: {}, htmx: true });
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).toContain("전체 일시 정지 실패");
    expect(html).not.toContain("secret stuff");
    expect(listAudit(h.handle.db, { action: "trading.pause" })).toHaveLength(1);
  });

  it("does not send the browser to another site after a form", async () => {
    h = harness();
    for (const back of ["//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:alert(1)"]) {
      const res = await h.request("/markets/KRW-BTC/pause", { as: "operator", form: { back } });
      expect(res.headers.get("location"), back).toBe("/markets/KRW-BTC");
    }
  });

  it("answers a market without a trader with 404 and sends nothing", async () => {
    h = harness();
    expect((await h.request("/markets/KRW-EVIL/pause", { as: "operator", form: {} })).status).toBe(404);
    expect((await h.request("/markets/KRW-NONE/flatten", { as: "operator", form: { confirm: "yes" } })).status).toBe(404);
    expect(h.control.calls).toEqual([]);
  });
});

describe("flattening needs a confirmation, enforced by the server", () => {
  it("turns a flatten without confirmation into the confirmation page (no JavaScript)", async () => {
    h = harness();
    const res = await h.request("/markets/KRW-ETH/flatten", { as: "operator", form: { back: "/positions" } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/confirm/flatten/KRW-ETH?back=${encodeURIComponent("/positions")}`);
    expect(h.control.calls).toEqual([]);
    const page = await h.request(res.headers.get("location")!, { as: "operator" });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toMatch(/<form method="post" action="\/markets\/KRW-ETH\/flatten"/);
    expect(html).toContain('name="confirm" value="yes"');
    expect(html).toContain('name="_csrf" value="csrf-token-for-operator"');
    expect(textOf(html)).toContain("0.2 @ 5,000,000"); // what will be sold
    expect(html).toContain('href="/positions"'); // cancel goes back
  });

  it("opens the confirmation as a dialog for htmx", async () => {
    h = harness();
    const res = await h.request("/confirm/flatten/KRW-ETH", { as: "operator", htmx: true });
    const html = await res.text();
    expect(html.startsWith('<div class="modal" role="dialog"')).toBe(true);
    expect(html).toContain('hx-post="/markets/KRW-ETH/flatten"');
    const unconfirmed = await h.request("/trading/flatten-all", { as: "operator", form: {}, htmx: true });
    expect(await unconfirmed.text()).toContain('hx-post="/trading/flatten-all"');
    expect(h.control.calls).toEqual([]);
  });

  it("flattens once confirmed", async () => {
    h = harness();
    const res = await h.request("/markets/KRW-ETH/flatten", { as: "operator", form: { confirm: "yes", back: "/positions" } });
    expect(res.status).toBe(303);
    expect(h.control.calls.map((c) => [c.method, c.market])).toEqual([["flattenMarket", "KRW-ETH"]]);
    const all = await h.request("/trading/flatten-all", { as: "operator", form: { confirm: "yes" }, htmx: true });
    expect(all.status).toBe(200);
    expect(h.control.calls.map((c) => c.method)).toEqual(["flattenMarket", "flattenAll"]);
    expect(listAudit(h.handle.db).map((r) => r.action).filter((a) => a.startsWith("tra"))).toEqual(["trading.flattenAll", "trader.flatten"]);
  });

  it("does not show a viewer the confirmation either", async () => {
    h = harness();
    expect((await h.request("/confirm/flatten-all", { as: "viewer" })).status).toBe(403);
    expect((await h.request("/confirm/flatten/KRW-ETH", { as: "viewer" })).status).toBe(403);
  });
});
