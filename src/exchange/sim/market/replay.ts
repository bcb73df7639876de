import type { Market, MarketWarning } from "../../../core/model.ts";
import { hashSeed } from "../../../core/random.ts";
import { DAY_MS, kstDayStart } from "../time.ts";
import { MinHeap } from "./heap.ts";
import { type BookLevel, type SynthTrade, synthesizeBook } from "./synth.ts";
import type { MarketTimeline, RangeSums } from "./timeline.ts";

/** A synthetic trade once the replay has reached it. */
export interface RevealedTrade extends SynthTrade {
  readonly market: Market;
  readonly slot: number;
  /** Unique per market; here also increasing with time (Bithumb promises only uniqueness). */
  readonly sequentialId: number;
}

/** Open/high/low/close and totals of a run of trades. */
export interface TradeAggregate {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volumeUnits: number;
  readonly turnover: number;
  readonly askUnits: number;
  readonly bidUnits: number;
  readonly firstTs: number;
  readonly lastTs: number;
}

/** Mutable aggregate, folded one trade at a time. */
class Accumulator {
  open = 0;
  high = -Infinity;
  low = Infinity;
  close = 0;
  volumeUnits = 0;
  turnover = 0;
  askUnits = 0;
  bidUnits = 0;
  firstTs = 0;
  lastTs = 0;
  count = 0;

  add(t: SynthTrade): void {
    if (this.count === 0) {
      this.open = t.price;
      this.firstTs = t.ts;
    }
    this.count++;
    if (t.price > this.high) this.high = t.price;
    if (t.price < this.low) this.low = t.price;
    this.close = t.price;
    this.lastTs = t.ts;
    this.volumeUnits += t.volumeUnits;
    this.turnover += (t.price * t.volumeUnits) / 1e8;
    if (t.side === "ASK") this.askUnits += t.volumeUnits;
    else this.bidUnits += t.volumeUnits;
  }

  addSums(s: RangeSums): void {
    this.volumeUnits += s.volumeUnits;
    this.turnover += s.turnover;
    this.askUnits += s.askUnits;
    this.bidUnits += s.bidUnits;
  }

  snapshot(): TradeAggregate | undefined {
    if (this.count === 0) return undefined;
    const { open, high, low, close, volumeUnits, turnover, askUnits, bidUnits, firstTs, lastTs } = this;
    return { open, high, low, close, volumeUnits, turnover, askUnits, bidUnits, firstTs, lastTs };
  }
}

/** The trading day so far (KST 00:00 to now): what the ticker reports as today's figures. */
interface DayStats {
  readonly start: number;
  readonly prevClose: number;
  readonly acc: Accumulator;
  /** Highest/lowest of the 52 weeks before today (today's trades are folded in when read). */
  readonly high52: { price: number; ts: number };
  readonly low52: { price: number; ts: number };
}

/** Book levels the engine may consume; sizes in 10^-8 units. */
export interface LiveBook {
  /** The last trade's sequential id the book was built around. */
  readonly key: number;
  readonly asks: BookLevel[];
  readonly bids: BookLevel[];
}

export const BOOK_DEPTH = 30;
const WEEKS_52_MS = 364 * DAY_MS;

/** `index` is the trade's position in its minute; timestamps are unique per market, so ids are too. */
function reveal(market: Market, slot: number, trade: SynthTrade, index: number): RevealedTrade {
  return { ...trade, market, slot, sequentialId: trade.ts * 1_000 + index };
}

/**
 * One market's replay position: which slot is playing, how many of its trades are public, the
 * running day statistics, and the synthetic book around the last trade.
 */
export class MarketReplay {
  readonly market: Market;
  readonly timeline: MarketTimeline;
  warning: MarketWarning = "NONE";
  private readonly seed: number;
  private slotIndex: number;
  private slotTrades: SynthTrade[];
  private revealedCount = 0;
  private partialAcc = new Accumulator();
  private last!: RevealedTrade;
  private day!: DayStats;
  private book: LiveBook | undefined;

