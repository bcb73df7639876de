import { assign, fromPromise, setup, spawnChild, stopChild } from "xstate";
import { candleMismatches, closeDue, initCandleBuilder, onTrade } from "../src/core/candles/aggregate.ts";
import type { Candle, Interval, Market, MarketRules, MarketWarning } from "../src/core/model.ts";
import { INTERVAL_MS } from "../src/core/model.ts";
import { type Origin, PRIORITY } from "../src/core/messages.ts";
import type { Holding } from "../src/core/portfolio/position.ts";
import { planExit, type RiskParams } from "../src/core/risk/index.ts";
import { type EmaCrossParams, type EmaCrossState, emaCross, type EnterIntent } from "../src/core/strategy/index.ts";
import type { TraderStateName } from "../src/ports/control.ts";
import type { EntryRequestEvent, OrderSubmitEvent, TraderEvent } from "./events.ts";
import { absorbCandle, changes, draft, drainDeferred, entryBlocker, holds, protectiveDecision, type TraderContext, viewOf } from "./trader-logic.ts";

/**
 * The symbol trader: one per market, addressed as `trader:KRW-BTC`. It builds candles from the
 * trade stream, runs the strategy on closed candles, checks protective stops on every trade, and
 * turns decisions into requests: entries go to the risk actor (which sizes them and submits the
 * order), exits go straight to the order manager at URGENT priority.
 *
 * States: warming_up -> watching <-> entering, in_position <-> exiting; paused (no new entries;
 * an open position keeps its stops and exits); flattening (cancel the market's orders, sell all,
 * then paused); halted (the supervisor gave up on it: nothing is sent until an operator resumes).
 *
 * It survives restarts through the database, not through its memory: strategy state and last
 * candle (saved at every close and fill), the position (written by the order manager with each
 * fill), the operator's pause and halt flags, and REST candles. Candles that closed while it was
 * down are replayed with entries suppressed (a stale signal is no signal) but exits honoured.
 */

export interface TraderInput {
  readonly market: Market;
  readonly interval: Interval;
  readonly strategyParams: EmaCrossParams;
  readonly riskParams: RiskParams;
  readonly candleGraceMs: number;
  /** This market's extra wait before closing a quiet candle (spreads the closes of many markets). */
  readonly candleCloseOffsetMs?: number;
  readonly now: () => number;
  readonly nextClientOrderId: () => string;
  /** Start halted (the supervisor's verdict) with this reason. */
  readonly haltedReason?: string;
  /** Trading-wide block at spawn time (paused, halted or reconciling). */
  readonly tradingBlocked?: string | null;
}

/** What warm-up reads from the database and the exchange. */
export interface LoadedTrader {
  readonly strategyState: EmaCrossState | null;
  readonly lastCandleTs: number | null;
  readonly paused: boolean;
  readonly halted: boolean;
  readonly holding: Holding | null;
  readonly rules: MarketRules;
  readonly warning: MarketWarning;
  /** Closed candles oldest first (history, and anything missed since `lastCandleTs`). */
  readonly candles: readonly Candle[];
  /** The candle still forming on the exchange (seeds the trade-built candle), if any. */
  readonly forming: Candle | null;
  /** An order of this market still in flight, if any. */
  readonly pendingOrder: { readonly clientOrderId: string; readonly side: "bid" | "ask"; readonly reason: string } | null;
}

/** The REST view after a stream gap: closed candles since `sinceTs`, and the forming one. */
export interface ResyncResult {
  readonly closed: readonly Candle[];
  readonly forming: Candle | null;
}

/**
 * New parameters start a fresh strategy state (indicators are rebuilt from history), but an open
 * position keeps the exit plan it was entered with: its stop must not vanish with a settings change.
 */
function withPlanOf(fresh: EmaCrossState, saved: EmaCrossState | null, holding: Holding | null): EmaCrossState {
  if (saved?.trade && holding !== null && holding.volume > 0) fresh.trade = saved.trade;
  return fresh;
}

type CancelAll = { type: "orders.cancelAll"; ts: number; market?: Market; reason: string };
type CancelOne = { type: "order.cancel"; ts: number; clientOrderId: string; reason: string };
type ResyncDone = { type: "xstate.done.actor.resync"; output: ResyncResult };
type ResyncFailed = { type: "xstate.error.actor.resync"; error: unknown };

