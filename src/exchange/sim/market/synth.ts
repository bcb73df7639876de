import type { TakerSide } from "../../../core/model.ts";
import { offsetTicks, tickBand } from "../../../core/orders/krw.ts";
import { mulberry32, randomInt, type Random } from "../../../core/random.ts";
import { MINUTE_MS } from "../time.ts";

/**
 * Synthetic market microstructure, pure and deterministic: the trades inside one recorded
 * 1-minute candle and a 15/30-level book around the last trade. Same inputs and seed, same output.
 */

/** One recorded (possibly loop-scaled) 1-minute candle. */
export interface SlotCandle {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Traded quantity in 10^-8 units (integer). */
  readonly volumeUnits: number;
}

export interface SynthTrade {
  /** Epoch ms, inside [candle.ts, candle.ts + 60 s), strictly increasing within the minute. */
  readonly ts: number;
  readonly price: number;
  readonly volumeUnits: number;
  /** Taker side: `BID` when the price ticked up (a buyer lifted the ask). */
  readonly side: TakerSide;
}

/** Fewest trades a minute can have while still touching open, high, low and close. */
export const MIN_TRADE_UNITS = 4;
const MAX_EXTRA_TRADES = 8;

/**
 * Nearest grid price to `raw` (a fast form of `roundPrice(raw)` for the hot path: whole-KRW ticks
 * need no decimal re-parse, finer ticks are re-parsed from their decimal text).
 */
function snapToTick(raw: number): number {
  const band = tickBand(raw);
  const n = Math.round(raw / band.tick);
  return band.decimals === 0 ? n * band.tick : Number((n * band.tick).toFixed(band.decimals));
}

/** The price path's anchor points: open, the two extremes (order chosen by the seed), close. */
function anchorPath(c: SlotCandle, random: Random): number[] {
  // An up minute more often dips first and rallies after; a down minute the reverse.
  const lowFirst = c.close >= c.open ? random() < 0.65 : random() >= 0.65;
  const path = lowFirst ? [c.open, c.low, c.high, c.close] : [c.open, c.high, c.low, c.close];
  return path.filter((p, i) => i === 0 || p !== path[i - 1]);
}

/** Split `total` integer units into `n` positive parts with random weights; the parts sum to `total`. */
function splitUnits(total: number, n: number, random: Random): number[] {
  const parts = new Array<number>(n).fill(1);
  let rest = total - n;
  if (rest <= 0) return parts;
  const weights = parts.map(() => 0.2 - Math.log(1 - random()));
  const sum = weights.reduce((a, b) => a + b, 0);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const share = Math.floor((rest * weights[i]!) / sum);
    parts[i]! += share;
    given += share;
  }
  rest -= given; // 0 <= rest < n
  const start = randomInt(random, 0, n - 1);
  for (let k = 0; k < rest; k++) parts[(start + k) % n]! += 1;
  return parts;
}

/**
 * The trades of one minute. Their first price is the open, the last the close, the highest the
 * high, the lowest the low, and their volumes sum exactly to the candle's volume; every price is
 * on the tick grid and within [low, high].
 */
export function synthesizeTrades(c: SlotCandle, seed: number): SynthTrade[] {
  const random = mulberry32(seed);
  const anchors = anchorPath(c, random);
  const units = Math.max(c.volumeUnits, MIN_TRADE_UNITS);
  const extras = Math.min(randomInt(random, 0, MAX_EXTRA_TRADES), units - anchors.length);

  // Distribute the extra trades over the segments between anchors, walking along each segment.
  const prices: number[] = [anchors[0]!];
  const segments = Math.max(1, anchors.length - 1);
  const perSegment = new Array<number>(segments).fill(0);
  for (let k = 0; k < extras; k++) perSegment[randomInt(random, 0, segments - 1)]! += 1;
  for (let s = 0; s < segments; s++) {
    const from = anchors[s]!;
    const to = anchors[s + 1] ?? from;
    const steps = perSegment[s]!;
    for (let j = 0; j < steps; j++) {
      const t = (j + 0.25 + 0.5 * random()) / (steps + 1);
      const raw = from + (to - from) * t;
      prices.push(Math.min(c.high, Math.max(c.low, snapToTick(raw))));
    }
    if (s + 1 < anchors.length) prices.push(to);
  }

  const n = prices.length;
  const volumes = splitUnits(units, n, random);
  const trades: SynthTrade[] = [];
  for (let i = 0; i < n; i++) {
    const offset = Math.floor(((i + 0.1 + 0.8 * random()) * MINUTE_MS) / n);
    const price = prices[i]!;
    const prev = i === 0 ? undefined : prices[i - 1]!;
    const side: TakerSide = prev === undefined || price === prev ? (random() < 0.5 ? "BID" : "ASK") : price > prev ? "BID" : "ASK";
    trades.push({ ts: c.ts + offset, price, volumeUnits: volumes[i]!, side });
  }
  return trades;
}

export interface BookLevel {
  readonly price: number;
  /** Resting quantity in 10^-8 units. */
  readonly sizeUnits: number;
}

export interface SyntheticBook {
  /** Ascending from the best ask. */
  readonly asks: readonly BookLevel[];
  /** Descending from the best bid. */
  readonly bids: readonly BookLevel[];
}

/**
 * A book around the last trade: the side that was hit keeps the trade price as its best level,
 * the other side starts one tick away, so the spread is exactly one tick. Level sizes scale with
 * the minute's volume and grow with depth, so large market orders walk several levels.
 */
export function synthesizeBook(last: { price: number; side: TakerSide }, refVolumeUnits: number, depth: number, seed: number): SyntheticBook {
  const random = mulberry32(seed);
  const base = Math.max(refVolumeUnits / 12, 1_000);
  const size = (i: number) => Math.max(1, Math.round(base * (0.3 + 1.4 * random()) * (1 + 0.15 * i)));
  const asks: BookLevel[] = [];
  const bids: BookLevel[] = [];
  let ask = last.side === "BID" ? last.price : offsetTicks(last.price, 1);
  for (let i = 0; i < depth; i++) {
    asks.push({ price: ask, sizeUnits: size(i) });
    ask = offsetTicks(ask, 1);
  }
  let bid = last.side === "ASK" ? last.price : offsetTicks(last.price, -1);
  for (let i = 0; i < depth && bid < asks[0]!.price; i++) {
    bids.push({ price: bid, sizeUnits: size(i) });
    const next = offsetTicks(bid, -1);
    if (next >= bid) break; // the grid's floor: no lower price exists
    bid = next;
  }
  return { asks, bids };
}
