/**
 * Local receivers for every alert channel, all on 127.0.0.1 with ephemeral ports: a Telegram Bot
 * API fake (sendMessage + long-polling getUpdates), an HTTP receiver (Slack webhook, generic
 * webhook) and an SMTP server (EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL/RCPT/DATA, QUIT). Plus a
 * database with the alert tables, a capturing logger and a fake ControlPort.
 */
import net from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { StringDecoder } from "node:string_decoder";
import tls from "node:tls";
import type { Market } from "../../../src/core/model.ts";
import { type DbHandle, openDb } from "../../../src/db/index.ts";
import type { ActorSummary, CommandResult, HealthReport } from "../../../src/ports/control.ts";
import { actor, captureLogger, FakeControl as RecordingControl } from "../server/support.ts";

export { actor, captureLogger };

const FIXTURES = fileURLToPath(new URL("../../fixtures/alerts", import.meta.url));
export const TLS_CERT = readFileSync(join(FIXTURES, "smtp-cert.pem"), "utf8");
export const TLS_KEY = readFileSync(join(FIXTURES, "smtp-key.pem"), "utf8");

/** A fresh in-memory database with every migration applied (the alerts tables included). */
export function openTestDb(): DbHandle {
  return openDb({ path: ":memory:" });
}

/** Poll (real time, short steps) until `check` holds: for I/O on loopback, never for the clock. */
export async function waitFor(check: () => boolean, what = "condition", timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// ---- Telegram Bot API fake --------------------------------------------------------------------

export interface TelegramSent {
  readonly token: string;
  readonly chat_id: string;
  readonly text: string;
  readonly parse_mode?: string;
  readonly disable_notification?: boolean;
}

type Scripted = { status: number; body: unknown };

export interface TelegramFake {
  readonly url: string;
  readonly sent: TelegramSent[];
  /** Every request path seen (to prove the token only travels in the path). */
  readonly paths: string[];
  /** getUpdates calls with their offsets. */
  readonly polls: { offset?: number; timeout?: number }[];
  /** Answers to use (in order) for the next sendMessage calls instead of success. */
  readonly sendScript: Scripted[];
  /** Answers to use for the next getUpdates calls. */
  readonly pollScript: Scripted[];
  /** Queue a user message; `date` in unix seconds. */
  push(message: { chatId: number; text: string; date: number; username?: string }): void;
  /** Refuse MarkdownV2 texts that a real Telegram could not parse (unescaped specials). */
  strictMarkdown: boolean;
  close(): void;
}

let nextUpdateId = 1000;
const MD_SPECIAL = "_*[]()~`>#+-=|{}.!";

/** A rough MarkdownV2 check: every special outside entities must be escaped (what Telegram enforces). */
export function markdownV2Problem(text: string): string | null {
  let inCode = false;
  let bold = false;
  let italic = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "`") inCode = !inCode;
    else if (inCode) continue;
    else if (c === "*") bold = !bold;
    else if (c === "_") italic = !italic;
    else if (MD_SPECIAL.includes(c)) return `Bad Request: can't parse entities: Character '${c}' is reserved and must be escaped with the preceding '\\'`;
  }
  if (inCode || bold || italic) return "Bad Request: can't parse entities: unclosed entity";
  return null;
}

export function startTelegramFake(token: string): TelegramFake {
  const sent: TelegramSent[] = [];
  const paths: string[] = [];
  const polls: { offset?: number; timeout?: number }[] = [];
  const sendScript: Scripted[] = [];
  const pollScript: Scripted[] = [];
  let updates: { update_id: number; message: Record<string, unknown> }[] = [];
  let waiters: (() => void)[] = [];
  const state = { strictMarkdown: true };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(req) {
      const url = new URL(req.url);
      paths.push(url.pathname);
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
      if (!m) return Response.json({ ok: false, error_code: 404, description: "Not Found" }, { status: 404 });
      if (m[1] !== token) return Response.json({ ok: false, error_code: 401, description: "Unauthorized" }, { status: 401 });
      const body = (await req.json()) as Record<string, unknown>;
      if (m[2] === "sendMessage") {
        const scripted = sendScript.shift();
        if (scripted) return Response.json(scripted.body, { status: scripted.status });
        const text = String(body.text);
        if (body.parse_mode === "MarkdownV2" && state.strictMarkdown) {
          const problem = markdownV2Problem(text);
          if (problem) return Response.json({ ok: false, error_code: 400, description: problem }, { status: 400 });
        }
        sent.push({ token: m[1]!, chat_id: String(body.chat_id), text, parse_mode: body.parse_mode as string | undefined, disable_notification: body.disable_notification as boolean | undefined });
        return Response.json({ ok: true, result: { message_id: sent.length, date: 0, chat: { id: Number(body.chat_id), type: "private" }, text } });
      }
      if (m[2] === "getUpdates") {
        const offset = body.offset as number | undefined;
        polls.push({ offset, timeout: body.timeout as number | undefined });
        const scripted = pollScript.shift();
        if (scripted) return Response.json(scripted.body, { status: scripted.status });
        if (offset !== undefined) updates = updates.filter((u) => u.update_id >= offset);
        if (updates.length === 0) {
          // Long poll: hold until a message arrives or the (real-time, capped) timeout passes.
          const waitMs = Math.min(1_000, Number(body.timeout ?? 0) * 1000);
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, waitMs);
            waiters.push(() => {
              clearTimeout(t);
              resolve();
            });
          });
        }
        return Response.json({ ok: true, result: updates });
      }
      return Response.json({ ok: false, error_code: 404, description: "Not Found: method not found" }, { status: 404 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    sent,
    paths,
    polls,
    sendScript,
    pollScript,
    get strictMarkdown() {
      return state.strictMarkdown;
    },
    set strictMarkdown(v: boolean) {
      state.strictMarkdown = v;
    },
    push({ chatId, text, date, username }) {
      updates.push({
        update_id: nextUpdateId++,
        message: { message_id: nextUpdateId, date, chat: { id: chatId, type: chatId < 0 ? "group" : "private" }, from: { id: Math.abs(chatId), is_bot: false, ...(username ? { username } : {}) }, text },
      });
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
    close() {
      for (const f of waiters) f();
      server.stop(true);
    },
  };
}

// ---- HTTP receiver (Slack incoming webhook, generic webhook) -----------------------------------

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface HttpReceiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Answers for the next requests (status, body, headers); default 200 "ok". */
  readonly script: { status: number; body?: string; headers?: Record<string, string> }[];
  /** When true, requests are held and never answered (a hung receiver). */
  hang: boolean;
  close(): void;
}

