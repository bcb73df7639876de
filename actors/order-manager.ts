import { type AnyActorRef, assign, enqueueActions, fromCallback, fromPromise, setup } from "xstate";
import { DEFAULT_MIN_TOTAL_KRW, type ExchangeOrder, type Market, type OrderRequest } from "../src/core/model.ts";
import { type Priority, PRIORITY } from "../src/core/messages.ts";
import { isFinalState, type LocalOrderState } from "../src/core/orders/lifecycle.ts";
import {
  applyExchangeOrder,
  findOrderByClientId,
  findOrderByExchangeId,
  getPosition,
  holdingFromRow,
  listActiveOrders,
  markOrderAccepted,
  markOrderState,
  markOrderSubmitting,
  type OrderRow,
  recordOrderIntent,
  releaseIntentKey,
} from "../src/db/index.ts";
import type { MyOrderEvent } from "../src/ports/market-stream.ts";
import type { RuntimeDeps } from "./deps.ts";
import type { OrderManagerEvent, OrderSubmitEvent } from "./events.ts";
import { LIMIT_TIMEOUT_REASON, type OrderInput, orderMachine } from "./order.ts";
import { floorKrw, floorVolume } from "../src/core/orders/krw.ts";

/**
 * The order manager (`orders`): every order goes through it. It records each intent (with its
 * client order id) in the database BEFORE anything is sent, queues it by priority
 * (URGENT > HIGH > NORMAL > LOW; exits, stops and flattening are URGENT), submits at most
 * `maxConcurrentSubmits` at once, and drives each order with its own machine (`order:<id>`).
 * Private-stream events (myOrder) are routed to those machines; anything they report is applied
 * to the database idempotently and forwarded to the market's trader and to the risk actor.
 *
 * While trading is halted only URGENT orders (exits) and cancels go through.
 */

interface QueuedOrder {
  readonly clientOrderId: string;
  readonly request: OrderRequest;
  readonly priority: Priority;
  readonly reason: string;
  readonly seq: number;
  readonly createdAt: number;
  readonly causedAt?: number;
}

export interface OrderManagerContext {
  queue: QueuedOrder[];
  /** Children currently submitting or resolving an unknown outcome (the concurrency budget). */
  submitting: string[];
  /** Live order machines by client order id. */
  live: Record<string, { readonly market: Market; readonly exchangeOrderId?: string }>;
  /** Exchange order id -> client order id, for stream events that carry only the former. */
  byExchangeId: Record<string, string>;
  seq: number;
  halted: string | null;
  /** True once reconciliation ran and recorded orders were resumed. */
  resumed: boolean;
}

type Internal =
  | { type: "child.accepted"; clientOrderId: string; orderId: string }
  | { type: "child.settled"; clientOrderId: string };

/** Build an exchange report from a private-stream event (cumulative fields only). */
export function reportFromStream(e: MyOrderEvent, row: Pick<OrderRow, "type" | "price" | "volume" | "createdAt">): ExchangeOrder {
  const state = e.state === "trade" ? "wait" : e.state;
  return {
    orderId: e.orderId,
    clientOrderId: e.clientOrderId,
    market: e.market,
    side: e.side,
    type: e.type ?? (row.type as ExchangeOrder["type"]),
    state,
    price: row.price ?? undefined,
    volume: row.volume ?? undefined,
    remainingVolume: e.remainingVolume ?? 0,
    executedVolume: e.executedVolume ?? 0,
    executedFunds: e.executedFunds ?? 0,
    paidFee: e.paidFee ?? 0,
    reservedFee: 0,
    remainingFee: 0,
    locked: 0,
    cancelType: e.cancelType,
    createdAt: row.createdAt,
  };
}

function childId(clientOrderId: string): string {
  return `order:${clientOrderId}`;
}

