/**
 * A small SMTP client (RFC 5321) for alert mail: EHLO, STARTTLS (RFC 3207) when the server offers
 * it (or required by config), AUTH PLAIN / LOGIN (RFC 4954), MAIL FROM, RCPT TO, DATA with
 * dot-stuffing, QUIT; implicit TLS (port 465) with `secure`. One connection per message: alerts
 * are few, and a fresh connection never inherits a half-broken session.
 *
 * Written by hand over node:net/node:tls (both work under Bun, STARTTLS upgrade included) instead
 * of adding a mail library for the few commands an alert needs. Every step has a deadline on the
 * injected clock. Failures are `SmtpError`s classed like the rest of the alert deliveries: a 4xx
 * reply or a dropped connection may succeed later, a 5xx reply or a TLS/auth problem will not.
 */
import net from "node:net";
import { StringDecoder } from "node:string_decoder";
import tls from "node:tls";
import type { Clock } from "../ports/clock.ts";

export interface SmtpOptions {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS from the first byte (SMTPS, usually port 465). */
  readonly secure?: boolean;
  /**
   * STARTTLS on a plain connection: `auto` upgrades when the server offers it, `required` fails
   * when it does not, `never` stays plain (only sensible on loopback).
   */
  readonly starttls?: "auto" | "required" | "never";
  readonly user?: string;
  readonly password?: string;
  /** Send credentials over an unencrypted connection to a non-loopback host (default false). */
  readonly allowInsecureAuth?: boolean;
  /** Extra trust (a private CA in PEM) or, for tests only, no certificate check. */
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean; readonly servername?: string };
  /** Our name in EHLO (default `localhost`). */
  readonly clientName?: string;
  /** Deadline for connecting and for each reply (default 15 s). */
  readonly timeoutMs?: number;
  readonly clock: Clock;
}

export interface Envelope {
  readonly from: string;
  readonly to: readonly string[];
  /** The whole message (headers, blank line, body), lines ending in CRLF or LF. */
  readonly data: string;
}

export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

export class SmtpError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code?: number,
  ) {
    super(message);
    this.name = "SmtpError";
  }
}

const DEFAULT_TIMEOUT_MS = 15_000;
const ADDRESS_RE = /^[^\s<>@"]+@[^\s<>@"]+$/;

/** True for a bare address that is safe inside `MAIL FROM:<...>` and a header. */
export function isMailAddress(s: string): boolean {
  return ADDRESS_RE.test(s) && !/[\r\n]/.test(s);
}

