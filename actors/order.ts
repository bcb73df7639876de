import { assign, fromPromise, sendParent, setup } from "xstate";
import { ExchangeError } from "../src/core/errors.ts";
import type { ExchangeOrder, Market, OrderAck, OrderRef, OrderRequest } from "../src/core/model.ts";
import type { LocalOrderState } from "../src/core/orders/lifecycle.ts";

/**
 * One order's life, as one XState machine (`order:<clientOrderId>`), spawned by the order manager:
 *
 *   submitting -> open -> (reports) -> filled | cancelled
 *   submitting -> rejected                    the exchange refused it (definite)
 *   submitting -> unknown                     no answer: look it up by client_order_id
 *   unknown -> open | filled | cancelled      found
 *   unknown -> submitting                     not on the exchange: resend, SAME id (while fresh)
 *   unknown -> cancelled                      not on the exchange and too old to resend
 *   open -> cancelling -> open ...            operator/flatten cancel, or a limit that timed out
 *
 * The end states (filled/cancelled = `finished`, `rejected`, `abandoned`) are not XState `final`
 * states: a final child makes XState send its parent `xstate.done.actor.order:<clientOrderId>`, a
 * NEW event type for every order, and XState memoises transition candidates per event type on the
 * parent's state nodes for the life of the process: one cache entry per order ever placed (the
 * runtime benchmark's heap snapshots showed it as the memory that grew with the order count).
 * Instead each end state tells the manager `child.final` (one event type), and the manager stops
 * the child.
 *
 * Fills arrive as exchange reports (private stream events forwarded by the manager, or this
 * machine's own REST polls); `applyReport` records them idempotently (fills are keyed by
 * cumulative volume), so the same report seen twice is harmless.
 */

export interface OrderInput {
  readonly clientOrderId: string;
  readonly request: OrderRequest;
  readonly reason: string;
  /** Where to start: a fresh intent submits; after a restart, the recorded state. */
  readonly resume: LocalOrderState;
  readonly exchangeOrderId?: string;
  /** When the intent was recorded (runtime ms): old intents are not resent after a restart. */
  readonly createdAt: number;
  readonly attempts: number;
  readonly now: () => number;
  /** Runtime ms between REST polls while open. */
  readonly pollMs: number;
  /** Runtime ms before a resting limit order is cancelled (0 = never). */
  readonly limitTimeoutMs: number;
  readonly maxIntentAgeMs: number;
  /** Runtime ms to wait before retrying a failed lookup. */
  readonly retryMs: number;
}

export interface OrderContext extends OrderInput {
  exchangeOrderId?: string;
  attempts: number;
  lastError: string | null;
  cancelReason: string | null;
  /** Cancel requests sent so far (a cancel is retried at the poll pace until a final report). */
  cancelAttempts: number;
  /** Last report seen (for the manager's summaries). */
  last: ExchangeOrder | null;
}

export type OrderMachineEvent =
  | { readonly type: "order.report"; readonly report: ExchangeOrder }
  | { readonly type: "order.cancel"; readonly reason: string };

const MAX_SUBMIT_ATTEMPTS = 3;

/** The cancel reason of a resting limit order that outlived `limitTimeoutMs`. */
export const LIMIT_TIMEOUT_REASON = "limit order timed out";

function isFinalReport(report: ExchangeOrder): boolean {
  return report.state === "done" || report.state === "cancel";
}

