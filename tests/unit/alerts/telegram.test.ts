import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTelegramChannels } from "../../../src/alerts/channels/telegram.ts";
import { telegramConfigSchema } from "../../../src/alerts/config.ts";
import { createAlerter } from "../../../src/alerts/dispatcher.ts";
import { TelegramApi } from "../../../src/alerts/telegram/api.ts";
import { createTelegramBot, type TelegramBot } from "../../../src/alerts/telegram/bot.ts";
import { parseCommand, parseMarketArg, TelegramCommands } from "../../../src/alerts/telegram/commands.ts";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import { closedTrades } from "../../../src/db/schema.ts";
import { type DbHandle, listAlerts, listAudit, recordDailyPnl } from "../../../src/db/index.ts";
import type { AlertMessage } from "../../../src/ports/alerts.ts";
import { captureLogger, deadPort, FakeControl, openTestDb, startTelegramFake, type TelegramFake, waitFor } from "./support.ts";

const TOKEN = "123456789:AAH-test_token_0123456789abcdefXYZ";
const NOW = 1_700_000_000_000;

function message(over: Partial<AlertMessage> = {}): AlertMessage {
  return { id: 1, severity: "critical", key: "halted:trader:KRW-BTC", title: "KRW-BTC 거래 중단", text: "사유: fatal (invalid_access_key). 확인 필요!", ts: NOW, suppressed: 0, ...over };
}

