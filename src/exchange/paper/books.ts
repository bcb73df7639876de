import type { Market, Orderbook } from "../../core/model.ts";
import type { Clock } from "../../ports/clock.ts";
import type { LiquidityLevel, LiquiditySource } from "../sim/engine/engine.ts";

/**
 * The latest real orderbook per market as the matching engine's liquidity. Taker orders (market,
 * best, crossing limits) walk these levels; what they take is removed from the local copy until the
 * next snapshot replaces it, so two quick market orders never both take the same depth.
 *
 * Freshness is judged by when a snapshot arrived here (local clock), not by the exchange's
 * timestamp, so a skewed host clock cannot make an old book look new.
 */

interface Book {
  readonly asks: LiquidityLevel[];
  readonly bids: LiquidityLevel[];
  /** Exchange timestamp of the snapshot (older snapshots never replace newer ones). */
  readonly timestamp: number;
  readonly receivedAt: number;
}

const UNITS_PER_COIN = 1e8;

/** One side of a snapshot, best first, merged by price; unusable levels (NaN, <= 0) are dropped. */
function side(book: Orderbook, which: "asks" | "bids"): LiquidityLevel[] {
  const bySize = new Map<number, number>();
  for (const level of book.levels) {
    const price = which === "asks" ? level.askPrice : level.bidPrice;
    const size = which === "asks" ? level.askSize : level.bidSize;
    if (!(Number.isFinite(price) && price > 0 && Number.isFinite(size) && size > 0)) continue;
    const units = Math.round(size * UNITS_PER_COIN);
    if (units > 0) bySize.set(price, (bySize.get(price) ?? 0) + units);
  }
  const levels = [...bySize].map(([price, sizeUnits]) => ({ price, sizeUnits }));
  return levels.sort((a, b) => (which === "asks" ? a.price - b.price : b.price - a.price));
}

export class LiveBooks implements LiquiditySource {
  private readonly books = new Map<Market, Book>();
  private readonly clock: Clock;
  private readonly maxAgeMs: number;

  constructor(clock: Clock, maxAgeMs: number) {
    if (!(maxAgeMs >= 0)) throw new RangeError(`book max age must be >= 0 ms, got ${maxAgeMs}`);
    this.clock = clock;
    this.maxAgeMs = maxAgeMs;
  }

  /** Take a new snapshot (from the stream or REST); an older one than held is ignored. */
  update(book: Orderbook): void {
    const held = this.books.get(book.market);
    if (held && book.timestamp < held.timestamp) return;
    this.books.set(book.market, { asks: side(book, "asks"), bids: side(book, "bids"), timestamp: book.timestamp, receivedAt: this.clock.now() });
  }

  /** True when a snapshot of `market` arrived within the last `maxAgeMs`. */
  isFresh(market: Market): boolean {
    const held = this.books.get(market);
    return held !== undefined && this.clock.now() - held.receivedAt <= this.maxAgeMs;
  }

  levels(market: Market, which: "asks" | "bids"): readonly LiquidityLevel[] {
    return this.books.get(market)?.[which] ?? [];
  }

  consume(market: Market, which: "asks" | "bids", price: number, units: number): void {
    const levels = this.books.get(market)?.[which];
    if (!levels) return;
    const i = levels.findIndex((l) => l.price === price);
    if (i < 0) return;
    const left = levels[i]!.sizeUnits - units;
    if (left > 0) levels[i] = { price, sizeUnits: left };
    else levels.splice(i, 1);
  }
}
