/**
 * The crash-safety invariants must be able to fail: each kind of damage a crash could do is built
 * by hand here and must be reported, and the undamaged books must pass.
 */
import { describe, expect, it } from "vitest";
import type { SimBalance, SimOrder } from "./clients.ts";
import { crossCheck, duplicateOrderProblems, fillProblems, positionProblems, type RecordedFill, type RecordedOrder, type RecordedView } from "./invariants.ts";

const buy: SimOrder = { uuid: "C1", clientOrderId: "bot-a", market: "KRW-BTC", side: "bid", type: "price", state: "done", executedVolume: 0.00382902, executedFunds: 595339.85862, paidFee: 1488.34964655, tradesCount: 2 };
const sell: SimOrder = { uuid: "C2", clientOrderId: "bot-b", market: "KRW-BTC", side: "ask", type: "market", state: "done", executedVolume: 0.002, executedFunds: 311000, paidFee: 777.5, tradesCount: 1 };
const exchange = [buy, sell];
const balances: SimBalance[] = [
  { currency: "KRW", balance: 9_000_000, locked: 0 },
  { currency: "BTC", balance: 0.00182902, locked: 0 },
];

const recordedOrder = (o: SimOrder, intentKey: string | null): RecordedOrder => ({
  clientOrderId: o.clientOrderId!,
  exchangeOrderId: o.uuid,
  market: o.market,
  state: "filled",
  intentKey,
  executedVolume: o.executedVolume,
  external: false,
});
const orders = [recordedOrder(buy, "KRW-BTC:enter:1"), recordedOrder(sell, "KRW-BTC:stop:1:0")];
// The buy filled in two exchange trades, recorded as two fills.
const fills: RecordedFill[] = [
  { exchangeOrderId: "C1", volume: 0.00100000, funds: 155000, fee: 387.5 },
  { exchangeOrderId: "C1", volume: 0.00282902, funds: 440339.85862, fee: 1100.84964655 },
  { exchangeOrderId: "C2", volume: 0.002, funds: 311000, fee: 777.5 },
];
const positions = [{ market: "KRW-BTC", volume: 0.00182902 }];
const books: RecordedView = { orders, fills, positions };

describe("crash-safety invariants", () => {
  it("pass on books that agree with the exchange", () => {
    expect(crossCheck(books, { orders: exchange, balances })).toEqual([]);
  });

  it("report a client order id on the exchange twice", () => {
    const twice = [...exchange, { ...sell, uuid: "C3" }];
    expect(duplicateOrderProblems(orders, twice).join("\n")).toMatch(/client_order_id bot-b is on the exchange 2 times/);
  });

  it("report an exchange order whose intent was never recorded, and one adopted as external", () => {
    expect(duplicateOrderProblems([orders[0]!], exchange).join("\n")).toMatch(/C2 \(bot-b\) has no recorded intent/);
    expect(duplicateOrderProblems([orders[0]!, { ...orders[1]!, external: true }], exchange).join("\n")).toMatch(/adopted as external/);
  });

  it("report an intent given up as never sent that the exchange did execute", () => {
    const abandoned = { ...orders[1]!, exchangeOrderId: null, state: "cancelled", executedVolume: 0 };
    expect(duplicateOrderProblems([orders[0]!, abandoned], exchange).join("\n")).toMatch(/recorded as cancelled without an exchange order, but the exchange has C2/);
  });

  it("report one decision behind two exchange orders", () => {
    const third: SimOrder = { ...sell, uuid: "C3", clientOrderId: "bot-c" };
    const again = [...orders, { ...recordedOrder(third, "KRW-BTC:stop:1:0") }];
    expect(duplicateOrderProblems(again, [...exchange, third]).join("\n")).toMatch(/decision KRW-BTC:stop:1:0 produced 2 exchange orders/);
  });

  it("report a fill recorded twice, a fill missed, and an order row that disagrees", () => {
    expect(fillProblems(orders, [...fills, fills[2]!], exchange).join("\n")).toMatch(/C2 .*recorded fills add up to 0.004, the exchange executed 0.002/);
    expect(fillProblems(orders, fills.slice(1), exchange).join("\n")).toMatch(/C1 .*recorded fills add up to 0.00282902/);
    const lagging = [{ ...orders[0]!, executedVolume: 0.001, state: "partially_filled" }, orders[1]!];
    const problems = fillProblems(lagging, fills, exchange).join("\n");
    expect(problems).toMatch(/order row says 0.001 executed/);
    expect(problems).toMatch(/recorded as partially_filled, the exchange finished it as done/);
  });

  it("report a position off the exchange's balance by one unit, or missing on either side", () => {
    expect(positionProblems([{ market: "KRW-BTC", volume: 0.00182903 }], balances)).toEqual(["KRW-BTC: position 0.00182903, exchange holds 0.00182902"]);
    expect(positionProblems([], balances)).toEqual(["KRW-BTC: position 0, exchange holds 0.00182902"]);
    expect(positionProblems([...positions, { market: "KRW-XRP", volume: 10 }], balances)).toEqual(["KRW-XRP: position 10, exchange holds 0"]);
    // Locked coins (an open sell) are still held.
    expect(positionProblems(positions, [{ currency: "BTC", balance: 0.00082902, locked: 0.001 }])).toEqual([]);
  });
});
