import { buyCost } from "../../core/fees.ts";
import type { Market, MarketRules } from "../../core/model.ts";
import { floorKrw, floorVolume } from "../../core/orders/krw.ts";
import { applyFill, type Holding } from "../../core/portfolio/position.ts";
import {
  checkEntry,
  type CloseHistory,
  type DenyReason,
  type EntryApproval,
  type EquityMarks,
  equityMarksInit,
  type HeldPosition,
  markEquity,
  planExit,
  type RiskParams,
  type TradeOutcome,
} from "../../core/risk/index.ts";
import type { TradeRecord } from "../../core/stats/index.ts";
import type { EnterIntent, ExitIntent, ExitReason, Intent, Strategy, StrategyPosition, StrategyView } from "../../core/strategy/index.ts";
import { type CandleSeries, type MutableCandle, readCandle } from "../data/index.ts";
import { type EngineSettings, simulatedRules } from "./config.ts";
import { type EndReason, resultExitReason } from "./reasons.ts";
import type { EngineDecision, EngineInput, EngineRun } from "./types.ts";

/**
 * The event-driven backtest engine: candles in time order on simulated time, and for each
 * timestamp T (every market with a candle at T, in market-code order, phase by phase):
 *
 * 1. open of T: orders decided at the previous close fill: exits (sells) of every market first,
 *    then entries (buys), so a sell's KRW is there for a buy at the same open;
 * 2. inside T: while holding, `strategy.checkProtectiveExits` (the entry candle included); each
 *    exit fills at its price x (1 - slippage);
 * 3. close of T: one equity mark, `cash + sum(qty x last close)` over all markets;
 * 4. close of T: `strategy.onCandle` per market; exit intents go through risk `planExit`, entry
 *    intents through risk `checkEntry` against the portfolio at that mark; approved ones become
 *    orders for the market's next open. Intents on a market's last candle are dropped;
 * 5. a market whose data ended at T sells what it holds at its last close x (1 - slippage)
 *    (`end`); the mark of T is then redone.
 *
 * The strategy and risk code are the live system's, called the way the live actor calls them
 * (docs/strategy.md "Call order"); the engine only simulates the exchange and the portfolio.
 * Hot path: columnar candles, one reused candle / view / position object per market, no
 * allocation per candle unless something fills or a strategy emits an intent, and a one-market
 * run (the common case) calls the phases straight, without the timestamp merge.
 */

interface MutablePosition {
  volume: number;
  avgPrice: number;
  entryTs: number;
}

interface MutableView {
  readonly market: Market;
  position: StrategyPosition | null;
  readonly closed: boolean;
  readonly stale: boolean;
  readonly warning: StrategyView["warning"];
  readonly suspended: boolean;
  readonly pendingOrder: boolean;
}

interface PendingExit {
  readonly reason: ExitReason;
  readonly fraction: number;
  /** Volume planned by risk (exchange precision); NaN in exact mode (the fraction is applied at the fill). */
  readonly volume: number;
}

interface PendingEntry {
  readonly approval: EntryApproval;
  /** KRW kept aside for this order until it fills or expires. */
  readonly reserve: number;
  /** Spend every free KRW at the fill (risk sizing `all_available`, market order). */
  readonly allIn: boolean;
  /**
   * The entry intent's stop distance (reference price - suggested stop), for the Kelly risk of the
   * trade: generic over strategies, and for an ATR stop exactly the plan's R (fill - stop = k x ATR).
   */
  readonly riskPerUnit: number;
}

interface Book<S> {
  readonly market: Market;
  readonly series: CandleSeries;
  readonly rules: MarketRules;
  readonly n: number;
  /** Index of the candle being processed (or the next one). */
  i: number;
  /** Candles of this market processed so far (for the correlation history). */
  seen: number;
  state: S;
  readonly candle: MutableCandle;
  readonly view: MutableView;
  readonly position: MutablePosition;
  holding: Holding | null;
  /** Units held (0 when flat); dust included. */
  qty: number;
  /** The holding is under the exchange minimum and cannot be sold: not a position for the strategy or risk. */
  dust: boolean;
  lastClose: number;
  /** KRW the open trade risks at its initial stop (Kelly input). */
  tradeRisk: number;
  exit: PendingExit | null;
  entry: PendingEntry | null;
}

