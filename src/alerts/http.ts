/**
 * The one HTTP call the HTTP channels (Telegram, Slack, webhook) make, with a deadline on the
 * injected clock and the answer classed the way the dispatcher needs: delivered, worth retrying
 * (network, timeout, 408, 429, 5xx — with the receiver's Retry-After), or refused for good.
 *
 * URLs of these channels carry credentials (the bot token is in Telegram's path, a Slack webhook
 * URL is its own secret), so no URL ever goes into an error text: fetch errors are reduced to
 * their kind, and every known secret is scrubbed from what the receiver answered.
 */
import type { DeliveryResult } from "../ports/alerts.ts";
import type { Clock } from "../ports/clock.ts";

export interface HttpRequest {
  readonly url: string;
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** Thrown for a request that got no answer; `message` never holds the URL. */
export class HttpFailure extends Error {
  constructor(
    readonly reason: "timeout" | "aborted" | "network",
    message: string,
  ) {
    super(message);
    this.name = "HttpFailure";
  }
}

/** Replace every secret value in `text` (tokens, webhook URLs, passwords) with `[REDACTED]`. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[REDACTED]");
  return out;
}

/** Make a request with a deadline on `clock`; resolves with any HTTP answer, throws HttpFailure otherwise. */
export async function httpRequest(clock: Clock, request: HttpRequest): Promise<HttpAnswer> {
  const deadline = new AbortController();
  const timer = clock.setTimeout(() => deadline.abort(), request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([deadline.signal, request.signal]) : deadline.signal;
  try {
    const res = await fetch(request.url, { method: request.method ?? "POST", headers: request.headers, body: request.body, signal, redirect: "error" });
    const body = await res.text();
    return { status: res.status, headers: res.headers, body };
  } catch (e) {
    if (deadline.signal.aborted) throw new HttpFailure("timeout", `no answer within ${request.timeoutMs} ms`);
    if (request.signal?.aborted) throw new HttpFailure("aborted", "request cancelled");
    // Bun's fetch errors can carry the URL (with its token) in `path` or the message: keep the code only.
    const code = (e as { code?: unknown }).code;
    throw new HttpFailure("network", `connection failed${typeof code === "string" ? ` (${code})` : ""}`);
  } finally {
    clock.clearTimeout(timer);
  }
}

/** Seconds or an HTTP date in a Retry-After header, as ms from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** True for statuses after which the same request may succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** A short, secret-free description of a refused answer: `HTTP 400: invalid_payload`. */
export function describeAnswer(answer: HttpAnswer, secrets: readonly (string | undefined)[]): string {
  const snippet = answer.body.replace(/\s+/g, " ").trim().slice(0, 200);
  return scrubSecrets(`HTTP ${answer.status}${snippet ? `: ${snippet}` : ""}`, secrets);
}

/**
 * POST and class the answer: 2xx delivered, `isRetryableStatus` retried (with Retry-After), any
 * other status refused for good, no answer retried.
 */
export async function deliverHttp(clock: Clock, request: HttpRequest, secrets: readonly (string | undefined)[]): Promise<DeliveryResult> {
  try {
    const answer = await httpRequest(clock, request);
    if (answer.status >= 200 && answer.status < 300) return { ok: true, retryable: false };
    const retryAfterMs = parseRetryAfter(answer.headers.get("retry-after"), clock.now());
    return { ok: false, retryable: isRetryableStatus(answer.status), error: describeAnswer(answer, secrets), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  } catch (e) {
    return failureResult(e, secrets);
  }
}

/** A thrown error as a retryable delivery failure with a secret-free message. */
export function failureResult(e: unknown, secrets: readonly (string | undefined)[]): DeliveryResult {
  const message = e instanceof HttpFailure ? e.message : e instanceof Error ? e.message : String(e);
  return { ok: false, retryable: !(e instanceof HttpFailure && e.reason === "aborted"), error: scrubSecrets(message, secrets) };
}
