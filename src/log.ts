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
  "request.headers.authorization",
];

const JWT_RE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g;
const BEARER_RE = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Builds the last line of defence: every JWT, every `Bearer` credential and every known secret
 * value is replaced in the serialised line, whatever field or message it hid in.
 */
export function makeScrubber(secrets: readonly string[]): (line: string) => string {
  const known = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  const knownRe = known.length > 0 ? new RegExp(known.map(escapeRegExp).join("|"), "g") : null;
  return (line) => {
    let out = line.replace(JWT_RE, "[REDACTED_JWT]").replace(BEARER_RE, "$1[REDACTED]");
    if (knownRe) out = out.replace(knownRe, "[REDACTED]");
    return out;
  };
}

export interface LoggerOptions {
  readonly level?: string;
  readonly format?: "json" | "pretty";
  /** Literal secret values to scrub from every line. */
  readonly secrets?: readonly string[];
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