interface Ctx<P, S> {
  readonly strategy: Strategy<P, S>;
  readonly risk: RiskParams;
  readonly exact: boolean;
  readonly fee: number;
  /** 1 + slippage: market buys fill at open x this. */
  readonly buyFactor: number;
  /** 1 - slippage: market sells and stops fill at price x this. */
  readonly sellFactor: number;
  readonly books: readonly Book<S>[];
  cash: number;
  /** KRW reserved by entry orders waiting for their fill. */
  reserved: number;
  /** Orders waiting for an open (any market). */
  pending: number;
  /** The latest equity mark. */
  equity: number;
  marks: EquityMarks | null;
  readonly trades: TradeRecord[];
  readonly outcomes: TradeOutcome[];
  readonly denials: Partial<Record<DenyReason, number>>;
  readonly decisions: EngineDecision[] | null;
  expired: number;
  dustEvents: number;
}

const PROGRESS_EVERY = 65_536;
/** The smallest buy the engine fills: a market buy is an amount of whole KRW. */
const MIN_BUY_KRW = 1;

function newBook<P, S>(series: CandleSeries, strategy: Strategy<P, S>, params: P, settings: EngineSettings): Book<S> {
  return {
    market: series.market,
    series,
    rules: simulatedRules(series.market, settings),
    n: series.length,
    i: 0,
    seen: 0,
    state: strategy.init(params),
    candle: { ts: 0, open: 0, high: 0, low: 0, close: 0, volume: 0 },
    view: { market: series.market, position: null, closed: true, stale: false, warning: "NONE", suspended: false, pendingOrder: false },
    position: { volume: 0, avgPrice: 0, entryTs: 0 },
    holding: null,
    qty: 0,
    dust: false,
    lastClose: Number.NaN,
    tradeRisk: 0,
    exit: null,
    entry: null,
  };
}

function loadCandle(b: Book<unknown>): void {
  readCandle(b.candle, b.series, b.i);
  b.seen = b.i + 1;
}

/** The strategy's view of the position: null when flat or dust. */
function syncPosition(b: Book<unknown>): void {
  const h = b.holding;
  if (h === null || b.dust) {
    b.view.position = null;
    return;
  }
  b.position.volume = h.volume;
  b.position.avgPrice = h.avgPrice;
  b.position.entryTs = h.entryTs;
  b.view.position = b.position;
}

function countDenial(ctx: Ctx<unknown, unknown>, reason: DenyReason): void {
  ctx.denials[reason] = (ctx.denials[reason] ?? 0) + 1;
}

function recordDecision(ctx: Ctx<unknown, unknown>, decision: EngineDecision): void {
  ctx.decisions?.push(decision);
}

// --- fills -------------------------------------------------------------------------------------

function buy<P, S>(ctx: Ctx<P, S>, b: Book<S>, price: number, qty: number, ts: number, riskPerUnit: number): void {
  const notional = qty * price;
  const fee = notional * ctx.fee;
  ctx.cash = ctx.cash - notional - fee;
  b.holding = applyFill(b.holding, { market: b.market, side: "bid", price, volume: qty, fee, ts }).holding;
  b.qty = b.holding!.volume;
  b.tradeRisk += qty * riskPerUnit;
  b.dust = false;
  syncPosition(b);
  const strategy = ctx.strategy;
  if (strategy.onFill) b.state = strategy.onFill(b.state, { side: "bid", price, volume: qty, ts }, b.view);
}

function sell<P, S>(ctx: Ctx<P, S>, b: Book<S>, volume: number, price: number, reason: ExitReason | EndReason, ts: number): void {
  const proceeds = volume * price;
  const fee = proceeds * ctx.fee;
  ctx.cash += proceeds - fee;
  const outcome = applyFill(b.holding, { market: b.market, side: "ask", price, volume, fee, ts });
  b.holding = outcome.holding;
  const closed = outcome.closed;
  if (closed !== undefined) {
    ctx.trades.push({
      market: closed.market,
      entryTs: closed.entryTs,
      entryPrice: closed.entryPrice,
      exitTs: closed.exitTs,
      // One sell closing the whole trade: its price exactly (the average would be p x q / q).
      exitPrice: closed.volume === volume ? price : closed.exitPrice,
      qty: closed.volume,
      fee: closed.fee,
      pnl: closed.pnl,
      exitReason: resultExitReason(reason),
    });
    if (b.tradeRisk > 0) ctx.outcomes.push({ pnl: closed.pnl, risk: b.tradeRisk });
    b.tradeRisk = 0;
    b.qty = 0;
    b.dust = false;
  } else {
    b.qty = b.holding!.volume;
  }
  syncPosition(b);
  const strategy = ctx.strategy;
  if (reason !== "end" && strategy.onFill) b.state = strategy.onFill(b.state, { side: "ask", price, volume, ts, reason }, b.view);
}

