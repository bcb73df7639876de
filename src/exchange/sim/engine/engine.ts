import { baseCurrency, type Market } from "../../../core/model.ts";
import { isOnTick, tickBand } from "../../../core/orders/krw.ts";
import { orderNotFound, SimApiError } from "../errors.ts";
import {
  divFixed,
  FEE_DECIMALS,
  type Fixed,
  fitsDecimals,
  fixedFromNumber,
  fixedFromVolumeUnits,
  fixedToNumber,
  formatFixed,
  minFixed,
  mulFixed,
  quantize,
  VOLUME_DECIMALS,
  ZERO,
} from "../fixed.ts";
import { RestingOrders } from "./resting.ts";
import {
  type AccountBalance,
  type CancelType,
  type EngineEvent,
  type EngineIds,
  type EngineState,
  isAmountOrder,
  type OrderInput,
  type ReadonlyOrder,
  type SimFill,
  type SimOrder,
} from "./types.ts";

/** Quote currency of every market the simulator serves. */
export const QUOTE = "KRW";

/** One price level of the synthetic book; size in 10^-8 units. */
export interface LiquidityLevel {
  readonly price: number;
  readonly sizeUnits: number;
}

/**
 * The replayed market's liquidity as the engine sees it: the synthetic book for taker fills
 * (consumed as it is taken) and nothing else. Implemented by the replay.
 */
export interface LiquiditySource {
  /** `asks` ascending or `bids` descending, best first. */
  levels(market: Market, side: "asks" | "bids"): readonly LiquidityLevel[];
  consume(market: Market, side: "asks" | "bids", price: number, units: number): void;
}

export interface EngineOptions {
  /** Fee rate charged on taker fills, and on maker fills unless `makerFeeRate` is set (e.g. 0.0025). */
  readonly feeRate: Fixed;
  /** Fee rate on fills of resting orders (default: `feeRate`). */
  readonly makerFeeRate?: Fixed;
  /** Minimum order notional in KRW (API.md 9: 5,000). */
  readonly minTotal: Fixed;
  /** Starting KRW of a new account (ignored when `restore` is given). */
  readonly initialKrw: Fixed;
  readonly liquidity: LiquiditySource;
  /** Start from a saved ledger instead of an empty account. */
  readonly restore?: EngineState;
  /** Id format (default: `C` + 19 digits from fixed bases plus the sequence number). */
  readonly ids?: EngineIds;
}

/** Lookup key of an order: the exchange id or the caller's id. */
export type OrderKey = { readonly id: string } | { readonly clientOrderId: string };

interface Account {
  balance: Fixed;
  locked: Fixed;
  avgBuyPrice: Fixed;
}

/** One step of a taker walk through the book. */
interface TakerStep {
  readonly price: number;
  readonly volume: Fixed;
}

const ORDER_ID_BASE = 101_000_000_000_000_000n;
const TRADE_ID_BASE = 201_000_000_000_000_000n;
const ONE_UNIT = fixedFromVolumeUnits(1);

function exchangeId(base: bigint, seq: number): string {
  return `C${(base + BigInt(seq)).toString().padStart(19, "0")}`;
}

const DEFAULT_IDS: EngineIds = {
  order: (seq) => exchangeId(ORDER_ID_BASE, seq),
  trade: (seq) => exchangeId(TRADE_ID_BASE, seq),
};

/**
 * The simulated exchange's ledger and matching: accounts, orders, fills.
 *
 * Resting limit orders fill against the replayed tape: a trade at price p fills bids priced at or
 * above p and asks at or below p, at the order's own price (as the maker), sharing the trade's
 * volume in price-time priority. A trade stamped before an order was placed never fills it (the
 * paper exchange feeds trades that may predate its orders). Takers (market, best, crossing limits, ioc/fok) walk the live
 * synthetic book level by level, consuming it. The caller passes `now`; the engine has no clock.
 * Orders never trade with each other.
 *
 * Every amount is an exact `Fixed`: after any number of fills, KRW balance + locked + fees paid +
 * KRW spent on coins - KRW received is the starting KRW, to the last 10^-12.
 */
export class MatchingEngine {
  private readonly options: EngineOptions;
  private readonly ids: EngineIds;
  private readonly accounts = new Map<string, Account>();
  private readonly byId = new Map<string, SimOrder>();
  private readonly byClientId = new Map<string, SimOrder>();
  private readonly all: SimOrder[] = [];
  private readonly open = new Set<SimOrder>();
  private readonly resting = new RestingOrders();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private orderSeq = 0;
  private tradeSeq = 0;
  private pending: EngineEvent[] = [];
  private touched = new Set<string>();

