import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "../log.ts";
import { guessLang, type RenderError } from "./auth/pages.ts";
import type { AppEnv } from "./env.ts";

/**
 * Every error answer of the API has one shape, `{"error":{"code","message"}}`, plus `fields` for
 * validation errors. Routes and middleware throw `ApiError` (an `HTTPException`, so Hono's own
 * middleware and ours are handled alike) and `onError` turns it into that body. Nothing else
 * reaches the client: unexpected errors become a bare 500 and their stack goes to the log only.
 */

/** Field name (dotted path for nested input) to the problems found with it. */
export type FieldErrors = Record<string, string[]>;

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly fields?: FieldErrors;
  };
}

export class ApiError extends HTTPException {
  readonly code: string;
  readonly fields?: FieldErrors;
  readonly headers?: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: string, message: string, extra: { fields?: FieldErrors; headers?: Record<string, string> } = {}) {
    super(status, { message });
    this.name = "ApiError";
    this.code = code;
    this.fields = extra.fields;
    this.headers = extra.headers;
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) } };
  }
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Short codes for HTTPExceptions thrown by Hono's own middleware (body limit and the like). */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  503: "unavailable",
};

/** The generic message for a status, used when an HTTPException carries none. */
const MESSAGE_BY_STATUS: Readonly<Record<number, string>> = {
  413: "request body too large",
};

/** True for a page or htmx request (HTML answers), false for the JSON API and machine clients. */
export function wantsHtml(c: Context): boolean {
  if (c.req.path.startsWith("/api/")) return false;
  if (c.req.header("hx-request") !== undefined) return true;
  return (c.req.header("accept") ?? "").includes("text/html");
}

/** An error as an HTML page (page and htmx requests), in the user's language. */
async function htmlError(c: Context, render: RenderError, status: ContentfulStatusCode, code: string, message: string, headers?: Record<string, string>): Promise<Response> {
  const vars = c as unknown as Context<AppEnv>;
  const principal = vars.get("principal");
  const lang = principal?.kind === "user" ? principal.lang : guessLang(undefined, c.req.header("accept-language"));
  const body = await render({ status, code, message, lang, nonce: vars.get("cspNonce") ?? "" });
  return c.html(body, status, headers);
}

/**
 * `app.onError`: ApiError and HTTPException to their JSON body (or, with `renderError`, an HTML
 * page for page requests), anything else to a logged 500.
 */
export function errorHandler(logger: Logger, renderError?: RenderError) {
  return (err: Error, c: Context): Response | Promise<Response> => {
    const html = renderError !== undefined && wantsHtml(c);
    if (err instanceof ApiError) {
      if (html) return htmlError(c, renderError, err.status as ContentfulStatusCode, err.code, err.message, err.headers);
      return c.json(err.body(), err.status as ContentfulStatusCode, err.headers);
    }
    if (err instanceof HTTPException) {
      const status = (err.status >= 400 ? err.status : 500) as ContentfulStatusCode;
      const code = CODE_BY_STATUS[status] ?? (status >= 500 ? "internal_error" : "bad_request");
      const message = err.message || MESSAGE_BY_STATUS[status] || code.replaceAll("_", " ");
      if (html) return htmlError(c, renderError, status, code, message, passOnHeaders(err.res));
      return c.json(errorBody(code, message), status, passOnHeaders(err.res));
    }
    logger.error({ err, reqId: c.get("requestId"), method: c.req.method, path: c.req.path }, "request failed");
    if (html) return htmlError(c, renderError, 500, "internal_error", "internal server error");
    return c.json(errorBody("internal_error", "internal server error"), 500);
  };
}

/**
 * Headers a middleware put on the response it attached to its HTTPException (a
 * `WWW-Authenticate` challenge, `Retry-After`), minus the ones that described its own body.
 */
function passOnHeaders(res: Response | undefined): Record<string, string> | undefined {
  if (!res) return undefined;
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== "content-type" && name !== "content-length") out[name] = value;
  });
  return out;
}

/** `app.notFound`: the same JSON shape for unknown paths and methods. */
export function notFoundHandler(c: Context): Response {
  return c.json(errorBody("not_found", `no such endpoint: ${c.req.method} ${c.req.path}`), 404);
}

/** `app.notFound` that answers page requests with an HTML page and everything else as `notFoundHandler`. */
export function pageAwareNotFound(renderError: RenderError) {
  return (c: Context): Response | Promise<Response> => {
    if (!wantsHtml(c)) return notFoundHandler(c);
    return htmlError(c, renderError, 404, "not_found", `no such page: ${c.req.path}`);
  };
}
