import { assign, enqueueActions, fromPromise, setup } from "xstate";
import type { Balance, Market } from "../src/core/model.ts";
import { baseCurrency, DEFAULT_MIN_TOTAL_KRW } from "../src/core/model.ts";
import { PRIORITY } from "../src/core/messages.ts";
import { checkEntry, type EquityMarks, equityMarksInit, type HeldPosition, markEquity, type PortfolioSnapshot, type TradeOutcome, drawdownFraction, isDust } from "../src/core/risk/index.ts";
import { listClosedTradeOutcomes, listOpenPositionCosts, recordSignal } from "../src/db/index.ts";
import type { RuntimeDeps } from "./deps.ts";
import type { EntryRequestEvent, RiskEvent } from "./events.ts";

/**
 * The risk/portfolio actor (`risk`): applies the core's portfolio rules to LIVE balances. Traders
 * send entry intents; it sizes them (core `checkEntry`: Kelly, max risk per trade, weight cap,
 * available KRW, max positions, daily loss and drawdown brakes, correlation) against the latest
 * exchange balances minus KRW already promised to entries in flight, then either submits the order
 * (NORMAL priority) and tells the trader, or tells the trader why not. Balances refresh on a timer,
 * after every fill, and from myAsset events; equity is marked at every candle close.
 */

export interface RiskContext {
  balances: Balance[] | null;
  /** When the balances were last read from the exchange (runtime clock). */
  balancesAt: number | null;
  /** Last price per market (candle closes). */
  prices: Record<string, number>;
  /** Recent closes per market, for the correlation filter. */
  closes: Record<string, number[]>;
  /** KRW promised to entry orders not yet final, by client order id. */
  inFlight: Record<string, { readonly market: Market; readonly krw: number }>;
  marks: EquityMarks | null;
  /** When equity was last marked (runtime clock). */
  markedAt: number | null;
  refreshWanted: boolean;
  lastError: string | null;
}

const CLOSES_KEPT = 120;

/** Equity, free KRW and the held coins valued at `prices` (their average buy price when unpriced). */
function valuation(balances: readonly Balance[], prices: Readonly<Record<string, number>>): { equity: number; availableKrw: number; held: Omit<HeldPosition, "dust">[] } {
  let equity = 0;
  let availableKrw = 0;
  const held: Omit<HeldPosition, "dust">[] = [];
  for (const b of balances) {
    if (b.currency === "KRW") {
      equity += b.balance + b.locked;
      availableKrw = b.balance;
      continue;
    }
    const market = `KRW-${b.currency}` as Market;
    const volume = b.balance + b.locked;
    if (!(volume > 0)) continue;
    const price = prices[market] ?? b.avgBuyPrice;
    if (!(price > 0)) continue;
    equity += volume * price;
    held.push({ market, volume, price });
  }
  return { equity, availableKrw, held };
}

/** Equity, free KRW and held positions from balances and prices. */
export function portfolioOf(balances: readonly Balance[], prices: Readonly<Record<string, number>>, inFlightKrw: number, rulesMin: (m: Market) => number): Omit<PortfolioSnapshot, "dayStartEquity" | "peakEquity"> {
  const { equity, availableKrw, held } = valuation(balances, prices);
  const positions = held.map((p): HeldPosition => ({ ...p, dust: isDust(p.volume, p.price, { minTotalAsk: rulesMin(p.market) }) }));
  return { equity, availableKrw: Math.max(0, availableKrw - inFlightKrw), positions };
}