/** Normalise line ends to CRLF and double every leading dot (RFC 5321 4.5.2), ending with CRLF. */
export function dotStuff(data: string): string {
  const lines = data.replace(/\r\n|\r|\n/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map((l) => (l.startsWith(".") ? "." + l : l)).join("\r\n") + "\r\n";
}

/** Assembles replies from the byte stream: `250-a` lines continue, `250 b` ends a reply. */
class ReplyReader {
  private buffer = "";
  private lines: string[] = [];
  private readonly replies: SmtpReply[] = [];

  push(chunk: string): void {
    this.buffer += chunk;
    let i: number;
    while ((i = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, i).replace(/\r$/, "");
      this.buffer = this.buffer.slice(i + 1);
      this.lines.push(line.slice(4));
      if (line.length < 4 || line[3] !== "-") {
        const code = Number(line.slice(0, 3));
        this.replies.push({ code: Number.isInteger(code) ? code : 0, lines: this.lines });
        this.lines = [];
      }
    }
  }

  take(): SmtpReply | undefined {
    return this.replies.shift();
  }

  /** True when bytes arrived that are not yet read as a reply (a STARTTLS injection sign). */
  hasUnread(): boolean {
    return this.buffer.length > 0 || this.lines.length > 0 || this.replies.length > 0;
  }
}

/** One SMTP session over a socket that can be upgraded to TLS in place. */
class Session {
  private socket: net.Socket;
  private reader = new ReplyReader();
  private waiter: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  encrypted: boolean;

  private constructor(
    socket: net.Socket,
    private readonly options: SmtpOptions,
  ) {
    this.socket = socket;
    this.encrypted = socket instanceof tls.TLSSocket;
    this.attach(socket);
  }

  static async open(options: SmtpOptions, signal?: AbortSignal): Promise<Session> {
    const socket = await withDeadline<net.Socket>(options, signal, "connect", (resolve, reject) => {
      const s = options.secure
        ? tls.connect({ host: options.host, port: options.port, ...tlsOptions(options) }, () => resolve(s))
        : net.connect({ host: options.host, port: options.port }, () => resolve(s));
      s.once("error", (e) => reject(classifySocketError(e)));
      return () => s.destroy();
    });
    return new Session(socket, options);
  }

  private attach(socket: net.Socket): void {
    // No setEncoding: the plain socket may be handed to TLS later, which must see raw bytes.
    const decoder = new StringDecoder("utf8");
    socket.on("data", (chunk: Buffer) => {
      this.reader.push(decoder.write(chunk));
      this.deliver();
    });
    socket.on("error", (e) => this.fail(classifySocketError(e)));
    socket.on("close", () => this.fail(new SmtpError("connection closed by the server", true)));
  }

  private detach(socket: net.Socket): void {
    socket.removeAllListeners("data");
    socket.removeAllListeners("error");
    socket.removeAllListeners("close");
  }

  private deliver(): void {
    if (!this.waiter) return;
    const reply = this.reader.take();
    if (!reply) return;
    const w = this.waiter;
    this.waiter = null;
    w.resolve(reply);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(this.failure);
  }

  /** The next reply, within the deadline. */
  read(signal?: AbortSignal): Promise<SmtpReply> {
    const queued = this.reader.take();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return withDeadline(this.options, signal, "reply", (resolve, reject) => {
      this.waiter = { resolve, reject };
      return () => {
        this.waiter = null;
      };
    });
  }

  /** Send one command line and read the reply; a code outside `expect` is an SmtpError. */
  async command(line: string, expect: readonly number[], signal?: AbortSignal, shown = line): Promise<SmtpReply> {
    this.socket.write(line + "\r\n");
    return this.expect(await this.read(signal), expect, shown);
  }

  expect(reply: SmtpReply, expect: readonly number[], what: string): SmtpReply {
    if (expect.includes(reply.code)) return reply;
    const text = reply.lines.join(" ").slice(0, 200);
    throw new SmtpError(`${what}: ${reply.code} ${text}`, reply.code >= 400 && reply.code < 500, reply.code);
  }

  write(data: string): void {
    this.socket.write(data);
  }

  /** Replace the plain socket with TLS over it (after the server's 220 to STARTTLS). */
  async upgrade(signal?: AbortSignal): Promise<void> {
    // Anything the server sent after its 220 was sent before TLS and must not be trusted (RFC 3207 6).
    if (this.reader.hasUnread()) throw new SmtpError("the server sent data after STARTTLS before the TLS handshake", false);
    const plain = this.socket;
    this.detach(plain);
    const secured = await withDeadline<tls.TLSSocket>(this.options, signal, "TLS handshake", (resolve, reject) => {
      const s = tls.connect({ socket: plain, ...tlsOptions(this.options) }, () => resolve(s));
      s.once("error", (e) => reject(classifySocketError(e)));
      return () => s.destroy();
    });
    this.socket = secured;
    this.encrypted = true;
    this.attach(secured);
  }

  close(): void {
    this.detach(this.socket);
    this.socket.on("error", () => {});
    this.socket.destroy();
  }
}

function tlsOptions(options: SmtpOptions): tls.ConnectionOptions {
  return {
    servername: options.tls?.servername ?? (net.isIP(options.host) ? undefined : options.host),
    ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
    rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
  };
}

/** Certificate problems are configuration, not weather: retrying will not help. */
function classifySocketError(e: Error): SmtpError {
  const code = (e as { code?: string }).code ?? "";
  const tlsProblem = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ERR_TLS|ERR_SSL/i.test(code) || /certificate/i.test(e.message);
  return new SmtpError(`${tlsProblem ? "TLS" : "connection"} error: ${code || e.message}`, !tlsProblem);
}

/**
 * Run `start` with a deadline on the clock and an optional abort signal; `start` returns its
 * cleanup, called when the deadline or the signal wins.
 */
function withDeadline<T>(options: SmtpOptions, signal: AbortSignal | undefined, what: string, start: (resolve: (v: T) => void, reject: (e: Error) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let timer: number | null = null;
    const onAbort = () => finish(() => (cleanup(), reject(new SmtpError(`${what}: cancelled`, false))));
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      if (timer !== null) options.clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      f();
    };
    const cleanup = start(
      (v) => finish(() => resolve(v)),
      (e) => finish(() => reject(e)),
    );
    if (done) return;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    timer = options.clock.setTimeout(() => finish(() => (cleanup(), reject(new SmtpError(`${what}: no answer within ${timeoutMs} ms`, true)))), timeoutMs);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** EHLO keywords, upper-case: `STARTTLS`, `AUTH` -> `PLAIN LOGIN`, `SIZE` -> `10240000`. */
export function parseEhlo(reply: SmtpReply): Map<string, string> {
  const caps = new Map<string, string>();
  for (const line of reply.lines.slice(1)) {
    const [word, ...rest] = line.trim().split(/\s+/);
    if (word) caps.set(word.toUpperCase(), rest.join(" ").toUpperCase());
  }
  return caps;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

function b64(s: string): string {
  return Buffer.from(s, "utf8").toString("base64");
}

async function authenticate(session: Session, caps: Map<string, string>, options: SmtpOptions, signal?: AbortSignal): Promise<void> {
  const user = options.user!;
  const password = options.password ?? "";
  if (!session.encrypted && !isLoopback(options.host) && !options.allowInsecureAuth) {
    throw new SmtpError("refusing to send the SMTP password over an unencrypted connection (enable TLS or STARTTLS)", false);
  }
  const mechanisms = (caps.get("AUTH") ?? "").split(/\s+/);
  if (mechanisms.includes("PLAIN")) {
    await session.command(`AUTH PLAIN ${b64(`\0${user}\0${password}`)}`, [235], signal, "AUTH PLAIN");
    return;
  }
  if (mechanisms.includes("LOGIN")) {
    await session.command("AUTH LOGIN", [334], signal);
    await session.command(b64(user), [334], signal, "AUTH LOGIN user");
    await session.command(b64(password), [235], signal, "AUTH LOGIN password");
    return;
  }
  throw new SmtpError(`the server offers no AUTH PLAIN or LOGIN (AUTH ${caps.get("AUTH") ?? "absent"})`, false);
}

/** What a successful delivery reports: the server's final answer to DATA (often a queue id). */
export interface SmtpSent {
  readonly accepted: readonly string[];
  readonly response: string;
}

/** Send one message. Throws SmtpError (classed retryable or not); never leaves a socket open. */
export async function sendMail(options: SmtpOptions, envelope: Envelope, signal?: AbortSignal): Promise<SmtpSent> {
  for (const a of [envelope.from, ...envelope.to]) if (!isMailAddress(a)) throw new SmtpError(`not a mail address: ${JSON.stringify(a)}`, false);
  if (envelope.to.length === 0) throw new SmtpError("no recipients", false);
  const session = await Session.open(options, signal);
  try {
    session.expect(await session.read(signal), [220], "greeting");
    const name = options.clientName ?? "localhost";
    let caps = parseEhlo(await session.command(`EHLO ${name}`, [250], signal));
    const mode = options.starttls ?? "auto";
    if (!session.encrypted && mode !== "never") {
      if (caps.has("STARTTLS")) {
        await session.command("STARTTLS", [220], signal);
        await session.upgrade(signal);
        caps = parseEhlo(await session.command(`EHLO ${name}`, [250], signal));
      } else if (mode === "required") {
        throw new SmtpError("the server does not offer STARTTLS, which the configuration requires", false);
      }
    }
    if (options.user) await authenticate(session, caps, options, signal);
    await session.command(`MAIL FROM:<${envelope.from}>`, [250], signal);
    const accepted: string[] = [];
    for (const to of envelope.to) {
      await session.command(`RCPT TO:<${to}>`, [250, 251], signal);
      accepted.push(to);
    }
    await session.command("DATA", [354], signal);
    session.write(dotStuff(envelope.data) + ".\r\n");
    const final = session.expect(await session.read(signal), [250], "message");
    try {
      await session.command("QUIT", [221], signal);
    } catch {
      // The message is accepted; a server that drops the line at QUIT changes nothing.
    }
    return { accepted, response: `${final.code} ${final.lines.join(" ")}` };
  } finally {
    session.close();
  }
}