const trader = setup({
  types: {
    context: {} as TraderContext,
    events: {} as TraderEvent | ResyncDone | ResyncFailed,
    input: {} as TraderInput,
  },
  actors: {
    loadTrader: fromPromise<LoadedTrader, { market: Market; interval: Interval }>(async () => {
      throw new Error("loadTrader is provided by the runtime");
    }),
    resyncCandles: fromPromise<ResyncResult, { market: Market; interval: Interval; sinceTs: number | null }>(async () => {
      throw new Error("resyncCandles is provided by the runtime");
    }),
  },
  actions: {
    // Effects the runtime provides (no-ops here, so a bare machine runs in tests).
    persistCandle: (_, _params: { candle: Candle }) => {},
    persistStrategy: () => {},
    persistFlags: (_, _params: { paused?: boolean; halted?: boolean }) => {},
    persistEntryRisk: () => {},
    recordDenial: (_, _params: { reason: string; intent: EnterIntent }) => {},
    recordSkippedExit: (_, _params: { reason: string; detail: string }) => {},
    audit: (_, _params: { action: string; origin: Origin; details?: unknown }) => {},
    alert: (_, _params: { severity: "info" | "warning" | "critical"; key: string; title: string; text: string }) => {},
    reportState: (_, _params: { state: TraderStateName }) => {},
    logMismatch: (_, _params: { fields: string[]; built: Candle; official: Candle }) => {},
    /** A stop (or trailing stop) fired and its sell is on the way. Provided by the runtime. */
    notifyStopHit: (_, _params: { stop: number; price: number; volume: number; kind: "stop" | "trailing" }) => {},
    /**
     * Re-read the position (and fallback market rules) from the database: a halted trader skips
     * warm-up, but flatten must still know what to sell. Provided by the runtime.
     */
    refreshHolding: assign({}),
    // Messages to the shared actors, found by systemId (ARCHITECTURE rule 7).
    toRisk: ({ system }, params: EntryRequestEvent | { type: "risk.mark"; ts: number; market: Market; price: number }) => {
      system.get("risk")?.send(params);
    },
    toOrders: ({ system }, params: OrderSubmitEvent | CancelAll | CancelOne) => {
      system.get("orders")?.send(params);
    },
  },
  guards: {
    decidedEnter: ({ context }) => context.decision?.kind === "enter",
    decidedExit: ({ context }) => context.decision?.kind === "exit",
    holds: ({ context }) => holds(context),
    flat: ({ context }) => !holds(context),
    paused: ({ context }) => context.paused,
    halted: ({ context }) => context.haltedReason !== null,
    hasPending: ({ context }) => context.pending !== null,
    isPendingOrder: ({ context, event }) => "clientOrderId" in event && context.pending !== null && context.pending.clientOrderId === event.clientOrderId,
  },
});

// ---- steps: each computes a new context from a draft and enqueues its effects ----------------

interface TimerEnqueue {
  cancel(id: string): void;
  raise(event: { type: "candle.due" }, options: { id: string; delay: number }): void;
}

/** Arm the timer that closes a quiet candle shortly after its interval ends. */
function armCandleTimerWith(ctx: TraderContext, enqueue: TimerEnqueue): void {
  enqueue.cancel("candleDue");
  const cur = ctx.candles.current;
  if (cur === null) return;
  enqueue.raise({ type: "candle.due" }, { id: "candleDue", delay: Math.max(0, cur.ts + ctx.intervalMs + ctx.candleGraceMs - ctx.now()) });
}

const armCandleTimer = trader.enqueueActions(({ context, enqueue }) => armCandleTimerWith(context, enqueue));

