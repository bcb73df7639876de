import { type Actor, type AnyActorRef, assign, createActor, fromPromise } from "xstate";
import type { Candle, Interval, Market } from "../src/core/model.ts";
import { DEFAULT_FEE_RATE, DEFAULT_MIN_TOTAL_KRW, INTERVAL_MS } from "../src/core/model.ts";
import type { Origin } from "../src/core/messages.ts";
import type { EmaCrossState } from "../src/core/strategy/index.ts";
import { initialRisk } from "../src/core/strategy/index.ts";
import { hashSeed } from "../src/core/random.ts";
import {
  getMarket,
  getPosition,
  getTraderState,
  holdingFromRow,
  listActiveOrders,
  listMarkets,
  listOpenPositions,
  recordAudit,
  recordSignal,
  saveCandles,
  saveTraderState,
  setConfigValue,
  syncMarkets,
  updatePositionExits,
} from "../src/db/index.ts";
import type { ActorNode, ActorSummary, CommandResult, ControlPort, HealthReport, TraderStateName } from "../src/ports/control.ts";
import type { TradingMode } from "../src/config/schema.ts";
import type { RuntimeDeps } from "./deps.ts";
import { createMarketDataActor, type MarketDataContext } from "./market-data.ts";
import { createOrderManager } from "./order-manager.ts";
import { reconcile } from "./reconcile.ts";
import { createRiskActor, portfolioOf, type RiskContext } from "./risk.ts";
import { createRootMachine, type MarketSyncOutput, type RootContext, tradingBlocker } from "./root.ts";
import { type LoadedTrader, type ResyncResult, type TraderInput, traderMachine } from "./trader.ts";
import type { TraderContext } from "./trader-logic.ts";

/**
 * Wires the actor system from its dependencies and exposes it as the `ControlPort` the HTTP API,
 * the dashboard and chat commands use. Every effect the machines name in `setup()` is provided
 * here, bound to the database, the exchange and the clock (tests provide fakes instead).
 */

const TRADER_STATES: readonly TraderStateName[] = ["warming_up", "watching", "entering", "in_position", "exiting", "paused", "flattening", "halted"];

/** Fetch up to `count` closed candles ending now (paging backwards 200 at a time), oldest first. */
export async function fetchHistory(deps: Pick<RuntimeDeps, "exchange" | "clock">, market: Market, interval: Interval, count: number): Promise<{ closed: Candle[]; forming: Candle | null }> {
  const intervalMs = INTERVAL_MS[interval];
  const now = deps.clock.now();
  const out: Candle[] = [];
  let to: number | undefined;
  let forming: Candle | null = null;
  while (out.length < count + 1) {
    const page = await deps.exchange.getCandles({ market, interval, count: Math.min(200, count + 1 - out.length), to });
    if (page.length === 0) break;
    out.unshift(...page);
    to = page[0]!.ts;
    if (page.length < 2) break;
  }
  const closed: Candle[] = [];
  for (const c of out) {
    if (c.ts + intervalMs <= now) closed.push(c);
    else forming = c;
  }
  const dedup = closed.filter((c, i) => i === 0 || c.ts > closed[i - 1]!.ts);
  return { closed: dedup.slice(-count), forming };
}

/** Where the dashboard's parameter changes are kept (they override configs/ at the next start). */
export const PARAMS_KEYS = { strategy: "params.strategy", risk: "params.risk" } as const;

export interface Runtime {
  readonly control: ControlPort;
  readonly actor: Actor<ReturnType<typeof createRootMachine>>;
  start(): void;
  /** Stop new entries, persist, cancel or keep open orders per settings, stop the actors. */
  stop(): Promise<void>;
}