const order = setup({
  types: {
    context: {} as OrderContext,
    events: {} as OrderMachineEvent,
    input: {} as OrderInput,
  },
  actors: {
    submit: fromPromise<OrderAck, { request: OrderRequest }>(async () => {
      throw new Error("submit is provided by the order manager");
    }),
    lookup: fromPromise<ExchangeOrder | null, { ref: OrderRef }>(async () => {
      throw new Error("lookup is provided by the order manager");
    }),
    cancel: fromPromise<void, { ref: OrderRef }>(async () => {
      throw new Error("cancel is provided by the order manager");
    }),
  },
  actions: {
    // Effects provided by the order manager (database and notifications).
    persistSubmitting: () => {},
    persistAccepted: (_, _params: { ack: OrderAck }) => {},
    persistRejected: (_, _params: { code: string; message: string; fatal: boolean }) => {},
    persistUnknown: (_, _params: { message: string }) => {},
    persistAbandoned: (_, _params: { message: string }) => {},
    applyReport: (_, _params: { report: ExchangeOrder }) => {},
    notifyUnknown: (_, _params: { message: string }) => {},
    /** Tells the order manager this order has ended (it then stops this actor). */
    reportFinal: sendParent(({ context }: { context: OrderContext }) => ({ type: "child.final", clientOrderId: context.clientOrderId })),
  },
  guards: {
    definiteRefusal: ({ event }) => {
      const e = (event as { error?: unknown }).error;
      return e instanceof ExchangeError && !e.ambiguous && (e.kind === "rejected" || e.kind === "fatal");
    },
    finalReport: ({ event }) => {
      const output = (event as { output?: ExchangeOrder | null }).output;
      const report = (event as { report?: ExchangeOrder }).report ?? output;
      return report !== undefined && report !== null && isFinalReport(report);
    },
    foundOrder: ({ event }) => (event as { output?: ExchangeOrder | null }).output != null,
    canResend: ({ context }) => context.attempts < MAX_SUBMIT_ATTEMPTS && context.now() - context.createdAt <= context.maxIntentAgeMs,
    limitTimeoutApplies: ({ context }) => context.limitTimeoutMs > 0 && context.request.type === "limit" && context.request.timeInForce === undefined,
  },
  delays: {
    poll: ({ context }) => context.pollMs,
    retry: ({ context }) => context.retryMs,
    limitTimeout: ({ context }) => Math.max(0, context.createdAt + context.limitTimeoutMs - context.now()),
  },
});

function describe(error: unknown): { code: string; message: string; fatal: boolean } {
  if (error instanceof ExchangeError) return { code: error.code, message: error.message, fatal: error.kind === "fatal" };
  return { code: "error", message: error instanceof Error ? error.message : String(error), fatal: false };
}

const refOf = (context: OrderContext): OrderRef => (context.exchangeOrderId ? { orderId: context.exchangeOrderId } : { clientOrderId: context.clientOrderId });

