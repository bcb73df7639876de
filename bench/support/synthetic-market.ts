import type { Candle, Market, MarketInfo } from "../../src/core/model.ts";
import { roundPrice } from "../../src/core/orders/krw.ts";
import { hashSeed, mulberry32, type Random } from "../../src/core/random.ts";

/**
 * Synthetic markets for the runtime benchmark: `KRW-S001`... with seeded prices, so every run
 * trades the same series. Live prices are a random walk per market (one step per trade, with a
 * drift that changes sign now and then so short EMAs cross and stops and targets are reached);
 * history candles (what warm-up reads over REST) are a pure function of (seed, market, time), so
 * any page the runtime asks for is consistent with every other page.
 */

export interface SyntheticMarket {
  readonly info: MarketInfo;
  /** Where the live walk starts, and what history candles hover around. */
  readonly basePrice: number;
}

/** `count` markets named `KRW-S001`..., base prices log-uniform between 100,000 and 100,000,000 KRW. */
export function syntheticMarkets(count: number, seed: number): SyntheticMarket[] {
  const random = mulberry32(hashSeed(seed, "markets"));
  return Array.from({ length: count }, (_, i) => {
    const code = `KRW-S${String(i + 1).padStart(3, "0")}` as Market;
    const basePrice = roundPrice(10 ** (5 + 3 * random()));
    return { info: { market: code, koreanName: `합성${i + 1}`, englishName: `Synthetic ${i + 1}`, warning: "NONE" }, basePrice };
  });
}

/** Per-trade volatility of the live walk (log return standard deviation). */
const TRADE_SIGMA = 0.0012;
/** Per-trade drift while a trend lasts, as a share of TRADE_SIGMA. */
const TREND_DRIFT = 0.25;
/** Chance per trade that a market's trend flips (about every 80 trades, a few candles). */
const TREND_FLIP = 1 / 80;

/** Standard normal draw (Box-Muller, one of the pair). */
function gaussian(random: Random): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * The live price of every market: a seeded random walk with trend regimes, quoted on the KRW
 * tick grid. `step(i)` moves market `i` one trade and returns the new price.
 */
export class PriceWalks {
  private readonly logPrice: Float64Array;
  private readonly trend: Int8Array;
  private readonly lastPrice: Float64Array;
  private readonly random: Random;

  constructor(markets: readonly SyntheticMarket[], seed: number) {
    this.random = mulberry32(hashSeed(seed, "walk"));
    this.logPrice = Float64Array.from(markets, (m) => Math.log(m.basePrice));
    this.lastPrice = Float64Array.from(markets, (m) => m.basePrice);
    this.trend = Int8Array.from(markets, () => (this.random() < 0.5 ? -1 : 1));
  }

  step(i: number): number {
    if (this.random() < TREND_FLIP) this.trend[i] = -this.trend[i]!;
    const drift = this.trend[i]! * TREND_DRIFT * TRADE_SIGMA;
    this.logPrice[i] = this.logPrice[i]! + drift + TRADE_SIGMA * gaussian(this.random);
    const price = roundPrice(Math.exp(this.logPrice[i]!));
    this.lastPrice[i] = price;
    return price;
  }

  /** The last traded price of market `i` (the base price before its first trade). */
  last(i: number): number {
    return this.lastPrice[i]!;
  }
}

/**
 * Closed history candles of `market` with open times in [fromTs, toTs) on the `intervalMs` grid,
 * oldest first: prices within about 1 % of the base price, a pure function of the arguments.
 */
export function historyCandles(market: SyntheticMarket, seed: number, intervalMs: number, fromTs: number, toTs: number): Candle[] {
  const out: Candle[] = [];
  const first = Math.ceil(fromTs / intervalMs) * intervalMs;
  for (let ts = first; ts < toTs; ts += intervalMs) {
    const random = mulberry32(hashSeed(seed, "history", market.info.market, ts));
    const open = roundPrice(market.basePrice * (1 + (random() - 0.5) * 0.02));
    const close = roundPrice(market.basePrice * (1 + (random() - 0.5) * 0.02));
    const high = roundPrice(Math.max(open, close) * (1 + random() * 0.003), "up");
    const low = roundPrice(Math.min(open, close) * (1 - random() * 0.003), "down");
    out.push({ ts, open, high, low, close, volume: 1 + random() * 10 });
  }
  return out;
}