describe("the Telegram channel", () => {
  let fake: TelegramFake;
  let clock: SimulatedClock;
  beforeEach(() => {
    fake = startTelegramFake(TOKEN);
    clock = new SimulatedClock(NOW);
  });
  afterEach(() => fake.close());

  const config = (over: Record<string, unknown> = {}) => telegramConfigSchema.parse({ botToken: TOKEN, chatIds: "111, -1002", apiUrl: fake.url, ...over });

  it("sends one MarkdownV2 message per chat that a strict parser accepts; info is quiet", async () => {
    const channels = createTelegramChannels({ id: "env:telegram", name: "tg" }, config(), { clock, lang: "ko" });
    expect(channels.map((c) => c.id)).toEqual(["env:telegram:111", "env:telegram:-1002"]);
    for (const c of channels) expect(await c.send(message())).toEqual({ ok: true, retryable: false });
    expect(await channels[0]!.send(message({ severity: "info", key: "fill:KRW-BTC:1", title: "체결: KRW-BTC 매수", text: "95,000,000원 × 0.01 BTC = 950,000원" }))).toMatchObject({ ok: true });
    expect(fake.sent.map((s) => [s.chat_id, s.parse_mode, s.disable_notification])).toEqual([
      ["111", "MarkdownV2", undefined],
      ["-1002", "MarkdownV2", undefined],
      ["111", "MarkdownV2", true],
    ]);
    expect(fake.sent[0]!.text).toContain("*🔴 \\[심각\\] KRW\\-BTC 거래 중단*");
    expect(fake.sent[0]!.text).toContain("확인 필요\\!");
    expect(fake.sent[2]!.text).toContain("95,000,000원 × 0\\.01 BTC");
  });

  it("falls back to plain text when Telegram cannot parse the entities", async () => {
    const [c] = createTelegramChannels({ id: "t", name: "t" }, config({ chatIds: "111" }), { clock, lang: "en" });
    fake.sendScript.push({ status: 400, body: { ok: false, error_code: 400, description: "Bad Request: can't parse entities: Character '-' is reserved" } });
    expect(await c!.send(message())).toMatchObject({ ok: true });
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]!.parse_mode).toBeUndefined();
    expect(fake.sent[0]!.text).toContain("🔴 [Critical] KRW-BTC 거래 중단");
  });

  it("classes answers: 429 with retry_after and 5xx retryable, 403 (bot blocked) final; the token never in an error", async () => {
    const [c] = createTelegramChannels({ id: "t", name: "t" }, config({ chatIds: "111", format: "plain" }), { clock, lang: "ko" });
    fake.sendScript.push({ status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } } });
    fake.sendScript.push({ status: 502, body: "<html>bad gateway</html>" });
    fake.sendScript.push({ status: 403, body: { ok: false, error_code: 403, description: `Forbidden: bot was blocked by the user ${TOKEN}` } });
    const r429 = await c!.send(message());
    expect(r429).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7_000 });
    expect(r429.error).toBe("Telegram sendMessage: 429 Too Many Requests: retry after 7");
    expect(await c!.send(message())).toMatchObject({ ok: false, retryable: true });
    const r403 = await c!.send(message());
    expect(r403).toMatchObject({ ok: false, retryable: false });
    expect(r403.error).toContain("Forbidden: bot was blocked by the user [REDACTED]");
    expect(r403.error).not.toContain(TOKEN);
  });

  it("a dead Telegram API is a retryable failure with no URL (and so no token) in the error", async () => {
    const port = await deadPort();
    const [c] = createTelegramChannels({ id: "t", name: "t" }, config({ chatIds: "111", apiUrl: `http://127.0.0.1:${port}` }), { clock, lang: "ko" });
    const r = await c!.send(message());
    expect(r.ok).toBe(false);
    expect(r.retryable).toBe(true);
    expect(r.error).not.toContain(TOKEN);
    expect(r.error).not.toContain("127.0.0.1");
  });

  it("through the dispatcher: a 429 is retried after retry_after, and neither the log nor the database holds the token", async () => {
    const handle = openTestDb();
    const log = captureLogger();
    const channels = createTelegramChannels({ id: "env:telegram", name: "tg" }, config({ chatIds: "111" }), { clock, lang: "ko" });
    const alerter = createAlerter({ channels, clock, db: handle.db, logger: log.logger, random: () => 0.5, retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 60_000 } });
    fake.sendScript.push({ status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } } });
    fake.sendScript.push({ status: 500, body: { ok: false, error_code: 500, description: `Internal Server Error at /bot${TOKEN}/sendMessage` } });
    alerter.alert({ severity: "critical", key: "trading_halted", title: "전체 거래 중단", text: "사유: x", ts: NOW });
    const retries = () => log.lines().filter((l) => l.msg === "alert delivery failed; will retry").length;
    await waitFor(() => retries() === 1, "first attempt refused");
    await clock.advanceAsync(2_900, 100);
    expect(fake.paths).toHaveLength(1);
    await clock.advanceAsync(200, 100);
    await waitFor(() => retries() === 2, "second attempt refused");
    expect(fake.paths).toHaveLength(2);
    await clock.advanceAsync(2_000, 100);
    await waitFor(() => fake.sent.length === 1, "delivery");
    await waitFor(() => listAlerts(handle.db)[0]?.deliveries.length === 1, "stored result");
    expect(listAlerts(handle.db)[0]!.deliveries[0]).toMatchObject({ channel: "env:telegram:111", ok: true, attempts: 3 });
    expect(log.text()).toContain("will retry");
    expect(log.text()).not.toContain(TOKEN);
    expect(JSON.stringify(listAlerts(handle.db, { includeSuppressed: true }))).not.toContain(TOKEN);
    expect(fake.paths.every((p) => p === `/bot${TOKEN}/sendMessage`)).toBe(true);
    alerter.stop();
    handle.close();
  });

  it("validates its settings: a bot token, at least one chat id", () => {
    expect(telegramConfigSchema.safeParse({ botToken: "nope", chatIds: "1" }).success).toBe(false);
    expect(telegramConfigSchema.safeParse({ botToken: TOKEN, chatIds: "" }).success).toBe(false);
    expect(telegramConfigSchema.safeParse({ botToken: TOKEN, chatIds: "abc" }).success).toBe(false);
    expect(telegramConfigSchema.parse({ botToken: TOKEN, chatIds: "1 -100200 @alerts_channel" }).chatIds).toEqual(["1", "-100200", "@alerts_channel"]);
  });
});