export const orderMachine = order.createMachine({
  id: "order",
  context: ({ input }) => ({ ...input, exchangeOrderId: input.exchangeOrderId, attempts: input.attempts, lastError: null, cancelReason: null, cancelAttempts: 0, last: null }),
  initial: "starting",
  on: {
    "order.cancel": { actions: assign({ cancelReason: ({ event }) => event.reason }) },
  },
  states: {
    starting: {
      always: [
        { guard: ({ context }) => context.resume === "pending_submit" && context.attempts === 0, target: "submitting" },
        // A recorded intent that may have been sent before a crash: look before sending again.
        { guard: ({ context }) => context.resume === "pending_submit" || context.resume === "unknown", target: "unknown" },
        { target: "open" },
      ],
    },
    submitting: {
      entry: [assign({ attempts: ({ context }) => context.attempts + 1 }), "persistSubmitting"],
      // The private stream can report fills before the create request answers.
      on: { "order.report": { actions: [{ type: "applyReport", params: ({ event }) => ({ report: event.report }) }, assign({ last: ({ event }) => event.report })] } },
      invoke: {
        src: "submit",
        input: ({ context }) => ({ request: context.request }),
        onDone: {
          target: "open",
          actions: [assign({ exchangeOrderId: ({ event }) => event.output.orderId, lastError: null }), { type: "persistAccepted", params: ({ event }) => ({ ack: event.output }) }],
        },
        onError: [
          {
            guard: "definiteRefusal",
            target: "rejected",
            actions: [assign({ lastError: ({ event }) => describe(event.error).message }), { type: "persistRejected", params: ({ event }) => describe(event.error) }],
          },
          {
            target: "unknown",
            actions: [
              assign({ lastError: ({ event }) => describe(event.error).message }),
              { type: "persistUnknown", params: ({ event }) => ({ message: describe(event.error).message }) },
              { type: "notifyUnknown", params: ({ event }) => ({ message: describe(event.error).message }) },
            ],
          },
        ],
      },
    },
    unknown: {
      on: { "order.report": { actions: [{ type: "applyReport", params: ({ event }) => ({ report: event.report }) }, assign({ last: ({ event }) => event.report })] } },
      invoke: {
        src: "lookup",
        input: ({ context }) => ({ ref: { clientOrderId: context.clientOrderId } }),
        onDone: [
          { guard: "finalReport", target: "finished", actions: [assign({ exchangeOrderId: ({ event }) => event.output!.orderId }), { type: "applyReport", params: ({ event }) => ({ report: event.output! }) }] },
          { guard: "foundOrder", target: "open", actions: [assign({ exchangeOrderId: ({ event }) => event.output!.orderId }), { type: "applyReport", params: ({ event }) => ({ report: event.output! }) }] },
          // The exchange has no such order: resend with the same id while the intent is fresh.
          { guard: "canResend", target: "submitting" },
          { target: "abandoned" },
        ],
        onError: { target: "unknown_wait", actions: assign({ lastError: ({ event }) => describe(event.error).message }) },
      },
    },
    unknown_wait: { after: { retry: "unknown" } },
    open: {
      after: {
        poll: "polling",
        limitTimeout: { guard: "limitTimeoutApplies", target: "cancelling", actions: assign({ cancelReason: LIMIT_TIMEOUT_REASON }) },
      },
      always: [
        { guard: ({ context }) => context.last !== null && isFinalReport(context.last), target: "finished" },
        { guard: ({ context }) => context.cancelReason !== null && context.cancelAttempts === 0, target: "cancelling" },
      ],
      on: {
        "order.report": [
          { guard: "finalReport", target: "finished", actions: { type: "applyReport", params: ({ event }) => ({ report: event.report }) } },
          { actions: [{ type: "applyReport", params: ({ event }) => ({ report: event.report }) }, assign({ last: ({ event }) => event.report })] },
        ],
      },
    },
    polling: {
      invoke: {
        src: "lookup",
        input: ({ context }) => ({ ref: refOf(context) }),
        onDone: [
          { guard: "finalReport", target: "finished", actions: { type: "applyReport", params: ({ event }) => ({ report: event.output! }) } },
          {
            guard: ({ context, event }) => event.output != null && context.cancelReason !== null,
            target: "cancelling",
            actions: [{ type: "applyReport", params: ({ event }) => ({ report: event.output! }) }, assign({ last: ({ event }) => event.output })],
          },
          { guard: "foundOrder", target: "open", actions: [{ type: "applyReport", params: ({ event }) => ({ report: event.output! }) }, assign({ last: ({ event }) => event.output })] },
          // Gone from the exchange without a final report: look it up by client id.
          { target: "unknown" },
        ],
        onError: { target: "open", actions: assign({ lastError: ({ event }) => describe(event.error).message }) },
      },
      on: {
        "order.report": { guard: "finalReport", target: "finished", actions: { type: "applyReport", params: ({ event }) => ({ report: event.report }) } },
      },
    },
    cancelling: {
      entry: assign({ cancelAttempts: ({ context }) => context.cancelAttempts + 1 }),
      invoke: {
        src: "cancel",
        input: ({ context }) => ({ ref: refOf(context) }),
        // The cancel is only acknowledged; the final state comes from a report (next poll).
        onDone: { target: "open" },
        onError: { target: "open", actions: assign({ lastError: ({ event }) => describe(event.error).message }) },
      },
      on: {
        "order.report": { guard: "finalReport", target: "finished", actions: { type: "applyReport", params: ({ event }) => ({ report: event.report }) } },
      },
    },
    abandoned: {
      entry: [{ type: "persistAbandoned", params: { message: "not on the exchange and too old to resend" } }, "reportFinal"],
    },
    rejected: { entry: "reportFinal" },
    finished: { entry: "reportFinal" },
  },
});

export type OrderMachine = typeof orderMachine;
export type { Market };
