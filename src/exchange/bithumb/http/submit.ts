import { ExchangeError, FatalError, ParseError, RejectedError, RetryableError } from "../../../core/errors.ts";
import type { ExchangeOrder, OrderAck, OrderRequest } from "../../../core/model.ts";
import { type Clock, sleep } from "../../../ports/clock.ts";
import type { Logger } from "../../../log.ts";
import { isDuplicateClientOrderIdError } from "./errors.ts";
import { ackFromOrder } from "./parse.ts";

/**
 * Idempotent order creation (API.md 4.7.7). A duplicate order is the worst bug this system can
 * have, so a create is never repeated blind:
 *
 * - A definite answer (the ack, a refusal, an auth failure, a request that never left because of
 *   the rate limit) is returned or thrown as is.
 * - An ambiguous one (timeout, dropped connection, 5xx, a 2xx whose body cannot be read) or a
 *   "client_order_id already used" refusal is resolved by looking the order up by its
 *   `client_order_id` after a settle delay. Found: its ack is returned. Absent on
 *   `absenceChecks` consecutive lookups: the create is resent with the SAME id (at most
 *   `maxResends` times). The lookup keeps failing: `RetryableError` with `ambiguous: true`, so
 *   the order manager keeps the order `unknown` and reconciles later.
 *
 * Residual risk (documented in docs/bithumb-api-notes.md): a create still in flight inside the
 * exchange after the settle delay is invisible to the lookup. The resend carries the same id, so
 * an exchange that enforces id uniqueness refuses it ("duplicate"), which is again resolved by
 * lookup.
 */

export interface SubmitPolicy {
  /** Wait before each lookup so a create still being processed can land (default 1,000 ms). */
  readonly settleDelayMs: number;
  /** Consecutive "not found" lookups needed to conclude the order does not exist (default 2). */
  readonly absenceChecks: number;
  /** Resends allowed after absence is confirmed (default 1). */
  readonly maxResends: number;
}

export const DEFAULT_SUBMIT_POLICY: SubmitPolicy = { settleDelayMs: 1_000, absenceChecks: 2, maxResends: 1 };

export interface SubmitDeps {
  readonly clock: Clock;
  readonly policy: SubmitPolicy;
  readonly logger?: Logger;
  /** Look an order up by client id: the order, `null` for "no such order", or a throw. */
  readonly lookup: (clientOrderId: string) => Promise<ExchangeOrder | null>;
}

type Outcome = "definite" | "ambiguous" | "duplicate";

/** How much an attempt's failure tells us about whether the order exists. */
export function classifySubmitFailure(error: unknown): Outcome {
  if (error instanceof ParseError) return "ambiguous"; // 2xx, unreadable body: it may well exist
  if (error instanceof RejectedError) return isDuplicateClientOrderIdError(error) ? "duplicate" : "definite";
  if (error instanceof FatalError) return "definite"; // 401/403: refused before processing
  if (error instanceof RetryableError) {
    // Never sent (local limiter) or refused by the rate limiter (429): nothing was created.
    if (error.code === "rate_limited" || error.status === 429) return "definite";
    return "ambiguous";
  }
  return "ambiguous"; // anything unexpected after the request may have left: assume the worst
}

export class IdempotentSubmitter {
  constructor(private readonly deps: SubmitDeps) {}

  /**
   * Run `attempt` (one create, no retries) for `request`, resolving ambiguity by lookup as
   * described above.
   */
  async submit(request: OrderRequest, attempt: () => Promise<OrderAck>): Promise<OrderAck> {
    const { policy, logger } = this.deps;
    for (let resends = 0; ; resends++) {
      let failure: unknown;
      try {
        return await attempt();
      } catch (error) {
        failure = error;
      }
      const outcome = classifySubmitFailure(failure);
      if (outcome === "definite") throw failure;
      logger?.warn({ clientOrderId: request.clientOrderId, market: request.market, outcome, err: describe(failure) }, "order create ambiguous; looking it up");

      const found = await this.findSettled(request, failure);
      if (found) return this.ackFor(request, found);
      if (outcome === "duplicate") {
        // The exchange says the id is taken but shows no such order: do not guess.
        throw ambiguousError(request, "the exchange reports the client_order_id as used but the lookup finds no order", failure);
      }
      if (resends >= policy.maxResends) {
        throw new RetryableError({
          code: "order_not_created",
          cause: failure,
          message: `order ${request.clientOrderId} was not created after ${resends + 1} attempt(s) (confirmed absent); last failure: ${describe(failure)}`,
        });
      }
      logger?.warn({ clientOrderId: request.clientOrderId, resend: resends + 1 }, "order confirmed absent; resending with the same client_order_id");
    }
  }

  /**
   * The order if the exchange has it, `null` once `absenceChecks` lookups in a row say it does
   * not. A lookup failure ends the search with an ambiguous error (fatal ones stay fatal).
   */
  async findSettled(request: OrderRequest, submitFailure: unknown): Promise<ExchangeOrder | null> {
    const { clock, policy, lookup } = this.deps;
    for (let misses = 0; misses < Math.max(1, policy.absenceChecks); misses++) {
      await sleep(clock, policy.settleDelayMs);
      let order: ExchangeOrder | null;
      try {
        order = await lookup(request.clientOrderId);
      } catch (lookupError) {
        if (lookupError instanceof FatalError) {
          throw new FatalError({ code: lookupError.code, status: lookupError.status, endpoint: lookupError.endpoint, ambiguous: true, cause: lookupError, message: `order ${request.clientOrderId} state unknown: ${lookupError.message}` });
        }
        throw ambiguousError(request, `lookup failed (${describe(lookupError)}) after ${describe(submitFailure)}`, lookupError);
      }
      if (order) return order;
    }
    return null;
  }

  /** The found order must be the one we meant; anything else means an id was reused. */
  ackFor(request: OrderRequest, order: ExchangeOrder): OrderAck {
    if (order.market !== request.market || order.side !== request.side) {
      throw new FatalError({
        code: "client_order_id_conflict",
        message: `client_order_id ${request.clientOrderId} belongs to a different order (${order.market} ${order.side} ${order.orderId}); ids must never be reused`,
      });
    }
    return { ...ackFromOrder(order), clientOrderId: request.clientOrderId };
  }
}

function ambiguousError(request: OrderRequest, why: string, cause: unknown): RetryableError {
  return new RetryableError({ code: "order_state_unknown", ambiguous: true, cause, message: `order ${request.clientOrderId} state unknown: ${why}; reconcile before acting` });
}

function describe(error: unknown): string {
  if (error instanceof ExchangeError) return `${error.code}${error.status ? ` (${error.status})` : ""}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
