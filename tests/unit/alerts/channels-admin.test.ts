import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ALERT_ENV_VARS, channelsFromEnv } from "../../../src/alerts/config.ts";
import { ChannelRegistry, type SecretSealer } from "../../../src/alerts/registry.ts";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import { type DbHandle, getAlert, listAlertChannels, listAlerts, listAudit, markAlertReleased, pruneAlerts, recordAlert, setAlertDeliveries } from "../../../src/db/index.ts";
import { captureLogger, openTestDb } from "./support.ts";

const TOKEN = "123456789:AAH-test_token_0123456789abcdefXYZ";
const SLACK = "https://127.0.0.1:9/services/T000/B000/XXXXSECRET";
const NOW = Date.UTC(2026, 10, 26);

/** AES-256-GCM with the context as additional data: the shape of the server's secrets box. */
function aesSealer(key = randomBytes(32)): SecretSealer & { sealedValues: string[] } {
  const sealedValues: string[] = [];
  return {
    sealedValues,
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv);
      c.setAAD(Buffer.from(context));
      const body = Buffer.concat([c.update(plaintext, "utf8"), c.final(), c.getAuthTag()]);
      const sealed = `v1:${iv.toString("base64")}:${body.toString("base64")}`;
      sealedValues.push(sealed);
      return sealed;
    },
    open(sealed, context) {
      const [, iv, b64] = sealed.split(":");
      const body = Buffer.from(b64!, "base64");
      const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv!, "base64"));
      d.setAAD(Buffer.from(context));
      d.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]).toString("utf8");
    },
  };
}

