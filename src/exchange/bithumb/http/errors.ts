import { type ExchangeError, FatalError, RejectedError, RetryableError } from "../../../core/errors.ts";

/**
 * Maps Bithumb failures to what the caller must do (core/errors.ts): retry later, give up on this
 * one request, or stop trading and call a human. Bithumb error bodies look like
 * `{"error":{"name":"<code>","message":"<text>"}}` (API.md 6); `name` may be a number, and a proxy
 * in front of the API may answer with HTML, so every body is read defensively.
 */

/**
 * `error.name`s the exchange returns when this one request was refused. Includes the
 * Upbit-engine names API.md 6 lists as UNCONFIRMED for Bithumb (`insufficient_funds_*`,
 * `under_min_total_*`, `validation_error`).
 */
export const REJECTED_ERROR_NAMES: ReadonlySet<string> = new Set([
  "invalid_parameter",
  "invalid_price",
  "invalid_price_ask",
  "invalid_price_bid",
  "under_price_limit_ask",
  "under_price_limit_bid",
  "bank_account_required",
  "two_factor_auth_required",
  "currency does not have a valid value",
  "cross_trading",
  "withdraw_insufficient_balance",
  "order_not_found",
  "deposit_not_found",
  "withdraw_not_found",
  "not_found",
  "insufficient_funds",
  "insufficient_funds_ask",
  "insufficient_funds_bid",
  "under_min_total",
  "under_min_total_ask",
  "under_min_total_bid",
  "validation_error",
]);

/**
 * Names after which nothing will work until a human acts: bad or unauthorised keys, an IP not on
 * the allow-list, a restricted account. `jwt_verification` also covers missing permissions and IP
 * problems (API.md 2.4). `nonce_used` means our nonce generator repeated itself (we never resend a
 * token), which is a bug, not a transient condition.
 */
export const FATAL_ERROR_NAMES: ReadonlySet<string> = new Set([
  "invalid_query_payload",
  "jwt_verification",
  "NotAllowIP",
  "out_of_scope",
  "blocked_member_id",
  "nonce_used",
  "invalid_access_key",
  "no_authorization_token",
]);

/**
 * Names that may succeed when repeated.
 *
 * `expired_jwt` is classed retryable on purpose: the server refused the request before doing
 * anything, and a fresh token fixes a one-off delay between signing and arrival (a GC pause, a
 * slow network). A clock that is really off produces it again at once; the transport therefore
 * re-signs at most once and escalates a second consecutive `expired_jwt` to `FatalError` with the
 * hint to check the host clock (see `escalateClockSkew`).
 */
export const RETRYABLE_ERROR_NAMES: ReadonlySet<string> = new Set(["order_not_ready", "expired_jwt"]);

/** What a Bithumb error body says, when it says anything. */
export interface ErrorBody {
  readonly name?: string;
  readonly message?: string;
}

/** Read `{"error":{"name","message"}}` from any text; never throws. Numeric names become strings. */
export function readErrorBody(text: string): ErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof json !== "object" || json === null) return {};
  const error = (json as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return {};
  const { name, message } = error as { name?: unknown; message?: unknown };
  const asText = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);
  return { name: asText(name), message: asText(message) };
}

/**
 * `Retry-After` as milliseconds from `now`: either delta-seconds (`"2"`, tolerated `"1.5"`) or an
 * HTTP date. Unparsable or absent values give `undefined`; dates in the past give 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface HttpFailure {
  readonly status: number;
  readonly bodyText: string;
  readonly retryAfter?: string | null;
  /** `METHOD /path`, for logs and error messages. */
  readonly endpoint: string;
  readonly now: number;
}

/** Turn a non-2xx response into the error class that tells the caller what to do. */
export function classifyHttpError(failure: HttpFailure): ExchangeError {
  const { status, endpoint } = failure;
  const body = readErrorBody(failure.bodyText);
  const code = body.name ?? (status === 429 ? "rate_limited" : `http_${status}`);
  const detail = body.message ?? (failure.bodyText.trim().slice(0, 200) || "no body");
  const init = { code, status, endpoint, message: `${endpoint} -> ${status} ${code}: ${detail}` };

  if (status === 429) {
    return new RetryableError({ ...init, retryAfterMs: parseRetryAfter(failure.retryAfter, failure.now) });
  }
  // A 5xx is the server's own failure whatever name it carries: the request may work later.
  if (status >= 500) return new RetryableError({ ...init, retryAfterMs: parseRetryAfter(failure.retryAfter, failure.now) });
  if (body.name !== undefined) {
    if (RETRYABLE_ERROR_NAMES.has(body.name)) return new RetryableError(init);
    if (FATAL_ERROR_NAMES.has(body.name)) return new FatalError(init);
    if (REJECTED_ERROR_NAMES.has(body.name)) return new RejectedError(init);
  }
  if (status === 401 || status === 403) return new FatalError(init);
  if (status === 408) return new RetryableError(init);
  if (status >= 400) return new RejectedError(init);
  // 1xx/3xx are not part of the API: treat as a transient upstream problem.
  return new RetryableError(init);
}

/** A request that never got an HTTP answer (DNS, refused, reset). */
export function networkError(endpoint: string, cause: unknown): RetryableError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RetryableError({ code: "network", endpoint, cause, message: `${endpoint} -> network error: ${reason}` });
}

/** A request that did not complete within its deadline. */
export function timeoutError(endpoint: string, timeoutMs: number): RetryableError {
  return new RetryableError({ code: "timeout", endpoint, message: `${endpoint} -> no answer within ${timeoutMs} ms` });
}

/** The second consecutive `expired_jwt`: the host clock is off, which only a human can fix. */
export function escalateClockSkew(error: ExchangeError): FatalError {
  return new FatalError({
    code: "expired_jwt",
    status: error.status,
    endpoint: error.endpoint,
    cause: error,
    message: `${error.message} (twice in a row: check the host clock / NTP; Bithumb checks the JWT timestamp)`,
  });
}

const DUPLICATE_WORDS = /duplicat|already|이미|중복/i;
const EXIST_WORDS = /exist|used|사용|존재/i;
const ID_WORDS = /client|order|identifier|\bid\b|주문/i;
const NEGATED_EXISTENCE = /not\s+exist|doesn'?t\s+exist|does\s+not\s+exist|존재하지\s*않/i;

/** True when an error text speaks of a duplicate / an id already in use (English or Korean). */
export function mentionsDuplicateId(text: string): boolean {
  if (NEGATED_EXISTENCE.test(text)) return false;
  return DUPLICATE_WORDS.test(text) || (EXIST_WORDS.test(text) && ID_WORDS.test(text));
}

/**
 * True when a refusal of `POST /v2/orders` says the `client_order_id` is already in use. Its error
 * name is not published (API.md 4.7.10, UNCONFIRMED), so any 4xx whose name or message speaks of a
 * duplicate / an id already used counts. The submit path resolves such an answer by looking the
 * order up, never by sending a new id.
 */
export function isDuplicateClientOrderIdError(error: unknown): boolean {
  if (!(error instanceof RejectedError)) return false;
  if (error.status === undefined || error.status < 400 || error.status >= 500) return false;
  // Only what the exchange said: our own message prefix names the endpoint (`/v2/orders`).
  const arrow = error.message.indexOf(" -> ");
  return mentionsDuplicateId(`${error.code} ${arrow >= 0 ? error.message.slice(arrow + 4) : error.message}`);
}

/** True for the exchange's "no such order" answer (404 `order_not_found`, API.md 4.7.4). */
export function isOrderNotFound(error: unknown): boolean {
  return error instanceof RejectedError && error.code === "order_not_found";
}
