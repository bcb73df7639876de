import { afterEach, describe, expect, it } from "vitest";
import { RISK_PRESETS, resolveRiskParams } from "../../../../src/core/risk/index.ts";
import { resolveStrategyParams, STRATEGY_PRESETS, type EmaCrossParams } from "../../../../src/core/strategy/index.ts";
import { listAudit } from "../../../../src/db/index.ts";
import { formValues } from "../../../../src/server/dashboard/params-form.ts";
import { CLIENT_IP, harness, T0, textOf, XSS, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

/** The strategy form as the page fills it in (the parameters in force), with some values changed. */
function strategyForm(over: Record<string, string> = {}): Record<string, string> {
  return { ...formValues("strategy", STRATEGY_PRESETS.default), ...over };
}

function riskForm(over: Record<string, string> = {}): Record<string, string> {
  return { ...formValues("risk", resolveRiskParams({})), ...over };
}

/** The error shown right after the input named `name` (the field's own message). */
function fieldError(html: string, name: string): string | undefined {
  const id = `f-strategy-${name.replace(/\./g, "-")}`;
  const at = html.indexOf(`id="${id}"`);
  if (at < 0) return undefined;
  const block = html.slice(at, html.indexOf('<div class="param', at + 1) > 0 ? html.indexOf('<div class="param', at + 1) : at + 2000);
  return /<span class="field-error" id="[^"]+" role="alert">([^<]*)<\/span>/.exec(block)?.[1];
}

describe("strategy and risk parameters", () => {
  it("generates every field from the zod schema, with its bounds", async () => {
    h = harness();
    const html = await (await h.request("/settings", { as: "admin" })).text();
    for (const name of ["emaFast", "emaSlow", "stopLoss.mode", "stopLoss.atrMultiple", "takeProfits.levels.0.r", "takeProfits.levels.1.fraction", "trailingStop.enabled", "timeStop.bars"]) expect(html, name).toContain(`name="${name}"`);
    expect(html).toMatch(/<select id="f-strategy-stopLoss-mode" name="stopLoss\.mode"[^>]*><option value="atr" selected="">atr<\/option><option value="percent">percent<\/option>/);
    expect(textOf(html)).toContain("1 … 10000"); // emaFast's bounds
    expect(html).toContain('name="dailyLossLimit"');
    expect(textOf(html)).toMatch(/dailyLossLimit .*> 0, ≤ 1 · 비우면 끔/);
  });

  it("puts each problem next to its field, keeps what was typed, and changes nothing", async () => {
    h = harness();
    const res = await h.request("/settings/strategy", { as: "admin", form: strategyForm({ emaFast: "abc", rsiMin: "150", "stopLoss.percent": "2", "takeProfits.levels.0.fraction": "150", "takeProfits.levels.1.r": "two" }) });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(fieldError(html, "emaFast")).toBe("숫자를 입력하세요.");
    expect(fieldError(html, "rsiMin")).toMatch(/100/);
    expect(fieldError(html, "stopLoss.percent")).toMatch(/1/);
    // A percentage is checked in the unit it was typed in (not as the stored fraction's "≤ 1").
    expect(fieldError(html, "takeProfits.levels.0.fraction")).toBe("&gt; 0, ≤ 100 범위로 입력하세요.");
    expect(fieldError(html, "takeProfits.levels.1.r")).toBe("숫자를 입력하세요.");
    expect(html).toMatch(/id="f-strategy-takeProfits-levels-0-fraction" name="takeProfits\.levels\.0\.fraction" value="150"/);
    expect(fieldError(html, "emaSlow")).toBeUndefined();
    expect(html).toContain('id="f-strategy-emaFast" name="emaFast" value="abc"');
    expect(html).toMatch(/id="f-strategy-emaFast"[^>]*aria-invalid="true"/);
    expect(textOf(html)).toContain("입력값을 확인하세요.");
    expect(h.control.calls).toEqual([]);
  });

  it("reports the schema's cross-field rules on the field they name", async () => {
    h = harness();
    const html = await (await h.request("/settings/strategy", { as: "admin", form: strategyForm({ emaFast: "80", emaSlow: "60" }) })).text();
    expect(fieldError(html, "emaFast")).toBe("emaFast must be shorter than emaSlow");
  });

  it("applies valid parameters through the control port, validated by the same resolver", async () => {
    h = harness();
    const updates: unknown[] = [];
    h.control.updateParams = (next: unknown, origin) => {
      updates.push(next);
      h.control.calls.push({ method: "updateParams", origin });
      return Promise.resolve({ ok: true, message: "saved" });
    };
    const res = await h.request("/settings/strategy", { as: "admin", form: strategyForm({ emaFast: "12", "stopLoss.mode": "percent", "trailingStop.enabled": "" }) });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/settings#params-strategy");
    const expected = resolveStrategyParams({ ...STRATEGY_PRESETS.default, emaFast: 12, stopLoss: { ...STRATEGY_PRESETS.default.stopLoss, mode: "percent" }, trailingStop: { ...STRATEGY_PRESETS.default.trailingStop, enabled: false } });
    expect(updates).toEqual([{ strategy: expected }]);
    expect(h.control.calls[0]!.origin).toMatchObject({ by: "admin" });
    const [row] = listAudit(h.handle.db, { action: "settings.strategy" });
    expect(JSON.parse(row!.details!)).toMatchObject({ ok: true, params: { emaFast: 12 } });
  });

  it("answers htmx with the page, the section showing that it was saved", async () => {
    h = harness();
    const res = await h.request("/settings/risk", { as: "admin", htmx: true, form: riskForm({ maxPositions: "3", dailyLossLimit: "" }) });
    expect(res.status).toBe(200);
    const html = await res.text();
    const section = html.slice(html.indexOf('id="params-risk"'));
    expect(textOf(section)).toContain("리스크 한도 저장 후 적용했습니다.");
  });

  it("loads a preset into the form without saving it", async () => {
    h = harness();
    const html = await (await h.request("/settings?section=strategy&preset=classic", { as: "admin" })).text();
    expect(html).toMatch(/id="f-strategy-trailingStop-enabled" name="trailingStop.enabled" value="true"\/>/); // unchecked in classic
    expect(h.control.calls).toEqual([]);
  });
});

