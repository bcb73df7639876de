import type { Fixed } from "../fixed.ts";
import type { OrderSide, SimOrder } from "./types.ts";

/** Resting orders of one side of one market: price levels best first, FIFO within a level. */
class SideIndex {
  /** Distinct prices, best first (bids descending, asks ascending). */
  readonly prices: Fixed[] = [];
  readonly queues = new Map<Fixed, SimOrder[]>();
  private readonly better: (a: Fixed, b: Fixed) => boolean;

  constructor(side: OrderSide) {
    this.better = side === "bid" ? (a, b) => a > b : (a, b) => a < b;
  }

  add(order: SimOrder, price: Fixed): void {
    const queue = this.queues.get(price);
    if (queue) {
      queue.push(order);
      return;
    }
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.better(this.prices[mid]!, price)) lo = mid + 1;
      else hi = mid;
    }
    this.prices.splice(lo, 0, price);
    this.queues.set(price, [order]);
  }

  remove(order: SimOrder, price: Fixed): void {
    const queue = this.queues.get(price);
    if (!queue) return;
    const i = queue.indexOf(order);
    if (i >= 0) queue.splice(i, 1);
    if (queue.length === 0) {
      this.queues.delete(price);
      const p = this.prices.indexOf(price);
      if (p >= 0) this.prices.splice(p, 1);
    }
  }
}

/**
 * Every resting limit order, indexed by market, side and price, so a replayed trade only looks at
 * the levels it crosses (usually none: one comparison with the best level) instead of scanning
 * all open orders.
 */
export class RestingOrders {
  private readonly markets = new Map<string, { bid: SideIndex; ask: SideIndex }>();

  private sides(market: string): { bid: SideIndex; ask: SideIndex } {
    let s = this.markets.get(market);
    if (!s) {
      s = { bid: new SideIndex("bid"), ask: new SideIndex("ask") };
      this.markets.set(market, s);
    }
    return s;
  }

  add(order: SimOrder): void {
    this.sides(order.market)[order.side].add(order, order.price!);
  }

  remove(order: SimOrder): void {
    this.markets.get(order.market)?.[order.side].remove(order, order.price!);
  }

  /**
   * Orders a trade at `price` reaches, in price-time priority: bids priced at or above it, or asks
   * at or below it. A snapshot, so callers may remove orders while iterating.
   */
  reachedBy(market: string, side: OrderSide, price: Fixed): SimOrder[] {
    const index = this.markets.get(market)?.[side];
    if (!index || index.prices.length === 0) return [];
    const out: SimOrder[] = [];
    for (const level of index.prices) {
      if (side === "bid" ? level < price : level > price) break;
      out.push(...index.queues.get(level)!);
    }
    return out;
  }

  /** Total remaining volume resting at one price (for showing own orders in the book). */
  volumeAt(market: string, side: OrderSide, price: Fixed): Fixed {
    const queue = this.markets.get(market)?.[side].queues.get(price);
    if (!queue) return 0n;
    let total = 0n;
    for (const o of queue) total += o.remainingVolume;
    return total;
  }

  /** True when nothing rests in `market` on `side` (the fast path of every replayed trade). */
  isEmpty(market: string, side: OrderSide): boolean {
    return (this.markets.get(market)?.[side].prices.length ?? 0) === 0;
  }
}
