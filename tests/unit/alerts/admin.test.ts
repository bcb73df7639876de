import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAlertAdmin } from "../../../src/alerts/admin.ts";
import { channelsFromEnv } from "../../../src/alerts/config.ts";
import { type AlertService, createAlertService } from "../../../src/alerts/service.ts";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import type { DbHandle } from "../../../src/db/index.ts";
import type { AlertAdmin } from "../../../src/server/dashboard/deps.ts";
import { ApiError } from "../../../src/server/errors.ts";
import { createSecretsBox } from "../../../src/server/secrets.ts";
import { captureLogger, deadPort, type HttpReceiver, openTestDb, startHttpReceiver } from "./support.ts";

const NOW = Date.UTC(2026, 10, 26);
const TOKEN = "123456789:AAH-admin_token_0123456789abcdef";

describe("the dashboard's view of the alerts", () => {
  let handle: DbHandle;
  let rx: HttpReceiver;
  let service: AlertService;
  let admin: AlertAdmin;
  let smtpPort: number;
  let log: ReturnType<typeof captureLogger>;

  beforeEach(async () => {
    handle = openTestDb();
    rx = startHttpReceiver();
    // Every host here is loopback: the e-mail channel points at a port nobody listens on.
    smtpPort = await deadPort();
    const clock = new SimulatedClock(NOW);
    log = captureLogger();
    service = createAlertService({
      db: handle.db,
      clock,
      logger: log.logger,
      env: channelsFromEnv({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_IDS: "111", TELEGRAM_API_URL: rx.url, SMTP_HOST: "127.0.0.1", SMTP_PORT: String(smtpPort), SMTP_FROM: "bot@example.com", SMTP_TO: "ops@example.com" }),
      sealer: createSecretsBox({ db: handle.db, clock, key: new Uint8Array(32).fill(1) }),
      random: () => 0.5,
    });
    await service.start();
    // Typed as the dashboard's interface: this line fails to compile if the two drift apart.
    admin = createAlertAdmin({ service, db: handle.db, refuse: (message, fields) => new ApiError(422, "invalid_request", message, { fields }) });
  });
  afterEach(async () => {
    await service.stop({ drainMs: 0 });
    rx.close();
    handle.close();
  });

  it("lists environment and stored channels with non-secret summaries", async () => {
    await admin.createChannel({ kind: "webhook", name: "ops hook", minSeverity: "critical", config: { url: `${rx.url}/hook?key=SECRETKEY`, secret: "signing-secret-0123456789" } }, "admin");
    const list = await admin.listChannels();
    expect(list).toEqual([
      { id: "env:telegram", kind: "telegram", name: "telegram (env)", enabled: true, minSeverity: "info", summary: `chats 111 · markdown · ${new URL(rx.url).host}`, editable: false },
      { id: "env:email", kind: "email", name: "email (env)", enabled: true, minSeverity: "warning", summary: `127.0.0.1:${smtpPort} (STARTTLS) → ops@example.com`, editable: false },
      { id: "db:1", kind: "webhook", name: "ops hook", enabled: true, minSeverity: "critical", summary: `${new URL(rx.url).host} · signed`, editable: true },
    ]);
    expect(JSON.stringify(list)).not.toContain("SECRETKEY");
    expect(JSON.stringify(list)).not.toContain(TOKEN);
  });

  it("refuses bad settings and environment channels with the server's 4xx error and per-field messages", async () => {
    const bad = await admin.createChannel({ kind: "email", name: "mail", minSeverity: "info", config: { host: "h", from: "nope", to: "x@y.z", starttls: "on" } }, "admin").catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect((bad as ApiError).status).toBe(422);
    expect((bad as ApiError).fields).toEqual({ from: ["an e-mail address like bot@example.com"] });
    const envEdit = await admin.setChannelEnabled("env:telegram", false, "admin").catch((e: unknown) => e);
    expect((envEdit as ApiError).message).toContain("environment");
    const missing = await admin.deleteChannel("db:99", "admin").catch((e: unknown) => e);
    expect((missing as ApiError).message).toBe("no such channel");
  });

  it("adds, disables and deletes a stored channel; a checkbox STARTTLS means required", async () => {
    const added = (await admin.createChannel({ kind: "email", name: "mail", minSeverity: "critical", config: { host: "127.0.0.1", port: String(smtpPort), from: "bot@example.com", to: "a@example.com, b@example.com", password: "pw-123456", starttls: "on" } }, "admin")) as { id: string; summary?: string };
    expect(added).toMatchObject({ id: "db:1", summary: `127.0.0.1:${smtpPort} (STARTTLS) → a@example.com, b@example.com` });
    expect(service.channels.specs().find((s) => s.id === "db:1")!.config).toMatchObject({ starttls: "required", minSeverity: "critical" });
    await admin.setChannelEnabled("db:1", false, "admin");
    expect((await admin.listChannels()).find((c) => c.id === "db:1")!.enabled).toBe(false);
    expect(service.channels.channels().some((c) => c.id === "db:1")).toBe(false);
    await admin.deleteChannel("db:1", "admin");
    expect((await admin.listChannels()).map((c) => c.id)).toEqual(["env:telegram", "env:email"]);
  });

  it("tests a channel and shows recent alerts", async () => {
    const ok = await admin.testChannel("env:telegram", "kim");
    // The HTTP receiver answers "ok", which is not a Bot API answer: not counted as delivered.
    expect(ok).toEqual({ ok: false, retryable: false, error: "Telegram sendMessage: 200 ok" });
    expect(await admin.testChannel("db:77", "kim")).toEqual({ ok: false, retryable: false, error: "no such channel" });
    await admin.createChannel({ kind: "webhook", name: "hook", minSeverity: "info", config: { url: `${rx.url}/hook` } }, "admin");
    expect(await admin.testChannel("db:1", "lee")).toEqual({ ok: true, retryable: false });
    // The message, the stored alert and the alerter's log line name who pressed the button (never "system").
    expect(rx.received.some((r) => r.body.includes("lee"))).toBe(true);
    const tests = log.lines().filter((l) => l["msg"] === "alert channel test");
    expect(tests.map((l) => [l["target"], l["by"]])).toEqual([
      ["env:telegram", "kim"],
      ["db:77", "kim"],
      ["db:1", "lee"],
    ]);
    service.alerter.alert({ severity: "critical", key: "trading_halted", title: "전체 거래 중단", text: "x", ts: NOW });
    const recent = await admin.recentAlerts(5);
    expect(recent[0]).toMatchObject({ severity: "critical", title: "전체 거래 중단", suppressed: false });
    expect(recent.map((a) => a.title)).toContain("테스트 알림");
    const senders = recent.filter((a) => a.title === "테스트 알림").map((a) => /^(\w+)이\(가\) 보낸/.exec(a.text)?.[1]);
    expect(senders.sort()).toEqual(["kim", "kim", "lee"]);
  });
});