describe("command parsing", () => {
  it("reads commands, arguments and bot addressing", () => {
    expect(parseCommand("/pause KRW-BTC")).toEqual({ name: "pause", args: ["KRW-BTC"] });
    expect(parseCommand("  /STATUS  ")).toEqual({ name: "status", args: [] });
    expect(parseCommand("/pause@TradeBot btc", "tradebot")).toEqual({ name: "pause", args: ["btc"] });
    expect(parseCommand("/pause@OtherBot btc", "TradeBot")).toBeNull();
    expect(parseCommand("hello /status")).toBeNull();
    expect(parseMarketArg("btc")).toBe("KRW-BTC");
    expect(parseMarketArg("krw-eth")).toBe("KRW-ETH");
    expect(parseMarketArg("KRW-")).toBeNull();
    expect(parseMarketArg("x;drop table")).toBeNull();
    expect(parseMarketArg(undefined)).toBeNull();
  });
});

describe("the Telegram command bot", () => {
  const ALLOWED = 111;
  let fake: TelegramFake;
  let clock: SimulatedClock;
  let handle: DbHandle;
  let control: FakeControl;
  let log: ReturnType<typeof captureLogger>;
  let bot: TelegramBot;
  let lang: "ko" | "en";
  /** Moves the commands' confirmation clock without stalling the bot's long poll on the shared clock. */
  let confirmSkewMs = 0;

  beforeEach(() => {
    fake = startTelegramFake(TOKEN);
    clock = new SimulatedClock(NOW);
    handle = openTestDb();
    control = new FakeControl();
    log = captureLogger();
    lang = "ko";
    confirmSkewMs = 0;
  });
  afterEach(async () => {
    await bot?.stop();
    fake.close();
    handle.close();
  });

  function start(over: Partial<Parameters<typeof createTelegramBot>[0]> = {}): TelegramBot {
    const api = new TelegramApi({ token: TOKEN, apiUrl: fake.url, clock });
    const commands = new TelegramCommands({ control, db: handle.db, lang, runtimeNow: () => NOW, now: () => clock.now() + confirmSkewMs, random: () => 0.1234 });
    bot = createTelegramBot({ api, commands, allowedChatIds: [String(ALLOWED)], db: handle.db, clock, logger: log.logger, pollTimeoutSec: 1, random: () => 0.5, ...over });
    bot.start();
    return bot;
  }

  /** Send a chat message and wait for the bot's answer. */
  async function say(text: string, chatId = ALLOWED): Promise<string> {
    const before = fake.sent.length;
    fake.push({ chatId, text, date: Math.floor(clock.now() / 1000), username: "operator" });
    await waitFor(() => fake.sent.length > before, `an answer to ${text}`);
    return fake.sent.at(-1)!.text;
  }

  it("answers /status, /positions and /help from an allowed chat, audited as telegram:<chat>", async () => {
    start();
    const status = await say("/status");
    expect(status).toContain("🟢 정상 (sim)");
    expect(status).toContain("거래 상태: 운영 중");
    expect(status).toContain("평가 금액: 10,012,345원 (오늘 +0.12%)");
    expect(status).toContain("가동 시간: 3시간");
    const positions = await say("/positions");
    expect(positions).toContain("📊 보유 포지션 1개");
    expect(positions).toContain("KRW-BTC 0.0123 BTC");
    expect(positions).toContain("평균 95,000,000원 → 현재 96,000,000원");
    expect(positions).toContain("미실현 +12,300원 · 손절 90,000,000원");
    expect(await say("/help")).toContain("/flatten KRW-BTC");
    expect(fake.sent.every((s) => s.chat_id === String(ALLOWED) && s.parse_mode === undefined)).toBe(true);
    const audit = listAudit(handle.db).reverse();
    expect(audit.map((a) => [a.actor, a.action, a.source])).toEqual([
      ["telegram:111", "telegram.status", "telegram"],
      ["telegram:111", "telegram.positions", "telegram"],
      ["telegram:111", "telegram.help", "telegram"],
    ]);
    expect(JSON.parse(audit[0]!.details!)).toMatchObject({ command: "/status", from: "@operator" });
  });

  it("pauses and resumes through the control port with who = telegram:<chat>", async () => {
    start();
    expect(await say("/pause btc")).toBe("✅ KRW-BTC pauseMarket done");
    expect(await say("/resume KRW-BTC")).toBe("✅ KRW-BTC resumeMarket done");
    control.answer = async () => ({ ok: false, message: "KRW-BTC is halted; resume refused" });
    expect(await say("/resume KRW-BTC")).toBe("❌ KRW-BTC is halted; resume refused");
    expect(control.calls.map((c) => [c.method, c.market, c.origin.by, c.origin.source])).toEqual([
      ["pauseMarket", "KRW-BTC", "telegram:111", "telegram"],
      ["resumeMarket", "KRW-BTC", "telegram:111", "telegram"],
      ["resumeMarket", "KRW-BTC", "telegram:111", "telegram"],
    ]);
    expect(await say("/pause")).toContain("마켓을 지정하세요");
    expect(await say("/pause KRW-DOGE")).toBe("❌ KRW-DOGE 트레이더가 없습니다.");
    expect(control.calls).toHaveLength(3);
    const audit = listAudit(handle.db).reverse();
    expect(audit.map((a) => [a.action, a.target])).toEqual([
      ["trader.pause", "KRW-BTC"],
      ["trader.resume", "KRW-BTC"],
      ["trader.resume", "KRW-BTC"],
      ["trader.pause", "bot"],
      ["trader.pause", "KRW-DOGE"],
    ]);
    expect(JSON.parse(audit[2]!.details!)).toMatchObject({ ok: false, message: "KRW-BTC is halted; resume refused" });
  });

  it("flattens only after /confirm with the right code within the window", async () => {
    start();
    const ask = await say("/flatten KRW-BTC");
    expect(ask).toContain("/confirm 2110"); // 1000 + floor(0.1234 * 9000)
    expect(control.calls).toHaveLength(0);
    expect(await say("/confirm 9999")).toBe("확인 코드가 맞지 않습니다.");
    expect(control.calls).toHaveLength(0);
    expect(await say("/confirm 2110")).toBe("✅ KRW-BTC flattenMarket done");
    expect(control.calls.map((c) => [c.method, c.market, c.origin.by])).toEqual([["flattenMarket", "KRW-BTC", "telegram:111"]]);
    expect(await say("/confirm 2110")).toContain("확인할 청산 요청이 없습니다");
    await say("/flatten btc");
    confirmSkewMs = 61_000;
    expect(await say("/confirm 2110")).toContain("만료");
    expect(control.calls).toHaveLength(1);
    expect(listAudit(handle.db).reverse().map((a) => a.action)).toEqual(["trader.flatten_requested", "trader.flatten_confirm", "trader.flatten", "trader.flatten_confirm", "trader.flatten_requested", "trader.flatten_confirm"]);
  });

  it("/profit sums closed trades (today in KST and all time) and lists recent days", async () => {
    const today = NOW - 60_000;
    const yesterday = NOW - 2 * 86_400_000;
    for (const [exitTs, pnl] of [
      [today, 12_000],
      [today, -2_000],
      [yesterday, 5_000],
    ] as const) {
      handle.db.insert(closedTrades).values({ market: "KRW-BTC", entryTs: exitTs - 1, entryPrice: 1, exitTs, exitPrice: 1, volume: 1, fee: 0, pnl, exitReason: "signal" }).run();
    }
    recordDailyPnl(handle.db, { date: "2023-11-13", realised: 5_000, unrealised: 0, equity: 10_000_000, return: 0.0005 }, NOW);
    start();
    const profit = await say("/profit");
    expect(profit).toContain("💰 손익 (KST 2023-11-15)");
    expect(profit).toContain("오늘 실현: +10,000원 (거래 2건)");
    expect(profit).toContain("전체 실현: +15,000원 (거래 3건, 승률 66.7%)");
    expect(profit).toContain("2023-11-13  +5,000원  (+0.05%)");
    expect(profit).toContain("평가 금액 10,012,345원");
  });

  it("answers in English when configured; unknown commands get the help", async () => {
    lang = "en";
    start();
    expect(await say("/status")).toContain("Trading: running");
    const unknown = await say("/moon");
    expect(unknown).toContain("Unknown command: /moon");
    expect(unknown).toContain("Commands:");
  });

  it("ignores chats that are not allowed: no command runs, no answer, a log line and an audit row", async () => {
    start();
    fake.push({ chatId: 666, text: "/flatten KRW-BTC", date: Math.floor(NOW / 1000), username: "intruder" });
    fake.push({ chatId: 666, text: "/confirm 2110", date: Math.floor(NOW / 1000) });
    fake.push({ chatId: 666, text: "just chatting", date: Math.floor(NOW / 1000) });
    expect(await say("/status")).toContain("정상"); // the allowed chat, after the others were handled
    expect(bot.handled).toBe(4);
    expect(fake.sent.map((s) => s.chat_id)).toEqual(["111"]);
    expect(control.calls).toHaveLength(0);
    const refused = log.lines().filter((l) => l.msg === "telegram: message from a chat that is not allowed; ignored");
    expect(refused.map((l) => l.chatId)).toEqual(["666", "666", "666"]);
    const audit = listAudit(handle.db, { action: "telegram.refused" });
    expect(audit).toHaveLength(2);
    expect(audit.every((a) => a.actor === "telegram:666")).toBe(true);
  });

  it("refuses commands that waited in Telegram's queue while the bot was down", async () => {
    start();
    fake.push({ chatId: ALLOWED, text: "/flatten KRW-BTC", date: Math.floor((NOW - 3_600_000) / 1000) });
    await waitFor(() => fake.sent.length === 1, "the stale answer");
    expect(fake.sent[0]!.text).toContain("실행하지 않았습니다");
    expect(control.calls).toHaveLength(0);
    expect(listAudit(handle.db)[0]).toMatchObject({ action: "telegram.stale", actor: "telegram:111" });
  });

  it("advances the offset past every update, readable or not", async () => {
    fake.pollScript.push({ status: 200, body: { ok: true, result: [{ update_id: 50, edited_message: { text: "x" } }, { update_id: 51, message: { bad: true } }] } });
    start();
    await waitFor(() => fake.polls.length >= 2, "a second poll");
    expect(fake.polls[0]!.offset).toBeUndefined();
    expect(fake.polls[1]!.offset).toBe(52);
    expect(fake.polls[0]!.timeout).toBe(1);
    expect(bot.handled).toBe(2);
    await say("/help");
    const last = fake.polls.at(-1)!.offset!;
    expect(last).toBeGreaterThan(52);
  });

  it("backs off on polling errors on the clock, honouring retry_after, and says what a 409 means", async () => {
    fake.pollScript.push({ status: 502, body: "bad gateway" });
    fake.pollScript.push({ status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests", parameters: { retry_after: 20 } } });
    fake.pollScript.push({ status: 409, body: { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active" } });
    const failures = () => log.lines().filter((l) => l.msg === "telegram: getUpdates failed").length;
    start({ backoff: { baseMs: 1_000, maxMs: 60_000 } });
    await waitFor(() => failures() === 1, "first failure");
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.polls).toHaveLength(1); // waiting on the clock, not spinning
    await clock.advanceAsync(750, 50); // 1 s backoff with jitter 0.5 -> 750 ms
    await waitFor(() => failures() === 2, "second failure");
    expect(fake.polls).toHaveLength(2);
    await clock.advanceAsync(19_000, 1_000);
    expect(fake.polls).toHaveLength(2);
    await clock.advanceAsync(1_000, 100);
    await waitFor(() => fake.polls.length === 3, "third poll (after retry_after)");
    await waitFor(() => log.text().includes("webhook"), "the 409 hint");
    const conflict = log.lines().find((l) => l.status === 409)!;
    expect(conflict.level).toBe(50);
    expect(String(conflict.hint)).toContain("deleteWebhook");
    await clock.advanceAsync(60_000, 5_000);
    await waitFor(() => fake.polls.length >= 4, "polling resumes");
    expect(await say("/help")).toContain("/status");
    expect(log.text()).not.toContain(TOKEN);
  });

  it("stop() ends a long poll at once", async () => {
    start({ pollTimeoutSec: 30 });
    await waitFor(() => fake.polls.length === 1, "first poll");
    const t = Date.now();
    await bot.stop();
    expect(Date.now() - t).toBeLessThan(500);
  });
});
