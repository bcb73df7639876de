import { type AnyActorLogic, assign, enqueueActions, fromPromise, setup } from "xstate";
import { FatalError } from "../src/core/errors.ts";
import type { Market } from "../src/core/model.ts";
import type { Origin } from "../src/core/messages.ts";
import type { MarketSyncResult } from "../src/db/index.ts";
import type { RuntimeDeps } from "./deps.ts";
import type { ReconcileReport } from "./reconcile.ts";
import { type ChildKind, decideSupervision } from "./supervision.ts";
import type { TraderInput } from "./trader.ts";

/**
 * The root supervisor (`root`). It starts the shared actors (order manager `orders`, risk `risk`,
 * market data `md`), reconciles the database with the exchange, syncs the market list, and keeps
 * one trader per active market (`trader:KRW-BTC`). Failures of children arrive as XState error
 * events; what to do is decided by the pure `decideSupervision` (OTP one_for_one with restart
 * intensity and backoff) and carried out here:
 *
 * - restart: stop the dead child and spawn a fresh one after the backoff; its state is rebuilt from
 *   the database and the exchange by its own warm-up, never from the dead actor's memory;
 * - halt (a trader past the intensity, or a fatal error): respawn it halted, raise an alert;
 * - escalate (a shared actor past the intensity): halt all new trading (cancels and exits still go
 *   through), keep restarting it at the slowest backoff, raise an alert.
 *
 * Trading is blocked (no new entries) while reconciling, while the operator has paused trading, and
 * while halted; each change is broadcast to the traders as `trading.blocked`.
 */

export interface MarketSyncOutput extends MarketSyncResult {
  /** The markets to trade after the sync (active and selected). */
  readonly markets: readonly Market[];
  /** Markets with an open position in the database (kept until it is gone). */
  readonly holding: readonly Market[];
}

export type RootEvent =
  | { readonly type: "trading.pause"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "trading.resume"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "trading.flattenAll"; readonly ts: number; readonly origin: Origin }
  | { readonly type: "runtime.reconcileNeeded"; readonly ts: number; readonly reason: string }
  | { readonly type: "runtime.fatal"; readonly ts: number; readonly reason: string }
  | { readonly type: "runtime.stop"; readonly ts: number }
  | { readonly type: "supervisor.restart"; readonly id: string }
  /** New strategy/risk parameters: every trader restarts and warms up with them. */
  | { readonly type: "runtime.restartTraders"; readonly ts: number; readonly reason: string }
  | { readonly type: "jobs.marketSync" }
  | { readonly type: `xstate.error.actor.${string}`; readonly error: unknown };

export interface RootContext {
  markets: Market[];
  /** Restart times per child id (for the intensity window). */
  restarts: Record<string, number[]>;
  /** Total restarts per child id (for the API and metrics). */
  restartCount: Record<string, number>;
  lastErrors: Record<string, string>;
  /** Traders the supervisor halted, with the reason. */
  haltedTraders: Record<string, string>;
  /** Markets that left the selection or the exchange and are being flattened before they stop. */
  leaving: Market[];
  operatorPaused: boolean;
  /** Trading-wide halt (escalation, fatal error, failed reconciliation), or null. */
  haltReason: string | null;
  reconciling: boolean;
  reconciled: boolean;
  /** The market list has been read from the exchange at least once (traders exist). */
  synced: boolean;
  lastReconcile: ReconcileReport | null;
  startedAt: number;
}

export interface RootLogic {
  readonly orders: AnyActorLogic;
  readonly risk: AnyActorLogic;
  readonly md: AnyActorLogic;
  readonly trader: AnyActorLogic;
}

const SHARED = ["orders", "risk", "md"] as const;

/** The reason new entries are blocked right now, or null. */
export function tradingBlocker(ctx: Pick<RootContext, "haltReason" | "operatorPaused" | "reconciling" | "reconciled">): string | null {
  if (ctx.haltReason !== null) return `trading halted: ${ctx.haltReason}`;
  if (ctx.operatorPaused) return "trading paused by the operator";
  if (ctx.reconciling || !ctx.reconciled) return "reconciling with the exchange";
  return null;
}

