import type { ExchangeOrder } from "../../src/core/model.ts";

/**
 * An exchange's report of an order, for tests that feed the order repo or the pages: a finished
 * KRW-BTC limit bid with nothing executed, fees and locks at zero, and `over` on top.
 */
export function exchangeOrder(over: Partial<ExchangeOrder>): ExchangeOrder {
  return {
    orderId: "C0",
    market: "KRW-BTC",
    side: "bid",
    type: "limit",
    state: "done",
    remainingVolume: 0,
    executedVolume: 0,
    executedFunds: 0,
    paidFee: 0,
    reservedFee: 0,
    remainingFee: 0,
    locked: 0,
    createdAt: 1,
    ...over,
  };
}