export function startHttpReceiver(): HttpReceiver {
  const received: ReceivedRequest[] = [];
  const script: HttpReceiver["script"] = [];
  const state = { hang: false };
  const held: (() => void)[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(req) {
      const url = new URL(req.url);
      const body = await req.text();
      received.push({ path: url.pathname, headers: Object.fromEntries(req.headers.entries()), body });
      if (state.hang) await new Promise<void>((r) => held.push(r));
      const next = script.shift();
      return new Response(next?.body ?? "ok", { status: next?.status ?? 200, headers: next?.headers });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    script,
    get hang() {
      return state.hang;
    },
    set hang(v: boolean) {
      state.hang = v;
    },
    close() {
      for (const r of held) r();
      server.stop(true);
    },
  };
}

/** A port on loopback with nothing listening (a receiver that is down). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

// ---- SMTP receiver ------------------------------------------------------------------------------

export interface SmtpTransaction {
  readonly from: string;
  readonly to: string[];
  /** DATA as received (dot-unstuffed, CRLF line ends). */
  readonly data: string;
  readonly tls: boolean;
  readonly auth: string | null;
}

export interface SmtpReceiverOptions {
  /** Offer STARTTLS (with the fixture certificate). */
  readonly starttls?: boolean;
  /** Implicit TLS from the first byte. */
  readonly implicitTls?: boolean;
  /** Offered AUTH mechanisms (default PLAIN LOGIN); accepted credentials. */
  readonly mechanisms?: readonly string[];
  readonly credentials?: { readonly user: string; readonly password: string };
  /** Send extra bytes right after the 220 to STARTTLS (an injection attempt). */
  readonly injectAfterStarttls?: boolean;
}