  constructor(options: EngineOptions) {
    this.options = options;
    this.ids = options.ids ?? DEFAULT_IDS;
    if (options.restore) this.load(options.restore);
    else this.account(QUOTE).balance = options.initialKrw;
  }

  get feeRate(): Fixed {
    return this.options.feeRate;
  }

  get makerFeeRate(): Fixed {
    return this.options.makerFeeRate ?? this.options.feeRate;
  }

  /** The last order and fill sequence numbers handed out (saved with the ledger). */
  get sequences(): { readonly orderSeq: number; readonly tradeSeq: number } {
    return { orderSeq: this.orderSeq, tradeSeq: this.tradeSeq };
  }

  get minTotal(): Fixed {
    return this.options.minTotal;
  }

  /** Receive every order and asset change, after each operation, in order. */
  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- queries

  find(key: OrderKey): ReadonlyOrder | undefined {
    return "id" in key ? this.byId.get(key.id) : this.byClientId.get(key.clientOrderId);
  }

  /** Every order ever placed, oldest first. */
  orders(): readonly ReadonlyOrder[] {
    return this.all;
  }

  /** Orders still `wait`, oldest first. */
  openOrders(): readonly ReadonlyOrder[] {
    return [...this.open];
  }

  /** KRW first, then every currency with a non-zero balance or lock. */
  balances(): AccountBalance[] {
    const out: AccountBalance[] = [];
    for (const [currency, a] of this.accounts) {
      if (currency === QUOTE || a.balance !== ZERO || a.locked !== ZERO) out.push({ currency, ...a });
    }
    return out;
  }

  balance(currency: string): AccountBalance {
    const a = this.accounts.get(currency);
    return { currency, balance: a?.balance ?? ZERO, locked: a?.locked ?? ZERO, avgBuyPrice: a?.avgBuyPrice ?? ZERO };
  }

  /** Remaining volume of own orders resting at `price` (shown in the public book). */
  restingVolumeAt(market: Market, side: "bid" | "ask", price: number): Fixed {
    return this.resting.volumeAt(market, side, fixedFromNumber(price, 4));
  }

  // ---------------------------------------------------------------- admin

  /** Set a currency's available balance (test control; locks are untouched). */
  setBalance(currency: string, amount: Fixed, now: number): void {
    if (amount < ZERO) throw new RangeError("balance cannot be negative");
    this.account(currency).balance = amount;
    this.touched.add(currency);
    this.flush(now);
  }

  // ---------------------------------------------------------------- commands

  /**
   * Place an order. A `clientOrderId` already used by any order of this account (open or finished)
   * returns that order unchanged with `existing: true`: a repeated submit never creates a second
   * order (the official kit's statement, API.md 4.7.7).
   */
  place(input: OrderInput, now: number): { order: ReadonlyOrder; existing: boolean } {
    if (input.clientOrderId !== undefined) {
      const existing = this.byClientId.get(input.clientOrderId);
      if (existing) return { order: existing, existing: true };
    }
    const order = this.accept(input, now);
    try {
      this.execute(order, now);
    } finally {
      this.flush(now);
    }
    return { order, existing: false };
  }

  /** Cancel an open order. Unknown, done and cancelled orders answer 404 `order_not_found` (API.md 4.6). */
  cancel(key: OrderKey, now: number): ReadonlyOrder {
    const order = "id" in key ? this.byId.get(key.id) : this.byClientId.get(key.clientOrderId);
    if (!order) throw orderNotFound();
    if (order.state !== "wait") throw orderNotFound(`주문을 찾지 못했습니다. (order ${order.id} is already ${order.state})`);
    this.finish(order, "cancel", now, "user_cancel");
    this.flush(now);
    return order;
  }

  /** A replayed public trade: fill the resting orders it reaches. */
  onTrade(market: Market, price: number, volumeUnits: number, ts: number): void {
    const restingBids = !this.resting.isEmpty(market, "bid");
    const restingAsks = !this.resting.isEmpty(market, "ask");
    if (!restingBids && !restingAsks) return;
    const p = fixedFromNumber(price, 4);
    const volume = fixedFromVolumeUnits(volumeUnits);
    if (restingBids) this.fillResting(market, "bid", p, volume, ts);
    if (restingAsks) this.fillResting(market, "ask", p, volume, ts);
    this.flush(ts);
  }

