import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createEmailChannel } from "../../../src/alerts/channels/email.ts";
import { emailConfigSchema } from "../../../src/alerts/config.ts";
import { createAlerter } from "../../../src/alerts/dispatcher.ts";
import { sendMail, SmtpError, type SmtpOptions } from "../../../src/alerts/smtp.ts";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import { listAlerts } from "../../../src/db/index.ts";
import type { AlertMessage } from "../../../src/ports/alerts.ts";
import { captureLogger, deadPort, openTestDb, type SmtpReceiver, startSmtpReceiver, TLS_CERT, waitFor } from "./support.ts";

const NOW = Date.UTC(2026, 10, 26, 3, 0);
const USER = "alerts@example.com";
const PASSWORD = "smtp-pass-1234!";
const DATA = "Subject: hi\r\n\r\nline one\r\n.leading dot\r\n..two dots\r\n.\r\nend";

let rx: SmtpReceiver | null = null;
afterEach(async () => {
  await rx?.close();
  rx = null;
});

function options(port: number, over: Partial<SmtpOptions> = {}): SmtpOptions {
  return { host: "127.0.0.1", port, clock: new SimulatedClock(NOW), ...over };
}

/** Decode the base64 body of a composed message. */
function bodyOf(data: string): string {
  const [, body] = data.split("\r\n\r\n");
  return Buffer.from(body!.replace(/\r\n/g, ""), "base64").toString("utf8");
}

function decodeSubject(data: string): string {
  const header = /\r\nSubject: ([\s\S]*?)\r\n(?! )/.exec(data)![1]!;
  const bytes: number[] = [];
  for (const m of header.matchAll(/=\?UTF-8\?B\?([^?]*)\?=/g)) bytes.push(...Buffer.from(m[1]!, "base64"));
  return Buffer.from(bytes).toString("utf8");
}

