import type { Market } from "../../../core/model.ts";
import { roundPrice } from "../../../core/orders/krw.ts";
import { hashSeed } from "../../../core/random.ts";
import { MINUTE_MS } from "../time.ts";
import type { BaseSeries } from "./data.ts";
import { type SlotCandle, type SynthTrade, synthesizeTrades } from "./synth.ts";

/** Range totals over slots; volumes in 10^-8 units (floats: exact only while below 2^53). */
export interface RangeSums {
  readonly volumeUnits: number;
  /** KRW traded: sum of price x volume of the synthetic trades. */
  readonly turnover: number;
  readonly askUnits: number;
  readonly bidUnits: number;
}

export interface RangeExtremes {
  readonly high: number;
  readonly highSlot: number;
  readonly low: number;
  readonly lowSlot: number;
}

const BLOCK = 64;
const CHUNK_BITS = 10;
const CHUNK = 1 << CHUNK_BITS;
/** Recent slots' trades kept per market (the playing minute and what trade/candle queries revisit). */
const TRADE_CACHE = 256;
const CHUNK_CACHE = 256;

interface ChunkPrefix {
  readonly volume: Float64Array;
  readonly turnover: Float64Array;
  readonly ask: Float64Array;
  readonly bid: Float64Array;
}

const EMPTY_SUMS: RangeSums = { volumeUnits: 0, turnover: 0, askUnits: 0, bidUnits: 0 };

/**
 * One market's recorded series stretched into an endless timeline.
 *
 * Slots are numbered globally: slot `g` is row `g mod N` of loop `floor(g / N)`. Loop k repeats the
 * recording shifted by k periods (period = last candle end - first candle start) with every price
 * multiplied by `factor^k` and snapped to the tick grid, where `factor = last close / first open`,
 * so each loop opens where the previous one closed and the chart stays continuous. Volumes are not
 * scaled. Time before the first recorded candle has no data (like a newly listed market).
 *
 * Range queries are cheap at any span: extremes come from per-64-row block maxima of the recording
 * (scaling is monotone, so the maximum of a scaled range is the scaled maximum), totals from
 * lazily built per-1024-slot prefix sums of the synthetic trades.
 */
export class MarketTimeline {
  readonly market: Market;
  /** The data file the recording came from. */
  readonly source: string;
  /** Rows in one loop. */
  readonly length: number;
  /** Duration of one loop in ms. */
  readonly period: number;
  readonly firstTs: number;
  /** Price multiplier from one loop to the next. */
  readonly factor: number;
  private readonly base: BaseSeries;
  private readonly seed: number;
  private readonly blockHigh: Float64Array;
  private readonly blockHighRow: Int32Array;
  private readonly blockLow: Float64Array;
  private readonly blockLowRow: Int32Array;
  private readonly tradeCache = new Map<number, SynthTrade[]>();
  private readonly chunkCache = new Map<number, ChunkPrefix>();

  constructor(base: BaseSeries, seed: number) {
    this.base = base;
    this.seed = seed;
    this.market = base.market;
    this.source = base.source;
    this.length = base.ts.length;
    this.firstTs = base.ts[0]!;
    this.period = base.ts[this.length - 1]! + MINUTE_MS - this.firstTs;
    this.factor = base.close[this.length - 1]! / base.open[0]!;
    const blocks = Math.ceil(this.length / BLOCK);
    this.blockHigh = new Float64Array(blocks);
    this.blockHighRow = new Int32Array(blocks);
    this.blockLow = new Float64Array(blocks);
    this.blockLowRow = new Int32Array(blocks);
    for (let b = 0; b < blocks; b++) {
      let hi = -Infinity;
      let lo = Infinity;
      for (let i = b * BLOCK; i < Math.min(this.length, (b + 1) * BLOCK); i++) {
        if (base.high[i]! > hi) {
          hi = base.high[i]!;
          this.blockHighRow[b] = i;
        }
        if (base.low[i]! < lo) {
          lo = base.low[i]!;
          this.blockLowRow[b] = i;
        }
      }
      this.blockHigh[b] = hi;
      this.blockLow[b] = lo;
    }
  }

  loopOf(slot: number): number {
    return Math.floor(slot / this.length);
  }

  /** Open time of a slot's candle. */
  slotTs(slot: number): number {
    const k = this.loopOf(slot);
    return this.base.ts[slot - k * this.length]! + k * this.period;
  }

  /** A recorded price as it appears in loop `k`. */
  scalePrice(price: number, k: number): number {
    return k === 0 ? price : roundPrice(price * this.factor ** k);
  }

  candle(slot: number): SlotCandle {
    const k = this.loopOf(slot);
    const i = slot - k * this.length;
    const b = this.base;
    return {
      ts: b.ts[i]! + k * this.period,
      open: this.scalePrice(b.open[i]!, k),
      high: this.scalePrice(b.high[i]!, k),
      low: this.scalePrice(b.low[i]!, k),
      close: this.scalePrice(b.close[i]!, k),
      volumeUnits: b.volumeUnits[i]!,
    };
  }

  /** The synthetic trades of a slot (cached; deterministic in seed, market and slot). */
  trades(slot: number): SynthTrade[] {
    const hit = this.tradeCache.get(slot);
    if (hit) return hit;
    const trades = this.synthesize(slot);
    if (this.tradeCache.size >= TRADE_CACHE) this.tradeCache.delete(this.tradeCache.keys().next().value!);
    this.tradeCache.set(slot, trades);
    return trades;
  }

