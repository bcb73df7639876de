import { FatalError, isExchangeError, RetryableError } from "../../../core/errors.ts";
import { type Clock, sleep } from "../../../ports/clock.ts";
import type { Logger } from "../../../log.ts";
import { notify, outcomeOf, type RequestOutcome, type RestObserver } from "../observer.ts";
import type { EndpointGroup, RateLimiter } from "../rate-limit.ts";
import { joinUrl } from "../urls.ts";
import { classifyHttpError, escalateClockSkew, networkError, timeoutError } from "./errors.ts";
import { type BithumbSigner, encodeRequest, type HttpMethod, type Params } from "./sign.ts";

/**
 * One HTTP exchange with Bithumb: rate limit, sign, send with a deadline, classify the answer.
 * Retries live here too, but only for calls the caller marks idempotent; order creation goes
 * through `IdempotentSubmitter` instead, which never repeats a create blind.
 */

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retries). */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface RequestSpec {
  readonly method: HttpMethod;
  readonly path: string;
  readonly params?: Params;
  readonly group: EndpointGroup;
  /** Signed with the JWT (private endpoints). */
  readonly auth: boolean;
  /** Safe to repeat after a retryable failure (GETs, lookups, cancels). */
  readonly idempotent: boolean;
}

export interface TransportOptions {
  readonly baseUrl: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly fetch: FetchLike;
  readonly limiter: RateLimiter<EndpointGroup>;
  readonly retry: RetryPolicy;
  /** Uniform in [0, 1): jitter source. */
  readonly random: () => number;
  readonly signer?: BithumbSigner;
  readonly logger?: Logger;
  /** Told about every attempt and every rate-limit wait (metrics); absent = no extra work. */
  readonly observer?: RestObserver;
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed so retries never bunch at zero,
 * half is random so many clients do not retry in lockstep.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return step / 2 + random() * (step / 2);
}

export class HttpTransport {
  private readonly options: TransportOptions;

  constructor(options: TransportOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${options.timeoutMs}`);
    if (!(options.retry.maxAttempts >= 1)) throw new RangeError(`retry.maxAttempts must be >= 1, got ${options.retry.maxAttempts}`);
    this.options = options;
  }

  /**
   * Send `spec`, repeating retryable failures when it is idempotent (backoff with jitter, at
   * least the server's Retry-After). An `expired_jwt` answer is re-signed once for any call: the
   * server refused it unprocessed. A second one in a row is a clock problem (`FatalError`).
   * Resolves the body text of a 2xx answer.
   */
  async call(spec: RequestSpec, retry: RetryPolicy = this.options.retry): Promise<string> {
    let expiredOnce = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(spec, attempt);
      } catch (error) {
        if (isExchangeError(error) && error.code === "expired_jwt" && error.kind === "retryable") {
          if (expiredOnce) throw escalateClockSkew(error);
          expiredOnce = true;
          continue;
        }
        if (!(error instanceof RetryableError) || !spec.idempotent || attempt >= retry.maxAttempts) throw error;
        const delay = Math.max(backoffDelay(attempt, retry, this.options.random), Math.min(error.retryAfterMs ?? 0, retry.maxDelayMs));
        this.options.logger?.debug({ endpoint: endpointName(spec), attempt, code: error.code, delayMs: Math.round(delay) }, "bithumb retry");
        await sleep(this.options.clock, delay);
      }
    }
  }

  /**
   * One attempt: wait for a rate-limit slot, sign, send under the deadline, classify. `attempt`
   * (1-based) is only passed on to the observer.
   */
  async once(spec: RequestSpec, attempt = 1): Promise<string> {
    const { clock, limiter } = this.options;
    const endpoint = endpointName(spec);
    await this.acquireSlot(spec.group);
    const encoded = encodeRequest(spec.method, spec.params);
    const url = joinUrl(this.options.baseUrl, spec.path) + (encoded.query ? `?${encoded.query}` : "");
    // Signed after the rate-limit wait so the token's timestamp is fresh when it arrives.
    const headers = await this.headers(spec, encoded.hashInput, encoded.body !== undefined);
    const started = clock.now();
    let answer: { status: number; text: string; retryAfter: string | null };
    try {
      answer = await this.fetchWithDeadline(url, { method: spec.method, headers, body: encoded.body }, endpoint);
    } catch (error) {
      this.report(spec, attempt, started, outcomeOf(error), undefined, isExchangeError(error) ? error.code : undefined);
      throw error;
    }
    const { status, text, retryAfter } = answer;
    this.options.logger?.debug({ endpoint, status, ms: clock.now() - started }, "bithumb request");
    if (status >= 200 && status < 300) {
      this.report(spec, attempt, started, "ok", status, undefined);
      return text;
    }
    const error = classifyHttpError({ status, bodyText: text, retryAfter, endpoint, now: clock.now() });
    this.report(spec, attempt, started, outcomeOf(error), status, error.code);
    if (status === 429) limiter.blockFor(spec.group, error.retryAfterMs);
    throw error;
  }

  /** Wait for the group's slot; waits and refusals go to the observer. */
  private async acquireSlot(group: EndpointGroup): Promise<void> {
    const { limiter, observer, clock, logger } = this.options;
    if (observer === undefined) {
      await limiter.acquire(group);
      return;
    }
    const startedAt = clock.now();
    try {
      const waitedMs = await limiter.acquire(group);
      if (waitedMs > 0) notify(observer, logger, (o) => o.onRateLimit?.({ group, waitedMs, refused: false }));
    } catch (error) {
      if (isExchangeError(error) && error.code === "rate_limited") {
        notify(observer, logger, (o) => o.onRateLimit?.({ group, waitedMs: clock.now() - startedAt, refused: true }));
      }
      throw error;
    }
  }

  private report(spec: RequestSpec, attempt: number, started: number, outcome: RequestOutcome, status: number | undefined, code: string | undefined): void {
    const { observer, clock, logger } = this.options;
    if (observer === undefined) return;
    const report = { endpoint: spec.path, method: spec.method, group: spec.group, outcome, durationMs: clock.now() - started, status, code, attempt };
    notify(observer, logger, (o) => o.onRequest?.(report));
  }

  private async headers(spec: RequestSpec, hashInput: string, hasBody: boolean): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (hasBody) headers["content-type"] = "application/json; charset=utf-8";
    if (spec.auth) {
      const signer = this.options.signer;
      if (!signer) {
        throw new FatalError({ code: "no_credentials", endpoint: endpointName(spec), message: `${endpointName(spec)} needs an access key and a secret key` });
      }
      headers.authorization = await signer.authorization(hashInput);
    }
    return headers;
  }

  /**
   * fetch + body read under one deadline on the injected clock. A deadline hit or a dropped
   * connection becomes a `RetryableError` (`timeout` / `network`).
   */
  private async fetchWithDeadline(url: string, init: RequestInit, endpoint: string): Promise<{ status: number; text: string; retryAfter: string | null }> {
    const { clock, timeoutMs } = this.options;
    const controller = new AbortController();
    let timedOut = false;
    const timer = clock.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const response = await this.options.fetch(url, { ...init, signal: controller.signal });
      const text = await response.text();
      return { status: response.status, text, retryAfter: response.headers.get("retry-after") };
    } catch (cause) {
      throw timedOut ? timeoutError(endpoint, timeoutMs) : networkError(endpoint, cause);
    } finally {
      clock.clearTimeout(timer);
    }
  }
}

export function endpointName(spec: Pick<RequestSpec, "method" | "path">): string {
  return `${spec.method} ${spec.path}`;
}