describe("the SMTP client", () => {
  it("delivers with AUTH PLAIN on loopback, dot-stuffing DATA so leading dots survive", async () => {
    rx = await startSmtpReceiver({ credentials: { user: USER, password: PASSWORD } });
    const sent = await sendMail(options(rx.port, { user: USER, password: PASSWORD, starttls: "never" }), { from: "bot@example.com", to: ["ops@example.com", "cto@example.com"], data: DATA });
    expect(sent.accepted).toEqual(["ops@example.com", "cto@example.com"]);
    expect(sent.response).toContain("250");
    expect(rx.transactions).toHaveLength(1);
    const t = rx.transactions[0]!;
    expect(t).toMatchObject({ from: "bot@example.com", to: ["ops@example.com", "cto@example.com"], tls: false, auth: `PLAIN:${USER}` });
    expect(t.data).toBe("Subject: hi\r\n\r\nline one\r\n.leading dot\r\n..two dots\r\n.\r\nend");
    expect(rx.commands[0]).toBe("EHLO localhost");
    expect(rx.commands.at(-1)).toBe("QUIT");
  });

  it("falls back to AUTH LOGIN when PLAIN is not offered", async () => {
    rx = await startSmtpReceiver({ credentials: { user: USER, password: PASSWORD }, mechanisms: ["LOGIN"] });
    await sendMail(options(rx.port, { user: USER, password: PASSWORD }), { from: "bot@example.com", to: ["ops@example.com"], data: DATA });
    expect(rx.transactions[0]!.auth).toBe(`LOGIN:${USER}`);
  });

  it("upgrades with STARTTLS when offered and authenticates only inside TLS", async () => {
    rx = await startSmtpReceiver({ starttls: true, credentials: { user: USER, password: PASSWORD } });
    await sendMail(options(rx.port, { user: USER, password: PASSWORD, tls: { ca: TLS_CERT }, clientName: "bot.example.com" }), { from: "bot@example.com", to: ["ops@example.com"], data: DATA });
    expect(rx.transactions[0]).toMatchObject({ tls: true, auth: `PLAIN:${USER}` });
    expect(rx.commands.slice(0, 3)).toEqual(["EHLO bot.example.com", "STARTTLS", "EHLO bot.example.com"]);
    // The credentials crossed only after STARTTLS (the receiver saw AUTH as its 4th command).
    expect(rx.commands[3]).toMatch(/^AUTH PLAIN /);
  });

  it("speaks implicit TLS (port 465 style)", async () => {
    rx = await startSmtpReceiver({ implicitTls: true });
    await sendMail(options(rx.port, { secure: true, tls: { ca: TLS_CERT } }), { from: "bot@example.com", to: ["ops@example.com"], data: DATA });
    expect(rx.transactions[0]!.tls).toBe(true);
  });

  it("refuses a certificate it cannot verify (a configuration error: not retried)", async () => {
    rx = await startSmtpReceiver({ starttls: true });
    const err = await sendMail(options(rx.port), { from: "bot@example.com", to: ["ops@example.com"], data: DATA }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpError);
    expect((err as SmtpError).retryable).toBe(false);
    expect((err as SmtpError).message).toMatch(/^TLS error/);
    expect(rx.transactions).toHaveLength(0);
  });

  it("fails when STARTTLS is required but not offered", async () => {
    rx = await startSmtpReceiver();
    const err = (await sendMail(options(rx.port, { starttls: "required" }), { from: "a@b.c", to: ["d@e.f"], data: DATA }).catch((e: unknown) => e)) as SmtpError;
    expect(err.message).toContain("does not offer STARTTLS");
    expect(err.retryable).toBe(false);
  });

  it("refuses data injected before the TLS handshake (RFC 3207 response injection)", async () => {
    rx = await startSmtpReceiver({ starttls: true, injectAfterStarttls: true });
    const err = (await sendMail(options(rx.port, { tls: { ca: TLS_CERT } }), { from: "a@b.c", to: ["d@e.f"], data: DATA }).catch((e: unknown) => e)) as SmtpError;
    expect(err).toBeInstanceOf(SmtpError);
    expect(err.message).toContain("after STARTTLS");
  });

  it("classes replies: 4xx retryable, 5xx final, wrong password final", async () => {
    rx = await startSmtpReceiver({ credentials: { user: USER, password: PASSWORD } });
    rx.rcptScript.push("451 4.3.0 Try again later");
    const temp = (await sendMail(options(rx.port, { user: USER, password: PASSWORD }), { from: "a@b.c", to: ["d@e.f"], data: DATA }).catch((e: unknown) => e)) as SmtpError;
    expect(temp).toMatchObject({ retryable: true, code: 451 });
    rx.dataScript.push("554 5.7.1 Rejected: spam");
    const perm = (await sendMail(options(rx.port, { user: USER, password: PASSWORD }), { from: "a@b.c", to: ["d@e.f"], data: DATA }).catch((e: unknown) => e)) as SmtpError;
    expect(perm).toMatchObject({ retryable: false, code: 554 });
    const auth = (await sendMail(options(rx.port, { user: USER, password: "wrong" }), { from: "a@b.c", to: ["d@e.f"], data: DATA }).catch((e: unknown) => e)) as SmtpError;
    expect(auth).toMatchObject({ retryable: false, code: 535 });
    expect(rx.transactions).toHaveLength(0);
  });

  it("will not send the password unencrypted to a host it does not know as loopback", async () => {
    rx = await startSmtpReceiver({ credentials: { user: USER, password: PASSWORD } });
    // The IPv4-mapped form reaches the same loopback receiver but is not on the client's loopback list.
    const remote = options(rx.port, { host: "::ffff:127.0.0.1", user: USER, password: PASSWORD });
    const err = (await sendMail(remote, { from: "a@b.c", to: ["d@e.f"], data: DATA }).catch((e: unknown) => e)) as SmtpError;
    expect(err.message).toContain("refusing to send the SMTP password over an unencrypted connection");
    expect(err.retryable).toBe(false);
    expect(rx.commands.some((c) => c.startsWith("AUTH"))).toBe(false);
    await sendMail({ ...remote, allowInsecureAuth: true }, { from: "a@b.c", to: ["d@e.f"], data: DATA });
    expect(rx.transactions).toHaveLength(1);
  });

  it("rejects addresses that could inject commands, before connecting", async () => {
    const err = (await sendMail(options(1), { from: "a@b.c>\r\nRCPT TO:<x@y.z", to: ["d@e.f"], data: DATA }).catch((e: unknown) => e)) as SmtpError;
    expect(err.message).toContain("not a mail address");
    expect(err.retryable).toBe(false);
  });

  it("a server that is down is a retryable connection error", async () => {
    const port = await deadPort();
    const err = (await sendMail(options(port), { from: "a@b.c", to: ["d@e.f"], data: DATA }).catch((e: unknown) => e)) as SmtpError;
    expect(err).toBeInstanceOf(SmtpError);
    expect(err.retryable).toBe(true);
  });

  it("a server that never greets times out on the clock", async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const clock = new SimulatedClock(NOW);
    const pending = sendMail({ host: "127.0.0.1", port: (silent.address() as net.AddressInfo).port, clock, timeoutMs: 4_000 }, { from: "a@b.c", to: ["d@e.f"], data: DATA }).catch((e: unknown) => e);
    await waitFor(() => clock.pending() > 0 && silent.listening, "the connection");
    await new Promise((r) => setTimeout(r, 30));
    clock.advance(4_000);
    const err = (await pending) as SmtpError;
    expect(err.message).toBe("reply: no answer within 4000 ms");
    expect(err.retryable).toBe(true);
    await new Promise<void>((r) => silent.close(() => r()));
  });
});