/** A public trade: build candles, check protective stops on this price. */
const handleTrade = trader.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== "market.traded") return;
  const t = event.trade;
  const step = onTrade(context.candles, t);
  const startedNew = step.state.current !== null && step.state.current.ts !== context.candles.current?.ts;
  // A trade changes only these fields, and the protective check only reads the context, so a
  // shallow copy will do (this runs for every trade of every market: no array copies here).
  const ctx: TraderContext = { ...context, stale: false, lastPrice: t.price, lastTradeTs: t.timestamp, candles: step.state };
  if (ctx.decision === null) ctx.decision = protectiveDecision(ctx, { open: t.price, high: t.price, low: t.price }, event.ts);
  enqueue.assign({ stale: ctx.stale, lastPrice: ctx.lastPrice, lastTradeTs: ctx.lastTradeTs, candles: ctx.candles, decision: ctx.decision });
  for (const c of step.closed) enqueue.raise({ type: "candle.closed", ts: event.ts, candle: c });
  if (startedNew) armCandleTimerWith(ctx, enqueue);
});

/** The close timer fired: close a candle that saw no newer trade. */
const handleCandleDue = trader.enqueueActions(({ context, enqueue }) => {
  const step = closeDue(context.candles, context.now(), context.candleGraceMs);
  if (step.closed.length === 0) return;
  enqueue.assign({ candles: step.state });
  for (const c of step.closed) enqueue.raise({ type: "candle.closed", ts: context.now(), candle: c });
});

/** A closed candle: protective exits, then the strategy at the close. */
function handleCandle(entries: "allowed" | "never") {
  return trader.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== "candle.closed") return;
    const ctx = draft(context);
    const decision = absorbCandle(ctx, event.candle, entries === "allowed");
    if (ctx.decision === null) ctx.decision = decision;
    enqueue.assign(changes(ctx));
    enqueue({ type: "persistCandle", params: { candle: event.candle } });
    enqueue({ type: "toRisk", params: { type: "risk.mark", ts: event.ts, market: ctx.market, price: event.candle.close } });
  });
}

/** Hand an entry decision to the risk actor for sizing. */
const requestEntry = trader.enqueueActions(({ context, enqueue }) => {
  const d = context.decision;
  if (d?.kind !== "enter" || context.rules === null) {
    enqueue.assign({ decision: null });
    return;
  }
  enqueue.assign({ decision: null, pending: { kind: "enter", clientOrderId: null, reason: "entry" } });
  enqueue({
    type: "toRisk",
    params: { type: "risk.evaluate", ts: context.now(), market: context.market, intent: d.intent, rules: context.rules, closes: context.closes.slice(-100) },
  });
});

type ExitDecision = Extract<TraderContext["decision"], { kind: "exit" }>;

/** What an exit decision turns into: a market sell the exchange will accept, or a recorded skip (dust). */
function exitOrder(context: TraderContext, d: ExitDecision): { pending?: TraderContext["pending"]; submit?: OrderSubmitEvent; skipped?: { reason: string; detail: string } } {
  if (context.holding === null || context.rules === null || context.pending !== null) return {};
  const plan = planExit({ market: context.market, volume: context.holding.volume, fraction: d.fraction, price: context.lastPrice ?? d.price }, context.rules, context.riskParams);
  if (plan.kind === "deny") return { skipped: { reason: d.reason, detail: `${plan.reason}: ${plan.detail}` } };
  const clientOrderId = context.nextClientOrderId();
  const flatten = d.reason === "flatten";
  return {
    pending: { kind: flatten ? "flatten" : "exit", clientOrderId, reason: d.reason },
    submit: {
      type: "order.submit",
      ts: context.now(),
      request: { ...plan.order, clientOrderId },
      priority: PRIORITY.URGENT,
      reason: d.reason,
      intentKey: flatten ? undefined : d.key,
      signal: { kind: flatten ? "flatten" : "exit", reasons: [d.reason, plan.adjustment], details: { fraction: d.fraction, referencePrice: d.price } },
      causedAt: d.causedAt,
    },
  };
}

/** Turn an exit decision into a market sell the exchange will accept (or mark the dust). */
const submitExit = trader.enqueueActions(({ context, enqueue }) => {
  const d = context.decision;
  enqueue.assign({ decision: null });
  if (d?.kind !== "exit") return;
  const out = exitOrder(context, d);
  if (out.skipped) enqueue({ type: "recordSkippedExit", params: out.skipped });
  if (out.submit) {
    enqueue.assign({ pending: out.pending });
    enqueue({ type: "toOrders", params: out.submit });
    if (d.reason === "stop" || d.reason === "trailing_stop") {
      const stop = context.strategy.trade?.stop ?? d.price;
      enqueue({ type: "notifyStopHit", params: { stop, price: d.price, volume: out.submit.request.volume ?? 0, kind: d.reason === "stop" ? "stop" : "trailing" } });
    }
  }
});

