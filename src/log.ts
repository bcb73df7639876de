import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

/**
 * Field paths that hold secrets. pino's `*.x` matches exactly one level, so every depth we use is
 * listed (TOOLCHAIN.md 8).
 */
const REDACT_PATHS = [
  "secretKey",
  "accessKey",
  "apiToken",
  "token",
  "jwt",
  "password",
  "authorization",
  "Authorization",
  "*.secretKey",
  "*.accessKey",
  "*.apiToken",
  "*.token",
  "*.jwt",
  "*.password",
  "*.authorization",
  "*.Authorization",
  "*.*.secretKey",
  "*.*.accessKey",
  "*.*.authorization",
  "*.*.Authorization",
  "headers.authorization",
  "headers.Authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.cookie",
  "cookie",
  "*.cookie",
  "secret",
  "*.secret",
  "plaintext",
  "*.plaintext",
  "refreshToken",
  "*.refreshToken",
  "csrfToken",
  "*.csrfToken",
  "request.headers.authorization",
];

const JWT_RE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g;
const BEARER_RE = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Secret values to scrub, which can grow after the logger exists: secrets read from the database
 * at run time (exchange keys saved from the dashboard) are added as they are revealed.
 */
export class SecretList {
  readonly #values = new Set<string>();
  #version = 0;

  constructor(initial: readonly string[] = []) {
    for (const s of initial) this.add(s);
  }

  /** Adds a value (shorter than 4 characters: ignored, it would scrub ordinary text). */
  add(value: string): void {
    if (value.length < 4 || this.#values.has(value)) return;
    this.#values.add(value);
    this.#version += 1;
  }

  /** Changes whenever a value is added (the scrubber rebuilds its pattern then). */
  get version(): number {
    return this.#version;
  }

  values(): string[] {
    return [...this.#values];
  }
}

/**
 * Builds the last line of defence: every JWT, every `Bearer` credential and every known secret
 * value is replaced in the serialised line, whatever field or message it hid in.
 */
export function makeScrubber(secrets: readonly string[] | SecretList): (line: string) => string {
  const list = secrets instanceof SecretList ? secrets : new SecretList(secrets);
  let builtFor = -1;
  let knownRe: RegExp | null = null;
  return (line) => {
    if (builtFor !== list.version) {
      const known = list.values().sort((a, b) => b.length - a.length);
      knownRe = known.length > 0 ? new RegExp(known.map(escapeRegExp).join("|"), "g") : null;
      builtFor = list.version;
    }
    let out = line.replace(JWT_RE, "[REDACTED_JWT]").replace(BEARER_RE, "$1[REDACTED]");
    if (knownRe) out = out.replace(knownRe, "[REDACTED]");
    return out;
  };
}

export interface LoggerOptions {
  readonly level?: string;
  readonly format?: "json" | "pretty";
  /** Literal secret values to scrub from every line (a SecretList can be added to later). */
  readonly secrets?: readonly string[] | SecretList;
  /** Where lines go (default stdout); tests pass a capturing stream. */
  readonly destination?: DestinationStream;
  readonly name?: string;
}

/**
 * The process logger: JSON lines in production, pretty (in-process, so it also works in compiled
 * binaries) in development. Secrets are redacted by path and scrubbed by value.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const scrub = makeScrubber(options.secrets ?? []);
  const opts: pino.LoggerOptions = {
    level: options.level ?? "info",
    name: options.name,
    redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
    hooks: { streamWrite: scrub },
    base: { pid: process.pid },
  };
  if (options.format === "pretty") {
    const stream = pretty({ colorize: false, sync: true, destination: options.destination ?? 1 });
    return pino(opts, stream);
  }
  return pino(opts, options.destination ?? pino.destination({ dest: 1, sync: false }));
}

/** A logger that writes nothing (tests, tools). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
