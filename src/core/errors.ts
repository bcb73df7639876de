/**
 * Errors classed by what the caller must do (freqtrade's exception ladder, ARCHITECTURE rule 9):
 *
 * - `retryable`: the request may succeed later (network, timeout, 5xx, 429). Back off, honour
 *   `retryAfterMs`, and only repeat calls that are idempotent.
 * - `rejected`: the exchange refused this one request (insufficient funds, under minimum, off-tick
 *   price, unknown order). Do not repeat it unchanged; other requests are fine.
 * - `fatal`: nothing will work until a human acts (bad keys, missing permission, IP not allowed).
 *   Halt trading and alert.
 *
 * `ambiguous` marks a retryable failure after which the outcome of a non-idempotent request
 * (an order submit) is unknown: the caller must look the order up before doing anything else.
 */

export type ErrorKind = "retryable" | "rejected" | "fatal";

export interface ExchangeErrorInit {
  /** Bithumb's `error.name` when the exchange sent one, else our own short code. */
  readonly code: string;
  readonly message: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  /** True when a non-idempotent request may or may not have taken effect. */
  readonly ambiguous?: boolean;
  readonly endpoint?: string;
  readonly cause?: unknown;
}

export class ExchangeError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly ambiguous: boolean;
  readonly endpoint?: string;

  constructor(kind: ErrorKind, init: ExchangeErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = kind === "retryable" ? "RetryableError" : kind === "rejected" ? "RejectedError" : "FatalError";
    this.kind = kind;
    this.code = init.code;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
    this.ambiguous = init.ambiguous ?? false;
    this.endpoint = init.endpoint;
  }
}

export class RetryableError extends ExchangeError {
  constructor(init: ExchangeErrorInit) {
    super("retryable", init);
  }
}

export class RejectedError extends ExchangeError {
  constructor(init: ExchangeErrorInit) {
    super("rejected", init);
  }
}

export class FatalError extends ExchangeError {
  constructor(init: ExchangeErrorInit) {
    super("fatal", init);
  }
}

/**
 * A payload from outside (exchange JSON, a CSV row, a form) that does not fit the expected shape.
 * Carries the path of the first bad field so logs say exactly what was wrong.
 */
export class ParseError extends Error {
  readonly path: string;
  readonly received: unknown;
  constructor(message: string, path = "", received?: unknown) {
    super(path ? `${path}: ${message}` : message);
    this.name = "ParseError";
    this.path = path;
    this.received = received;
  }
}

export function isExchangeError(e: unknown): e is ExchangeError {
  return e instanceof ExchangeError;
}

export function isRetryable(e: unknown): boolean {
  return e instanceof ExchangeError && e.kind === "retryable";
}