/** One of our fills: the position moved; the strategy learns (entry fills set the stop). */
const handleFill = trader.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== "order.filled") return;
  const ctx = draft(context);
  const firstEntryFill = event.side === "bid" && (context.holding === null || context.holding.volume <= 0);
  ctx.holding = event.holding;
  const reason = event.side === "ask" && event.reason.startsWith("take_profit_") ? (event.reason as `take_profit_${number}`) : undefined;
  ctx.strategy = emaCross.onFill(ctx.strategy, { side: event.side, price: event.price, volume: event.volume, ts: event.ts, reason }, viewOf(ctx));
  enqueue.assign(changes(ctx));
  enqueue("persistStrategy");
  if (firstEntryFill || event.side === "bid") enqueue("persistEntryRisk");
});

/** Our order is final: clear it and evaluate anything held back meanwhile. */
const handleFinished = trader.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== "order.finished") return;
  const ctx = draft(context);
  ctx.holding = event.holding;
  ctx.pending = null;
  if (event.state !== "filled" && event.code) ctx.lastError = `order ${event.clientOrderId} ${event.state}: ${event.code}`;
  const d = drainDeferred(ctx, entryBlocker(ctx) === null);
  if (ctx.decision === null) ctx.decision = d;
  enqueue.assign(changes(ctx));
  enqueue("persistStrategy");
});

/** Evaluate candles held back (after a pause or an order that finished elsewhere). */
const processDeferred = trader.enqueueActions(({ context, enqueue }) => {
  if (context.deferred.length === 0 || context.pending !== null) return;
  const ctx = draft(context);
  const d = drainDeferred(ctx, entryBlocker(ctx) === null);
  if (ctx.decision === null) ctx.decision = d;
  enqueue.assign(changes(ctx));
});

const denyEntry = trader.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== "risk.denied") return;
  enqueue.assign({ pending: null });
  enqueue("persistStrategy");
});

function setPaused(paused: boolean) {
  return trader.enqueueActions(({ context, event, enqueue }) => {
    if (context.paused === paused) return;
    enqueue.assign({ paused });
    enqueue({ type: "persistFlags", params: { paused } });
    if ("origin" in event) enqueue({ type: "audit", params: { action: paused ? "trader.paused" : "trader.resumed", origin: event.origin } });
  });
}

/** Flatten: cancel the market's orders and sell everything (again after a partial). */
const startFlatten = trader.enqueueActions(({ context, enqueue }) => {
  enqueue({ type: "toOrders", params: { type: "orders.cancelAll", ts: context.now(), market: context.market, reason: "flatten" } });
  if (context.pending !== null) return; // wait for it to finish (its cancel is on the way)
  if (context.holding === null || context.holding.volume <= 0) return;
  const out = exitOrder(context, { kind: "exit", reason: "flatten", fraction: 1, price: context.lastPrice ?? context.holding.avgPrice, key: "" });
  if (out.skipped) enqueue({ type: "recordSkippedExit", params: out.skipped });
  if (out.submit) {
    enqueue.assign({ pending: out.pending });
    enqueue({ type: "toOrders", params: out.submit });
  }
});

/** Apply a REST resync after a stream gap: missed closed candles and the true forming candle. */
const applyResync = trader.enqueueActions(({ context, event, enqueue }) => {
  if (event.type !== "xstate.done.actor.resync") return;
  const { closed, forming } = event.output;
  const last = context.lastCandleTs;
  const built = context.candles.current;
  for (const c of closed) {
    if (built !== null && c.ts === built.ts) {
      const fields = candleMismatches(built, c);
      if (fields.length > 0) enqueue({ type: "logMismatch", params: { fields, built, official: c } });
    }
    if ((last === null || c.ts > last) && (built === null || c.ts <= built.ts)) enqueue.raise({ type: "candle.closed", ts: context.now(), candle: c });
  }
  const lastClosed = closed.length > 0 ? closed[closed.length - 1]!.ts : last;
  const current = forming !== null && (built === null || forming.ts >= built.ts) ? forming : built !== null && (lastClosed === null || built.ts > lastClosed) ? built : null;
  const candles = { ...context.candles, current, lastClosedTs: lastClosed ?? context.candles.lastClosedTs };
  const latest = forming ?? (closed.length > 0 ? closed[closed.length - 1]! : null);
  enqueue.assign({ candles, stale: false, ...(latest !== null && (context.lastTradeTs === null || latest.ts >= Math.floor(context.lastTradeTs / context.intervalMs) * context.intervalMs) ? { lastPrice: latest.close } : {}) });
  armCandleTimerWith({ ...context, candles }, enqueue);
});