export function createRuntime(deps: RuntimeDeps, options: { mode: TradingMode; startedAt?: number }): Runtime {
  const { db, clock, exchange, settings, logger, metrics } = deps;
  const interval = settings.interval;

  const trader = traderMachine.provide({
    actors: {
      loadTrader: fromPromise(async ({ input }): Promise<LoadedTrader> => {
        const row = getTraderState(db, input.market);
        const holding = holdingFromRow(getPosition(db, input.market));
        const chance = await exchange.getOrderChance(input.market);
        const history = await fetchHistory(deps, input.market, input.interval, Math.max(settings.historyCandles, 100));
        const pending = listActiveOrders(db, input.market).find((o) => !o.external);
        return {
          strategyState: row?.strategyState ? (JSON.parse(row.strategyState) as EmaCrossState) : null,
          lastCandleTs: row?.lastCandleTs ?? null,
          paused: row?.paused ?? false,
          halted: row?.halted ?? false,
          holding,
          rules: chance.rules,
          warning: (getMarket(db, input.market)?.warning as "NONE" | "CAUTION" | undefined) ?? "NONE",
          candles: history.closed,
          forming: history.forming,
          pendingOrder: pending ? { clientOrderId: pending.clientOrderId, side: pending.side as "bid" | "ask", reason: pending.reason } : null,
        };
      }),
      resyncCandles: fromPromise(async ({ input }): Promise<ResyncResult> => {
        const count = input.sinceTs === null ? 5 : Math.min(199, Math.ceil((clock.now() - input.sinceTs) / INTERVAL_MS[input.interval]) + 1);
        return fetchHistory(deps, input.market, input.interval, Math.max(1, count));
      }),
    },
    actions: {
      persistCandle: ({ context }, { candle }) => {
        const now = clock.now();
        saveCandles(db, context.market, context.interval, [candle]);
        saveTraderState(db, context.market, { strategyState: context.strategy, lastCandleTs: context.lastCandleTs ?? candle.ts }, now);
        const plan = context.strategy.trade;
        if (plan && context.holding) updatePositionExits(db, context.market, { stop: plan.stop, highWater: plan.highestClose }, now);
      },
      persistStrategy: ({ context }) => saveTraderState(db, context.market, { strategyState: context.strategy, ...(context.lastCandleTs !== null ? { lastCandleTs: context.lastCandleTs } : {}) }, clock.now()),
      persistFlags: ({ context }, flags) => saveTraderState(db, context.market, flags, clock.now()),
      persistEntryRisk: ({ context }) => {
        const plan = context.strategy.trade;
        if (plan && context.holding) updatePositionExits(db, context.market, { stop: plan.stop, risk: initialRisk(plan), highWater: plan.highestClose }, clock.now());
      },
      recordDenial: ({ context }, { reason, intent }) =>
        recordSignal(db, { market: context.market, kind: "enter", strength: intent.strength, reasons: [...intent.reasons], candleTs: intent.ts, outcome: "denied", deniedReason: reason }, clock.now()),
      recordSkippedExit: ({ context }, { reason, detail }) => {
        recordSignal(db, { market: context.market, kind: "exit", reasons: [reason], outcome: "ignored", deniedReason: detail }, clock.now());
        logger.info({ market: context.market, reason, detail }, "exit not sent");
      },
      audit: ({ context }, { action, origin, details }) => recordAudit(db, { actor: origin.by, action, target: context.market, details, source: origin.source }, clock.now()),
      alert: (_, a) => deps.alert({ ...a, ts: clock.now() }),
      reportState: ({ context }, { state }) => {
        for (const s of TRADER_STATES) metrics.actorState.set({ actor: `trader:${context.market}`, state: s }, s === state ? 1 : 0);
      },
      refreshHolding: assign(({ context }) => ({
        holding: holdingFromRow(getPosition(db, context.market)),
        rules: context.rules ?? { market: context.market, bidFee: DEFAULT_FEE_RATE, askFee: DEFAULT_FEE_RATE, makerBidFee: DEFAULT_FEE_RATE, makerAskFee: DEFAULT_FEE_RATE, minTotalBid: DEFAULT_MIN_TOTAL_KRW, minTotalAsk: DEFAULT_MIN_TOTAL_KRW, state: "active" },
      })),
      notifyStopHit: ({ context }, { stop, price, volume, kind }) => deps.notify?.({ type: "stop_hit", ts: clock.now(), market: context.market, stop, price, volume, kind }),
      logMismatch: ({ context }, { fields, built, official }) => {
        metrics.reconciliationMismatchesTotal.inc({ kind: "candle" });
        logger.warn({ market: context.market, fields, built, official }, "candle built from trades differs from the exchange's");
      },
    },
  });

  /** A fixed per-market offset in [0, spread): a hash of the market code. */
  const closeSpread = Math.min(INTERVAL_MS[interval] / 10, settings.candleCloseSpreadRealMs * settings.timeScale);
  const closeOffset = (market: Market): number => (closeSpread >= 1 ? hashSeed("candle-close", market) % Math.floor(closeSpread) : 0);

  // The parameters in force; the dashboard's settings page replaces them (updateParams).
  const params = { strategy: deps.strategyParams, risk: deps.riskParams };

  const traderInput = (market: Market, haltedReason?: string, blocked?: string | null): TraderInput => ({
    market,
    interval,
    strategyParams: params.strategy,
    riskParams: params.risk,
    candleGraceMs: settings.candleGraceMs,
    candleCloseOffsetMs: closeOffset(market),
    now: () => clock.now(),
    nextClientOrderId: deps.nextClientOrderId,
    haltedReason,
    tradingBlocked: blocked ?? null,
  });

  const rootMachine = createRootMachine(deps, { orders: createOrderManager(deps), risk: createRiskActor(deps, () => params.risk), md: createMarketDataActor(deps), trader }, traderInput).provide({
    actors: {
      reconcile: fromPromise(() => reconcile({ exchange, db, now: () => clock.now(), logger })),
      syncMarkets: fromPromise(async (): Promise<MarketSyncOutput> => {
        const listed = await exchange.listMarkets();
        const result = syncMarkets(db, listed, clock.now());
        const active = listMarkets(db, { activeOnly: true }).map((m) => m.code as Market);
        const markets = settings.markets.length > 0 ? active.filter((m) => settings.markets.includes(m)) : active;
        const holding = listOpenPositions(db).map((p) => p.market as Market);
        return { ...result, markets, holding };
      }),
    },
    actions: {
      audit: (_, { action, target, origin, details }) => recordAudit(db, { actor: origin?.by ?? "supervisor", action, target, details, source: origin?.source }, clock.now()),
      alert: (_, a) => deps.alert({ ...a, ts: clock.now() }),
      onReconciled: (_, { report }) => {
        for (const m of report.mismatches) metrics.reconciliationMismatchesTotal.inc({ kind: m.kind });
        if (report.mismatches.length > 0) {
          deps.alert({ severity: "warning", key: "reconcile_mismatch", title: "Reconciliation mismatch", text: report.mismatches.map((m) => `${m.market}: ${m.detail}`).join("\n"), ts: clock.now() });
        }
        logger.info({ checked: report.ordersChecked, updated: report.ordersUpdated, mismatches: report.mismatches.length }, "reconciled with the exchange");
      },
    },
  });

  const actor = createActor(rootMachine, { clock, systemId: "root", ...(deps.inspect ? { inspect: deps.inspect } : {}) });
  const startedAt = options.startedAt ?? clock.now();

  actor.subscribe({
    error: (err) => logger.fatal({ err }, "root supervisor failed"),
  });

  const root = (): RootContext => actor.getSnapshot().context;
  const child = (id: string): AnyActorRef | undefined => actor.system.get(id);

  function traderSummary(market: Market): ActorSummary | undefined {
    const ref = child(`trader:${market}`);
    if (!ref) return undefined;
    const snap = ref.getSnapshot() as { value: unknown; status: string; context: TraderContext };
    const ctx = snap.context;
    const value = typeof snap.value === "string" ? snap.value : Object.keys(snap.value as object)[0]!;
    const state: TraderStateName = snap.status !== "active" ? "stopped" : value === "routing" ? "watching" : value === "awaiting" ? (ctx.pending?.kind === "enter" ? "entering" : "exiting") : (value as TraderStateName);
    const h = ctx.holding;
    const id = `trader:${market}`;
    const plan = ctx.strategy.trade;
    return {
      market,
      id,
      state,
      position:
        h && h.volume > 0
          ? {
              volume: h.volume,
              avgPrice: h.avgPrice,
              entryTs: h.entryTs,
              stop: plan?.stop,
              markPrice: ctx.lastPrice ?? undefined,
              unrealisedPnl: ctx.lastPrice !== null ? h.volume * ctx.lastPrice - h.costBasis : undefined,
              status: ctx.rules !== null && ctx.lastPrice !== null && h.volume * ctx.lastPrice < ctx.rules.minTotalAsk ? "dust" : "open",
            }
          : null,
      restarts: root().restartCount[id] ?? 0,
      lastError: root().lastErrors[id] ?? ctx.lastError ?? undefined,
      warning: ctx.warning,
      lastPrice: ctx.lastPrice ?? undefined,
      changeRate: ctx.changeRate ?? undefined,
      lastTradeTs: ctx.lastTradeTs ?? undefined,
      lastCandleTs: ctx.lastCandleTs ?? undefined,
      stale: ctx.stale,
    };
  }

  function command(market: Market, type: "trader.pause" | "trader.resume" | "trader.flatten", origin: Origin, verb: string): Promise<CommandResult> {
    const ref = child(`trader:${market}`);
    if (!ref) return Promise.resolve({ ok: false, message: `no trader for ${market}` });
    ref.send({ type, ts: clock.now(), origin });
    return Promise.resolve({ ok: true, message: `${market} ${verb}; now ${traderSummary(market)?.state ?? "unknown"}` });
  }

  const control: ControlPort = {
    health(): HealthReport {
      const ctx = root();
      const md = child("md")?.getSnapshot() as { context: MarketDataContext } | undefined;
      const now = clock.now();
      const actors = ctx.markets.map((m) => traderSummary(m)).filter((a): a is ActorSummary => a !== undefined);
      const lastAge = md?.context.lastMessageAt != null ? now - md.context.lastMessageAt : null;
      const tradingState = actor.getSnapshot().status !== "active" ? "stopping" : ctx.reconciling ? "reconciling" : ctx.haltReason !== null ? "halted" : ctx.operatorPaused ? "paused" : ctx.reconciled ? "running" : "starting";
      const marketDataOk = md?.context.connected === true || (lastAge !== null && lastAge < 60_000 * settings.timeScale);
      return {
        healthy: actor.getSnapshot().status === "active" && ctx.reconciled && ctx.synced && ctx.haltReason === null && marketDataOk,
        mode: options.mode,
        tradingState,
        reason: tradingBlocker(ctx) ?? (!ctx.synced ? "market list not read yet" : marketDataOk ? undefined : "market data disconnected"),
        reconciled: ctx.reconciled,
        marketData: { connected: md?.context.connected === true, lastMessageAgeMs: lastAge },
        privateStream: { connected: deps.privateStream.connected },
        actors: { total: actors.length, halted: actors.filter((a) => a.state === "halted").length, paused: actors.filter((a) => a.state === "paused").length },
        startedAt,
        now,
      };
    },
    listActors: () => root().markets.map((m) => traderSummary(m)).filter((a): a is ActorSummary => a !== undefined),
    getActor: (market) => traderSummary(market),
    actorTree(): ActorNode {
      const ctx = root();
      const shared = (["md", "orders", "risk"] as const).map((id): ActorNode => {
        const ref = child(id);
        const snap = ref?.getSnapshot() as { status: string; value: unknown } | undefined;
        return { id, kind: "shared", state: snap ? (typeof snap.value === "string" ? snap.value : snap.status) : "restarting", restarts: ctx.restartCount[id] ?? 0, lastError: ctx.lastErrors[id] };
      });
      const traders = control.listActors().map((a): ActorNode => ({ id: a.id, kind: "trader", state: a.state, restarts: a.restarts, lastError: a.lastError }));
      const value = actor.getSnapshot().value;
      return { id: "root", kind: "root", state: typeof value === "string" ? value : JSON.stringify(value), restarts: 0, children: [...shared, ...traders] };
    },
    pauseMarket: (market, origin) => command(market, "trader.pause", origin, "paused"),
    resumeMarket: (market, origin) => command(market, "trader.resume", origin, "resumed"),
    flattenMarket: (market, origin) => command(market, "trader.flatten", origin, "flattening (orders cancelled, position sold, then paused)"),
    pauseTrading: (origin) => {
      actor.send({ type: "trading.pause", ts: clock.now(), origin });
      return Promise.resolve({ ok: true, message: "trading paused: no new entries" });
    },
    resumeTrading: (origin) => {
      actor.send({ type: "trading.resume", ts: clock.now(), origin });
      return Promise.resolve({ ok: true, message: "trading resumed" });
    },
    flattenAll: (origin) => {
      actor.send({ type: "trading.flattenAll", ts: clock.now(), origin });
      return Promise.resolve({ ok: true, message: "kill switch: trading paused, every order cancelled, every position being sold" });
    },
    portfolio() {
      const risk = (child("risk")?.getSnapshot() as { context: RiskContext } | undefined)?.context;
      const balances = risk?.balances ?? [];
      const prices: Record<string, number> = { ...(risk?.prices ?? {}) };
      for (const a of control.listActors()) if (a.lastPrice !== undefined) prices[a.market] = a.lastPrice;
      const base = portfolioOf(balances, prices, 0, () => DEFAULT_MIN_TOTAL_KRW);
      const krw = balances.find((b) => b.currency === "KRW");
      let unrealised = 0;
      for (const p of listOpenPositions(db)) {
        const price = prices[p.market];
        if (price !== undefined && p.status === "open") unrealised += p.volume * price - p.costBasis;
      }
      const peak = Math.max(risk?.marks?.peakEquity ?? 0, base.equity);
      return {
        equity: base.equity,
        krwAvailable: krw?.balance ?? 0,
        krwLocked: krw?.locked ?? 0,
        positionsValue: base.positions.reduce((s, p) => s + p.volume * p.price, 0),
        unrealisedPnl: unrealised,
        dayStartEquity: risk?.marks?.dayStartEquity ?? 0,
        peakEquity: peak,
        drawdown: peak > 0 ? Math.max(0, (peak - base.equity) / peak) : 0,
        balancesAt: risk?.balancesAt ?? null,
      };
    },
    currentParams: () => ({ strategy: params.strategy, risk: params.risk }),
    updateParams(next, origin) {
      const now = clock.now();
      if (next.strategy) {
        params.strategy = next.strategy;
        setConfigValue(db, PARAMS_KEYS.strategy, next.strategy, origin.by, now, "strategy parameters (dashboard)", origin.source);
      }
      if (next.risk) {
        params.risk = next.risk;
        setConfigValue(db, PARAMS_KEYS.risk, next.risk, origin.by, now, "risk parameters (dashboard)", origin.source);
      }
      actor.send({ type: "runtime.restartTraders", ts: now, reason: "parameters changed" });
      return Promise.resolve({ ok: true, message: "parameters saved; traders restarted with them (open positions keep their stops)" });
    },
    balances() {
      const risk = child("risk")?.getSnapshot() as { context: RiskContext } | undefined;
      return (risk?.context.balances ?? []).map((b) => ({ currency: b.currency, balance: b.balance, locked: b.locked, avgBuyPrice: b.avgBuyPrice }));
    },
  };

  return {
    control,
    actor,
    start() {
      deps.privateStream.start();
      actor.start();
    },
    async stop() {
      const now = clock.now();
      // No new entries from here on; persist what the traders know.
      actor.send({ type: "trading.pause", ts: now, origin: { by: "system", source: "shutdown" } });
      for (const m of root().markets) {
        const ref = child(`trader:${m}`);
        const ctx = (ref?.getSnapshot() as { context?: TraderContext } | undefined)?.context;
        if (ctx) saveTraderState(db, m, { strategyState: ctx.strategy, ...(ctx.lastCandleTs !== null ? { lastCandleTs: ctx.lastCandleTs } : {}) }, now);
      }
      if (settings.onShutdownOrders === "cancel") {
        const open = listActiveOrders(db).filter((o) => o.exchangeOrderId);
        await Promise.allSettled(open.map((o) => exchange.cancelOrder({ orderId: o.exchangeOrderId! })));
      }
      recordAudit(db, { actor: "system", action: "runtime.stopped", details: { onShutdownOrders: settings.onShutdownOrders } }, clock.now());
      actor.stop();
      await Promise.allSettled([deps.marketStream.stop(), deps.privateStream.stop()]);
    },
  };
}
