import { z } from "zod";
import { ParseError } from "../../core/errors.ts";
import { isMarket, type Market } from "../../core/model.ts";

/**
 * Building blocks for validating Bithumb payloads at the edge (REST and WebSocket alike). Every
 * number goes through one check: a finite JSON number or a decimal NumberString, with its sign
 * rule; anything else (NaN, `"abc"`, `""`, `null` where a value is required) becomes a
 * `ParseError` naming the field path, so no garbage value ever reaches the core.
 */

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number from a JSON number or a decimal string; `undefined` when it is neither. */
export function toFiniteNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && DECIMAL_RE.test(value.trim())) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export type Sign = "any" | "nonNegative" | "positive";

function checkNumber(value: unknown, sign: Sign, ctx: z.core.$RefinementCtx<unknown>): number | undefined {
  const n = toFiniteNumber(value);
  if (n === undefined) {
    ctx.addIssue({ code: "custom", message: `expected a number, got ${describe(value)}`, input: value });
    return undefined;
  }
  if (sign === "nonNegative" && n < 0) {
    ctx.addIssue({ code: "custom", message: `expected a number >= 0, got ${n}`, input: value });
    return undefined;
  }
  if (sign === "positive" && !(n > 0)) {
    ctx.addIssue({ code: "custom", message: `expected a number > 0, got ${n}`, input: value });
    return undefined;
  }
  return n;
}

/** A required number (JSON number or NumberString) with a sign rule. */
export function num(sign: Sign = "nonNegative") {
  return z.unknown().transform((value, ctx) => checkNumber(value, sign, ctx) ?? z.NEVER);
}

/** An optional number: absent or `null` gives `undefined`; a present value must be valid. */
export function optNum(sign: Sign = "nonNegative") {
  return z
    .unknown()
    .optional()
    .transform((value, ctx): number | undefined => (value === undefined || value === null ? undefined : (checkNumber(value, sign, ctx) ?? z.NEVER)));
}

/** A non-empty string. */
export const text = z.string().min(1, "expected a non-empty string");

/** An optional string: `null` and `""` count as absent. */
export const optText = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v === "" ? undefined : v));

/** An id the wire may write as a string or an integer; kept as text. */
export const idText = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

/** A KRW market code (`KRW-BTC`): anything else is an unknown market. */
export const krwMarket = z
  .string()
  .refine(isMarket, { message: "expected a KRW market code like KRW-BTC" })
  .transform((s) => s as Market);

const ISO_ZONED_RE = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})$/;
const ISO_LOCAL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?$/;

/** Epoch ms of an ISO 8601 time with zone (`2026-07-04T14:39:04+09:00`), or `undefined`. */
export function parseZonedTime(s: string): number | undefined {
  const m = ISO_ZONED_RE.exec(s);
  if (!m) return undefined;
  const zone = m[2]!.length === 5 ? `${m[2]!.slice(0, 3)}:${m[2]!.slice(3)}` : m[2]!;
  const ms = Date.parse(`${m[1]!.replace(" ", "T")}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An ISO time with zone -> epoch ms. */
export const zonedTime = z.string().transform((s, ctx) => {
  const ms = parseZonedTime(s);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `expected an ISO 8601 time with zone, got ${describe(s)}`, input: s });
    return z.NEVER;
  }
  return ms;
});

/** A zone-less `yyyy-MM-ddTHH:mm:ss` that the API documents as UTC -> epoch ms. */
export const utcLocalTime = z.string().transform((s, ctx) => {
  const ms = ISO_LOCAL_RE.test(s) ? Date.parse(`${s}Z`) : Number.NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: "custom", message: `expected yyyy-MM-ddTHH:mm:ss (UTC), got ${describe(s)}`, input: s });
    return z.NEVER;
  }
  return ms;
});

/** An epoch-ms timestamp: a non-negative integer number (or integer string). */
export const epochMs = num("nonNegative").refine((n) => Number.isInteger(n), { message: "expected an integer epoch-ms timestamp" });

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? String(part) : `.${String(part)}`;
  return out;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Validate `data` with `schema`, or throw a `ParseError` naming `what` and the first bad field. */
export function parseWith<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ParseError(`${what}: ${issue.message}`, formatPath(issue.path), valueAt(data, issue.path));
}

/**
 * JSON text -> value, or `ParseError`. Integer ids listed in `bigIdKeys` are quoted before parsing
 * so ids above 2^53 (trade `sequential_id`s reach 1.7e16) keep every digit.
 */
export function parseJsonText(body: string, what: string, bigIdKeys: readonly string[] = []): unknown {
  let source = body;
  if (bigIdKeys.length > 0) {
    const keys = bigIdKeys.map((k) => k.replace(/[^A-Za-z0-9_]/g, "")).join("|");
    source = body.replace(new RegExp(`"(${keys})"\\s*:\\s*(-?\\d+)(?=\\s*[,}\\]])`, "g"), '"$1":"$2"');
  }
  try {
    return JSON.parse(source);
  } catch (e) {
    throw new ParseError(`${what}: malformed JSON (${e instanceof Error ? e.message : String(e)})`, "", body.slice(0, 200));
  }
}