const routes = [
  { guard: "halted", target: "#trader.halted" },
  { guard: "hasPending", target: "#trader.awaiting" },
  { guard: "paused", target: "#trader.paused" },
  { guard: "holds", target: "#trader.in_position" },
  { target: "#trader.watching" },
] as const;

export const traderMachine = trader.createMachine({
  id: "trader",
  context: ({ input }) => ({
    market: input.market,
    interval: input.interval,
    intervalMs: INTERVAL_MS[input.interval],
    candleGraceMs: input.candleGraceMs + (input.candleCloseOffsetMs ?? 0),
    strategyParams: input.strategyParams,
    riskParams: input.riskParams,
    now: input.now,
    nextClientOrderId: input.nextClientOrderId,
    strategy: emaCross.init(input.strategyParams),
    candles: initCandleBuilder(INTERVAL_MS[input.interval]),
    rules: null,
    holding: null,
    warning: "NONE",
    suspended: false,
    stale: false,
    tradingBlocked: input.tradingBlocked ?? null,
    paused: false,
    haltedReason: input.haltedReason ?? null,
    lastPrice: null,
    changeRate: null,
    lastTradeTs: null,
    lastCandleTs: null,
    pending: null,
    deferred: [],
    decision: null,
    closes: [],
    lastError: null,
  }),
  initial: "booting",
  on: {
    "market.traded": { actions: handleTrade },
    "market.ticked": {
      actions: assign(({ context, event }) => {
        const t = event.ticker;
        const suspended = t.suspended ?? (t.marketState !== undefined ? t.marketState.toUpperCase() !== "ACTIVE" : context.suspended);
        return { lastPrice: t.tradePrice, changeRate: t.signedChangeRate, warning: t.warning ?? context.warning, suspended, stale: false };
      }),
    },
    "market.warningChanged": { actions: assign({ warning: ({ event }) => event.warning }) },
    "market.stale": { actions: assign({ stale: true }) },
    "market.resyncNeeded": {
      actions: spawnChild("resyncCandles", {
        id: "resync",
        input: ({ context }) => ({ market: context.market, interval: context.interval, sinceTs: context.lastCandleTs }),
      }),
    },
    "xstate.done.actor.resync": { actions: [applyResync, stopChild("resync")] },
    "xstate.error.actor.resync": {
      // A failed resync leaves the market stale (no entries) until data flows again.
      actions: [assign({ stale: true, lastError: ({ event }) => `candle resync failed: ${String(event.error)}` }), stopChild("resync")],
    },
    "candle.due": { actions: handleCandleDue },
    "trading.blocked": { actions: assign({ tradingBlocked: ({ event }) => (event.blocked ? event.reason : null) }) },
    "trader.flatten": { target: ".flattening", actions: [{ type: "audit", params: ({ event }) => ({ action: "trader.flatten", origin: event.origin }) }] },
    "order.unknown": {
      actions: [
        assign({ lastError: ({ event }) => `order ${event.clientOrderId} state unknown: ${event.message}` }),
        { type: "alert", params: ({ context, event }) => ({ severity: "warning" as const, key: `order_unknown:${event.clientOrderId}`, title: `${context.market}: order state unknown`, text: event.message }) },
      ],
    },
    "order.replaced": {
      actions: assign({ pending: ({ context, event }) => (context.pending !== null && context.pending.clientOrderId === event.from ? { ...context.pending, clientOrderId: event.to } : context.pending) }),
    },
    // An approval that arrives after the trader moved on (flatten, pause): cancel that order.
    "risk.approved": {
      actions: { type: "toOrders", params: ({ context, event }) => ({ type: "order.cancel" as const, ts: context.now(), clientOrderId: event.clientOrderId, reason: "entry no longer wanted" }) },
    },
  },
  states: {
    /** A trader the supervisor halted starts halted: no warm-up, no exchange calls. */
    booting: { always: [{ guard: "halted", target: "halted" }, { target: "warming_up" }] },
    warming_up: {
      entry: { type: "reportState", params: { state: "warming_up" } },
      invoke: {
        src: "loadTrader",
        input: ({ context }) => ({ market: context.market, interval: context.interval }),
        onDone: {
          target: "routing",
          actions: assign(({ context, event }) => {
            const loaded = event.output;
            const sameParams = loaded.strategyState !== null && JSON.stringify(loaded.strategyState.params) === JSON.stringify(context.strategyParams);
            const ctx = draft({
              ...context,
              rules: loaded.rules,
              holding: loaded.holding,
              warning: loaded.warning,
              paused: loaded.paused,
              strategy: sameParams ? loaded.strategyState! : withPlanOf(emaCross.init(context.strategyParams), loaded.strategyState, loaded.holding),
              lastCandleTs: sameParams ? loaded.lastCandleTs : null,
              haltedReason: context.haltedReason ?? (loaded.halted ? "halted before the restart" : null),
              pending: loaded.pendingOrder ? { kind: loaded.pendingOrder.side === "bid" ? "enter" : "exit", clientOrderId: loaded.pendingOrder.clientOrderId, reason: loaded.pendingOrder.reason } : null,
              deferred: [],
              closes: [],
              decision: null,
            });
            // Replay: history rebuilds the indicators; candles after the saved one are catch-up
            // with entries suppressed; the latest exit decision stands.
            let decision: (typeof ctx)["decision"] = null;
            for (const c of loaded.candles) {
              if (ctx.lastCandleTs !== null && c.ts <= ctx.lastCandleTs) {
                ctx.closes.push(c.close);
                continue;
              }
              const d = absorbCandle(ctx, c, false);
              if (d?.kind === "exit") decision = d;
              ctx.deferred.length = 0;
            }
            if (loaded.candles.length > 0) {
              const last = loaded.candles[loaded.candles.length - 1]!;
              ctx.lastPrice = last.close;
              ctx.candles = { ...ctx.candles, lastClosedTs: Math.max(ctx.lastCandleTs ?? last.ts, last.ts) };
            }
            // Trades of the forming interval before warm-up are in the exchange's forming candle.
            const f = loaded.forming;
            if (f !== null && (ctx.candles.lastClosedTs === null || f.ts > ctx.candles.lastClosedTs)) {
              ctx.candles = { ...ctx.candles, current: f };
              ctx.lastPrice = f.close;
            }
            ctx.decision = ctx.pending === null ? decision : null;
            return changes(ctx);
          }),
        },
      },
      // An operator's pause or resume during warm-up: persist it and load again, so the loaded flags
      // include it (the load read them before the command arrived, and would overwrite it).
      on: {
        "trader.pause": { target: "warming_up", reenter: true, actions: [{ type: "persistFlags", params: { paused: true } }, { type: "audit", params: ({ event }) => ({ action: "trader.paused", origin: event.origin }) }] },
        "trader.resume": { target: "warming_up", reenter: true, actions: [{ type: "persistFlags", params: { paused: false } }, { type: "audit", params: ({ event }) => ({ action: "trader.resumed", origin: event.origin }) }] },
        // One of our orders (resumed after a restart) filled or finished meanwhile: load again, so the
        // holding and the pending order are read after it, not one before and one after.
        "order.filled": { target: "warming_up", reenter: true },
        "order.finished": { target: "warming_up", reenter: true },
      },
    },
    routing: { entry: armCandleTimer, always: [...routes] },
    /** An order from before a restart is still in flight: wait for it before deciding anything. */
    awaiting: {
      entry: { type: "reportState", params: ({ context }) => ({ state: context.pending?.kind === "enter" ? ("entering" as const) : ("exiting" as const) }) },
      on: {
        "order.filled": { actions: handleFill },
        "order.finished": { target: "routing", actions: handleFinished },
        "candle.closed": { actions: handleCandle("never") },
        "trader.pause": { actions: setPaused(true) },
        "trader.resume": { actions: setPaused(false) },
      },
    },
    watching: {
      entry: [{ type: "reportState", params: { state: "watching" } }, processDeferred],
      on: {
        "candle.closed": { actions: handleCandle("allowed") },
        "trader.pause": { target: "paused", actions: setPaused(true) },
      },
      always: [
        { guard: "decidedEnter", target: "entering", actions: requestEntry },
        { guard: "holds", target: "in_position" },
      ],
    },
    entering: {
      entry: { type: "reportState", params: { state: "entering" } },
      on: {
        "risk.approved": { actions: assign({ pending: ({ context, event }) => ({ kind: "enter" as const, reason: context.pending?.reason ?? "entry", clientOrderId: event.clientOrderId }) }) },
        "risk.denied": { target: "routing", actions: denyEntry },
        "order.filled": { guard: "isPendingOrder", actions: handleFill },
        "order.finished": { guard: "isPendingOrder", target: "routing", actions: handleFinished },
        "candle.closed": { actions: handleCandle("never") },
        "trader.pause": { actions: setPaused(true) },
      },
    },
    in_position: {
      entry: [{ type: "reportState", params: { state: "in_position" } }, processDeferred],
      on: {
        "candle.closed": { actions: handleCandle("allowed") },
        "trader.pause": { target: "paused", actions: setPaused(true) },
      },
      always: [
        { guard: "decidedExit", target: "exiting", actions: submitExit },
        { guard: "flat", target: "routing" },
      ],
    },
    exiting: {
      entry: { type: "reportState", params: { state: "exiting" } },
      always: { guard: ({ context }) => context.pending === null, target: "routing" },
      on: {
        "order.filled": { guard: "isPendingOrder", actions: handleFill },
        "order.finished": { guard: "isPendingOrder", target: "routing", actions: handleFinished },
        "candle.closed": { actions: handleCandle("never") },
        "trader.pause": { actions: setPaused(true) },
      },
    },
    paused: {
      entry: [{ type: "reportState", params: { state: "paused" } }, processDeferred],
      on: {
        "candle.closed": { actions: handleCandle("never") },
        "order.filled": { guard: "isPendingOrder", actions: handleFill },
        "order.finished": { guard: "isPendingOrder", actions: [handleFinished, processDeferred] },
        "trader.resume": { target: "routing", actions: setPaused(false) },
        "trader.pause": {},
      },
      // Stops and exits keep protecting an open position while paused.
      always: { guard: ({ context }) => context.decision?.kind === "exit" && context.pending === null, actions: submitExit },
    },
    flattening: {
      entry: [{ type: "reportState", params: { state: "flattening" } }, "refreshHolding", assign({ decision: null }), startFlatten],
      on: {
        "order.filled": { guard: "isPendingOrder", actions: handleFill },
        "order.finished": { guard: "isPendingOrder", actions: [handleFinished, assign({ decision: null }), startFlatten] },
        "candle.closed": { actions: [handleCandle("never"), assign({ decision: null })] },
        "trader.pause": {},
        "trader.resume": {},
      },
      always: { guard: ({ context }) => context.pending === null && context.decision === null && (context.holding === null || context.holding.volume <= 0 || !holds(context)), target: "paused", actions: setPaused(true) },
    },
    halted: {
      entry: [{ type: "reportState", params: { state: "halted" } }, { type: "persistFlags", params: { halted: true } }, "refreshHolding", assign({ decision: null })],
      on: {
        "candle.closed": { actions: [handleCandle("never"), assign({ decision: null })] },
        "order.filled": { actions: handleFill },
        "order.finished": { actions: handleFinished },
        "trader.pause": { actions: setPaused(true) },
        "trader.resume": {
          target: "warming_up",
          actions: [assign({ haltedReason: null, paused: false }), { type: "persistFlags", params: { halted: false, paused: false } }, { type: "audit", params: ({ event }) => ({ action: "trader.resumed", origin: event.origin }) }],
        },
      },
    },
  },
});

export type TraderMachine = typeof traderMachine;
