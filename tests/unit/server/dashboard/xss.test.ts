import { afterEach, describe, expect, it } from "vitest";
import { formValues } from "../../../../src/server/dashboard/params-form.ts";
import { STRATEGY_PRESETS } from "../../../../src/core/strategy/index.ts";
import { harness, XSS, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

/** The payload did not come back as markup, and did come back as text. */
function escaped(html: string) {
  expect(html).not.toContain("<script>alert(");
  expect(html).not.toMatch(/<img src=x onerror/i);
  expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
}

describe("exchange and user text is escaped", () => {
  it("in market names (the exchange's listing)", async () => {
    h = harness();
    escaped(await (await h.request("/markets")).text());
    escaped(await (await h.request("/markets/KRW-EVIL")).text());
  });

  it("in actor errors (overview, actors page, live fragments)", async () => {
    h = harness();
    escaped(await (await h.request("/")).text());
    escaped(await (await h.request("/actors", { as: "operator" })).text());
    const got: string[] = [];
    h.dashboard.live.subscribe(["actors"], { lang: "ko", operate: true }, (frame) => void got.push(new TextDecoder().decode(frame)));
    await h.dashboard.live.tick();
    escaped(got.join(""));
  });

  it("in alert texts", async () => {
    h = harness();
    const html = await (await h.request("/")).text();
    expect(html).toContain("reconciliation mismatch &lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("in values typed into a settings form and sent back with its errors", async () => {
    h = harness();
    const form = formValues("strategy", STRATEGY_PRESETS.default);
    const res = await h.request("/settings/strategy", { as: "admin", form: { ...form, emaFast: XSS, "stopLoss.mode": XSS, "takeProfits.levels.0.fraction": XSS, "takeProfits.levels.1.r": XSS } });
    expect(res.status).toBe(422);
    escaped(await res.text());
  });

  it("in a command's refusal message and in the flash message after a redirect", async () => {
    h = harness();
    h.control.answer = async () => ({ ok: false, message: XSS });
    const fragment = await (await h.request("/markets/KRW-BTC/pause", { as: "operator", form: {}, htmx: true })).text();
    escaped(fragment);
    const res = await h.request("/markets/KRW-BTC/pause", { as: "operator", form: { back: "/markets" } });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("dash_flash="))!.split(";")[0]!;
    escaped(await (await h.request("/markets", { as: "operator", headers: { cookie } })).text());
  });

  it("in a forged flash cookie", async () => {
    h = harness();
    const cookie = `dash_flash=${encodeURIComponent(JSON.stringify({ kind: "error", text: XSS }))}`;
    escaped(await (await h.request("/", { headers: { cookie } })).text());
    const bad = await h.request("/", { headers: { cookie: `dash_flash=${encodeURIComponent(JSON.stringify({ kind: "<b>", text: 1 }))}` } });
    expect(bad.status).toBe(200);
  });

  it("in search terms echoed into the search box", async () => {
    h = harness();
    const html = await (await h.request(`/markets?q=${encodeURIComponent('"><script>alert(1)</script>')}`)).text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });
});
