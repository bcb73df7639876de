/**
 * The alerts module assembled as main.ts wires it: channels from the environment (Telegram, Slack,
 * e-mail over STARTTLS, a signed webhook) plus one managed on the dashboard (sealed by the real
 * secrets box), the dispatcher behind the runtime's AlertSink, the Telegram command bot and the
 * test button, every receiver a local server on 127.0.0.1. Also: no secret in any log line.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelsFromEnv } from "../../src/alerts/config.ts";
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, verifyWebhookSignature } from "../../src/alerts/channels/webhook.ts";
import { createAlertService, type AlertService } from "../../src/alerts/service.ts";
import { SimulatedClock } from "../../src/clock/simulated.ts";
import { type DbHandle, listAlertChannels, listAlerts, listAudit } from "../../src/db/index.ts";
import { createSecretsBox } from "../../src/server/secrets.ts";
import {
  captureLogger,
  FakeControl,
  type HttpReceiver,
  openTestDb,
  type SmtpReceiver,
  startHttpReceiver,
  startSmtpReceiver,
  startTelegramFake,
  type TelegramFake,
  TLS_CERT,
  waitFor,
} from "../unit/alerts/support.ts";

const NOW = Date.UTC(2026, 10, 26, 3, 0);
const TOKEN = "123456789:AAH-integration_token_0123456789";
const SMTP_PASSWORD = "smtp-password-5678";
const WEBHOOK_SECRET = "webhook-secret-abcdef0123456789";
const DB_WEBHOOK_SECRET = "db-webhook-secret-0123456789ab";

describe("the alert service with every channel on loopback", () => {
  let telegram: TelegramFake;
  let slack: HttpReceiver;
  let hook: HttpReceiver;
  let dbHook: HttpReceiver;
  let smtp: SmtpReceiver;
  let handle: DbHandle;
  let service: AlertService;
  let control: FakeControl;
  const clock = new SimulatedClock(NOW);
  const log = captureLogger("debug");

  beforeAll(async () => {
    telegram = startTelegramFake(TOKEN);
    slack = startHttpReceiver();
    hook = startHttpReceiver();
    dbHook = startHttpReceiver();
    smtp = await startSmtpReceiver({ starttls: true, credentials: { user: "bot", password: SMTP_PASSWORD } });
    handle = openTestDb();
    control = new FakeControl();
    const env = channelsFromEnv({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_IDS: "111",
      TELEGRAM_API_URL: telegram.url,
      SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/SLACKSECRET`,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      SMTP_STARTTLS: "required",
      SMTP_USER: "bot",
      SMTP_PASSWORD,
      SMTP_FROM: "bot@trader.example",
      SMTP_TO: "ops@example.com",
      ALERT_WEBHOOK_URL: `${hook.url}/alerts`,
      ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    expect(env.problems).toEqual([]);
    const box = createSecretsBox({ db: handle.db, clock, key: new Uint8Array(32).fill(7) });
    service = createAlertService({
      db: handle.db,
      clock,
      logger: log.logger,
      env,
      sealer: box,
      random: () => 0.5,
      smtpTls: { ca: TLS_CERT },
      telegram: { pollTimeoutSec: 1 },
    });
    // As main.ts does it: the alerter exists first (the runtime raises alerts while it starts), commands come with the runtime.
    await service.start({ control });
  });

  afterAll(async () => {
    await service.stop({ drainMs: 100 });
    telegram.close();
    slack.close();
    hook.close();
    dbHook.close();
    await smtp.close();
    handle.close();
  });

  it("a dashboard-managed channel is stored sealed and joins the delivery channels", () => {
    const r = service.channels.create({ kind: "webhook", name: "audit sink", config: { url: `${dbHook.url}/in`, secret: DB_WEBHOOK_SECRET } }, { by: "admin", source: "192.0.2.7" });
    expect(r.ok).toBe(true);
    expect(listAlertChannels(handle.db)[0]!.config).not.toContain(DB_WEBHOOK_SECRET);
    expect(service.alerter.stats().raised).toBe(0);
  });

  it("one critical alert reaches every channel, and each delivery is recorded", async () => {
    service.alerter.alert({ severity: "critical", key: "trading_halted", title: "전체 거래 중단", text: "사유: reconcile failed (invalid_access_key)", ts: NOW });
    await waitFor(() => telegram.sent.length === 1 && slack.received.length === 1 && hook.received.length === 1 && dbHook.received.length === 1 && smtp.transactions.length === 1, "every channel");
    await waitFor(() => listAlerts(handle.db)[0]?.deliveries.length === 5, "five stored results");
    const stored = listAlerts(handle.db)[0]!;
    expect(stored.deliveries.map((d) => [d.channel, d.ok]).sort()).toEqual([
      ["db:1", true],
      ["env:email", true],
      ["env:slack", true],
      ["env:telegram:111", true],
      ["env:webhook", true],
    ]);
    expect(telegram.sent[0]!.text).toContain("전체 거래 중단");
    expect(smtp.transactions[0]).toMatchObject({ tls: true, auth: "PLAIN:bot", to: ["ops@example.com"] });
    for (const [rx, secret] of [
      [hook, WEBHOOK_SECRET],
      [dbHook, DB_WEBHOOK_SECRET],
    ] as const) {
      const req = rx.received[0]!;
      expect(verifyWebhookSignature({ secret, body: req.body, timestamp: req.headers[WEBHOOK_TIMESTAMP_HEADER]!, signature: req.headers[WEBHOOK_SIGNATURE_HEADER]!, now: NOW })).toBe(true);
    }
  });

  it("an info fill goes to the chat channels but not to e-mail (minimum severity warning)", async () => {
    service.alerter.notify({ type: "fill", ts: NOW, market: "KRW-BTC", side: "bid", price: 95_000_000, volume: 0.01, fee: 2_375, tradeId: "t1" });
    await waitFor(() => telegram.sent.length === 2 && slack.received.length === 2, "the fill");
    expect(telegram.sent[1]!.disable_notification).toBe(true);
    expect(telegram.sent[1]!.text).toContain("95,000,000원 × 0\\.01 BTC \\= 950,000원");
    await waitFor(() => listAlerts(handle.db)[0]?.deliveries.length === 4, "four results");
    expect(smtp.transactions).toHaveLength(1);
  });

  it("the test button sends to one channel or a kind", async () => {
    const email = await service.testChannel("email", "admin");
    expect(email).toEqual([expect.objectContaining({ channel: "env:email", ok: true })]);
    expect(smtp.transactions).toHaveLength(2);
    const stored = await service.testChannel(1, "admin");
    expect(stored).toEqual([expect.objectContaining({ channel: "db:1", kind: "webhook", ok: true })]);
  });

  it("Telegram commands work from the configured chat, and a channel added on the dashboard widens who may command", async () => {
    telegram.push({ chatId: 111, text: "/status", date: Math.floor(NOW / 1000) });
    await waitFor(() => telegram.sent.some((s) => s.text.includes("거래 상태")), "the status answer");
    telegram.push({ chatId: 222, text: "/pause btc", date: Math.floor(NOW / 1000) });
    await waitFor(() => listAudit(handle.db, { action: "telegram.refused" }).length === 1, "the refusal");
    expect(control.calls).toHaveLength(0);

    service.channels.create({ kind: "telegram", name: "second chat", config: { botToken: TOKEN, chatIds: "222", apiUrl: telegram.url } }, { by: "admin" });
    await waitFor(() => log.lines().filter((l) => l.msg === "telegram: listening for commands").length === 2, "the bot restarted with both chats");
    telegram.push({ chatId: 222, text: "/pause btc", date: Math.floor(NOW / 1000) });
    await waitFor(() => control.calls.length === 1, "the pause");
    expect(control.calls[0]).toMatchObject({ method: "pauseMarket", market: "KRW-BTC", origin: { by: "telegram:222" } });
    expect(listAudit(handle.db, { action: "trader.pause" })[0]).toMatchObject({ actor: "telegram:222" });
  });

  it("no secret appears in any log line or stored alert", () => {
    const text = log.text();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [TOKEN, SMTP_PASSWORD, WEBHOOK_SECRET, DB_WEBHOOK_SECRET, "SLACKSECRET"]) {
      expect(text).not.toContain(secret);
      expect(JSON.stringify(listAlerts(handle.db, { includeSuppressed: true, limit: 1000 }))).not.toContain(secret);
    }
  });
});