  // ---------------------------------------------------------------- placement

  /** Apply the market rules (tick, minimum, funds), then create the order and lock its funds. */
  private accept(input: OrderInput, now: number): SimOrder {
    const { market, side, type } = input;
    const sideName = side === "bid" ? "bid" : "ask";
    // The fee reserve must cover the dearer of the two rates: a bid may fill as taker or maker.
    const rate = this.options.feeRate > this.makerFeeRate ? this.options.feeRate : this.makerFeeRate;

    if (type === "limit") {
      const price = input.price!;
      const n = fixedToNumber(price);
      if (!isOnTick(n) || !fitsDecimals(price, tickBand(n).decimals)) {
        throw new SimApiError(400, `invalid_price_${sideName}`, `주문 가격 단위가 잘못되었습니다. (price ${formatFixed(price)} is not on the tick grid; tick ${tickBand(n).tick})`);
      }
    }
    const notional = this.notionalOf(input);
    if (notional < this.options.minTotal) {
      throw new SimApiError(400, `under_min_total_${sideName}`, `최소주문금액 이상으로 주문해주세요. (order total ${formatFixed(notional)} KRW is under the minimum ${formatFixed(this.options.minTotal)} KRW)`);
    }

    let reservedFee = ZERO;
    let locked: Fixed;
    if (side === "bid") {
      reservedFee = quantize(mulFixed(notional, rate, "ceil"), FEE_DECIMALS, "ceil");
      locked = notional + reservedFee;
      if (this.account(QUOTE).balance < locked) {
        throw new SimApiError(400, "insufficient_funds_bid", `주문가능한 금액(KRW)이 부족합니다. (needs ${formatFixed(locked)} KRW including fee, available ${formatFixed(this.account(QUOTE).balance)})`);
      }
    } else {
      locked = input.volume!;
      const coin = baseCurrency(market);
      if (this.account(coin).balance < locked) {
        throw new SimApiError(400, "insufficient_funds_ask", `주문가능한 수량(${coin})이 부족합니다. (needs ${formatFixed(locked)}, available ${formatFixed(this.account(coin).balance)})`);
      }
    }

    const seq = ++this.orderSeq;
    const order: SimOrder = {
      id: this.ids.order(seq),
      seq,
      ...(input.clientOrderId !== undefined ? { clientOrderId: input.clientOrderId } : {}),
      market,
      side,
      type,
      ...(input.timeInForce !== undefined ? { timeInForce: input.timeInForce } : {}),
      ...(input.price !== undefined ? { price: input.price } : {}),
      ...(input.volume !== undefined ? { volume: input.volume } : {}),
      createdAt: now,
      state: "wait",
      remainingVolume: input.volume ?? ZERO,
      remainingFunds: isAmountOrder(input) ? input.price! : ZERO,
      executedVolume: ZERO,
      executedFunds: ZERO,
      reservedFee,
      remainingFee: reservedFee,
      paidFee: ZERO,
      locked,
      fills: [],
    };
    const lockCurrency = this.lockCurrency(order);
    const acc = this.account(lockCurrency);
    acc.balance -= locked;
    acc.locked += locked;
    this.touched.add(lockCurrency);
    this.byId.set(order.id, order);
    if (order.clientOrderId !== undefined) this.byClientId.set(order.clientOrderId, order);
    this.all.push(order);
    this.open.add(order);
    return order;
  }

  /** KRW value used for the minimum check and the bid lock. */
  private notionalOf(input: OrderInput): Fixed {
    if (input.type === "limit") return mulFixed(input.price!, input.volume!);
    if (isAmountOrder(input)) return input.price!;
    // Market / best sells are valued at the best bid (the price they will hit first).
    const best = this.options.liquidity.levels(input.market, "bids")[0];
    return best ? mulFixed(fixedFromNumber(best.price, 4), input.volume!) : ZERO;
  }

