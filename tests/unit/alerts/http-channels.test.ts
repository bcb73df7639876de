import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSlackChannel } from "../../../src/alerts/channels/slack.ts";
import { createWebhookChannel, signWebhook, verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from "../../../src/alerts/channels/webhook.ts";
import { slackConfigSchema, webhookConfigSchema } from "../../../src/alerts/config.ts";
import { createAlerter } from "../../../src/alerts/dispatcher.ts";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import { listAlerts } from "../../../src/db/index.ts";
import type { AlertMessage } from "../../../src/ports/alerts.ts";
import { captureLogger, deadPort, type HttpReceiver, openTestDb, startHttpReceiver, waitFor } from "./support.ts";

const NOW = Date.UTC(2026, 10, 26, 3, 0);
const SECRET = "whsec-0123456789abcdef";

function message(over: Partial<AlertMessage> = {}): AlertMessage {
  return { id: 9, severity: "warning", key: "reconcile_mismatch", title: "거래소와 불일치 1건", text: "KRW-BTC: <balance> & order differ", ts: NOW, suppressed: 2, ...over };
}

describe("the Slack incoming webhook", () => {
  let rx: HttpReceiver;
  let clock: SimulatedClock;
  beforeEach(() => {
    rx = startHttpReceiver();
    clock = new SimulatedClock(NOW);
  });
  afterEach(() => rx.close());

  const slack = (path = "/services/T000/B000/XXXXSECRET") => createSlackChannel({ id: "env:slack", name: "slack" }, slackConfigSchema.parse({ webhookUrl: rx.url + path }), { clock, lang: "ko" });

  it("posts Block Kit JSON with escaped text", async () => {
    expect(await slack().send(message())).toEqual({ ok: true, retryable: false });
    expect(rx.received).toHaveLength(1);
    const req = rx.received[0]!;
    expect(req.path).toBe("/services/T000/B000/XXXXSECRET");
    expect(req.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(req.body) as { text: string; blocks: { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[] };
    expect(body.blocks.map((b) => b.type)).toEqual(["header", "section", "context"]);
    expect(body.blocks[0]!.text).toEqual({ type: "plain_text", text: "🟠 [경고] 거래소와 불일치 1건", emoji: true });
    expect(body.blocks[1]!.text).toEqual({ type: "mrkdwn", text: "KRW-BTC: &lt;balance&gt; &amp; order differ" });
    expect(body.blocks[2]!.elements!.map((e) => e.text)).toEqual(["같은 알림 2건이 생략되었습니다.", "2026-11-26 12:00:00 KST · reconcile_mismatch"]);
  });

  it("retries 429 (Retry-After) and 5xx, refuses for good on 4xx, and never shows the webhook URL", async () => {
    rx.script.push({ status: 429, body: "rate_limited", headers: { "retry-after": "12" } });
    rx.script.push({ status: 500, body: "oops" });
    rx.script.push({ status: 404, body: "no_service" });
    rx.script.push({ status: 400, body: `invalid_payload for ${rx.url}/services/T000/B000/XXXXSECRET` });
    const c = slack();
    expect(await c.send(message())).toEqual({ ok: false, retryable: true, retryAfterMs: 12_000, error: "HTTP 429: rate_limited" });
    expect(await c.send(message())).toMatchObject({ ok: false, retryable: true, error: "HTTP 500: oops" });
    expect(await c.send(message())).toMatchObject({ ok: false, retryable: false, error: "HTTP 404: no_service" });
    const r = await c.send(message());
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(r.error).not.toContain("XXXXSECRET");
  });

  it("a hung receiver times out on the clock as a retryable failure", async () => {
    rx.hang = true;
    const c = createSlackChannel({ id: "s", name: "s" }, slackConfigSchema.parse({ webhookUrl: rx.url + "/hook" }), { clock, lang: "ko", timeoutMs: 5_000 });
    const pending = c.send(message());
    await waitFor(() => rx.received.length === 1, "the request");
    clock.advance(5_000);
    expect(await pending).toEqual({ ok: false, retryable: true, error: "no answer within 5000 ms" });
  });
});

describe("the generic webhook", () => {
  let rx: HttpReceiver;
  let clock: SimulatedClock;
  beforeEach(() => {
    rx = startHttpReceiver();
    clock = new SimulatedClock(NOW);
  });
  afterEach(() => rx.close());

  it("posts the alert as JSON with an HMAC signature a receiver can verify", async () => {
    const c = createWebhookChannel({ id: "env:webhook", name: "hook" }, webhookConfigSchema.parse({ url: rx.url + "/alerts?token=abc123", secret: SECRET }), { clock, lang: "en" });
    expect(await c.send(message())).toEqual({ ok: true, retryable: false });
    const req = rx.received[0]!;
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toMatchObject({ id: 9, ts: NOW, severity: "warning", key: "reconcile_mismatch", title: "거래소와 불일치 1건", suppressed: 2, lang: "en" });
    expect(String(body.rendered)).toContain("2 similar alerts were suppressed.");
    expect(req.headers[WEBHOOK_TIMESTAMP_HEADER]).toBe(String(NOW));
    const signature = req.headers[WEBHOOK_SIGNATURE_HEADER]!;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const verify = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) =>
      verifyWebhookSignature({ secret: SECRET, body: req.body, timestamp: req.headers[WEBHOOK_TIMESTAMP_HEADER]!, signature, now: NOW + 1_000, ...over });
    expect(verify()).toBe(true);
    expect(verify({ body: req.body.replace("warning", "info") })).toBe(false);
    expect(verify({ secret: "another-secret-0123456789" })).toBe(false);
    expect(verify({ timestamp: String(NOW + 1) })).toBe(false);
    expect(verify({ now: NOW + 10 * 60_000 })).toBe(false); // a replay long after
    expect(verify({ signature: null })).toBe(false);
    expect(verify({ signature: signature.slice(0, -1) })).toBe(false);
    expect(signWebhook(SECRET, NOW, req.body)).toBe(signature);
  });

  it("sends no signature headers without a secret", async () => {
    const c = createWebhookChannel({ id: "w", name: "w" }, webhookConfigSchema.parse({ url: rx.url }), { clock, lang: "ko" });
    await c.send(message());
    expect(rx.received[0]!.headers[WEBHOOK_SIGNATURE_HEADER]).toBeUndefined();
  });

  it("rejects a too-short secret and a non-HTTP URL", () => {
    expect(webhookConfigSchema.safeParse({ url: rx.url, secret: "short" }).success).toBe(false);
    expect(webhookConfigSchema.safeParse({ url: "ftp://x" }).success).toBe(false);
  });
});

describe("a receiver that is down", () => {
  it("never throws into the caller; the failure is retried, then recorded with a log line", async () => {
    const port = await deadPort();
    const clock = new SimulatedClock(NOW);
    const handle = openTestDb();
    const log = captureLogger();
    const url = `http://127.0.0.1:${port}/hook?key=topsecretkey`;
    const channels = [
      createWebhookChannel({ id: "env:webhook", name: "hook" }, webhookConfigSchema.parse({ url, secret: SECRET }), { clock, lang: "ko" }),
      createSlackChannel({ id: "env:slack", name: "slack" }, slackConfigSchema.parse({ webhookUrl: url }), { clock, lang: "ko" }),
    ];
    const alerter = createAlerter({ channels, clock, db: handle.db, logger: log.logger, random: () => 0.5, retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 } });
    expect(() => alerter.alert({ severity: "critical", key: "trading_halted", title: "halted", text: "x", ts: NOW })).not.toThrow();
    const gaveUp = () => log.lines().filter((l) => l.msg === "alert not delivered: gave up after retries").length;
    for (let i = 0; i < 50 && gaveUp() < 2; i++) {
      await clock.advanceAsync(1_000, 250);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(gaveUp()).toBe(2);
    const deliveries = listAlerts(handle.db)[0]!.deliveries;
    expect(deliveries.map((d) => [d.channel, d.ok, d.attempts]).sort()).toEqual([
      ["env:slack", false, 3],
      ["env:webhook", false, 3],
    ]);
    expect(deliveries[0]!.error).toMatch(/^connection failed/);
    expect(log.text()).not.toContain("topsecretkey");
    expect(JSON.stringify(deliveries)).not.toContain("topsecretkey");
    alerter.stop();
    handle.close();
  });
});