/** Volume an exit of `fraction` sells now: exact mode takes the fraction as is; exchange mode asks risk (8 decimals, minimum, dust). */
function exitVolume<P, S>(ctx: Ctx<P, S>, b: Book<S>, fraction: number, referencePrice: number): number {
  if (ctx.exact) return fraction >= 1 ? b.qty : b.qty * fraction;
  const plan = planExit({ market: b.market, volume: b.qty, fraction, price: referencePrice }, b.rules, ctx.risk);
  if (plan.kind === "approve") return plan.volume;
  countDenial(ctx, plan.reason);
  if (plan.reason === "dust") markDust(ctx, b);
  return 0;
}

function markDust<P, S>(ctx: Ctx<P, S>, b: Book<S>): void {
  if (b.dust) return;
  b.dust = true;
  ctx.dustEvents++;
  syncPosition(b);
}

function fillExitAtOpen<P, S>(ctx: Ctx<P, S>, b: Book<S>): void {
  const order = b.exit!;
  b.exit = null;
  ctx.pending--;
  if (b.qty <= 0 || b.dust) return;
  const volume = Number.isNaN(order.volume) ? (order.fraction >= 1 ? b.qty : b.qty * order.fraction) : Math.min(order.volume, b.qty);
  if (volume > 0) sell(ctx, b, volume, b.candle.open * ctx.sellFactor, order.reason, b.candle.ts);
}

function fillEntryAtOpen<P, S>(ctx: Ctx<P, S>, b: Book<S>): void {
  const order = b.entry!;
  b.entry = null;
  ctx.pending--;
  ctx.reserved -= order.reserve;
  if (ctx.reserved < 1e-6) ctx.reserved = 0;
  const c = b.candle;
  const draft = order.approval.order;
  let price: number;
  let qty: number;
  if (draft.type === "limit") {
    const limit = draft.price!;
    // A resting limit buy: filled at the open when the open is at or below it, else at the limit
    // when the price trades through it (low strictly below); otherwise it expires at this close.
    if (c.open <= limit) price = c.open;
    else if (c.low < limit) price = limit;
    else {
      ctx.expired++;
      return;
    }
    qty = draft.volume!;
  } else {
    price = c.open * ctx.buyFactor;
    if (order.allIn) {
      const budget = ctx.cash - ctx.reserved - ctx.risk.reservedKrw;
      qty = ctx.exact ? budget / (price * (1 + ctx.fee)) : floorVolume(floorKrw(budget / (1 + ctx.fee)) / price);
    } else {
      qty = ctx.exact ? order.approval.notional / price : floorVolume(order.approval.notional / price);
    }
  }
  if (!(qty * price >= MIN_BUY_KRW) || !Number.isFinite(qty)) {
    // An all-in order whose KRW went to buys earlier in market order at the same open.
    countDenial(ctx, "insufficient_krw");
    return;
  }
  buy(ctx, b, price, qty, c.ts, order.riskPerUnit);
}

function checkStops<P, S>(ctx: Ctx<P, S>, b: Book<S>): void {
  const exits = ctx.strategy.checkProtectiveExits!(b.state, b.candle);
  for (let k = 0; k < exits.length && b.qty > 0 && !b.dust; k++) {
    const exit = exits[k]!;
    const volume = exitVolume(ctx, b, exit.fraction, exit.price);
    if (volume > 0) sell(ctx, b, volume, exit.price * ctx.sellFactor, exit.reason, b.candle.ts);
  }
}

// --- decisions at the close --------------------------------------------------------------------

function decideExit<P, S>(ctx: Ctx<P, S>, b: Book<S>, intent: ExitIntent): void {
  if (b.qty <= 0 || b.dust || b.exit !== null) return;
  if (ctx.exact) {
    b.exit = { reason: intent.reason, fraction: intent.fraction, volume: Number.NaN };
    ctx.pending++;
    recordDecision(ctx, { ts: intent.ts, market: b.market, action: "exit", reason: intent.reason, outcome: "approved" });
    return;
  }
  const plan = planExit({ market: b.market, volume: b.qty, fraction: intent.fraction, price: intent.price }, b.rules, ctx.risk);
  if (plan.kind === "deny") {
    countDenial(ctx, plan.reason);
    if (plan.reason === "dust") markDust(ctx, b);
    recordDecision(ctx, { ts: intent.ts, market: b.market, action: "exit", reason: intent.reason, outcome: plan.reason === "dust" ? "dust" : "denied", denyReason: plan.reason });
    return;
  }
  b.exit = { reason: intent.reason, fraction: intent.fraction, volume: plan.volume };
  ctx.pending++;
  recordDecision(ctx, { ts: intent.ts, market: b.market, action: "exit", reason: intent.reason, outcome: "approved", order: plan.order });
}