  constructor(timeline: MarketTimeline, start: number, seed: number) {
    this.market = timeline.market;
    this.timeline = timeline;
    this.seed = seed;
    this.slotIndex = timeline.indexAtOrBefore(start);
    if (this.slotIndex < 0) throw new RangeError(`${this.market}: replay start ${new Date(start).toISOString()} is before its first candle`);
    this.slotTrades = timeline.trades(this.slotIndex);
    while (this.revealedCount < this.slotTrades.length && this.slotTrades[this.revealedCount]!.ts <= start) {
      this.partialAcc.add(this.slotTrades[this.revealedCount]!);
      this.revealedCount++;
    }
    if (this.revealedCount > 0) this.last = reveal(this.market, this.slotIndex, this.slotTrades[this.revealedCount - 1]!, this.revealedCount - 1);
    else if (this.slotIndex > 0) {
      const previous = timeline.trades(this.slotIndex - 1);
      this.last = reveal(this.market, this.slotIndex - 1, previous.at(-1)!, previous.length - 1);
    }
    else throw new RangeError(`${this.market}: replay start ${new Date(start).toISOString()} is before its first trade`);
    this.day = this.computeDay(kstDayStart(start));
  }

  /** Slot currently playing. */
  get slot(): number {
    return this.slotIndex;
  }

  /** Trades of the current slot already public. */
  get revealed(): number {
    return this.revealedCount;
  }

  get lastTrade(): RevealedTrade {
    return this.last;
  }

  /** Aggregate of the current slot's public trades (undefined before its first trade). */
  partial(): TradeAggregate | undefined {
    return this.partialAcc.snapshot();
  }

  /** Public trades of the current slot, oldest first. */
  revealedTrades(): RevealedTrade[] {
    return this.slotTrades.slice(0, this.revealedCount).map((t, i) => reveal(this.market, this.slotIndex, t, i));
  }

  /** All trades of a completed slot as public trades. */
  slotTradesOf(slot: number): RevealedTrade[] {
    return this.timeline.trades(slot).map((t, i) => reveal(this.market, slot, t, i));
  }

  /** Time of the next trade to reveal. */
  nextDue(): number {
    return this.revealedCount < this.slotTrades.length ? this.slotTrades[this.revealedCount]!.ts : this.timeline.trades(this.slotIndex + 1)[0]!.ts;
  }

  /** Make the next trade public and return it. */
  step(): RevealedTrade {
    if (this.revealedCount >= this.slotTrades.length) {
      this.slotIndex++;
      this.slotTrades = this.timeline.trades(this.slotIndex);
      this.revealedCount = 0;
      this.partialAcc = new Accumulator();
    }
    const trade = this.slotTrades[this.revealedCount]!;
    this.revealedCount++;
    this.partialAcc.add(trade);
    if (trade.ts >= this.day.start + DAY_MS) this.day = this.newDay(kstDayStart(trade.ts), this.last.price);
    this.day.acc.add(trade);
    this.last = reveal(this.market, this.slotIndex, trade, this.revealedCount - 1);
    this.book = undefined;
    return this.last;
  }

  /** Today's figures (KST day), including the 52-week extremes up to the last trade. */
  dayStats(): {
    start: number;
    prevClose: number;
    today: TradeAggregate | undefined;
    high52: { price: number; ts: number };
    low52: { price: number; ts: number };
  } {
    const today = this.day.acc.snapshot();
    let { high52, low52 } = this.day;
    if (today && today.high > high52.price) high52 = { price: today.high, ts: this.last.ts };
    if (today && today.low < low52.price) low52 = { price: today.low, ts: this.last.ts };
    return { start: this.day.start, prevClose: this.day.prevClose, today, high52, low52 };
  }

  /** Volume and turnover of the trades in (now - 24 h, now]. */
  rolling24h(now: number): RangeSums {
    const from = this.timeline.indexAtOrAfter(now - DAY_MS + 1);
    const sums = this.timeline.sums(Math.max(0, from), this.slotIndex - 1);
    const p = this.partialAcc;
    return { volumeUnits: sums.volumeUnits + p.volumeUnits, turnover: sums.turnover + p.turnover, askUnits: sums.askUnits + p.askUnits, bidUnits: sums.bidUnits + p.bidUnits };
  }

