import type { Market, Trade } from "../../core/model.ts";

/**
 * Which public trades the paper exchange has already matched, per market, so no trade ever fills
 * paper orders twice: the stream repeats the last trade after every (re)subscribe, REST catch-up
 * overlaps the stream, and a restart replays the recent tape.
 *
 * Two guards. Within one process: the ids of recently matched trades (`sequential_id` is unique
 * but not ordered, API.md 3.5, so ids are compared, never sorted). Across restarts: a persisted
 * watermark (the newest trade time matched, and the ids matched at exactly that time); anything
 * older is refused, anything at that time with a known id is refused. The watermark is saved in
 * the same transaction as every fill, so a trade that filled an order is always behind it; trades
 * after it that are matched again after a crash filled nothing the first time and fill nothing
 * again (same orders, same prices, and orders placed later never take earlier trades).
 */

/** The persisted form: newest matched trade time and the ids matched at that time. */
export interface TapeMark {
  readonly ts: number;
  readonly ids: readonly string[];
}

interface MarketTape {
  /** Refuse anything older (the watermark loaded at start-up). */
  readonly floorTs: number;
  readonly floorIds: ReadonlySet<string>;
  /** Recently matched ids, oldest first (bounded). */
  readonly recent: Set<string>;
  maxTs: number;
  idsAtMax: Set<string>;
}

export class TradeTape {
  private readonly markets = new Map<Market, MarketTape>();
  private readonly dirty = new Set<Market>();
  private readonly recentLimit: number;

  constructor(saved: ReadonlyMap<Market, TapeMark> = new Map(), recentLimit = 4_096) {
    this.recentLimit = recentLimit;
    for (const [market, mark] of saved) {
      this.markets.set(market, { floorTs: mark.ts, floorIds: new Set(mark.ids), recent: new Set(mark.ids), maxTs: mark.ts, idsAtMax: new Set(mark.ids) });
    }
  }

  /** True (and remembered) when `trade` has not been matched before and is not behind the watermark. */
  admit(trade: Trade): boolean {
    let tape = this.markets.get(trade.market);
    if (!tape) {
      tape = { floorTs: -Infinity, floorIds: new Set(), recent: new Set(), maxTs: -Infinity, idsAtMax: new Set() };
      this.markets.set(trade.market, tape);
    }
    const id = trade.sequentialId;
    if (trade.timestamp < tape.floorTs || (trade.timestamp === tape.floorTs && tape.floorIds.has(id)) || tape.recent.has(id)) return false;
    tape.recent.add(id);
    if (tape.recent.size > this.recentLimit) tape.recent.delete(tape.recent.values().next().value!);
    if (trade.timestamp > tape.maxTs) {
      tape.maxTs = trade.timestamp;
      tape.idsAtMax = new Set([id]);
    } else if (trade.timestamp === tape.maxTs) {
      tape.idsAtMax.add(id);
    }
    this.dirty.add(trade.market);
    return true;
  }

  /** Time of the newest trade matched in `market`, if any. */
  watermark(market: Market): number | undefined {
    const ts = this.markets.get(market)?.maxTs;
    return ts === undefined || ts === -Infinity ? undefined : ts;
  }

  /** The watermarks that moved since the last call (to be saved). */
  takeChanged(): Map<Market, TapeMark> {
    const out = new Map<Market, TapeMark>();
    for (const market of this.dirty) {
      const tape = this.markets.get(market)!;
      out.set(market, { ts: tape.maxTs, ids: [...tape.idsAtMax] });
    }
    this.dirty.clear();
    return out;
  }
}