export function createRootMachine(deps: RuntimeDeps, logic: RootLogic, traderInput: (market: Market, haltedReason?: string, blocked?: string | null) => TraderInput) {
  const { clock, settings, logger, metrics } = deps;
  const policy = { ...settings.supervision, withinMs: settings.supervision.withinMs * settings.timeScale, baseBackoffMs: settings.supervision.baseBackoffMs * settings.timeScale, maxBackoffMs: settings.supervision.maxBackoffMs * settings.timeScale };

  const root = setup({
    types: { context: {} as RootContext, events: {} as RootEvent },
    actors: {
      ...logic,
      reconcile: fromPromise<ReconcileReport>(async () => {
        throw new Error("reconcile is provided by the runtime");
      }),
      syncMarkets: fromPromise<MarketSyncOutput>(async () => {
        throw new Error("syncMarkets is provided by the runtime");
      }),
    },
    actions: {
      audit: (_, _params: { action: string; target?: string; origin?: Origin; details?: unknown }) => {},
      alert: (_, _params: { severity: "info" | "warning" | "critical"; key: string; title: string; text: string }) => {},
      onReconciled: (_, _params: { report: ReconcileReport }) => {},
      /** Tell every trader (and the order manager) whether new entries are allowed. */
      broadcastBlock: ({ context, system }) => {
        const reason = tradingBlocker(context);
        metrics.tradingHalted.set(context.haltReason !== null ? 1 : 0);
        for (const m of context.markets) system.get(`trader:${m}`)?.send({ type: "trading.blocked", ts: clock.now(), blocked: reason !== null, reason: reason ?? "" });
        if (context.reconciled) system.get("orders")?.send(context.haltReason !== null ? { type: "orders.halt", ts: clock.now(), reason: context.haltReason } : { type: "orders.resume", ts: clock.now() });
      },
    },
    delays: {
      marketSync: settings.marketSyncMs,
      reconcileRetry: settings.reconcileRetryRealMs * settings.timeScale,
    },
  });

  const spawnShared = root.enqueueActions(({ enqueue }) => {
    for (const id of SHARED) enqueue.spawnChild(id, { id, systemId: id });
  });

  /**
   * What a market sync changes: traders to spawn for new markets; for markets that left (delisted
   * or deselected), flatten while a position remains, then stop the trader once it is gone.
   */
  function planMarketSync(context: RootContext, out: MarketSyncOutput) {
    const wanted = new Set(out.markets);
    const holding = new Set(out.holding);
    const running = new Set(context.markets);
    const blocked = tradingBlocker(context);
    const spawn = out.markets.filter((m) => !running.has(m)).map((m) => ({ id: `trader:${m}`, input: traderInput(m, context.haltedTraders[`trader:${m}`], blocked) }));
    const gone = context.markets.filter((m) => !wanted.has(m));
    const flatten = gone.filter((m) => holding.has(m) && !context.leaving.includes(m));
    const stop = gone.filter((m) => !holding.has(m));
    const leaving = gone.filter((m) => holding.has(m));
    const markets = [...new Set([...out.markets, ...leaving])].sort();
    return { spawn, flatten, stop, leaving, markets, blocked };
  }

  /** A child failed: decide (pure) and act. */
  const supervise = root.enqueueActions(({ context, event, enqueue, system }) => {
    const id = event.type.slice("xstate.error.actor.".length);
    const error = (event as unknown as { error: unknown }).error;
    if (id === "reconcile" || id === "syncMarkets") return; // handled by their states
    const kind: ChildKind = id.startsWith("trader:") ? "trader" : "shared";
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const decision = decideSupervision({ childId: id, kind, errorKind: error instanceof FatalError ? "fatal" : "crash", now: clock.now() }, context.restarts[id] ?? [], policy, deps.random());
    logger.error({ actor: id, err: error, decision: decision.action }, "actor failed");
    enqueue.stopChild(id);
    const restarts = { ...context.restarts, [id]: [...decision.restarts] };
    const lastErrors = { ...context.lastErrors, [id]: message };
    enqueue.assign({ restarts, lastErrors });
    enqueue({ type: "audit", params: { action: "actor.failed", target: id, details: { error: message, decision: decision.action } } });
    metrics.actorRestartsTotal.inc({ actor: id });
    if (decision.action === "restart") {
      enqueue.raise({ type: "supervisor.restart", id }, { delay: decision.delayMs });
      return;
    }
    if (decision.action === "halt") {
      const haltedTraders = { ...context.haltedTraders, [id]: decision.reason };
      enqueue.assign({ haltedTraders });
      enqueue.raise({ type: "supervisor.restart", id }, { delay: 0 });
      enqueue({ type: "alert", params: { severity: "critical", key: `halted:${id}`, title: `${id} halted`, text: decision.reason } });
      enqueue({ type: "audit", params: { action: "actor.halted", target: id, details: { reason: decision.reason } } });
      return;
    }
    // escalate: halt all new trading, keep the shared actor alive for cancels and exits
    enqueue.assign({ haltReason: decision.reason });
    enqueue.raise({ type: "supervisor.restart", id }, { delay: policy.maxBackoffMs });
    enqueue({ type: "alert", params: { severity: "critical", key: "trading_halted", title: "Trading halted", text: decision.reason } });
    enqueue({ type: "audit", params: { action: "trading.halted", details: { reason: decision.reason } } });
    enqueue("broadcastBlock");
    void system;
  });

  const respawn = root.enqueueActions(({ context, event, enqueue, system }) => {
    if (event.type !== "supervisor.restart") return;
    const id = event.id;
    if (system.get(id)) return;
    const restartCount = { ...context.restartCount, [id]: (context.restartCount[id] ?? 0) + 1 };
    enqueue.assign({ restartCount });
    logger.warn({ actor: id, restarts: restartCount[id] }, "restarting actor");
    deps.onActorRestart?.(id, context.lastErrors[id]);
    enqueue({ type: "audit", params: { action: "actor.restarted", target: id, details: { restarts: restartCount[id] } } });
    if (id.startsWith("trader:")) {
      const market = id.slice("trader:".length) as Market;
      if (!context.markets.includes(market)) return;
      enqueue.spawnChild("trader", { id, systemId: id, input: traderInput(market, context.haltedTraders[id], tradingBlocker(context)) });
      return;
    }
    enqueue.spawnChild(id as (typeof SHARED)[number], { id, systemId: id });
    // A fresh shared actor starts from nothing: hand it what it needs.
    enqueue(() => {
      if (id === "md") system.get("md")?.send({ type: "md.subscribe", markets: context.markets });
      if (id === "orders" && context.reconciled) system.get("orders")?.send(context.haltReason !== null ? { type: "orders.halt", ts: clock.now(), reason: context.haltReason } : { type: "orders.resume", ts: clock.now() });
    });
  });

  return root.createMachine({
    id: "root",
    context: {
      markets: [],
      restarts: {},
      restartCount: {},
      lastErrors: {},
      haltedTraders: {},
      leaving: [],
      operatorPaused: false,
      haltReason: null,
      reconciling: false,
      reconciled: false,
      synced: false,
      lastReconcile: null,
      startedAt: clock.now(),
    },
    entry: spawnShared,
    initial: "reconciling",
    on: {
      "xstate.error.actor.*": { actions: supervise },
      "supervisor.restart": { actions: respawn },
      "runtime.restartTraders": {
        actions: enqueueActions(({ context, enqueue }) => {
          const blocked = tradingBlocker(context);
          for (const m of context.markets) {
            const id = `trader:${m}`;
            enqueue.stopChild(id);
            enqueue.spawnChild("trader", { id, systemId: id, input: traderInput(m, context.haltedTraders[id], blocked) });
          }
        }),
      },
      "runtime.fatal": {
        actions: [
          assign({ haltReason: ({ event }) => event.reason }),
          "broadcastBlock",
          { type: "alert", params: ({ event }) => ({ severity: "critical" as const, key: "trading_halted", title: "Trading halted", text: event.reason }) },
        ],
      },
      "trading.pause": {
        actions: [assign({ operatorPaused: true }), "broadcastBlock", { type: "audit", params: ({ event }) => ({ action: "trading.paused", origin: event.origin }) }],
      },
      "trading.resume": {
        actions: [
          assign({ operatorPaused: false, haltReason: null, haltedTraders: {} }),
          "broadcastBlock",
          { type: "audit", params: ({ event }) => ({ action: "trading.resumed", origin: event.origin }) },
        ],
      },
      "trading.flattenAll": {
        actions: [
          assign({ operatorPaused: true }),
          "broadcastBlock",
          enqueueActions(({ context, event, enqueue, system }) => {
            enqueue(() => {
              system.get("orders")?.send({ type: "orders.cancelAll", ts: clock.now(), reason: "flatten all" });
              for (const m of context.markets) system.get(`trader:${m}`)?.send({ type: "trader.flatten", ts: clock.now(), origin: event.origin });
            });
          }),
          { type: "audit", params: ({ event }) => ({ action: "trading.flattened_all", origin: event.origin }) },
          { type: "alert", params: ({ event }) => ({ severity: "warning" as const, key: "flatten_all", title: "Kill switch", text: `Flatten-all by ${event.origin.by}` }) },
        ],
      },
      "runtime.stop": { target: ".stopped" },
    },
    states: {
      reconciling: {
        entry: [assign({ reconciling: true }), "broadcastBlock"],
        invoke: {
          src: "reconcile",
          onDone: {
            target: "syncing",
            actions: [
              assign({ reconciling: false, reconciled: true, lastReconcile: ({ event }) => event.output, haltReason: ({ context }) => (context.haltReason?.startsWith("reconciliation failed") ? null : context.haltReason) }),
              { type: "onReconciled", params: ({ event }) => ({ report: event.output }) },
              "broadcastBlock",
            ],
          },
          onError: {
            target: "reconcile_wait",
            actions: [
              assign({ reconciling: false, haltReason: ({ event }) => `reconciliation failed: ${event.error instanceof Error ? event.error.message : String(event.error)}` }),
              "broadcastBlock",
              { type: "alert", params: ({ event }) => ({ severity: "critical" as const, key: "reconcile_failed", title: "Reconciliation failed: not trading", text: String(event.error) }) },
            ],
          },
        },
        on: { "runtime.reconcileNeeded": {} },
      },
      reconcile_wait: {
        after: { reconcileRetry: "reconciling" },
        on: { "runtime.reconcileNeeded": "reconciling" },
      },
      syncing: {
        invoke: {
          src: "syncMarkets",
          onDone: {
            target: "running",
            actions: enqueueActions(({ context, event, enqueue, system }) => {
              const plan = planMarketSync(context, event.output);
              for (const t of plan.spawn) enqueue.spawnChild("trader", { id: t.id, systemId: t.id, input: t.input });
              for (const m of plan.stop) {
                enqueue.stopChild(`trader:${m}`);
                enqueue({ type: "audit", params: { action: "trader.stopped", target: m, details: { reason: "no longer listed or selected, no position" } } });
              }
              enqueue.assign({ markets: plan.markets, leaving: plan.leaving, synced: true });
              for (const m of plan.flatten) {
                enqueue({ type: "alert", params: { severity: "warning", key: `delisted:${m}`, title: `${m} is no longer traded`, text: `${m} left the exchange's market list (or the configured markets); flattening its position, then its trader stops.` } });
              }
              for (const w of event.output.warningChanged) enqueue({ type: "audit", params: { action: "market.warning_changed", target: w.market, details: { warning: w.warning } } });
              enqueue(() => {
                const now = clock.now();
                system.get("md")?.send({ type: "md.subscribe", markets: plan.markets });
                for (const m of plan.flatten) system.get(`trader:${m}`)?.send({ type: "trader.flatten", ts: now, origin: { by: "system", source: "market-sync" } });
                for (const w of event.output.warningChanged) system.get(`trader:${w.market}`)?.send({ type: "market.warningChanged", ts: now, market: w.market, warning: w.warning as "NONE" | "CAUTION" });
                for (const m of plan.markets) system.get(`trader:${m}`)?.send({ type: "trading.blocked", ts: now, blocked: plan.blocked !== null, reason: plan.blocked ?? "" });
              });
            }),
          },
          onError: {
            target: "running",
            actions: ({ event }) => logger.warn({ err: event.error }, "market sync failed; keeping the current markets"),
          },
        },
        on: { "runtime.reconcileNeeded": {} },
      },
      running: {
        after: { marketSync: "syncing" },
        on: { "runtime.reconcileNeeded": "reconciling" },
      },
      stopped: { type: "final" },
    },
  });
}

export type RootMachine = ReturnType<typeof createRootMachine>;