  /** Run a freshly accepted order against the book according to its type and time in force. */
  private execute(order: SimOrder, now: number): void {
    const tif = order.timeInForce;
    const book = order.side === "bid" ? "asks" : "bids";
    const levels = this.options.liquidity.levels(order.market, book);

    if (order.type === "limit" && tif === undefined) this.emit(order, "wait", now);
    if (tif === "post_only") {
      const best = levels[0];
      const crosses = best !== undefined && (order.side === "bid" ? fixedFromNumber(best.price, 4) <= order.price! : fixedFromNumber(best.price, 4) >= order.price!);
      if (crosses) return this.finish(order, "cancel", now, "tif_cancel");
      this.emit(order, "wait", now);
      this.resting.add(order);
      return;
    }

    const limit = order.type === "limit" ? order.price : undefined;
    const plan = this.planTaker(order, levels, limit, order.type === "best");
    if (tif === "fok" && !plan.complete) return this.finish(order, "cancel", now, "tif_cancel");
    for (const step of plan.steps) {
      this.fill(order, fixedFromNumber(step.price, 4), step.volume, now, false);
      this.options.liquidity.consume(order.market, book, step.price, Number(step.volume / ONE_UNIT));
    }
    if (plan.complete) return this.finish(order, "done", now);
    if (order.type === "limit" && tif === undefined) {
      this.resting.add(order);
      return;
    }
    const filledSome = order.executedVolume > ZERO;
    if (tif === "ioc") return filledSome ? this.finish(order, "done", now) : this.finish(order, "cancel", now, "tif_cancel");
    // A market order the book could not absorb: the rest is cancelled by the exchange.
    this.finish(order, "cancel", now, "system_cancel");
  }

  /**
   * Walk the book without changing anything: the fills a taker order would get. `complete` means
   * nothing (or, for an amount order, less than one 10^-8 unit's worth) would be left.
   */
  private planTaker(order: SimOrder, levels: readonly LiquidityLevel[], limit: Fixed | undefined, bestLevelOnly: boolean): { steps: TakerStep[]; complete: boolean } {
    const steps: TakerStep[] = [];
    const byAmount = isAmountOrder(order);
    let volumeLeft = order.remainingVolume;
    let fundsLeft = order.remainingFunds;
    let lastPrice: Fixed | undefined;
    for (const level of bestLevelOnly ? levels.slice(0, 1) : levels) {
      const price = fixedFromNumber(level.price, 4);
      if (limit !== undefined && (order.side === "bid" ? price > limit : price < limit)) break;
      lastPrice = price;
      const size = fixedFromVolumeUnits(level.sizeUnits);
      const wanted = byAmount ? quantize(divFixed(fundsLeft, price), VOLUME_DECIMALS, "floor") : volumeLeft;
      const volume = minFixed(size, wanted);
      if (volume <= ZERO) break;
      steps.push({ price: level.price, volume });
      if (byAmount) fundsLeft -= mulFixed(price, volume);
      else volumeLeft -= volume;
      if (byAmount ? volume === wanted : volumeLeft === ZERO) break;
    }
    const complete = byAmount ? lastPrice !== undefined && fundsLeft < mulFixed(lastPrice, ONE_UNIT) : volumeLeft === ZERO;
    return { steps, complete };
  }

  // ---------------------------------------------------------------- fills

  private fillResting(market: Market, side: "bid" | "ask", price: Fixed, volume: Fixed, ts: number): void {
    let pool = volume;
    for (const order of this.resting.reachedBy(market, side, price)) {
      if (pool <= ZERO) break;
      if (order.createdAt > ts) continue; // the trade happened before the order existed
      const v = minFixed(order.remainingVolume, pool);
      pool -= v;
      this.fill(order, order.price!, v, ts, true);
      if (order.remainingVolume === ZERO) this.finish(order, "done", ts);
    }
  }

  /** Book one execution: move coin and KRW, charge the fee, record the fill. */
  private fill(order: SimOrder, price: Fixed, volume: Fixed, ts: number, maker: boolean): void {
    const funds = mulFixed(price, volume);
    const fee = quantize(mulFixed(funds, maker ? this.makerFeeRate : this.options.feeRate, "floor"), FEE_DECIMALS, "floor");
    const coin = baseCurrency(order.market);
    const quote = this.account(QUOTE);
    const base = this.account(coin);
    if (order.side === "bid") {
      const cost = funds + fee;
      quote.locked -= cost;
      order.locked -= cost;
      const held = base.balance + base.locked;
      base.avgBuyPrice = quantize(divFixed(mulFixed(base.avgBuyPrice, held) + funds, held + volume, "half-up"), 4, "half-up");
      base.balance += volume;
      if (isAmountOrder(order)) order.remainingFunds -= funds;
      else order.remainingVolume -= volume;
      order.remainingFee = order.reservedFee - order.paidFee - fee;
    } else {
      base.locked -= volume;
      order.locked -= volume;
      order.remainingVolume -= volume;
      quote.balance += funds - fee;
      if (base.balance + base.locked === ZERO) base.avgBuyPrice = ZERO;
    }
    order.executedVolume += volume;
    order.executedFunds += funds;
    order.paidFee += fee;
    const fill: SimFill = { tradeId: this.ids.trade(++this.tradeSeq), price, volume, funds, fee, ts, maker };
    order.fills.push(fill);
    this.touched.add(QUOTE).add(coin);
    this.emit(order, "trade", ts, fill);
  }