/** Positions risk sees: holdings (dust flagged) and entries approved but not yet filled. */
function heldPositions<P, S>(ctx: Ctx<P, S>): HeldPosition[] {
  const held: HeldPosition[] = [];
  for (const o of ctx.books) {
    if (o.qty > 0) held.push({ market: o.market, volume: o.qty, price: o.lastClose, dust: o.dust });
    else if (o.entry !== null) held.push({ market: o.market, volume: o.entry.approval.volume, price: o.lastClose });
  }
  return held;
}

/** Close history for the correlation filter: each market's closes up to its latest candle at or before now. */
function closeHistory<P, S>(ctx: Ctx<P, S>, b: Book<S>): CloseHistory | undefined {
  if (!ctx.risk.correlation.enabled) return undefined;
  const held = new Map<Market, Float64Array>();
  for (const o of ctx.books) {
    if (o !== b && o.qty > 0 && !o.dust) held.set(o.market, o.series.close.subarray(0, o.seen));
  }
  if (held.size === 0) return undefined;
  return { candidate: b.series.close.subarray(0, b.seen), held };
}

function decideEntry<P, S>(ctx: Ctx<P, S>, b: Book<S>, intent: EnterIntent): void {
  if (b.entry !== null) return;
  const marks = ctx.marks!;
  const decision = checkEntry(
    { market: b.market, price: intent.price, stop: intent.stop },
    {
      params: ctx.risk,
      rules: b.rules,
      portfolio: {
        equity: ctx.equity,
        availableKrw: ctx.cash - ctx.reserved,
        positions: heldPositions(ctx),
        dayStartEquity: marks.dayStartEquity,
        peakEquity: marks.peakEquity,
      },
      trades: ctx.outcomes,
      closes: closeHistory(ctx, b),
    },
  );
  if (decision.kind === "deny" || !(decision.notional >= MIN_BUY_KRW)) {
    // With no exchange minimum (classic) risk may approve an amount of zero: nothing to buy.
    const reason = decision.kind === "deny" ? decision.reason : "insufficient_krw";
    countDenial(ctx, reason);
    recordDecision(ctx, { ts: intent.ts, market: b.market, action: "enter", reason: "entry", outcome: "denied", denyReason: reason });
    return;
  }
  const reserve = buyCost(decision.notional, ctx.fee);
  b.entry = { approval: decision, reserve, allIn: ctx.risk.sizing === "all_available" && decision.order.type !== "limit", riskPerUnit: intent.price - intent.stop };
  ctx.reserved += reserve;
  ctx.pending++;
  recordDecision(ctx, { ts: intent.ts, market: b.market, action: "enter", reason: "entry", outcome: "approved", order: decision.order });
}

function handleIntents<P, S>(ctx: Ctx<P, S>, b: Book<S>, intents: readonly Intent[]): void {
  for (let k = 0; k < intents.length; k++) {
    const intent = intents[k]!;
    if (intent.kind === "exit") decideExit(ctx, b, intent);
    else if (intent.kind === "enter") decideEntry(ctx, b, intent);
    // adjustStop is informational: the stop lives in the strategy's state.
  }
}

/** Intents on a market's last candle have no next open: they are dropped (recorded when asked). */
function recordIgnored<P, S>(ctx: Ctx<P, S>, b: Book<S>, intents: readonly Intent[]): void {
  for (const intent of intents) {
    if (intent.kind === "adjustStop") continue;
    recordDecision(ctx, { ts: intent.ts, market: b.market, action: intent.kind, reason: intent.kind === "exit" ? intent.reason : "entry", outcome: "ignored" });
  }
}

// --- the loop ----------------------------------------------------------------------------------

function markAll<P, S>(ctx: Ctx<P, S>): number {
  let equity = ctx.cash;
  const books = ctx.books;
  for (let k = 0; k < books.length; k++) {
    const b = books[k]!;
    if (b.qty !== 0) equity += b.qty * b.lastClose;
  }
  return equity;
}