  /** The same trades without touching the cache (for one-off scans over many slots). */
  synthesize(slot: number): SynthTrade[] {
    return this.tradeCache.get(slot) ?? synthesizeTrades(this.candle(slot), hashSeed(this.seed, "trades", this.market, slot));
  }

  /** Last slot whose candle opens at or before `t`; -1 when `t` is before the recording. */
  indexAtOrBefore(t: number): number {
    if (t < this.firstTs) return -1;
    const k = Math.floor((t - this.firstTs) / this.period);
    const local = t - k * this.period;
    let lo = 0;
    let hi = this.length; // first row with ts > local
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.base.ts[mid]! <= local) lo = mid + 1;
      else hi = mid;
    }
    return k * this.length + lo - 1;
  }

  /** First slot whose candle opens at or after `t`. */
  indexAtOrAfter(t: number): number {
    if (t <= this.firstTs) return 0;
    const before = this.indexAtOrBefore(t);
    return this.slotTs(before) === t ? before : before + 1;
  }

  private chunk(c: number): ChunkPrefix {
    const hit = this.chunkCache.get(c);
    if (hit) return hit;
    const volume = new Float64Array(CHUNK + 1);
    const turnover = new Float64Array(CHUNK + 1);
    const ask = new Float64Array(CHUNK + 1);
    const bid = new Float64Array(CHUNK + 1);
    for (let j = 0; j < CHUNK; j++) {
      let v = 0;
      let t = 0;
      let a = 0;
      for (const tr of this.synthesize(c * CHUNK + j)) {
        v += tr.volumeUnits;
        t += (tr.price * tr.volumeUnits) / 1e8;
        if (tr.side === "ASK") a += tr.volumeUnits;
      }
      volume[j + 1] = volume[j]! + v;
      turnover[j + 1] = turnover[j]! + t;
      ask[j + 1] = ask[j]! + a;
      bid[j + 1] = bid[j]! + (v - a);
    }
    const prefix = { volume, turnover, ask, bid };
    if (this.chunkCache.size >= CHUNK_CACHE) this.chunkCache.delete(this.chunkCache.keys().next().value!);
    this.chunkCache.set(c, prefix);
    return prefix;
  }

  /** Totals over slots `from..to` inclusive (zero when the range is empty). */
  sums(from: number, to: number): RangeSums {
    if (to < from) return EMPTY_SUMS;
    let volumeUnits = 0;
    let turnover = 0;
    let askUnits = 0;
    let bidUnits = 0;
    for (let c = from >> CHUNK_BITS; c <= to >> CHUNK_BITS; c++) {
      const p = this.chunk(c);
      const s = Math.max(from, c * CHUNK) - c * CHUNK;
      const e = Math.min(to, c * CHUNK + CHUNK - 1) - c * CHUNK + 1;
      volumeUnits += p.volume[e]! - p.volume[s]!;
      turnover += p.turnover[e]! - p.turnover[s]!;
      askUnits += p.ask[e]! - p.ask[s]!;
      bidUnits += p.bid[e]! - p.bid[s]!;
    }
    return { volumeUnits, turnover, askUnits, bidUnits };
  }

  /** Highest high and lowest low over slots `from..to` inclusive (requires from <= to). */
  extremes(from: number, to: number): RangeExtremes {
    let high = -Infinity;
    let highSlot = from;
    let low = Infinity;
    let lowSlot = from;
    for (let k = this.loopOf(from); k <= this.loopOf(to); k++) {
      const i0 = Math.max(from, k * this.length) - k * this.length;
      const i1 = Math.min(to, (k + 1) * this.length - 1) - k * this.length;
      const r = this.rowExtremes(i0, i1);
      const h = this.scalePrice(r.high, k);
      const l = this.scalePrice(r.low, k);
      if (h > high) {
        high = h;
        highSlot = k * this.length + r.highRow;
      }
      if (l < low) {
        low = l;
        lowSlot = k * this.length + r.lowRow;
      }
    }
    return { high, highSlot, low, lowSlot };
  }

  private rowExtremes(i0: number, i1: number): { high: number; highRow: number; low: number; lowRow: number } {
    const b = this.base;
    let high = -Infinity;
    let highRow = i0;
    let low = Infinity;
    let lowRow = i0;
    const visitRow = (i: number) => {
      if (b.high[i]! > high) {
        high = b.high[i]!;
        highRow = i;
      }
      if (b.low[i]! < low) {
        low = b.low[i]!;
        lowRow = i;
      }
    };
    let i = i0;
    while (i <= i1 && i % BLOCK !== 0) visitRow(i++);
    while (i + BLOCK - 1 <= i1) {
      const blk = i / BLOCK;
      if (this.blockHigh[blk]! > high) {
        high = this.blockHigh[blk]!;
        highRow = this.blockHighRow[blk]!;
      }
      if (this.blockLow[blk]! < low) {
        low = this.blockLow[blk]!;
        lowRow = this.blockLowRow[blk]!;
      }
      i += BLOCK;
    }
    while (i <= i1) visitRow(i++);
    return { high, highRow, low, lowRow };
  }
}
