import { describe, expect, it } from "vitest";
import { formatDuration, formatKrw, formatKst, formatPercent, formatPriceKrw, formatVolume, kstDay, truncate } from "../../../src/alerts/format.ts";
import { composeMail, encodeHeaderWords, formatMailDate } from "../../../src/alerts/mail.ts";
import { escapeMarkdownV2, escapeMarkdownV2Code, escapeSlack, renderEmailSubject, renderPlainText, renderSlack, renderTelegram } from "../../../src/alerts/render.ts";
import { dotStuff } from "../../../src/alerts/smtp.ts";
import type { AlertMessage } from "../../../src/ports/alerts.ts";
import { markdownV2Problem } from "./support.ts";

const TS = Date.UTC(2026, 10, 26, 12, 5, 9); // 21:05:09 KST

function message(over: Partial<AlertMessage> = {}): AlertMessage {
  return { id: 1, severity: "critical", key: "trading_halted", title: "전체 거래 중단", text: "사유: exchange down", ts: TS, suppressed: 0, ...over };
}

/** Decode RFC 2047 B-encoded words back to text (what a mail client does). */
function decodeWords(header: string): string {
  const bytes: number[] = [];
  for (const m of header.matchAll(/=\?UTF-8\?B\?([^?]*)\?=/g)) bytes.push(...Buffer.from(m[1]!, "base64"));
  return Buffer.from(bytes).toString("utf8");
}

describe("numbers the Korean way", () => {
  it("writes KRW amounts with thousands separators and 원", () => {
    expect(formatKrw(12_345_678, "ko")).toBe("12,345,678원");
    expect(formatKrw(12_345_678.6, "ko")).toBe("12,345,679원");
    expect(formatKrw(-50_000, "ko", { signed: true })).toBe("-50,000원");
    expect(formatKrw(1_234, "ko", { signed: true })).toBe("+1,234원");
    expect(formatKrw(0, "ko", { signed: true })).toBe("0원");
    expect(formatKrw(12_345_678, "en")).toBe("₩12,345,678");
    expect(formatKrw(-5_000, "en", { signed: true })).toBe("-₩5,000");
    expect(formatKrw(5_000, "en", { signed: true })).toBe("+₩5,000");
    expect(formatKrw(Number.NaN, "ko")).toBe("–");
  });

  it("writes prices with the decimals of their tick band", () => {
    expect(formatPriceKrw(95_000_000, "ko")).toBe("95,000,000원");
    expect(formatPriceKrw(0.1233, "ko")).toBe("0.1233원");
    expect(formatPriceKrw(12.5, "ko")).toBe("12.5원");
    expect(formatPriceKrw(1_234, "en")).toBe("₩1,234");
    expect(formatPriceKrw(95_123_456.789, "ko")).toBe("95,123,456.789원");
  });

  it("writes volumes exactly, percentages signed, times in KST", () => {
    expect(formatVolume(0.0123, "BTC")).toBe("0.0123 BTC");
    expect(formatVolume(12_345.5, "XRP")).toBe("12,345.5 XRP");
    expect(formatVolume(1e-8, "BTC")).toBe("0.00000001 BTC");
    expect(formatPercent(0.01234, { signed: true })).toBe("+1.23%");
    expect(formatPercent(-0.05)).toBe("-5.00%");
    expect(formatPercent(0.00001, { signed: true })).toBe("0.00%");
    expect(formatKst(TS)).toBe("2026-11-26 21:05:09 KST");
    expect(kstDay(Date.UTC(2026, 10, 26, 15, 0))).toBe("2026-11-27");
    expect(formatDuration(45_000, "ko")).toBe("45초");
    expect(formatDuration(3 * 3_600_000 + 12 * 60_000, "ko")).toBe("3시간 12분");
    expect(formatDuration(3 * 3_600_000 + 12 * 60_000, "en")).toBe("3h 12m");
    expect(formatDuration(2 * 86_400_000 + 3_600_000, "en")).toBe("2d 1h");
    expect(truncate("가나다라마", 3)).toBe("가나…");
  });
});

