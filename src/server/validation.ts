import type { Context } from "hono";
import { z } from "zod";
import { isMarket, type Market } from "../core/model.ts";
import { ApiError, type FieldErrors } from "./errors.ts";

/**
 * Request input is parsed here, at the edge, with zod: a bad value is a 400 naming every field
 * that was wrong and why, and handlers only ever see typed, bounded values.
 */

/** zod issues to `{ field: [messages] }`; unknown keys are reported under their own names. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  const add = (field: string, message: string) => (out[field] ??= []).push(message);
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") for (const key of issue.keys) add(key, "unknown parameter");
    else add(issue.path.map(String).join(".") || "_", issue.message);
  }
  return out;
}

/**
 * Parses the query string against a strict object schema. A parameter given twice is an error
 * (which of the two was meant?), as is a parameter the schema does not know (most likely a typo
 * that would otherwise silently widen the result).
 */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const raw: Record<string, string> = {};
  const repeated: FieldErrors = {};
  for (const [key, values] of Object.entries(c.req.queries())) {
    if (values.length > 1) repeated[key] = ["given more than once"];
    raw[key] = values[0] ?? "";
  }
  const result = schema.safeParse(raw);
  const fields = { ...(result.success ? {} : fieldErrors(result.error)), ...repeated };
  if (!result.success || Object.keys(fields).length > 0) throw new ApiError(400, "invalid_request", "invalid query parameters", { fields });
  return result.data as z.output<S>;
}

const MARKET_HINT = "a KRW market code like KRW-BTC";

/** A KRW market code (`KRW-BTC`), upper-case as the exchange writes it. */
export const marketSchema = z
  .string()
  .refine(isMarket, MARKET_HINT)
  .transform((s) => s as Market)
  .meta({ description: MARKET_HINT, examples: ["KRW-BTC"] });

/** The `:market` path parameter as a schema (for the OpenAPI document; handlers use `marketParam`). */
export const marketPathParams = z.object({ market: marketSchema });

/** The `:market` path parameter, validated (400 otherwise). */
export function marketParam(c: Context): Market {
  const value = c.req.param("market");
  if (!isMarket(value)) throw new ApiError(400, "invalid_request", `invalid market: expected ${MARKET_HINT}`, { fields: { market: [MARKET_HINT] } });
  return value;
}

/** An optional integer query parameter in [min, max] with a default. */
export function intParam(min: number, max: number, fallback: number) {
  const message = `an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().int(message).min(min, message).max(max, message))
    .optional()
    .transform((v) => v ?? fallback)
    .meta({ description: `${message} (default ${fallback})` });
}

/**
 * Parses a JSON (or url-encoded form) request body against a schema: a 400 naming every bad field
 * otherwise, and a 415 for other content types.
 */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  let raw: unknown;
  if (/^application\/json\b/i.test(type)) {
    try {
      raw = await c.req.json();
    } catch {
      throw new ApiError(400, "invalid_request", "the body is not valid JSON");
    }
  } else if (/^application\/x-www-form-urlencoded\b/i.test(type)) {
    const { _csrf: _, ...fields } = await c.req.parseBody();
    raw = fields;
  } else {
    throw new ApiError(415, "unsupported_media_type", "send the body as application/json");
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new ApiError(400, "invalid_request", "invalid request body", { fields: fieldErrors(result.error) });
  return result.data as z.output<S>;
}

/** A positive integer id path parameter (`:id`), validated (400 otherwise). */
export function idParam(c: Context, name = "id"): number {
  const value = c.req.param(name) ?? "";
  const id = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError(400, "invalid_request", `invalid ${name}: expected a positive integer`, { fields: { [name]: ["a positive integer"] } });
  return id;
}

/** The `:id` path parameter as a schema (for the OpenAPI document). */
export const idPathParams = z.object({ id: z.string().regex(/^\d{1,15}$/).meta({ description: "a positive integer id" }) });

/** One of the given values, with a message that lists them. */
export function enumParam<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.join(", ")}` });
}