  /** The book around the last trade (30 levels a side at most); the engine may consume it. */
  liveBook(): LiveBook {
    if (this.book && this.book.key === this.last.sequentialId) return this.book;
    const ref = this.timeline.candle(this.last.slot).volumeUnits;
    const synth = synthesizeBook(this.last, ref, BOOK_DEPTH, hashSeed(this.seed, "book", this.market, this.last.sequentialId));
    this.book = { key: this.last.sequentialId, asks: synth.asks.map((l) => ({ ...l })), bids: synth.bids.map((l) => ({ ...l })) };
    return this.book;
  }

  /** Remove `units` at `price` from one side of the live book (a taker fill took that liquidity). */
  consume(side: "asks" | "bids", price: number, units: number): void {
    const levels = this.liveBook()[side];
    const i = levels.findIndex((l) => l.price === price);
    if (i < 0) return;
    const left = levels[i]!.sizeUnits - units;
    if (left > 0) levels[i] = { price, sizeUnits: left };
    else levels.splice(i, 1);
  }

  private computeDay(start: number): DayStats {
    const first = Math.max(0, this.timeline.indexAtOrAfter(start));
    const prevClose = first > 0 ? this.timeline.candle(first - 1).close : this.timeline.candle(0).open;
    const day = this.newDayFrom(start, prevClose, first);
    for (let g = first; g < this.slotIndex; g++) for (const t of this.timeline.synthesize(g)) day.acc.add(t);
    for (let i = 0; i < this.revealedCount; i++) day.acc.add(this.slotTrades[i]!);
    return day;
  }

  private newDay(start: number, prevClose: number): DayStats {
    return this.newDayFrom(start, prevClose, Math.max(0, this.timeline.indexAtOrAfter(start)));
  }

  private newDayFrom(start: number, prevClose: number, firstSlotOfDay: number): DayStats {
    const from = Math.max(0, this.timeline.indexAtOrAfter(start - WEEKS_52_MS));
    const to = firstSlotOfDay - 1;
    let high52 = { price: -Infinity, ts: start };
    let low52 = { price: Infinity, ts: start };
    if (to >= from) {
      const e = this.timeline.extremes(from, to);
      high52 = { price: e.high, ts: this.timeline.slotTs(e.highSlot) };
      low52 = { price: e.low, ts: this.timeline.slotTs(e.lowSlot) };
    }
    return { start, prevClose, acc: new Accumulator(), high52, low52 };
  }
}

/** Receives each trade as the replay makes it public, in time order across markets. */
export interface ReplayListener {
  trade(market: MarketReplay, trade: RevealedTrade): void;
  /** After an `advanceTo` that revealed trades: the markets that moved (for coalesced updates). */
  settled?(markets: ReadonlySet<MarketReplay>): void;
}

/**
 * All markets replayed on one timeline. `advanceTo(t)` makes every trade with timestamp <= t
 * public, earliest first across markets, using a heap of each market's next trade time so the
 * cost is proportional to the trades revealed, not to the number of markets.
 */
export class Replay {
  readonly markets: ReadonlyMap<Market, MarketReplay>;
  private processed: number;
  private readonly due = new MinHeap<MarketReplay>();
  private readonly listeners: ReplayListener[] = [];

  constructor(timelines: readonly MarketTimeline[], start: number, seed: number) {
    const map = new Map<Market, MarketReplay>();
    for (const tl of timelines) {
      const mr = new MarketReplay(tl, start, seed);
      map.set(tl.market, mr);
      this.due.push(mr.nextDue(), mr);
    }
    this.markets = map;
    this.processed = start;
  }

  /** Replay time reached so far. */
  get now(): number {
    return this.processed;
  }

  /** Time of the next trade anywhere. */
  nextDue(): number | undefined {
    return this.due.peekKey();
  }

  listen(listener: ReplayListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  market(market: string): MarketReplay | undefined {
    return this.markets.get(market as Market);
  }

  /** Reveal every trade up to `t` (never moves backwards). */
  advanceTo(t: number): void {
    if (t <= this.processed) return;
    const moved = new Set<MarketReplay>();
    for (;;) {
      const key = this.due.peekKey();
      if (key === undefined || key > t) break;
      const mr = this.due.pop()!;
      this.processed = Math.max(this.processed, key);
      const trade = mr.step();
      moved.add(mr);
      for (const l of this.listeners) l.trade(mr, trade);
      this.due.push(mr.nextDue(), mr);
    }
    this.processed = t;
    if (moved.size > 0) for (const l of this.listeners) l.settled?.(moved);
  }
}