/** The manager machine with every effect bound to the runtime's dependencies. */
export function createOrderManager(deps: RuntimeDeps) {
  const { db, exchange, clock, settings, metrics, logger } = deps;
  const pollMs = settings.orderPollRealMs * settings.timeScale;
  const retryMs = 1_000 * settings.timeScale;

  /**
   * Tell the market's trader (and the risk actor) what an exchange report changed. With
   * `replacing`, a final report does not end the trader's wait: a replacement order follows.
   */
  function applyAndNotify(system: { get(id: string): AnyActorRef | undefined }, clientOrderId: string, report: ExchangeOrder, replacing = false): void {
    const now = clock.now();
    const result = applyExchangeOrder(db, clientOrderId, report, now);
    if (result.unchanged) return;
    const row = result.order;
    const trader = system.get(`trader:${row.market}`);
    const risk = system.get("risk");
    if (result.fill) {
      metrics.fillsTotal.inc({ market: row.market, side: row.side });
      metrics.feesKrwTotal.inc({ market: row.market }, result.fill.fee);
      trader?.send({
        type: "order.filled",
        ts: now,
        clientOrderId,
        side: row.side,
        price: result.fill.price,
        volume: result.fill.volume,
        fee: result.fill.fee,
        final: isFinalState(row.state as LocalOrderState),
        reason: row.reason,
        holding: result.holding,
      });
      risk?.send({ type: "risk.balancesChanged", ts: now });
      deps.notify?.({
        type: "fill",
        ts: now,
        market: row.market as Market,
        side: row.side as "bid" | "ask",
        price: result.fill.price,
        volume: result.fill.volume,
        fee: result.fill.fee,
        tradeId: `${result.fill.exchangeOrderId}:${result.fill.cumVolume}`,
        reason: row.reason,
        realisedPnl: result.closedTrade?.pnl,
      });
    }
    metrics.ordersTotal.inc({ market: row.market, side: row.side, state: row.state });
    if (isFinalState(row.state as LocalOrderState) && !replacing) {
      trader?.send({ type: "order.finished", ts: now, clientOrderId, state: row.state as "filled" | "cancelled", holding: result.holding });
      risk?.send({ type: "risk.entryFinished", ts: now, clientOrderId });
    }
  }

  /** End an order that never reached (or was refused by) the exchange; its decision may be tried again. */
  function finishWithoutReport(system: { get(id: string): AnyActorRef | undefined }, clientOrderId: string, state: "rejected" | "cancelled", code: string, message: string): void {
    const now = clock.now();
    markOrderState(db, clientOrderId, state, now, message);
    releaseIntentKey(db, clientOrderId);
    const row = findOrderByClientId(db, clientOrderId);
    if (!row) return;
    metrics.ordersTotal.inc({ market: row.market, side: row.side, state });
    const holding = holdingFromRow(getPosition(db, row.market as Market));
    system.get(`trader:${row.market}`)?.send({ type: "order.finished", ts: now, clientOrderId, state, holding, code });
    system.get("risk")?.send({ type: "risk.entryFinished", ts: now, clientOrderId });
  }

  const child = orderMachine.provide({
    actors: {
      submit: fromPromise(async ({ input }) => {
        const started = performance.now();
        const ack = await exchange.placeOrder(input.request);
        metrics.orderRoundTripSeconds.observe({ side: input.request.side }, (performance.now() - started) / 1000);
        return ack;
      }),
      lookup: fromPromise(({ input }) => exchange.getOrder(input.ref)),
      cancel: fromPromise(async ({ input }) => {
        await exchange.cancelOrder(input.ref);
      }),
    },
    actions: {
      persistSubmitting: ({ context }) => markOrderSubmitting(db, context.clientOrderId, clock.now()),
      persistAccepted: ({ context, system }, { ack }) => {
        markOrderAccepted(db, context.clientOrderId, ack.orderId, clock.now());
        metrics.ordersTotal.inc({ market: context.request.market, side: context.request.side, state: "open" });
        system.get("orders")?.send({ type: "child.accepted", clientOrderId: context.clientOrderId, orderId: ack.orderId });
        system.get("orders")?.send({ type: "child.settled", clientOrderId: context.clientOrderId });
      },
      persistRejected: ({ context, system }, { code, message, fatal }) => {
        logger.warn({ clientOrderId: context.clientOrderId, market: context.request.market, code, message }, "order rejected");
        finishWithoutReport(system, context.clientOrderId, "rejected", code, message);
        system.get("orders")?.send({ type: "child.settled", clientOrderId: context.clientOrderId });
        if (fatal) system.get("root")?.send({ type: "runtime.fatal", ts: clock.now(), reason: `order refused with ${code}: ${message}` });
      },
      persistUnknown: ({ context }, { message }) => {
        markOrderState(db, context.clientOrderId, "unknown", clock.now(), message);
        metrics.ordersTotal.inc({ market: context.request.market, side: context.request.side, state: "unknown" });
      },
      persistAbandoned: ({ context, system }, { message }) => {
        finishWithoutReport(system, context.clientOrderId, "cancelled", "not_created", message);
        system.get("orders")?.send({ type: "child.settled", clientOrderId: context.clientOrderId });
      },
      applyReport: ({ context, system }, { report }) => {
        const remainder = repriceRemainder(context.request, context.cancelReason, report);
        applyAndNotify(system, context.clientOrderId, report, remainder !== null);
        if (context.exchangeOrderId === undefined) system.get("orders")?.send({ type: "child.settled", clientOrderId: context.clientOrderId });
        if (remainder !== null) {
          // Reprice: the unfilled rest crosses the spread as a market order; the trader follows the new id.
          const now = clock.now();
          const row = findOrderByClientId(db, context.clientOrderId);
          system.get(`trader:${context.request.market}`)?.send({ type: "order.replaced", ts: now, from: context.clientOrderId, to: remainder.clientOrderId });
          system.get("orders")?.send({
            type: "order.submit",
            ts: now,
            request: remainder,
            priority: (row?.priority ?? PRIORITY.NORMAL) as Priority,
            reason: context.reason,
            intentKey: row?.intentKey ? `${row.intentKey}:repriced` : undefined,
          });
        }
      },
      notifyUnknown: ({ context, system }, { message }) => {
        system.get(`trader:${context.request.market}`)?.send({ type: "order.unknown", ts: clock.now(), clientOrderId: context.clientOrderId, message });
      },
    },
  });

  /** The market order for the unfilled rest of a timed-out limit order, when repricing is on. */
  function repriceRemainder(request: OrderRequest, cancelReason: string | null, report: ExchangeOrder): OrderRequest | null {
    if (settings.limitOrderOnTimeout !== "reprice" || cancelReason !== LIMIT_TIMEOUT_REASON || report.state !== "cancel") return null;
    if (request.type !== "limit" || request.volume === undefined || request.price === undefined) return null;
    const remaining = floorVolume(request.volume - report.executedVolume);
    if (!(remaining > 0)) return null;
    const clientOrderId = deps.nextClientOrderId();
    if (request.side === "bid") {
      const amount = floorKrw(remaining * request.price);
      return amount >= DEFAULT_MIN_TOTAL_KRW ? { market: request.market, side: "bid", type: "price", price: amount, clientOrderId } : null;
    }
    return remaining * request.price >= DEFAULT_MIN_TOTAL_KRW ? { market: request.market, side: "ask", type: "market", volume: remaining, clientOrderId } : null;
  }

  function inputFor(row: OrderRow, resume: LocalOrderState): OrderInput {
    const request: OrderRequest = {
      market: row.market as Market,
      side: row.side as OrderRequest["side"],
      type: row.type as OrderRequest["type"],
      price: row.price ?? undefined,
      volume: row.volume ?? undefined,
      timeInForce: (row.timeInForce ?? undefined) as OrderRequest["timeInForce"],
      clientOrderId: row.clientOrderId,
    };
    return {
      clientOrderId: row.clientOrderId,
      request,
      reason: row.reason,
      resume,
      exchangeOrderId: row.exchangeOrderId ?? undefined,
      createdAt: row.createdAt,
      attempts: row.attempts,
      now: () => clock.now(),
      pollMs,
      limitTimeoutMs: settings.limitOrderTimeoutMs,
      maxIntentAgeMs: settings.maxIntentAgeRealMs * settings.timeScale,
      retryMs,
    };
  }

  const streamFeed = fromCallback<{ type: "noop" }>(({ sendBack, system }) => {
    return deps.privateStream.onEvent((e) => {
      switch (e.type) {
        case "myOrder":
          sendBack({ type: "stream.myOrder", order: e.order });
          break;
        case "myAsset":
          system.get("risk")?.send({ type: "stream.myAsset", asset: e.asset });
          break;
        case "connected":
          sendBack({ type: "stream.connected", ts: e.ts });
          break;
        case "disconnected":
          sendBack({ type: "stream.disconnected", ts: e.ts, reason: e.reason });
          break;
        case "resync":
          sendBack({ type: "stream.resync", ts: e.ts, reason: e.reason });
          break;
        default:
          break;
      }
    });
  });

  const machine = setup({
    types: { context: {} as OrderManagerContext, events: {} as OrderManagerEvent | Internal },
    actors: { order: child, streamFeed },
  }).createMachine({
    id: "orders",
    context: { queue: [], submitting: [], live: {}, byExchangeId: {}, seq: 0, halted: null, resumed: false },
    invoke: { src: "streamFeed", id: "privateStream" },
    entry: () => metrics.wsConnected.set({ stream: "private" }, deps.privateStream.connected ? 1 : 0),
    on: {
      "order.submit": {
        actions: enqueueActions(({ context, event, enqueue, system }) => {
          const queued = recordSubmit(context, event, system);
          if (queued === null) return;
          const next = { ...context, queue: [...context.queue, queued].sort((a, b) => a.priority - b.priority || a.seq - b.seq), seq: context.seq + 1 };
          const plan = planDrain(next);
          enqueue.assign({ queue: plan.queue, submitting: plan.submitting, live: plan.live, seq: next.seq });
          for (const input of plan.spawn) enqueue.spawnChild("order", { id: childId(input.clientOrderId), systemId: childId(input.clientOrderId), input });
        }),
      },
      "order.cancel": {
        actions: enqueueActions(({ context, event, enqueue, system }) => {
          const queued = context.queue.find((q) => q.clientOrderId === event.clientOrderId);
          if (queued) {
            enqueue.assign({ queue: context.queue.filter((q) => q !== queued) });
            finishWithoutReport(system, queued.clientOrderId, "cancelled", "cancelled_before_submit", event.reason);
            return;
          }
          if (context.live[event.clientOrderId]) enqueue(() => system.get(childId(event.clientOrderId))?.send({ type: "order.cancel", reason: event.reason }));
        }),
      },
      "orders.cancelAll": {
        actions: enqueueActions(({ context, event, enqueue, system }) => {
          const match = (m: Market) => event.market === undefined || event.market === m;
          const dropped = context.queue.filter((q) => match(q.request.market) && q.priority !== PRIORITY.URGENT);
          enqueue.assign({ queue: context.queue.filter((q) => !dropped.includes(q)) });
          for (const q of dropped) finishWithoutReport(system, q.clientOrderId, "cancelled", "cancelled_before_submit", event.reason);
          for (const [coid, info] of Object.entries(context.live)) {
            if (match(info.market)) enqueue(() => system.get(childId(coid))?.send({ type: "order.cancel", reason: event.reason }));
          }
        }),
      },
      "orders.halt": { actions: assign({ halted: ({ event }) => event.reason }) },
      "orders.resume": {
        actions: enqueueActions(({ context, enqueue }) => {
          enqueue.assign({ halted: null });
          if (context.resumed) return;
          // After reconciliation: drive every order still active in the database.
          const live = { ...context.live };
          for (const row of listActiveOrders(db)) {
            if (live[row.clientOrderId]) continue;
            live[row.clientOrderId] = { market: row.market as Market, exchangeOrderId: row.exchangeOrderId ?? undefined };
            enqueue.spawnChild("order", { id: childId(row.clientOrderId), systemId: childId(row.clientOrderId), input: inputFor(row, row.state as LocalOrderState) });
          }
          const plan = planDrain({ ...context, live, resumed: true, halted: null });
          enqueue.assign({ live: plan.live, queue: plan.queue, submitting: plan.submitting, resumed: true });
          for (const input of plan.spawn) enqueue.spawnChild("order", { id: childId(input.clientOrderId), systemId: childId(input.clientOrderId), input });
        }),
      },
      "child.accepted": {
        actions: assign({
          live: ({ context, event }) => (context.live[event.clientOrderId] ? { ...context.live, [event.clientOrderId]: { ...context.live[event.clientOrderId]!, exchangeOrderId: event.orderId } } : context.live),
          byExchangeId: ({ context, event }) => ({ ...context.byExchangeId, [event.orderId]: event.clientOrderId }),
        }),
      },
      "child.settled": {
        actions: enqueueActions(({ context, event, enqueue }) => {
          if (!context.submitting.includes(event.clientOrderId)) return;
          const plan = planDrain({ ...context, submitting: context.submitting.filter((c) => c !== event.clientOrderId) });
          enqueue.assign({ queue: plan.queue, submitting: plan.submitting, live: plan.live });
          for (const input of plan.spawn) enqueue.spawnChild("order", { id: childId(input.clientOrderId), systemId: childId(input.clientOrderId), input });
        }),
      },
      "stream.myOrder": {
        actions: enqueueActions(({ context, event, enqueue, system }) => {
          const e = event.order;
          // Live orders are indexed by exchange id; finished ones are found in the database.
          const coid = e.clientOrderId ?? context.byExchangeId[e.orderId];
          const row = coid ? findOrderByClientId(db, coid) : findOrderByExchangeId(db, e.orderId);
          if (!row) return; // not ours (or not yet recorded): reconciliation adopts it
          const report = reportFromStream(e, row);
          if (context.live[row.clientOrderId]) enqueue(() => system.get(childId(row.clientOrderId))?.send({ type: "order.report", report }));
          else applyAndNotify(system, row.clientOrderId, report); // a late event for a finished order
        }),
      },
      "stream.connected": { actions: () => metrics.wsConnected.set({ stream: "private" }, 1) },
      "stream.disconnected": { actions: () => metrics.wsConnected.set({ stream: "private" }, 0) },
      "stream.resync": {
        actions: ({ system, event }) => {
          metrics.wsReconnectsTotal.inc({ stream: "private" });
          // Events may have been missed while disconnected: reconcile orders and balances.
          system.get("root")?.send({ type: "runtime.reconcileNeeded", ts: clock.now(), reason: `private stream: ${event.reason}` });
        },
      },
      "child.final": {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const coid = event.clientOrderId;
          const id = childId(coid);
          const live = { ...context.live };
          const exchangeId = live[coid]?.exchangeOrderId;
          delete live[coid];
          if (exchangeId !== undefined && context.byExchangeId[exchangeId] !== undefined) {
            // The index holds live orders only; it would otherwise grow with every order ever placed.
            const byExchangeId = { ...context.byExchangeId };
            delete byExchangeId[exchangeId];
            enqueue.assign({ byExchangeId });
          }
          const plan = planDrain({ ...context, live, submitting: context.submitting.filter((c: string) => c !== coid) });
          enqueue.assign({ queue: plan.queue, submitting: plan.submitting, live: plan.live });
          enqueue.stopChild(id);
          for (const input of plan.spawn) enqueue.spawnChild("order", { id: childId(input.clientOrderId), systemId: childId(input.clientOrderId), input });
        }),
      },
    },
  });

  /**
   * Record an intent (with its client id, in one transaction with its signal) and return its queue
   * entry, or null when it must not be sent (trading halted for non-urgent orders, or the same
   * decision already has an order).
   */
  function recordSubmit(context: OrderManagerContext, event: OrderSubmitEvent, system: { get(id: string): AnyActorRef | undefined }): QueuedOrder | null {
    const now = clock.now();
    const { request } = event;
    const refuse = (code: string) => {
      system.get(`trader:${request.market}`)?.send({ type: "order.finished", ts: now, clientOrderId: request.clientOrderId, state: "rejected", holding: holdingFromRow(getPosition(db, request.market)), code });
      system.get("risk")?.send({ type: "risk.entryFinished", ts: now, clientOrderId: request.clientOrderId });
      return null;
    };
    if (context.halted !== null && event.priority !== PRIORITY.URGENT) return refuse("trading_halted");
    const row = recordOrderIntent(
      db,
      {
        clientOrderId: request.clientOrderId,
        market: request.market,
        side: request.side,
        type: request.type,
        timeInForce: request.timeInForce,
        price: request.price,
        volume: request.volume,
        priority: event.priority,
        reason: event.reason,
        intentKey: event.intentKey,
      },
      now,
      event.signal ? { market: request.market, kind: event.signal.kind, strength: event.signal.strength, reasons: event.signal.reasons, candleTs: event.signal.candleTs, details: event.signal.details } : undefined,
    );
    if (row === null) {
      // This decision already produced an order (a replay after a restart): never a second one.
      logger.info({ intentKey: event.intentKey, market: request.market }, "decision already has an order; not sending another");
      return refuse("duplicate_intent");
    }
    metrics.ordersTotal.inc({ market: request.market, side: request.side, state: "pending_submit" });
    if (event.causedAt !== undefined) metrics.tickToOrderSeconds.observe(Math.max(0, performance.now() - event.causedAt) / 1000);
    return { clientOrderId: request.clientOrderId, request, priority: event.priority, reason: event.reason, seq: context.seq, createdAt: now, causedAt: event.causedAt };
  }

  /** Take orders off the queue while the submit budget allows: the new queue and the children to spawn. */
  function planDrain(context: OrderManagerContext): { queue: QueuedOrder[]; submitting: string[]; live: OrderManagerContext["live"]; spawn: OrderInput[] } {
    const queue: QueuedOrder[] = [];
    const submitting = [...context.submitting];
    const live = { ...context.live };
    const spawn: OrderInput[] = [];
    for (const q of context.queue) {
      const blocked = !context.resumed || submitting.length >= settings.maxConcurrentSubmits || (context.halted !== null && q.priority !== PRIORITY.URGENT);
      const row = blocked ? undefined : findOrderByClientId(db, q.clientOrderId);
      if (blocked || !row) {
        if (blocked) queue.push(q);
        continue;
      }
      submitting.push(q.clientOrderId);
      live[q.clientOrderId] = { market: q.request.market };
      spawn.push(inputFor(row, "pending_submit"));
    }
    return { queue, submitting, live, spawn };
  }

  return machine;
}

export type OrderManagerMachine = ReturnType<typeof createOrderManager>;
