import { isExchangeError } from "../../core/errors.ts";
import type { Logger } from "../../log.ts";

/**
 * What the Bithumb adapters tell an observer (metrics, tracing) about their traffic. Observers are
 * optional: a client built without one does no extra work. Every call is made through `notify`,
 * so an observer that throws is logged and never breaks a request, a submit or a stream.
 *
 * Labels stay bounded: `endpoint` is the REST path template (the client's paths carry no ids;
 * ids travel in the query or the body), `group` is a rate-limit category.
 */

/**
 * How one HTTP attempt ended. The error classes of core/errors.ts, with three retryable cases
 * split out because an operator reads them differently: `throttled` (HTTP 429: we are too
 * fast), `timeout` (no answer within the deadline), `network` (no answer at all).
 */
export type RequestOutcome = "ok" | "retryable" | "throttled" | "timeout" | "network" | "rejected" | "fatal";

export interface RequestReport {
  /** Path template, e.g. `/v1/orders/chance`. */
  readonly endpoint: string;
  readonly method: string;
  /** Rate-limit category of the endpoint. */
  readonly group: string;
  readonly outcome: RequestOutcome;
  /** Send to end of body (or to the failure), ms on the client's clock. */
  readonly durationMs: number;
  /** HTTP status when an answer came. */
  readonly status?: number;
  /** The exchange's error name or our own code, on failure. */
  readonly code?: string;
  /** 1 for the first attempt of a call, 2 for its first retry, ... */
  readonly attempt: number;
}

export interface RateLimitReport {
  /** Rate-limit category (`private:order-create`, `ws:connect`, ...). */
  readonly group: string;
  /** Time spent waiting for the slot, ms (0 when the slot was free). */
  readonly waitedMs: number;
  /** True when the limiter refused the request because its slot was too far away. */
  readonly refused: boolean;
}

/** Observer of `BithumbRestClient` (option `observer`). */
export interface RestObserver {
  /** One HTTP attempt sent (retries are reported one by one). */
  onRequest?(report: RequestReport): void;
  /** A request had to wait for, or was refused, a rate-limit slot. Not called for free slots. */
  onRateLimit?(report: RateLimitReport): void;
}

/** Frame kinds of the WebSocket parser (ws/parse.ts `WsMessage["kind"]`). */
export type WsFrameKind = "status" | "ticker" | "trade" | "orderbook" | "myOrder" | "myAsset" | "error" | "ignored";

/**
 * Problems a stream has: a frame it could not parse, an error frame from the server, a silent
 * connection replaced after the keep-alive timeout, a connection attempt that failed before a
 * socket existed (limiter refusal, signing failure).
 */
export type WsProblemKind = "parse" | "server" | "keepalive_timeout" | "connect";

/** Observer of `BithumbWsClient` (option `observer`). */
export interface WsObserver {
  /** The socket opened; `reconnect` is false for the first connection of the client. */
  onConnected?(reconnect: boolean): void;
  onDisconnected?(reason: string): void;
  /**
   * A frame arrived and was parsed. `lagMs` = arrival on the client's clock minus the message's
   * own timestamp, for frames that carry one (market data, myOrder, myAsset); may be negative
   * when the clocks disagree.
   */
  onMessage?(kind: WsFrameKind, lagMs: number | undefined): void;
  onProblem?(kind: WsProblemKind): void;
  /** The connection-attempt limiter made an attempt wait, or refused it. */
  onRateLimit?(report: RateLimitReport): void;
}

/** The outcome class of a failed attempt (any thrown value). */
export function outcomeOf(error: unknown): Exclude<RequestOutcome, "ok"> {
  if (!isExchangeError(error)) return "network";
  if (error.kind === "retryable") {
    if (error.status === 429) return "throttled";
    if (error.code === "timeout" || error.code === "network") return error.code;
  }
  return error.kind;
}

/**
 * Call an observer hook, containing anything it throws: observation must never change what the
 * adapter does. `call` is only invoked when the observer exists.
 */
export function notify<O>(observer: O | undefined, logger: Logger | undefined, call: (observer: O) => void): void {
  if (observer === undefined) return;
  try {
    call(observer);
  } catch (error) {
    logger?.warn({ err: error instanceof Error ? error.message : String(error) }, "exchange observer threw; ignored");
  }
}
