import type { Market, Side } from "../model.ts";

/**
 * Position accounting from fills, shared by the live runtime and its tests. Long only (the KRW spot
 * market cannot short). Cost basis includes buy fees, so realised PnL is net of fees on both sides:
 * selling a fraction f of the position releases f of the cost basis.
 */
export interface Holding {
  readonly market: Market;
  readonly volume: number;
  /** Volume-weighted average fill price of the buys (fees excluded, as the exchange reports it). */
  readonly avgPrice: number;
  /** KRW paid for the current volume, buy fees included. */
  readonly costBasis: number;
  /** Time of the first buy of this holding. */
  readonly entryTs: number;
  /** Fees paid on both sides since entry. */
  readonly fees: number;
  /** Realised PnL of partial sells since entry. */
  readonly realisedPnl: number;
  /** Volume and KRW of the partial sells so far, for the closed trade's average exit price. */
  readonly soldVolume: number;
  readonly soldFunds: number;
}

export interface FillInput {
  readonly market: Market;
  readonly side: Side;
  readonly price: number;
  readonly volume: number;
  readonly fee: number;
  readonly ts: number;
}

export interface ClosedTrade {
  readonly market: Market;
  readonly entryTs: number;
  readonly entryPrice: number;
  readonly exitTs: number;
  /** Volume-weighted average price of all sells of the holding. */
  readonly exitPrice: number;
  readonly volume: number;
  readonly fee: number;
  readonly pnl: number;
}

export interface FillOutcome {
  readonly holding: Holding | null;
  /** PnL realised by this fill (0 for buys). */
  readonly realised: number;
  /** Set when this fill took the holding to zero (or below `closeBelowVolume`). */
  readonly closed?: ClosedTrade;
}

/** Volumes below this are treated as zero after a sell (float residue of 8-decimal arithmetic). */
export const VOLUME_EPSILON = 1e-9;

/**
 * Apply one fill. Selling more than held (an external sell, a rounding residue) closes the
 * holding at its volume; the excess is ignored here and surfaced by reconciliation.
 */
export function applyFill(holding: Holding | null, fill: FillInput, closeBelowVolume = VOLUME_EPSILON): FillOutcome {
  if (!(fill.volume > 0) || !(fill.price > 0) || !(fill.fee >= 0)) throw new RangeError(`invalid fill ${JSON.stringify(fill)}`);
  if (fill.side === "bid") {
    if (holding === null || holding.volume <= 0) {
      return {
        holding: {
          market: fill.market,
          volume: fill.volume,
          avgPrice: fill.price,
          costBasis: fill.price * fill.volume + fill.fee,
          entryTs: fill.ts,
          fees: fill.fee,
          realisedPnl: 0,
          soldVolume: 0,
          soldFunds: 0,
        },
        realised: 0,
      };
    }
    const volume = holding.volume + fill.volume;
    const next: Holding = {
      ...holding,
      volume,
      avgPrice: (holding.avgPrice * holding.volume + fill.price * fill.volume) / volume,
      costBasis: holding.costBasis + fill.price * fill.volume + fill.fee,
      fees: holding.fees + fill.fee,
    };
    return { holding: next, realised: 0 };
  }

  if (holding === null || holding.volume <= 0) return { holding: null, realised: 0 };
  const sold = Math.min(fill.volume, holding.volume);
  const fraction = sold / holding.volume;
  const released = holding.costBasis * fraction;
  const proceeds = fill.price * sold - fill.fee;
  const realised = proceeds - released;
  const soldVolume = holding.soldVolume + sold;
  const soldFunds = holding.soldFunds + fill.price * sold;
  const remaining = holding.volume - sold;
  const fees = holding.fees + fill.fee;
  const realisedTotal = holding.realisedPnl + realised;
  if (remaining <= closeBelowVolume) {
    return {
      holding: null,
      realised,
      closed: {
        market: holding.market,
        entryTs: holding.entryTs,
        entryPrice: holding.avgPrice,
        exitTs: fill.ts,
        exitPrice: soldFunds / soldVolume,
        volume: soldVolume,
        fee: fees,
        pnl: realisedTotal,
      },
    };
  }
  const next: Holding = { ...holding, volume: remaining, costBasis: holding.costBasis - released, fees, realisedPnl: realisedTotal, soldVolume, soldFunds };
  return { holding: next, realised };
}

/** Unrealised PnL at a mark price, net of the cost basis (buy fees included, sell fee not). */
export function unrealisedPnl(holding: Holding, markPrice: number): number {
  return holding.volume * markPrice - holding.costBasis;
}