describe("Telegram MarkdownV2", () => {
  it("escapes every reserved character and the backslash", () => {
    const all = "_*[]()~`>#+-=|{}.!\\";
    const escaped = escapeMarkdownV2(all);
    expect(escaped).toBe("\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\");
    expect(markdownV2Problem(escaped)).toBeNull();
    expect(markdownV2Problem(all)).not.toBeNull();
    expect(escapeMarkdownV2("가격 1,234원")).toBe("가격 1,234원");
  });

  it("escapes only the backtick and backslash inside code", () => {
    expect(escapeMarkdownV2Code("halted:trader:KRW-BTC")).toBe("halted:trader:KRW-BTC");
    expect(escapeMarkdownV2Code("a`b\\c")).toBe("a\\`b\\\\c");
  });

  it("renders texts full of reserved characters into a message Telegram can parse", () => {
    const nasty = message({ title: "KRW-BTC (stop) hit! *now* _x_ [y](z) #1 +2 -3 =4 |5 {6} ~7 >8 `9`", text: "price 95,000,000.5 > stop; path C:\\x; e-mail a.b@c.d!", key: "stop_hit:KRW-BTC:1`2", suppressed: 3 });
    const r = renderTelegram(nasty, "ko", "markdown");
    expect(r.parse_mode).toBe("MarkdownV2");
    expect(markdownV2Problem(r.text)).toBeNull();
    expect(r.text).toContain("*🔴 \\[심각\\] KRW\\-BTC \\(stop\\) hit\\! \\*now\\*");
    expect(r.text).toContain("`stop_hit:KRW-BTC:1\\`2`");
    expect(r.text).toContain("같은 알림 3건이 생략되었습니다");
    const plain = renderTelegram(nasty, "en", "plain");
    expect(plain.parse_mode).toBeUndefined();
    expect(plain.text).toContain("KRW-BTC (stop) hit! *now*");
    expect(plain.text).toContain("3 similar alerts were suppressed.");
  });

  it("cuts a huge text well under Telegram's 4096 characters", () => {
    const r = renderTelegram(message({ text: ".".repeat(10_000) }), "ko", "markdown");
    expect(r.text.length).toBeLessThan(4096 * 2);
    expect(Array.from(r.text.replace(/\\\./g, ".")).length).toBeLessThan(4096);
    expect(markdownV2Problem(r.text)).toBeNull();
  });
});

describe("Slack blocks", () => {
  it("escapes &, < and > and keeps Block Kit limits", () => {
    expect(escapeSlack("<!channel> a & b > c")).toBe("&lt;!channel&gt; a &amp; b &gt; c");
    const p = renderSlack(message({ text: "<@U123> & <http://x|y>", title: "t".repeat(400), suppressed: 2 }), "en");
    const [header, section, context] = p.blocks as { type: string; text?: { text: string }; elements?: { text: string }[] }[];
    expect(header!.type).toBe("header");
    expect(header!.text!.text.length).toBeLessThanOrEqual(150);
    expect(section!.text!.text).toBe("&lt;@U123&gt; &amp; &lt;http://x|y&gt;");
    expect(context!.elements!.map((e) => e.text).join(" ")).toContain("2 similar alerts were suppressed.");
    expect(p.text).toContain("[Critical]");
  });
});

describe("e-mail", () => {
  it("encodes a Korean subject as RFC 2047 words of at most 75 characters that decode back", () => {
    const subject = renderEmailSubject(message({ title: "전체 거래 중단: 거래소 응답 없음 — 사람의 확인이 필요합니다 ".repeat(2) }), "ko", "[bithumb-bot]");
    const encoded = encodeHeaderWords(subject);
    for (const line of encoded.split("\r\n")) {
      const word = line.trim();
      expect(word).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
      expect(word.length).toBeLessThanOrEqual(75);
    }
    expect(encoded.split("\r\n").slice(1).every((l) => l.startsWith(" "))).toBe(true);
    expect(decodeWords(encoded)).toBe(subject);
    expect(encodeHeaderWords("plain ascii")).toBe("plain ascii");
    expect(encodeHeaderWords("tricky =?x?=")).toMatch(/^=\?UTF-8\?B\?/);
    expect(encodeHeaderWords("line\r\nBcc: evil@x")).not.toContain("\r\nBcc");
  });

  it("composes a UTF-8 message with the headers a mail client needs", () => {
    const text = renderPlainText(message({ text: "평가 금액 12,345,678원\n.dot line" }), "ko");
    const mail = composeMail({ from: "bot@example.com", to: ["a@example.com", "b@example.com"], subject: "[심각] 전체 거래 중단", text, ts: TS, messageId: "x.1@example.com", headers: { "X-Alert-Key": "trading_halted" } });
    const [head, body] = mail.split("\r\n\r\n");
    expect(head).toContain("From: bot@example.com");
    expect(head).toContain("To: a@example.com, b@example.com");
    expect(head).toContain("Date: Thu, 26 Nov 2026 12:05:09 +0000");
    expect(head).toContain("Message-ID: <x.1@example.com>");
    expect(head).toContain("MIME-Version: 1.0");
    expect(head).toContain("Content-Type: text/plain; charset=UTF-8");
    expect(head).toContain("Content-Transfer-Encoding: base64");
    expect(head).toContain("X-Alert-Key: trading_halted");
    expect(decodeWords(/Subject: ([\s\S]*?)\r\n[A-Z]/.exec(head!)![1]!)).toBe("[심각] 전체 거래 중단");
    expect(body!.split("\r\n").every((l) => l.length <= 76)).toBe(true);
    expect(Buffer.from(body!.replace(/\r\n/g, ""), "base64").toString("utf8")).toBe(text);
    expect(formatMailDate(0)).toBe("Thu, 01 Jan 1970 00:00:00 +0000");
  });

  it("dot-stuffs DATA and normalises line ends to CRLF", () => {
    expect(dotStuff("a\n.b\r\n..c\rd")).toBe("a\r\n..b\r\n...c\r\nd\r\n");
    expect(dotStuff(".\n")).toBe("..\r\n");
  });
});