/** `riskParams` is read at every entry, so a settings change applies to the next decision. */
export function createRiskActor(deps: RuntimeDeps, riskParams: () => RuntimeDeps["riskParams"] = () => deps.riskParams) {
  const { db, clock, exchange, settings, metrics, logger } = deps;
  const refreshMs = settings.balanceRefreshRealMs * settings.timeScale;
  // Dust valuation for equity only; entries are sized against the market's real rules.
  const minOf = (_m: Market) => DEFAULT_MIN_TOTAL_KRW;
  /** Position gauges as last published, so a mark only touches the markets whose figures moved. */
  const published = new Map<Market, { readonly volume: number; readonly value: number }>();

  function tradeOutcomes(): TradeOutcome[] {
    return listClosedTradeOutcomes(db, 200)
      .filter((t) => t.risk !== null && t.risk > 0)
      .reverse()
      .map((t) => ({ pnl: t.pnl, risk: t.risk! }));
  }

  function snapshot(context: RiskContext): PortfolioSnapshot | null {
    if (context.balances === null) return null;
    const inFlight = Object.values(context.inFlight).reduce((s, x) => s + x.krw, 0);
    const base = portfolioOf(context.balances, context.prices, inFlight, minOf);
    const marks = context.marks ?? equityMarksInit(clock.now(), base.equity);
    return { ...base, dayStartEquity: marks.dayStartEquity, peakEquity: marks.peakEquity };
  }

  /**
   * Mark equity and publish the portfolio gauges. Runs at every candle close of every market, so
   * it values the holdings without the dust check (which only sizing needs).
   */
  function mark(context: RiskContext): EquityMarks | null {
    if (context.balances === null) return context.marks;
    const base = valuation(context.balances, context.prices);
    const marks = context.marks ? markEquity({ ...context.marks }, clock.now(), base.equity) : equityMarksInit(clock.now(), base.equity);
    metrics.equityKrw.set(base.equity);
    metrics.drawdownRatio.set(drawdownFraction(marks.peakEquity, base.equity));
    const held = new Set<Market>();
    for (const p of base.held) {
      held.add(p.market);
      const value = p.volume * p.price;
      const last = published.get(p.market);
      if (last !== undefined && last.volume === p.volume && last.value === value) continue;
      published.set(p.market, { volume: p.volume, value });
      metrics.positionVolume.set({ market: p.market }, p.volume);
      metrics.positionValueKrw.set({ market: p.market }, value);
    }
    // A position sold since the last mark must not keep showing its old size.
    for (const market of published.keys()) {
      if (held.has(market)) continue;
      published.delete(market);
      metrics.positionVolume.remove({ market });
      metrics.positionValueKrw.remove({ market });
    }
    let unrealised = 0;
    for (const row of listOpenPositionCosts(db)) {
      const price = context.prices[row.market];
      if (price !== undefined) unrealised += row.volume * price - row.costBasis;
    }
    metrics.unrealisedPnlKrw.set(unrealised);
    return marks;
  }

  function evaluate(context: RiskContext, event: EntryRequestEvent, system: { get(id: string): { send(e: unknown): void } | undefined }): RiskContext["inFlight"] | null {
    const now = clock.now();
    const trader = system.get(`trader:${event.market}`);
    const denyWith = (reason: string, detail: string) => {
      recordSignal(db, { market: event.market, kind: "enter", strength: event.intent.strength, reasons: [...event.intent.reasons], candleTs: event.intent.ts, outcome: "denied", deniedReason: `${reason}: ${detail}` }, now);
      metrics.signalsTotal.inc({ market: event.market, kind: "enter", outcome: "denied" });
      trader?.send({ type: "risk.denied", ts: now, reason: `${reason}: ${detail}` });
      return null;
    };
    const portfolio = snapshot(context);
    if (portfolio === null) return denyWith("balances_unknown", "balances have not been read yet");
    const held = new Map<Market, number[]>();
    for (const p of portfolio.positions) {
      const c = context.closes[p.market];
      if (c) held.set(p.market, c);
    }
    const decision = checkEntry(
      { market: event.market, price: event.intent.price, stop: event.intent.stop },
      { params: riskParams(), rules: event.rules, portfolio, trades: tradeOutcomes(), closes: { candidate: event.closes, held } },
    );
    if (decision.kind === "deny") return denyWith(decision.reason, decision.detail);
    const clientOrderId = deps.nextClientOrderId();
    const { order } = decision;
    metrics.signalsTotal.inc({ market: event.market, kind: "enter", outcome: "approved" });
    // The trader learns the id first: the order's fills can come back before `send` returns.
    trader?.send({ type: "risk.approved", ts: now, clientOrderId });
    system.get("orders")?.send({
      type: "order.submit",
      ts: now,
      request: { ...order, clientOrderId },
      priority: PRIORITY.NORMAL,
      reason: "entry",
      intentKey: `${event.market}:enter:${event.intent.ts}`,
      signal: {
        kind: "enter",
        strength: event.intent.strength,
        reasons: event.intent.reasons,
        candleTs: event.intent.ts,
        details: { notional: decision.notional, stop: event.intent.stop, sizing: decision.sizing.binding, correlation: decision.correlation },
      },
    });
    logger.info({ market: event.market, clientOrderId, notional: decision.notional, binding: decision.sizing.binding }, "entry approved");
    return { ...context.inFlight, [clientOrderId]: { market: event.market, krw: decision.notional + decision.fee } };
  }

  const markMs = Math.max(1, settings.equityMarkRealMs) * settings.timeScale;

  return setup({
    types: { context: {} as RiskContext, events: {} as RiskEvent },
    actors: {
      readBalances: fromPromise<Balance[]>(() => exchange.getAccounts()),
    },
    delays: { refresh: refreshMs, retry: Math.min(refreshMs, 2_000 * settings.timeScale) },
  }).createMachine({
    id: "risk",
    // A factory: `prices` and `closes` are mutated in place, so each actor instance needs its own.
    context: () => ({ balances: null, balancesAt: null, prices: {}, closes: {}, inFlight: {}, marks: null, markedAt: null, refreshWanted: false, lastError: null }),
    initial: "refreshing",
    on: {
      "risk.evaluate": {
        actions: enqueueActions(({ context, event, enqueue, system }) => {
          const inFlight = evaluate(context, event, system);
          if (inFlight) enqueue.assign({ inFlight });
        }),
      },
      // Every candle close of every market lands here (400 markets: 400 a minute or more), so it
      // records the price in the actor's own caches, in place: copying two records per close and
      // marking equity each time was the largest share of the runtime's CPU. Equity is marked at
      // most once per `equityMarkRealMs` (prices only move here), and valued afresh at every entry.
      "risk.mark": {
        actions: enqueueActions(({ context, event, enqueue }) => {
          context.prices[event.market] = event.price;
          const closes = (context.closes[event.market] ??= []);
          closes.push(event.price);
          if (closes.length > CLOSES_KEPT) closes.splice(0, closes.length - CLOSES_KEPT);
          const now = clock.now();
          if (context.markedAt !== null && now - context.markedAt < markMs) return;
          enqueue.assign({ marks: mark(context), markedAt: now });
        }),
      },
      "risk.entryFinished": {
        actions: assign({
          inFlight: ({ context, event }) => {
            if (!context.inFlight[event.clientOrderId]) return context.inFlight;
            const next = { ...context.inFlight };
            delete next[event.clientOrderId];
            return next;
          },
          refreshWanted: true,
        }),
      },
      "risk.balancesChanged": { actions: assign({ refreshWanted: true }) },
      "stream.myAsset": {
        actions: assign({
          balances: ({ context, event }) => {
            if (context.balances === null) return null;
            const byCurrency = new Map(context.balances.map((b) => [b.currency, b]));
            for (const a of event.asset.assets) byCurrency.set(a.currency, { currency: a.currency, balance: a.balance, locked: a.locked, avgBuyPrice: byCurrency.get(a.currency)?.avgBuyPrice ?? 0 });
            return [...byCurrency.values()];
          },
        }),
      },
    },
    states: {
      idle: {
        after: { refresh: "refreshing" },
        always: { guard: ({ context }) => context.refreshWanted, target: "refreshing" },
      },
      refreshing: {
        entry: assign({ refreshWanted: false }),
        invoke: {
          src: "readBalances",
          onDone: {
            target: "idle",
            actions: assign(({ context, event }) => {
              const next = { ...context, balances: event.output, lastError: null };
              return { balances: event.output, balancesAt: clock.now(), lastError: null, marks: mark(next) };
            }),
          },
          onError: {
            target: "waiting",
            actions: assign({ lastError: ({ event }) => `balance refresh failed: ${String(event.error)}` }),
          },
        },
      },
      waiting: { after: { retry: "refreshing" } },
    },
  });
}

/** The base currencies with a balance (for reconciliation and the API). */
export function heldCurrencies(balances: readonly Balance[]): string[] {
  return balances.filter((b) => b.currency !== "KRW" && b.balance + b.locked > 0).map((b) => b.currency);
}

export { baseCurrency };