export interface SmtpReceiver {
  readonly port: number;
  readonly transactions: SmtpTransaction[];
  /** Every command line received (AUTH lines included, for checking what crossed the wire). */
  readonly commands: string[];
  /** Replies to use instead of 250 for the next RCPT / end-of-DATA (e.g. `451 try later`). */
  readonly rcptScript: string[];
  readonly dataScript: string[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const transactions: SmtpTransaction[] = [];
  const commands: string[] = [];
  const rcptScript: string[] = [];
  const dataScript: string[] = [];
  const sockets = new Set<net.Socket>();
  const mechanisms = options.mechanisms ?? ["PLAIN", "LOGIN"];

  function session(raw: net.Socket, startsEncrypted: boolean): void {
    sockets.add(raw);
    let socket: net.Socket = raw;
    let encrypted = startsEncrypted;
    let decoder = new StringDecoder("utf8");
    let buffer = "";
    let mode: "command" | "data" | "auth-login-user" | "auth-login-pass" = "command";
    let from = "";
    let to: string[] = [];
    let dataLines: string[] = [];
    let auth: string | null = null;
    let loginUser = "";
    const write = (line: string) => socket.write(line + "\r\n");

    const checkAuth = (user: string, password: string, mech: string) => {
      const ok = !options.credentials || (user === options.credentials.user && password === options.credentials.password);
      if (ok) auth = `${mech}:${user}`;
      write(ok ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication credentials invalid");
    };

    const onLine = (line: string) => {
      if (mode === "data") {
        if (line === ".") {
          mode = "command";
          const reply = dataScript.shift();
          if (!reply || reply.startsWith("2")) transactions.push({ from, to, data: dataLines.join("\r\n"), tls: encrypted, auth });
          write(reply ?? "250 2.0.0 Ok: queued as TEST1");
          from = "";
          to = [];
          dataLines = [];
        } else dataLines.push(line.startsWith(".") ? line.slice(1) : line);
        return;
      }
      commands.push(line);
      if (mode === "auth-login-user") {
        loginUser = Buffer.from(line, "base64").toString("utf8");
        mode = "auth-login-pass";
        write("334 UGFzc3dvcmQ6");
        return;
      }
      if (mode === "auth-login-pass") {
        mode = "command";
        checkAuth(loginUser, Buffer.from(line, "base64").toString("utf8"), "LOGIN");
        return;
      }
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO") {
        const caps = ["250-localhost greets you", "250-PIPELINING", "250-8BITMIME"];
        if (options.starttls && !encrypted) caps.push("250-STARTTLS");
        if (mechanisms.length > 0) caps.push(`250-AUTH ${mechanisms.join(" ")}`);
        caps.push("250 SMTPUTF8");
        socket.write(caps.join("\r\n") + "\r\n");
      } else if (verb === "STARTTLS" && options.starttls && !encrypted) {
        socket.write("220 2.0.0 Ready to start TLS\r\n" + (options.injectAfterStarttls ? "250 injected\r\n" : ""));
        socket.removeAllListeners("data");
        const secured = new tls.TLSSocket(socket, { isServer: true, key: TLS_KEY, cert: TLS_CERT });
        secured.on("error", () => undefined);
        socket = secured;
        encrypted = true;
        decoder = new StringDecoder("utf8");
        buffer = "";
        secured.on("data", onData);
      } else if (verb === "AUTH") {
        const [, mech, initial] = line.split(" ");
        if (mech?.toUpperCase() === "PLAIN" && initial) {
          const [, user, password] = Buffer.from(initial, "base64").toString("utf8").split("\0");
          checkAuth(user ?? "", password ?? "", "PLAIN");
        } else if (mech?.toUpperCase() === "LOGIN") {
          mode = "auth-login-user";
          write("334 VXNlcm5hbWU6");
        } else write("504 5.5.4 Unrecognized authentication type");
      } else if (verb === "MAIL") {
        if (options.credentials && !auth) return write("530 5.7.0 Authentication required");
        from = /<([^>]*)>/.exec(line)?.[1] ?? "";
        write("250 2.1.0 Ok");
      } else if (verb === "RCPT") {
        const reply = rcptScript.shift();
        if (!reply || reply.startsWith("2")) to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
        write(reply ?? "250 2.1.5 Ok");
      } else if (verb === "DATA") {
        mode = "data";
        write("354 End data with <CR><LF>.<CR><LF>");
      } else if (verb === "RSET") {
        from = "";
        to = [];
        write("250 2.0.0 Ok");
      } else if (verb === "QUIT") {
        write("221 2.0.0 Bye");
        socket.end();
      } else write("502 5.5.2 Error: command not recognized");
    };

    const onData = (chunk: Buffer) => {
      buffer += decoder.write(chunk);
      let i: number;
      while ((i = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        onLine(line);
      }
    };
    raw.on("error", () => undefined);
    raw.on("close", () => sockets.delete(raw));
    socket.on("data", onData);
    write("220 localhost ESMTP test receiver");
  }

  const server = options.implicitTls
    ? tls.createServer({ key: TLS_KEY, cert: TLS_CERT }, (s) => session(s, true))
    : net.createServer((s) => session(s, false));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    transactions,
    commands,
    rcptScript,
    dataScript,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

// ---- a ControlPort that records commands --------------------------------------------------------

/**
 * The server tests' recording ControlPort with what the alert commands read: an open BTC position
 * with a stop, and the "<market> <method> done" answers the Telegram replies quote.
 */
export class FakeControl extends RecordingControl {
  override actors: ActorSummary[] = [
    actor("KRW-BTC", { state: "in_position", position: { volume: 0.0123, avgPrice: 95_000_000, entryTs: 1_000, stop: 90_000_000, markPrice: 96_000_000, unrealisedPnl: 12_300, status: "open" } }),
    actor("KRW-ETH", { state: "paused" }),
  ];
  override answer = async (method: string, market?: Market): Promise<CommandResult> => ({ ok: true, message: `${market ?? "all"} ${method} done` });

  override health(): HealthReport {
    return { ...super.health(), marketData: { connected: true, lastMessageAgeMs: 1_500 }, startedAt: 1_700_000_000_000 - 3 * 3_600_000, now: 1_700_000_000_000 };
  }
  override portfolio() {
    return { equity: 10_012_345, krwAvailable: 8_800_000, krwLocked: 0, positionsValue: 1_212_345, unrealisedPnl: 12_300, dayStartEquity: 10_000_000, peakEquity: 10_250_000, drawdown: 0.0232, balancesAt: 1 };
  }
  override balances() {
    return [{ currency: "KRW", balance: 8_800_000, locked: 0, avgBuyPrice: 0 }];
  }
}