  /** End an order: release what it still locks and tell listeners. */
  private finish(order: SimOrder, state: "done" | "cancel", now: number, cancelType?: CancelType): void {
    if (order.locked > ZERO) {
      const currency = this.lockCurrency(order);
      const acc = this.account(currency);
      acc.locked -= order.locked;
      acc.balance += order.locked;
      order.locked = ZERO;
      this.touched.add(currency);
    }
    if (order.side === "bid") order.remainingFee = ZERO;
    order.state = state;
    order.finishedAt = now;
    if (cancelType) order.cancelType = cancelType;
    if (this.open.delete(order) && order.type === "limit") this.resting.remove(order);
    this.emit(order, state, now);
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * Take over a saved ledger: balances, every order (open limit orders go back on the resting
   * index in their original time priority) and the sequence counters. Refuses a ledger whose locks
   * do not equal what its open orders hold, so a damaged save cannot create or lose money.
   */
  private load(state: EngineState): void {
    for (const a of state.accounts) this.accounts.set(a.currency, { balance: a.balance, locked: a.locked, avgBuyPrice: a.avgBuyPrice });
    if (!this.accounts.has(QUOTE)) this.account(QUOTE);
    const held = new Map<string, Fixed>();
    for (const order of [...state.orders].sort((a, b) => a.seq - b.seq)) {
      if (this.byId.has(order.id)) throw new RangeError(`saved ledger has order ${order.id} twice`);
      this.byId.set(order.id, order);
      if (order.clientOrderId !== undefined) this.byClientId.set(order.clientOrderId, order);
      this.all.push(order);
      if (order.state !== "wait") continue;
      this.open.add(order);
      if (order.type === "limit") this.resting.add(order);
      const currency = this.lockCurrency(order);
      held.set(currency, (held.get(currency) ?? ZERO) + order.locked);
    }
    for (const currency of new Set([...this.accounts.keys(), ...held.keys()])) {
      const locked = this.accounts.get(currency)?.locked ?? ZERO;
      const expected = held.get(currency) ?? ZERO;
      if (locked !== expected) throw new RangeError(`saved ledger is inconsistent: ${currency} locked ${formatFixed(locked)} but open orders hold ${formatFixed(expected)}`);
    }
    const maxSeq = this.all.reduce((m, o) => Math.max(m, o.seq), 0);
    if (state.orderSeq < maxSeq) throw new RangeError(`saved order sequence ${state.orderSeq} is behind order seq ${maxSeq}`);
    this.orderSeq = state.orderSeq;
    this.tradeSeq = state.tradeSeq;
  }

  private lockCurrency(order: SimOrder): string {
    return order.side === "bid" ? QUOTE : baseCurrency(order.market);
  }

  private account(currency: string): Account {
    let a = this.accounts.get(currency);
    if (!a) {
      a = { balance: ZERO, locked: ZERO, avgBuyPrice: ZERO };
      this.accounts.set(currency, a);
    }
    return a;
  }

  private emit(order: SimOrder, state: "wait" | "trade" | "done" | "cancel", ts: number, fill?: SimFill): void {
    if (this.listeners.size === 0) return;
    this.pending.push({ type: "order", state, order: { ...order, fills: [...order.fills] }, ...(fill ? { fill } : {}), ts });
  }

  /** Deliver the events of one operation, followed by one asset event for the touched currencies. */
  private flush(ts: number): void {
    if (this.touched.size > 0) {
      this.pending.push({ type: "assets", assets: [...this.touched].map((c) => this.balance(c)), ts });
      this.touched = new Set();
    }
    const events = this.pending;
    this.pending = [];
    if (this.listeners.size === 0) return;
    for (const e of events) for (const l of this.listeners) l(e);
  }
}