describe("channels from the environment", () => {
  it("builds the configured channels and lists every problem by variable", () => {
    const env = channelsFromEnv({
      ALERT_LANG: "en",
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_IDS: "111,-1002",
      SLACK_WEBHOOK_URL: SLACK,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: "465",
      SMTP_SECURE: "true",
      SMTP_USER: "u",
      SMTP_PASSWORD: "mail-password-1",
      SMTP_FROM: "bot@example.com",
      SMTP_TO: "ops@example.com",
      ALERT_WEBHOOK_URL: "https://127.0.0.1:9/hook",
      ALERT_WEBHOOK_SECRET: "webhook-secret-0123456789",
    });
    expect(env.problems).toEqual([]);
    expect(env.lang).toBe("en");
    expect(env.specs.map((s) => s.id)).toEqual(["env:telegram", "env:slack", "env:email", "env:webhook"]);
    expect(env.specs[2]!.config).toMatchObject({ host: "127.0.0.1", port: 465, secure: true, to: ["ops@example.com"] });
    expect([...env.secrets].sort()).toEqual([TOKEN, SLACK, "mail-password-1", "https://127.0.0.1:9/hook", "webhook-secret-0123456789"].sort());
  });

  it("a half-configured channel is a problem naming the variable; nothing set is no channel", () => {
    const env = channelsFromEnv({ TELEGRAM_BOT_TOKEN: TOKEN, SMTP_HOST: "127.0.0.1", SMTP_FROM: "bot@example.com", ALERT_LANG: "fr" });
    expect(env.specs).toEqual([]);
    expect(env.problems).toEqual(["ALERT_LANG: ko or en", "TELEGRAM_CHAT_IDS: at least one chat id", "SMTP_TO: at least one recipient"]);
    expect(env.lang).toBe("ko");
    expect(channelsFromEnv({}).specs).toEqual([]);
    expect(channelsFromEnv({ SLACK_WEBHOOK_URL: "  " }).specs).toEqual([]);
  });

  it("names every variable it reads", () => {
    expect([...ALERT_ENV_VARS].sort()).toEqual(
      ["ALERT_LANG", "TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_IDS", "TELEGRAM_API_URL", "SLACK_WEBHOOK_URL", "SMTP_HOST", "SMTP_PORT", "SMTP_SECURE", "SMTP_STARTTLS", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM", "SMTP_TO", "ALERT_WEBHOOK_URL", "ALERT_WEBHOOK_SECRET"].sort(),
    );
  });
});

describe("the alert repo verbs", () => {
  let handle: DbHandle;
  beforeEach(() => {
    handle = openTestDb();
  });
  afterEach(() => handle.close());

  it("stores alerts, their deliveries, releases held ones, filters and prunes", () => {
    const a = recordAlert(handle.db, { ts: 1, severity: "info", key: "fill:1", title: "t", text: "x", suppressed: false });
    const b = recordAlert(handle.db, { ts: 2, severity: "critical", key: "trading_halted", title: "t", text: "x", suppressed: true });
    recordAlert(handle.db, { ts: 3, severity: "warning", key: "trading_halted", title: "t", text: "y", suppressed: false });
    setAlertDeliveries(handle.db, a, [{ channel: "db:1", kind: "slack", ok: true, attempts: 1, at: 5 }]);
    expect(getAlert(handle.db, a)!.deliveries).toEqual([{ channel: "db:1", kind: "slack", ok: true, attempts: 1, at: 5 }]);
    expect(listAlerts(handle.db).map((r) => r.id)).toEqual([a + 2, a]);
    expect(listAlerts(handle.db, { includeSuppressed: true })).toHaveLength(3);
    expect(listAlerts(handle.db, { includeSuppressed: true, severities: ["critical"] }).map((r) => r.id)).toEqual([b]);
    expect(listAlerts(handle.db, { key: "trading_halted", includeSuppressed: true, beforeId: b + 1 }).map((r) => r.id)).toEqual([b]);
    expect(listAlerts(handle.db, { sinceTs: 3 })).toHaveLength(1);
    markAlertReleased(handle.db, b);
    expect(getAlert(handle.db, b)!.suppressed).toBe(false);
    handle.sqlite.exec(`UPDATE alerts SET channels_json = 'not json' WHERE id = ${a}`);
    expect(getAlert(handle.db, a)!.deliveries).toEqual([]);
    expect(pruneAlerts(handle.db, 3)).toBe(2);
    expect(listAlerts(handle.db, { includeSuppressed: true })).toHaveLength(1);
  });
});

describe("dashboard-managed channels", () => {
  let handle: DbHandle;
  let registry: ChannelRegistry;
  let sealer: ReturnType<typeof aesSealer>;
  let revealed: string[];
  let changes: number;
  const origin = { by: "admin", source: "192.0.2.7" };

  beforeEach(() => {
    handle = openTestDb();
    sealer = aesSealer();
    revealed = [];
    changes = 0;
    const env = channelsFromEnv({ SLACK_WEBHOOK_URL: SLACK });
    registry = new ChannelRegistry({
      db: handle.db,
      clock: new SimulatedClock(NOW),
      logger: captureLogger().logger,
      sealer,
      envSpecs: env.specs,
      channelDeps: { clock: new SimulatedClock(NOW), lang: "ko", random: () => 0.5 },
      onSecret: (v) => revealed.push(v),
      onChange: () => changes++,
    });
  });
  afterEach(() => handle.close());

  it("stores secret fields sealed and never shows them back", () => {
    const r = registry.create({ kind: "telegram", name: "운영 채팅", config: { botToken: TOKEN, chatIds: "111, 222", format: "plain" } }, origin);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.channel).toMatchObject({ id: `db:${r.channel.dbId}`, source: "db", kind: "telegram", name: "운영 채팅", enabled: true, secretsSet: ["botToken"] });
    expect(r.channel.config).toEqual({ chatIds: ["111", "222"], format: "plain", minSeverity: "info", quietBelow: "warning" });
    const stored = listAlertChannels(handle.db)[0]!;
    expect(stored.config).not.toContain(TOKEN);
    expect(JSON.parse(stored.config).sealed.botToken).toBe(sealer.sealedValues[0]);
    expect(JSON.stringify(registry.list())).not.toContain(TOKEN);
    expect(JSON.stringify(registry.list())).not.toContain("XXXXSECRET"); // the env Slack URL is a secret too
    expect(registry.list().map((v) => v.id)).toEqual(["env:slack", `db:${r.channel.dbId}`]);
    expect(registry.channels().map((c) => c.id)).toEqual(["env:slack", `db:${r.channel.dbId}:111`, `db:${r.channel.dbId}:222`]);
    expect(revealed).toContain(TOKEN);
    expect(revealed).toContain(SLACK);
    expect(changes).toBe(1);
    const audit = listAudit(handle.db)[0]!;
    expect(audit).toMatchObject({ actor: "admin", action: "alert_channel.created", target: `alert_channel:${r.channel.dbId}`, source: "192.0.2.7" });
    expect(audit.details).not.toContain(TOKEN);
    expect(JSON.parse(audit.details!).fields).toEqual(["botToken", "chatIds", "format"]);
  });

  it("binds a sealed value to its channel: copied onto another channel it does not open", () => {
    const a = registry.create({ kind: "slack", name: "a", config: { webhookUrl: SLACK } }, origin);
    const b = registry.create({ kind: "slack", name: "b", config: { webhookUrl: "https://127.0.0.1:9/services/T1/B1/OTHER" } }, origin);
    if (!a.ok || !b.ok) throw new Error("setup");
    const rows = listAlertChannels(handle.db);
    handle.sqlite.prepare("UPDATE alert_channels SET config = ? WHERE id = ?").run(rows[0]!.config, b.channel.dbId);
    registry.reload();
    const view = registry.list().find((v) => v.dbId === b.channel.dbId)!;
    expect(view.problem).toContain("cannot be decrypted");
    expect(registry.channels().map((c) => c.id)).toEqual(["env:slack", `db:${a.channel.dbId}`]);
  });

  it("reports field errors from the same schemas", () => {
    expect(registry.create({ kind: "pigeon", name: "x" }, origin)).toEqual({ ok: false, errors: { kind: "one of telegram, slack, email, webhook" } });
    expect(registry.create({ kind: "slack", name: " " }, origin)).toMatchObject({ ok: false, errors: { name: expect.any(String) } });
    const bad = registry.create({ kind: "email", name: "mail", config: { host: "", from: "nope", to: "" } }, origin);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(Object.keys(bad.errors).sort()).toEqual(["from", "host", "to"]);
    expect(listAlertChannels(handle.db)).toEqual([]);
  });

  it("updates: an empty secret keeps the stored one, a new one replaces it, clearSecrets removes an optional one", () => {
    const r = registry.create({ kind: "webhook", name: "hook", config: { url: "https://127.0.0.1:9/a?token=one", secret: "webhook-secret-0123456789" } }, origin);
    if (!r.ok) throw new Error("setup");
    const id = r.channel.dbId!;
    const renamed = registry.update(id, { name: "hook 2", config: { url: "", minSeverity: "critical" } }, origin);
    expect(renamed).toMatchObject({ ok: true, channel: { name: "hook 2", config: { minSeverity: "critical" }, secretsSet: ["url", "secret"] } });
    expect(registry.channels().find((c) => c.id === `db:${id}`)!.minSeverity).toBe("critical");
    registry.update(id, { config: { url: "https://127.0.0.1:9/b?token=two" }, clearSecrets: ["secret"] }, origin);
    const view = registry.list().find((v) => v.dbId === id)!;
    expect(view.secretsSet).toEqual(["url"]);
    expect(JSON.stringify(view)).not.toContain("token=two");
    const disabled = registry.update(id, { enabled: false }, origin);
    expect(disabled).toMatchObject({ ok: true, channel: { enabled: false } });
    expect(registry.channels().map((c) => c.id)).toEqual(["env:slack"]);
    expect(registry.update(id, { config: { url: "ftp://nope" } }, origin)).toMatchObject({ ok: false, errors: { url: expect.any(String) } });
    expect(registry.update(999, { name: "x" }, origin)).toEqual({ ok: false, errors: { _: "no such channel" } });
    expect(listAudit(handle.db, { action: "alert_channel.updated" }).map((a) => JSON.parse(a.details!).fields)).toEqual([["enabled"], ["url", "secret"], ["minSeverity", "name"]]);
  });

  it("removes a channel (audited)", () => {
    const r = registry.create({ kind: "slack", name: "s", config: { webhookUrl: SLACK } }, origin);
    if (!r.ok) throw new Error("setup");
    expect(registry.remove(r.channel.dbId!, origin)).toBe(true);
    expect(registry.remove(r.channel.dbId!, origin)).toBe(false);
    expect(registry.list().map((v) => v.id)).toEqual(["env:slack"]);
    expect(listAudit(handle.db, { action: "alert_channel.deleted" })).toHaveLength(1);
  });

  it("a box that cannot seal (no SECRETS_KEY) is a form error, and nothing is stored", () => {
    const locked = new ChannelRegistry({
      db: handle.db,
      clock: new SimulatedClock(NOW),
      logger: captureLogger().logger,
      sealer: {
        seal: () => {
          throw new Error("secrets cannot be stored: SECRETS_KEY is not set");
        },
        open: () => {
          throw new Error("no key");
        },
      },
      envSpecs: [],
      channelDeps: { clock: new SimulatedClock(NOW), lang: "ko", random: () => 0.5 },
    });
    expect(locked.create({ kind: "slack", name: "s", config: { webhookUrl: SLACK } }, origin)).toEqual({ ok: false, errors: { _: "secrets cannot be stored: SECRETS_KEY is not set" } });
    expect(listAlertChannels(handle.db)).toEqual([]);
    expect(listAudit(handle.db)).toEqual([]);
  });
});