describe("the e-mail channel", () => {
  const message: AlertMessage = { id: 42, severity: "critical", key: "trading_halted", title: "전체 거래 중단", text: "사유: 거래소 응답 없음\n.점으로 시작하는 줄", ts: NOW, suppressed: 0 };

  it("sends a UTF-8 message with a Korean RFC 2047 subject over STARTTLS", async () => {
    rx = await startSmtpReceiver({ starttls: true, credentials: { user: USER, password: PASSWORD } });
    const config = emailConfigSchema.parse({ host: "127.0.0.1", port: rx.port, user: USER, password: PASSWORD, from: "bot@trader.example", to: "ops@example.com, cto@example.com" });
    const clock = new SimulatedClock(NOW);
    const c = createEmailChannel({ id: "env:email", name: "mail" }, config, { clock, lang: "ko", random: () => 0.25, tls: { ca: TLS_CERT } });
    expect(c.minSeverity).toBe("warning");
    expect(await c.send(message)).toEqual({ ok: true, retryable: false });
    const t = rx.transactions[0]!;
    expect(t).toMatchObject({ from: "bot@trader.example", to: ["ops@example.com", "cto@example.com"], tls: true });
    expect(decodeSubject(t.data)).toBe("[bithumb-bot] [심각] 전체 거래 중단");
    expect(t.data).toContain("Content-Type: text/plain; charset=UTF-8");
    expect(t.data).toContain("X-Alert-Key: trading_halted");
    expect(t.data).toContain("X-Priority: 1");
    expect(t.data).toMatch(/Message-ID: <alert\.42\.[a-z0-9.]+@trader\.example>/);
    const body = bodyOf(t.data);
    expect(body).toContain("🔴 [심각] 전체 거래 중단");
    expect(body).toContain(".점으로 시작하는 줄");
    expect(body).toContain("2026-11-26 12:00:00 KST · trading_halted");
  });

  it("through the dispatcher: a temporary refusal is retried, the password never logged", async () => {
    rx = await startSmtpReceiver({ credentials: { user: USER, password: PASSWORD } });
    rx.rcptScript.push("450 4.2.1 Mailbox busy");
    const config = emailConfigSchema.parse({ host: "127.0.0.1", port: rx.port, user: USER, password: PASSWORD, from: "bot@trader.example", to: "ops@example.com", starttls: "never" });
    const clock = new SimulatedClock(NOW);
    const handle = openTestDb();
    const log = captureLogger();
    const alerter = createAlerter({ channels: [createEmailChannel({ id: "env:email", name: "mail" }, config, { clock, lang: "ko", random: () => 0.5 })], clock, db: handle.db, logger: log.logger, random: () => 0.5 });
    alerter.alert(message);
    await waitFor(() => log.text().includes("will retry"), "the first refusal");
    await clock.advanceAsync(2_000, 100);
    await waitFor(() => rx!.transactions.length === 1, "the retried delivery");
    await waitFor(() => listAlerts(handle.db)[0]!.deliveries.length === 1, "the stored result");
    expect(listAlerts(handle.db)[0]!.deliveries[0]).toMatchObject({ channel: "env:email", ok: true, attempts: 2 });
    expect(log.text()).toContain("450 4.2.1 Mailbox busy");
    expect(log.text()).not.toContain(PASSWORD);
    alerter.stop();
    handle.close();
  });

  it("validates its settings", () => {
    expect(emailConfigSchema.safeParse({ host: "h", from: "not an address", to: "a@b.c" }).success).toBe(false);
    expect(emailConfigSchema.safeParse({ host: "h", from: "a@b.c", to: "" }).success).toBe(false);
    const parsed = emailConfigSchema.parse({ host: "smtp.example.com", from: "a@b.c", to: "x@y.z", secure: "false", port: "465" });
    expect(parsed).toMatchObject({ port: 465, secure: false, starttls: "auto", minSeverity: "warning" });
    expect(emailConfigSchema.parse({ host: "h", from: "a@b.c", to: "x@y.z", secure: "true" }).secure).toBe(true);
  });
});
