/**
 * An alert as an Internet message (RFC 5322 + MIME): UTF-8 plain text, base64 body, and the
 * subject as RFC 2047 encoded words when it is not plain ASCII (Korean always is not).
 */

const MAX_ENCODED_WORD_BYTES = 45; // 45 bytes -> 60 base64 chars; with `=?UTF-8?B?` and `?=` a word stays under 75
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Printable ASCII without the characters that would end or fold a header. */
function isPlainHeaderText(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s) && !s.includes("=?");
}

/**
 * A header value as RFC 2047 `=?UTF-8?B?...?=` words, folded onto continuation lines; each word
 * holds whole characters only (a multi-byte character is never split between two words).
 */
export function encodeHeaderWords(value: string): string {
  const clean = value.replace(/[\r\n]+/g, " ");
  if (isPlainHeaderText(clean) && clean.length <= 900) return clean;
  const words: string[] = [];
  let chunk: number[] = [];
  for (const ch of clean) {
    const bytes = Array.from(new TextEncoder().encode(ch));
    if (chunk.length + bytes.length > MAX_ENCODED_WORD_BYTES) {
      words.push(encodedWord(chunk));
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length > 0) words.push(encodedWord(chunk));
  return words.join("\r\n ");
}

function encodedWord(bytes: number[]): string {
  return `=?UTF-8?B?${Buffer.from(bytes).toString("base64")}?=`;
}

/** Epoch ms as an RFC 5322 date in UTC: `Thu, 26 Nov 2026 12:00:00 +0000`. */
export function formatMailDate(ts: number): string {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Base64 in lines of 76 characters (RFC 2045 6.8). */
function base64Lines(text: string): string {
  const b = Buffer.from(text, "utf8").toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 76) lines.push(b.slice(i, i + 76));
  return lines.join("\r\n");
}

export interface MailParts {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly ts: number;
  /** Unique id, without the angle brackets: `<random>@<domain>`. */
  readonly messageId: string;
  /** Extra headers (ASCII names; values are encoded when not ASCII). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The full message text, CRLF line ends, ready for DATA. */
export function composeMail(parts: MailParts): string {
  const headers: [string, string][] = [
    ["From", parts.from],
    ["To", parts.to.join(", ")],
    ["Subject", encodeHeaderWords(parts.subject)],
    ["Date", formatMailDate(parts.ts)],
    ["Message-ID", `<${parts.messageId}>`],
    ["MIME-Version", "1.0"],
    ["Content-Type", "text/plain; charset=UTF-8"],
    ["Content-Transfer-Encoding", "base64"],
  ];
  for (const [name, value] of Object.entries(parts.headers ?? {})) {
    if (/^[A-Za-z0-9-]+$/.test(name)) headers.push([name, encodeHeaderWords(value)]);
  }
  return headers.map(([n, v]) => `${n}: ${v}`).join("\r\n") + "\r\n\r\n" + base64Lines(parts.text) + "\r\n";
}

/** The domain part of an address, for Message-IDs. */
export function mailDomain(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1) || "localhost";
}