function validateSeries(series: readonly CandleSeries[]): number {
  if (series.length === 0) throw new RangeError("a backtest needs at least one candle series");
  const intervalMs = series[0]!.intervalMs;
  const seen = new Set<Market>();
  for (const s of series) {
    if (s.intervalMs !== intervalMs) throw new RangeError(`all markets must share one interval: ${series[0]!.market} is ${series[0]!.interval}, ${s.market} is ${s.interval}`);
    if (seen.has(s.market)) throw new RangeError(`market ${s.market} given twice`);
    seen.add(s.market);
  }
  return intervalMs;
}

/** Feed the candles before `startTs` to the strategy (flat, intents dropped). */
function warmUp<P, S>(ctx: Ctx<P, S>, b: Book<S>, startTs: number): void {
  const ts = b.series.ts;
  while (b.i < b.n && ts[b.i]! < startTs) {
    loadCandle(b);
    b.state = ctx.strategy.onCandle(b.state, b.candle, b.view).state;
    b.lastClose = b.candle.close;
    b.i++;
  }
}

interface Loop<P, S> {
  readonly ctx: Ctx<P, S>;
  readonly books: readonly Book<S>[];
  /** The markets with a candle at the current timestamp (reused). */
  readonly group: Book<S>[];
  readonly hasStops: boolean;
  readonly equityTs: Float64Array;
  readonly equityValue: Float64Array;
  /** Equity marks written. */
  marks: number;
  /** Candles processed. */
  done: number;
}

// Each timestamp T runs the phases of the engine's doc comment. The helpers below are the phases
// for one market; `runOneMarket` calls them directly (the common case, kept free of any merging),
// `runMarkets` calls each phase for every market with a candle at T before the next phase.

/** Phase 2: stops and targets inside the candle; then the close is the market's latest price. */
function insideCandle<P, S>(loop: Loop<P, S>, b: Book<S>): void {
  if (loop.hasStops && b.qty > 0 && !b.dust) checkStops(loop.ctx, b);
  b.lastClose = b.candle.close;
}

/** Phase 3: the equity mark at the close of `now`; returns its index. */
function markClose<P, S>(loop: Loop<P, S>, now: number): number {
  const ctx = loop.ctx;
  const equity = markAll(ctx);
  ctx.equity = equity;
  markEquity(ctx.marks ??= equityMarksInit(now, ctx.cash), now, equity);
  const mark = loop.marks++;
  loop.equityTs[mark] = now;
  loop.equityValue[mark] = equity;
  return mark;
}

/**
 * Phase 4: the strategy at the close; its intents become orders for the next open (or are dropped
 * on the market's last candle). True when the market's data ended while it holds something.
 */
function closeCandle<P, S>(ctx: Ctx<P, S>, b: Book<S>): boolean {
  const step = ctx.strategy.onCandle(b.state, b.candle, b.view);
  b.state = step.state;
  b.i++;
  const intents = step.intents;
  if (b.i < b.n) {
    if (intents.length !== 0) handleIntents(ctx, b, intents);
    return false;
  }
  if (intents.length !== 0 && ctx.decisions !== null) recordIgnored(ctx, b, intents);
  return b.holding !== null;
}

/** Phase 5: sell what a market whose data ended holds, at its last close. */
function endMarket<P, S>(ctx: Ctx<P, S>, b: Book<S>): void {
  sell(ctx, b, b.qty, b.lastClose * ctx.sellFactor, "end", b.candle.ts);
}

/** Phase 5, after the sales: the mark of `now` redone with the proceeds. */
function remark<P, S>(loop: Loop<P, S>, now: number, mark: number): void {
  const ctx = loop.ctx;
  const equity = markAll(ctx);
  ctx.equity = equity;
  markEquity(ctx.marks!, now, equity);
  loop.equityValue[mark] = equity;
}

/** One market: every candle is a timestamp of its own. */
function runOneMarket<P, S>(loop: Loop<P, S>, onProgress: EngineInput<P, S>["onProgress"], total: number): void {
  const ctx = loop.ctx;
  const b = loop.books[0]!;
  const ts = b.series.ts;
  let nextProgress = PROGRESS_EVERY;
  while (b.i < b.n) {
    loadCandle(b);
    const now = ts[b.i]!;
    if (ctx.pending > 0) {
      if (b.exit !== null) fillExitAtOpen(ctx, b);
      if (b.entry !== null) fillEntryAtOpen(ctx, b);
    }
    insideCandle(loop, b);
    const mark = markClose(loop, now);
    if (closeCandle(ctx, b)) {
      endMarket(ctx, b);
      remark(loop, now, mark);
    }
    loop.done++;
    if (onProgress !== undefined && loop.done >= nextProgress) {
      onProgress(loop.done, total);
      nextProgress = loop.done + PROGRESS_EVERY;
    }
  }
}