/** Undoes the entities hono writes in attribute values and text. */
const decode = (v: string) => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/**
 * What a browser submits for the form posting to `action` in `html` when nothing is changed: text
 * and hidden inputs, ticked checkboxes only, each select's chosen option, textareas.
 */
function submitted(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`<form method="post" action="${action}"`);
  expect(start, action).toBeGreaterThan(-1);
  const form = html.slice(start, html.indexOf("</form>", start));
  const attr = (tag: string, name: string) => {
    const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
    return m ? decode(m[1]!) : undefined;
  };
  const out: Record<string, string> = {};
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = attr(tag, "name");
    if (!name || (attr(tag, "type") === "checkbox" && attr(tag, "checked") === undefined)) continue;
    out[name] = attr(tag, "value") ?? "";
  }
  for (const [, name, options] of form.matchAll(/<select\b[^>]*\sname="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const chosen = /<option value="([^"]*)" selected=""/.exec(options!) ?? /<option value="([^"]*)"/.exec(options!);
    if (chosen) out[name!] = decode(chosen[1]!);
  }
  for (const [, name, text] of form.matchAll(/<textarea\b[^>]*\sname="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[name!] = decode(text!);
  return out;
}

describe("take-profit levels", () => {
  /** Records what the page asks the control port to apply. */
  function recording(h: Harness): { strategy?: EmaCrossParams; risk?: unknown }[] {
    const updates: { strategy?: EmaCrossParams; risk?: unknown }[] = [];
    h.control.updateParams = (next: unknown, origin) => {
      updates.push(next as { strategy?: EmaCrossParams });
      h.control.calls.push({ method: "updateParams", origin });
      return Promise.resolve({ ok: true, message: "saved" });
    };
    return updates;
  }

  it("shows each level's share of the position as a percentage, not as float noise", async () => {
    h = harness();
    for (const as of ["viewer", "admin"] as const) {
      const html = await (await h.request("/settings", { as })).text();
      const section = html.slice(html.indexOf('id="params-strategy"'), html.indexOf('id="params-risk"'));
      expect(section, as).toMatch(/name="takeProfits\.levels\.0\.r" value="1"/);
      expect(section, as).toMatch(/name="takeProfits\.levels\.0\.fraction" value="33\.33"/);
      expect(textOf(section), as).toContain("fraction (%) > 0, ≤ 100");
      // No 0.3333333333333333 in what a reader sees (an admin's form carries it in a hidden field).
      expect(textOf(section), as).not.toContain("0.333");
    }
    expect(await (await h.request("/settings", { as: "viewer" })).text()).not.toContain(":exact");
  });

  it("saving the page unchanged saves the parameters unchanged, exact fractions included (also a loaded preset)", async () => {
    h = harness();
    const updates = recording(h);
    const page = await (await h.request("/settings", { as: "admin" })).text();
    for (const section of ["strategy", "risk"] as const) {
      const res = await h.request(`/settings/${section}`, { as: "admin", form: submitted(page, `/settings/${section}`) });
      expect(res.status, section).toBe(303);
    }
    const classic = await (await h.request("/settings?section=strategy&preset=classic", { as: "admin" })).text();
    expect((await h.request("/settings/strategy", { as: "admin", form: submitted(classic, "/settings/strategy") })).status).toBe(303);
    expect(updates).toEqual([{ strategy: STRATEGY_PRESETS.default }, { risk: RISK_PRESETS.default }, { strategy: STRATEGY_PRESETS.classic }]);
    expect(updates[0]!.strategy!.takeProfits.levels.map((l) => l.fraction)).toEqual([1 / 3, 1 / 3]);
  });

  it("saves a changed share as its fraction without float noise, and keeps the untouched ones exact", async () => {
    h = harness();
    const updates = recording(h);
    const page = await (await h.request("/settings", { as: "admin" })).text();
    const form = { ...submitted(page, "/settings/strategy"), "takeProfits.levels.0.fraction": "33.3" };
    expect((await h.request("/settings/strategy", { as: "admin", form })).status).toBe(303);
    expect(updates[0]!.strategy!.takeProfits.levels).toEqual([
      { r: 1, fraction: 0.333 },
      { r: 2, fraction: 1 / 3 },
    ]);
  });

  it("removes a level whose row is cleared and adds one typed into a spare row; problems show on the form's row", async () => {
    h = harness();
    const updates = recording(h);
    const page = await (await h.request("/settings", { as: "admin" })).text();
    const base = submitted(page, "/settings/strategy");
    // Two levels and two spare rows.
    expect([base["takeProfits.levels.2.r"], base["takeProfits.levels.3.fraction"], base["takeProfits.levels.4.r"]]).toEqual(["", "", undefined]);
    const form = { ...base, "takeProfits.levels.0.r": "", "takeProfits.levels.0.fraction": "", "takeProfits.levels.3.r": "3", "takeProfits.levels.3.fraction": "25" };
    expect((await h.request("/settings/strategy", { as: "admin", form })).status).toBe(303);
    expect(updates[0]!.strategy!.takeProfits.levels).toEqual([
      { r: 2, fraction: 1 / 3 },
      { r: 3, fraction: 0.25 },
    ]);

    // The schema's issue with the list's third entry is the form's fourth row (the third is blank).
    const bad = await h.request("/settings/strategy", { as: "admin", form: { ...base, "takeProfits.levels.3.r": "-1", "takeProfits.levels.3.fraction": "10" } });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(fieldError(html, "takeProfits.levels.3.r")).toMatch(/0/);
    expect(html).toMatch(/id="f-strategy-takeProfits-levels-3-r" name="takeProfits\.levels\.3\.r" value="-1"[^>]*aria-invalid="true"/);
    // A rule about the whole list is shown under the list.
    const unordered = await (await h.request("/settings/strategy", { as: "admin", form: { ...base, "takeProfits.levels.1.r": "0.5" } })).text();
    expect(fieldError(unordered, "takeProfits.levels")).toBe("levels in strictly increasing r");
    expect(updates).toHaveLength(1);
  });
});

describe("exchange API keys", () => {
  it("stores the keys in the secrets box and never shows them back", async () => {
    h = harness();
    const before = textOf(await (await h.request("/settings", { as: "admin" })).text());
    expect(before).toMatch(/bithumb\.access_key 미설정/);
    const access = "AKIA-access-0123456789";
    const secret = "super-secret-key-9876543210";
    const res = await h.request("/settings/keys", { as: "admin", form: { accessKey: access, secretKey: secret } });
    expect(res.status).toBe(303);
    expect(h.secrets.secretInfo("bithumb.access_key")).toMatchObject({ updatedBy: "admin" });
    const after = await (await h.request("/settings", { as: "admin" })).text();
    expect(textOf(after)).toMatch(/bithumb\.access_key 설정됨 .*admin/);
    expect(after).not.toContain(access);
    expect(after).not.toContain(secret);
    expect(after).not.toMatch(/name="(accessKey|secretKey)"[^>]*value=/);
    // Audited by the box, naming the key and never its value.
    const audit = JSON.stringify(listAudit(h.handle.db));
    expect(audit).toContain("secret.saved");
    expect(audit).not.toContain(secret);
    expect(h.log.text()).not.toContain(secret);
    expect((await h.request("/settings/keys/delete", { as: "admin", form: {} })).status).toBe(303);
    expect(h.secrets.secretInfo("bithumb.secret_key")).toBeUndefined();
  });

  it("refuses a malformed key next to its field", async () => {
    h = harness();
    const res = await h.request("/settings/keys", { as: "admin", form: { accessKey: "short", secretKey: "has space inside it" } });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="key-access"[^>]*\/><span class="field-error" role="alert">8–256자의 공백 없는 키를 입력하세요\.<\/span>/);
    expect(html).not.toContain("has space inside it");
  });
});

describe("users and roles", () => {
  it("creates a user through the platform's service, with its validation next to the fields", async () => {
    h = harness();
    const bad = await h.request("/settings/users", { as: "admin", form: { name: "bad name!", password: "short", role: "viewer", lang: "ko" } });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toMatch(/id="nu-name"[\s\S]*?field-error/);
    expect(html).toMatch(/id="nu-password"[\s\S]*?field-error/);
    const ok = await h.request("/settings/users", { as: "admin", form: { name: "newbie", password: "a-long-enough-password", role: "operator", lang: "en" } });
    expect(ok.status).toBe(303);
    expect(h.auth.users.findByName("newbie")).toMatchObject({ role: "operator", lang: "en" });
    expect(listAudit(h.handle.db, { action: "user.created" })[0]).toMatchObject({ actor: "admin", target: "newbie" });
    expect(textOf(await (await h.request("/settings", { as: "admin" })).text())).toContain("newbie");
  });

  it("changes a role and refuses to demote the last admin", async () => {
    h = harness();
    expect((await h.request("/settings/users/1/role", { as: "admin", form: { role: "operator" } })).status).toBe(303);
    expect(h.auth.users.getUser(1)?.role).toBe("operator");
    const res = await h.request("/settings/users/3/role", { as: "admin", form: { role: "viewer" } });
    expect(res.status).toBe(422);
    expect(h.auth.users.getUser(3)?.role).toBe("admin");
  });
});

describe("API tokens", () => {
  it("shows a new token's secret once, in an uncached answer, and revokes it", async () => {
    h = harness();
    const res = await h.request("/settings/tokens", { as: "admin", form: { name: "grafana", scopes: ["read", "trade"] } });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const token = /<code class="secret" tabindex="0">([^<]+)<\/code>/.exec(html)?.[1];
    expect(token).toMatch(/^bkt_\d+_/);
    expect(h.auth.tokens.authenticate(token!)).toMatchObject({ name: "grafana", scopes: ["read", "trade"] });
    const later = await (await h.request("/settings", { as: "admin" })).text();
    expect(later).not.toContain(token!);
    expect(textOf(later)).toMatch(/grafana read, trade admin/);
    const id = h.auth.tokens.listTokens()[0]!.id;
    expect((await h.request(`/settings/tokens/${id}/revoke`, { as: "admin", form: {} })).status).toBe(303);
    expect(h.auth.tokens.authenticate(token!)).toBeUndefined();
  });

  it("refuses a token without scopes or with a bad name", async () => {
    h = harness();
    expect((await h.request("/settings/tokens", { as: "admin", form: { name: "ok-name" } })).status).toBe(422);
    expect((await h.request("/settings/tokens", { as: "admin", form: { name: "<bad>", scopes: "read" } })).status).toBe(422);
    expect(h.auth.tokens.listTokens()).toEqual([]);
  });
});

describe("alert channels", () => {
  it("sends a test alert through a channel and says whether it arrived", async () => {
    h = harness();
    const ok = await h.request("/settings/alerts/test", { as: "admin", form: { id: "env:telegram" }, htmx: true });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("ops chat: 테스트 알림을 보냈습니다.");
    h.alerts.testResult = { ok: false, retryable: true, error: "HTTP 502 from the receiver" };
    const failed = await h.request("/settings/alerts/test", { as: "admin", form: { id: "db:1" }, htmx: true });
    expect(failed.status).toBe(502);
    expect(await failed.text()).toContain("발송 실패 (HTTP 502 from the receiver)");
    // Sent in the name of the user who pressed the button, and audited like any operator action:
    // who, what (which channel, the outcome), when and from where.
    expect(h.alerts.tests).toEqual([
      { id: "env:telegram", by: "admin" },
      { id: "db:1", by: "admin" },
    ]);
    const rows = listAudit(h.handle.db, { action: "alerts.test" });
    expect(rows.map((r) => ({ ts: r.ts, actor: r.actor, target: r.target, source: r.source }))).toEqual([
      { ts: T0, actor: "admin", target: "db:1", source: CLIENT_IP },
      { ts: T0, actor: "admin", target: "env:telegram", source: CLIENT_IP },
    ]);
    expect(JSON.parse(rows[0]!.details!)).toMatchObject({ kind: "webhook", name: "<b>hook</b>", ok: false, error: "HTTP 502 from the receiver", via: "dashboard" });
    expect(JSON.parse(rows[1]!.details!)).toMatchObject({ kind: "telegram", name: "ops chat", ok: true, via: "dashboard" });
    expect((await h.request("/settings/alerts/test", { as: "admin", form: { id: "db:99" } })).status).toBe(303);
  });

  it("adds a channel: required fields checked, the audit names fields but never values", async () => {
    h = harness();
    const missing = await h.request("/settings/alerts", { as: "admin", form: { kind: "telegram", name: "phone", botToken: "" , chatIds: "" } });
    expect(missing.status).toBe(422);
    expect(h.alerts.created).toEqual([]);
    const token = "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const res = await h.request("/settings/alerts", { as: "admin", form: { kind: "telegram", name: "phone", minSeverity: "critical", botToken: token, chatIds: "12345" } });
    expect(res.status).toBe(303);
    expect(h.alerts.created).toEqual([{ kind: "telegram", name: "phone", minSeverity: "critical", config: { botToken: token, chatIds: "12345" } }]);
    const audit = JSON.stringify(listAudit(h.handle.db, { action: "alerts.channel.create" }));
    expect(audit).toContain("botToken");
    expect(audit).not.toContain(token);
  });

  it("shows the alerter's refusal next to the field it names", async () => {
    h = harness();
    const { ApiError } = await import("../../../../src/server/errors.ts");
    h.alerts.createChannel = async () => {
      throw new ApiError(400, "invalid_request", "invalid channel settings", { fields: { webhookUrl: ["an https URL"] } });
    };
    const res = await h.request("/settings/alerts", { as: "admin", form: { kind: "slack", name: "s", webhookUrl: "ftp://x" } });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/<details open="">\s*<summary>slack<\/summary>/);
    expect(html).toMatch(/id="ch-slack-webhookUrl"[^>]*\/><span class="field-error"[^>]*>an https URL<\/span>/);
  });

  it("lists channels with their names escaped", async () => {
    h = harness();
    h.alerts.channels[1] = { ...h.alerts.channels[1]!, name: XSS };
    const html = await (await h.request("/settings", { as: "admin" })).text();
    expect(html).not.toContain(XSS);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });
});

describe("without the optional services", () => {
  it("says a section is not available instead of failing", async () => {
    h = harness({ users: undefined, tokens: undefined, alerts: undefined, secrets: undefined });
    const res = await h.request("/settings", { as: "admin" });
    expect(res.status).toBe(200);
    expect(textOf(await res.text()).match(/이 서버에 연결되지 않은 기능입니다/g)).toHaveLength(4);
    expect((await h.request("/settings/users", { as: "admin", form: { name: "x", password: "y", role: "viewer" } })).status).toBe(503);
  });
});
