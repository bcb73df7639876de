import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ParseError } from "../core/errors.ts";
import { INTERVALS, isMarket, type Interval, type Market } from "../core/model.ts";

/**
 * Shared command-line helpers: parsing with one error type for every bad argument, so each CLI
 * answers a mistake the same way (the message, the usage line, exit code 2), and `runCli`, which
 * runs a command's main and maps what it throws to an exit code.
 */

/** A bad command-line argument: the CLI prints the message and its usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** `node:util` parseArgs in strict mode, its errors turned into `UsageError`s. */
export function parseCliArgs<T extends NonNullable<ParseArgsConfig["options"]>>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The value of a required flag. */
export function required(flag: string, value: string | undefined): string {
  if (value === undefined || value.trim() === "") throw new UsageError(`--${flag} is required`);
  return value;
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Minutes east of UTC for `Z`, `+09:00` or `-0330`. */
function zoneOffsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === "Z") return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
}

/**
 * A point in time: `2024-01-01` (00:00 UTC), `2024-01-01T09:30[:00[.000]]` (UTC unless it carries
 * a zone such as `Z` or `+09:00`), or epoch milliseconds. Impossible dates (`2024-02-30`) are refused.
 */
export function parseTimeArg(flag: string, text: string): number {
  const t = text.trim();
  const bad = () =>
    new UsageError(`--${flag} must be a date (2024-01-01), a date-time (2024-01-01T09:30, UTC unless it has a zone like +09:00) or epoch milliseconds; got ${JSON.stringify(text)}`);
  if (/^\d{10,16}$/.test(t)) return Number(t);
  const m = TIME_RE.exec(t);
  if (m === null) throw bad();
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "0", zone] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, "0")));
  if (!Number.isFinite(wall) || new Date(wall).toISOString().slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`) throw bad();
  return wall - zoneOffsetMinutes(zone) * 60_000;
}

/** A market code; lower case is accepted (`krw-btc` -> `KRW-BTC`). */
export function parseMarketArg(flag: string, text: string): Market {
  const code = text.trim().toUpperCase();
  if (!isMarket(code)) throw new UsageError(`--${flag} must be a KRW market code like KRW-BTC; got ${JSON.stringify(text)}`);
  return code;
}

/** One of Bithumb's candle intervals. */
export function parseIntervalArg(flag: string, text: string): Interval {
  const interval = INTERVALS.find((i) => i === text.trim());
  if (interval === undefined) throw new UsageError(`--${flag} must be one of ${INTERVALS.join(", ")}; got ${JSON.stringify(text)}`);
  return interval;
}

/** A positive integer flag, or `fallback` when it is absent. */
export function parsePositiveIntArg(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < 1) throw new UsageError(`--${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return v;
}

/** One of `allowed`, or `fallback` when the flag is absent. */
export function parseChoiceArg<T extends string>(flag: string, text: string | undefined, allowed: readonly T[], fallback: T): T;
export function parseChoiceArg<T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T | undefined;
export function parseChoiceArg<T extends string>(flag: string, text: string | undefined, allowed: readonly T[], fallback?: T): T | undefined {
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, got ${JSON.stringify(text)}`);
  return text as T;
}

/** A JSON file named by a flag; a missing or broken file is a `ParseError` naming it (exit 2). */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ParseError(`cannot read: ${(e as { code?: string }).code === "ENOENT" ? "no such file" : (e as Error).message}`, path);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ParseError(`not valid JSON: ${(e as Error).message}`, path);
  }
}

/** What a command reads and writes besides files: injectable, so tests can run `main` in process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Wall-clock milliseconds. */
  readonly now: () => number;
}

/** The process's own streams, environment and clock. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, now: () => Date.now() };
}

/** An error class (`ParseError`, ...). */
export type ErrorClass = abstract new (...args: never[]) => Error;

export interface RunCliOptions {
  /**
   * Errors that mean the input was bad (exit 2 with the message, like a `UsageError` but without
   * the usage): `[ParseError]` for commands whose every ParseError comes from the user's files or
   * parameters. Default none: elsewhere a ParseError can come from an exchange payload (exit 1).
   */
  readonly badInput?: readonly ErrorClass[];
}

/**
 * Run a command's `main(argv, io)` with the process's arguments and streams, then exit with the
 * code it returns. What it throws decides the code: a `UsageError` prints the message and the usage
 * (2); an error of a `badInput` class its message (2); anything else `name: message` (1).
 * `process.exit` rather than letting the loop drain: open handles (worker threads, a keep-alive
 * socket) must not keep a finished command alive.
 */
export async function runCli(name: string, usage: string, main: (argv: readonly string[], io: CliIo) => Promise<number>, options: RunCliOptions = {}): Promise<never> {
  let code: number;
  try {
    code = await main(process.argv.slice(2), processIo());
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${name}: ${error.message}\n${usage}\n`);
      code = 2;
    } else {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      code = options.badInput?.some((kind) => error instanceof kind) ? 2 : 1;
    }
  }
  process.exit(code);
}