/** Several markets: candles merged by timestamp, every phase run for each market with a candle at it. */
function runMarkets<P, S>(loop: Loop<P, S>, onProgress: EngineInput<P, S>["onProgress"], total: number): void {
  const { ctx, books, group } = loop;
  const nBooks = books.length;
  let nextProgress = PROGRESS_EVERY;
  for (;;) {
    let now = Number.POSITIVE_INFINITY;
    for (let k = 0; k < nBooks; k++) {
      const b = books[k]!;
      if (b.i < b.n) {
        const t = b.series.ts[b.i]!;
        if (t < now) now = t;
      }
    }
    if (now === Number.POSITIVE_INFINITY) return;
    let g = 0;
    for (let k = 0; k < nBooks; k++) {
      const b = books[k]!;
      if (b.i < b.n && b.series.ts[b.i]! === now) {
        loadCandle(b);
        group[g++] = b;
      }
    }
    // The open: every market's sells first, then the buys, so a sell's KRW is there for a buy.
    if (ctx.pending > 0) {
      for (let k = 0; k < g; k++) if (group[k]!.exit !== null) fillExitAtOpen(ctx, group[k]!);
      for (let k = 0; k < g; k++) if (group[k]!.entry !== null) fillEntryAtOpen(ctx, group[k]!);
    }
    for (let k = 0; k < g; k++) insideCandle(loop, group[k]!);
    const mark = markClose(loop, now);
    let ended = false;
    for (let k = 0; k < g; k++) if (closeCandle(ctx, group[k]!)) ended = true;
    if (ended) {
      for (let k = 0; k < g; k++) {
        const b = group[k]!;
        if (b.i >= b.n && b.holding !== null) endMarket(ctx, b);
      }
      remark(loop, now, mark);
    }
    loop.done += g;
    if (onProgress !== undefined && loop.done >= nextProgress) {
      onProgress(loop.done, total);
      nextProgress = loop.done + PROGRESS_EVERY;
    }
  }
}

/** Run one backtest. Deterministic: the same input gives the same run, bit for bit. */
export function runEngine<P, S>(input: EngineInput<P, S>): EngineRun {
  const intervalMs = validateSeries(input.series);
  const { strategy, risk, settings } = input;
  const sorted = [...input.series].sort((a, b) => (a.market < b.market ? -1 : a.market > b.market ? 1 : 0));
  const books = sorted.map((s) => newBook(s, strategy, input.params, settings));
  const ctx: Ctx<P, S> = {
    strategy,
    risk,
    exact: settings.fillPrecision === "exact",
    fee: settings.feeRate,
    buyFactor: 1 + settings.slippage,
    sellFactor: 1 - settings.slippage,
    books,
    cash: settings.initialCapital,
    reserved: 0,
    pending: 0,
    equity: settings.initialCapital,
    marks: null,
    trades: [],
    outcomes: [],
    denials: {},
    decisions: input.recordDecisions ? [] : null,
    expired: 0,
    dustEvents: 0,
  };

  const startTs = input.startTs ?? Number.NEGATIVE_INFINITY;
  let total = 0;
  for (const b of books) {
    warmUp(ctx, b, startTs);
    total += b.n - b.i;
  }
  const equityTs = new Float64Array(total);
  const equityValue = new Float64Array(total);
  const loop: Loop<P, S> = { ctx, books, group: new Array(books.length), hasStops: strategy.checkProtectiveExits !== undefined, equityTs, equityValue, marks: 0, done: 0 };
  const onProgress = input.onProgress;
  if (books.length === 1) runOneMarket(loop, onProgress, total);
  else runMarkets(loop, onProgress, total);
  const marksCount = loop.marks;
  const done = loop.done;
  onProgress?.(done, total);

  return {
    markets: books.map((b) => b.market),
    intervalMs,
    initialCapital: settings.initialCapital,
    trades: ctx.trades,
    equityTs: equityTs.subarray(0, marksCount),
    equityValue: equityValue.subarray(0, marksCount),
    candles: done,
    denials: ctx.denials,
    expiredOrders: ctx.expired,
    dustEvents: ctx.dustEvents,
    decisions: ctx.decisions ?? undefined,
  };
}
