/**
 * Paper mode end to end, with the simulator standing in for Bithumb's public API (there is no
 * internet here): the real `BithumbRestClient` (no keys) and `BithumbWsClient` talk to the
 * simulator over loopback sockets, and the paper exchange fills its orders from that "real" book
 * and tape. The simulator's clock is simulated: the market moves only when the test advances it.
 *
 * Every expected figure is computed here, independently of the engine, from the public data the
 * simulator serves (book levels over REST, trades over REST), in exact integer units.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/clock/simulated.ts";
import { SystemClock } from "../../src/clock/system.ts";
import { ExchangeError, RejectedError } from "../../src/core/errors.ts";
import type { Market, Orderbook, OrderRequest, Trade } from "../../src/core/model.ts";
import { roundPrice } from "../../src/core/orders/krw.ts";
import { BithumbRestClient, BithumbWsClient } from "../../src/exchange/bithumb/index.ts";
import { createPaperExchange, type PaperExchangeHandle } from "../../src/exchange/paper/index.ts";
import { type SimulatorHandle, startSimulator } from "../../src/exchange/sim/index.ts";
import type { MyAssetEvent, MyOrderEvent, StreamEvent } from "../../src/ports/market-stream.ts";
import { tempDir } from "../unit/exchange/paper/fakes.ts";

const BTC: Market = "KRW-BTC";
const XRP: Market = "KRW-XRP";
const wall = new SystemClock();

let sim: SimulatorHandle;
let simClock: SimulatedClock;
let rest: BithumbRestClient;
const dir = tempDir();

beforeAll(async () => {
  // Pinned to 9 days into the data: the restart case needs the market to cross its bid while the bot is down.
  sim = await startSimulator({ markets: [BTC, XRP], seed: 5, startIndex: 9 * 1_440, clock: (start) => (simClock = new SimulatedClock(start)) });
  rest = new BithumbRestClient({ baseUrl: sim.restUrl, clock: wall, timeoutMs: 3_000, retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 } });
});

afterAll(async () => {
  await sim?.stop();
  dir.cleanup();
});

interface Rig {
  readonly paper: PaperExchangeHandle;
  readonly ws: BithumbWsClient;
  /** Public trades the paper exchange's stream delivered. */
  readonly tape: Map<string, Trade>;
  readonly events: StreamEvent[];
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.paper.close();
});

let storeSeq = 0;
let idSeq = 0;
const cid = () => `it-${++idSeq}`;

async function until<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

async function openPaper(storePath = dir.path(`paper-${++storeSeq}.db`), initialKrw = 1_000_000_000): Promise<Rig> {
  const ws = new BithumbWsClient({ url: sim.wsUrl, clock: wall, staleAfterMs: 0, reconnect: { baseDelayMs: 50, maxDelayMs: 200 } });
  // Recorded from the first frame on (the stream dispatches synchronously, so once a trade is
  // recorded here the paper exchange has processed it as well).
  const tape = new Map<string, Trade>();
  ws.onEvent((e) => e.type === "trade" && tape.set(e.trade.sequentialId, e.trade));
  const paper = await createPaperExchange({ source: rest, stream: ws, clock: simClock, random: () => 0.42, storePath, initialKrw });
  const events: StreamEvent[] = [];
  paper.privateStream.onEvent((e) => events.push(e));
  paper.privateStream.start();
  await until(() => ws.connected, "the public stream to connect");
  const rig = { paper, ws, tape, events };
  rigs.push(rig);
  return rig;
}

/** Move the market forward and wait until the paper exchange's stream has delivered its newest trade. */
async function advance(rig: Rig, market: Market, ms: number): Promise<void> {
  simClock.advance(ms);
  sim.admin.sync();
  const [last] = await rest.getRecentTrades(market, 1);
  if (last) await until(() => rig.tape.has(last.sequentialId), `trade ${last.sequentialId} on the stream`);
}

// Exact arithmetic in integer units: prices x 10^4, volumes x 10^8, KRW x 10^12.
const P = (price: number) => BigInt(Math.round(price * 1e4));
const V = (volume: number) => BigInt(Math.round(volume * 1e8));
const FEE_NUM = 25n; // 0.25 % = 25 / 10,000
const feeOf = (funds: bigint) => ((funds * FEE_NUM) / 10_000n / 10_000n) * 10_000n; // floor to 10^-8 KRW
/** `units` x 10^-decimals as the nearest double (via its exact decimal text, as the engine reports it). */
function decimal(units: bigint, decimals: number): number {
  const sign = units < 0n ? "-" : "";
  const digits = (units < 0n ? -units : units).toString().padStart(decimals + 1, "0");
  return Number(`${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`);
}
const krw = (units: bigint) => decimal(units, 12);
const vol = (units: bigint) => decimal(units, 8);

/** A market buy of `amount` KRW walked through `book`'s asks: what Bithumb-style depth walking fills. */
function walkBuy(book: Orderbook, amount: number): { volume: bigint; funds: bigint; fee: bigint } {
  let left = BigInt(amount) * 10n ** 12n;
  let volume = 0n;
  let funds = 0n;
  let fee = 0n;
  for (const level of book.levels) {
    const wanted = left / P(level.askPrice); // 10^-12 / 10^-4 = 10^-8 units, floored
    const take = wanted < V(level.askSize) ? wanted : V(level.askSize);
    if (take <= 0n) break;
    const f = take * P(level.askPrice);
    volume += take;
    funds += f;
    fee += feeOf(f);
    left -= f;
    if (take === wanted) break;
  }
  return { volume, funds, fee };
}

/** A market sell of `volume` walked through `book`'s bids. */
function walkSell(book: Orderbook, volume: number): { volume: bigint; funds: bigint; fee: bigint } {
  let left = V(volume);
  let funds = 0n;
  let fee = 0n;
  for (const level of book.levels) {
    const take = left < V(level.bidSize) ? left : V(level.bidSize);
    const f = take * P(level.bidPrice);
    funds += f;
    fee += feeOf(f);
    left -= take;
    if (left === 0n) break;
  }
  return { volume: V(volume) - left, funds, fee };
}

async function balances(rig: Rig): Promise<Record<string, { balance: number; locked: number }>> {
  return Object.fromEntries((await rig.paper.exchange.getAccounts()).map((b) => [b.currency, { balance: b.balance, locked: b.locked }]));
}

async function refusal(p: Promise<unknown>): Promise<ExchangeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ExchangeError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

const myOrders = (events: StreamEvent[], orderId: string): MyOrderEvent[] => events.flatMap((e) => (e.type === "myOrder" && e.order.orderId === orderId ? [e.order] : []));
const lastAsset = (events: StreamEvent[]): MyAssetEvent | undefined => events.flatMap((e) => (e.type === "myAsset" ? [e.asset] : [])).at(-1);

describe("paper exchange on the simulator's public data", () => {
  it("fills a market buy and a market sell from the live book, with the taker fee, and books the balances exactly", async () => {
    const rig = await openPaper();
    const ex = rig.paper.exchange;
    const [book] = await rest.getOrderbooks([BTC]);
    const buy = walkBuy(book!, 50_000_000);
    const bought = (await ex.getOrder({ orderId: (await ex.placeOrder({ market: BTC, side: "bid", type: "price", price: 50_000_000, clientOrderId: cid() })).orderId }))!;
    expect(bought.state).toBe("done");
    expect([bought.executedVolume, bought.executedFunds, bought.paidFee]).toEqual([vol(buy.volume), krw(buy.funds), krw(buy.fee)]);
    expect(bought.trades!.length).toBeGreaterThan(1); // 50M KRW takes more than the best level: depth was walked
    expect(bought.trades![0]!.price).toBe(book!.levels[0]!.askPrice);

    const afterBuy = 1_000_000_000n * 10n ** 12n - buy.funds - buy.fee;
    expect(await balances(rig)).toEqual({ KRW: { balance: krw(afterBuy), locked: 0 }, BTC: { balance: vol(buy.volume), locked: 0 } });

    const sellVolume = vol(buy.volume / 2n);
    const sell = walkSell(book!, sellVolume);
    const sold = (await ex.getOrder({ orderId: (await ex.placeOrder({ market: BTC, side: "ask", type: "market", volume: sellVolume, clientOrderId: cid() })).orderId }))!;
    expect([sold.state, sold.executedVolume, sold.executedFunds, sold.paidFee]).toEqual(["done", vol(sell.volume), krw(sell.funds), krw(sell.fee)]);
    expect(await balances(rig)).toEqual({
      KRW: { balance: krw(afterBuy + sell.funds - sell.fee), locked: 0 },
      BTC: { balance: vol(buy.volume - sell.volume), locked: 0 },
    });
  });

  it("applies post_only, ioc and fok against the live book", async () => {
    const rig = await openPaper();
    const ex = rig.paper.exchange;
    const [book] = await rest.getOrderbooks([XRP]);
    const best = book!.levels[0]!;
    const place = async (r: Omit<OrderRequest, "clientOrderId">) => (await ex.getOrder({ orderId: (await ex.placeOrder({ ...r, clientOrderId: cid() })).orderId }))!;

    const taking = await place({ market: XRP, side: "bid", type: "limit", price: best.askPrice, volume: 2, timeInForce: "post_only" });
    expect([taking.state, taking.cancelType, taking.executedVolume]).toEqual(["cancel", "tif_cancel", 0]);
    const making = await place({ market: XRP, side: "bid", type: "limit", price: best.bidPrice, volume: 2, timeInForce: "post_only" });
    expect(making.state).toBe("wait");

    const tooMuch = best.askSize + 1;
    const fok = await place({ market: XRP, side: "bid", type: "limit", price: best.askPrice, volume: tooMuch, timeInForce: "fok" });
    expect([fok.state, fok.cancelType, fok.executedVolume]).toEqual(["cancel", "tif_cancel", 0]);
    const ioc = await place({ market: XRP, side: "bid", type: "limit", price: best.askPrice, volume: tooMuch, timeInForce: "ioc" });
    expect([ioc.state, ioc.executedVolume]).toEqual(["done", best.askSize]); // only the best level is at the limit
    expect(ioc.trades!.every((t) => t.price === best.askPrice)).toBe(true);

    const resting = V(2) * P(best.bidPrice); // only the post_only bid that rested still holds KRW
    expect((await balances(rig)).KRW!.locked).toBe(krw(resting + feeOfCeil(resting)));
  });

  it("fills a resting bid from public trades that reach it, partially, never beyond the printed volume, and streams cumulative myOrder events", async () => {
    const rig = await openPaper();
    const ex = rig.paper.exchange;
    const [last] = await rest.getRecentTrades(BTC, 1);
    const limitPrice = roundPrice(last!.price - 10_000, "down"); // below the market: only trades at or under it count
    const volume = 5;
    const ack = await ex.placeOrder({ market: BTC, side: "bid", type: "limit", price: limitPrice, volume, clientOrderId: cid() });
    const placedAt = (await ex.getOrder(ack))!.createdAt;
    await until(() => rig.tape.has(last!.sequentialId), "the subscription snapshot"); // subscribed: realtime trades follow

    let executed = 0;
    for (let minute = 0; minute < 600 && executed === 0; minute++) {
      await advance(rig, BTC, 60_000);
      executed = (await ex.getOrder(ack))!.executedVolume;
    }
    expect(executed).toBeGreaterThan(0);
    await advance(rig, BTC, 60_000); // one more minute: more partial fills, or none

    const order = (await ex.getOrder(ack))!;
    const tape = await rest.getRecentTrades(BTC, 500);
    const crossing = tape.filter((t) => t.timestamp >= placedAt && t.price <= limitPrice).reduce((sum, t) => sum + V(t.volume), 0n);
    const expected = crossing < V(volume) ? crossing : V(volume);
    expect(V(order.executedVolume)).toBe(expected);
    expect(order.executedVolume).toBeLessThan(volume); // partial
    expect(order.state).toBe("wait");
    expect(order.trades!.every((t) => t.price === limitPrice)).toBe(true);
    const funds = V(order.executedVolume) * P(limitPrice);
    const paid = order.trades!.reduce((sum, t) => sum + feeOf(V(t.volume) * P(limitPrice)), 0n); // fee per fill, floored
    expect(order.executedFunds).toBe(krw(funds));
    expect(order.paidFee).toBe(krw(paid));

    const initial = 1_000_000_000n * 10n ** 12n;
    const notional = V(volume) * P(limitPrice);
    const reserve = feeOfCeil(notional);
    const free = krw(initial - notional - reserve);
    const locked = krw(notional + reserve - funds - paid);
    expect(await balances(rig)).toEqual({ KRW: { balance: free, locked }, BTC: { balance: order.executedVolume, locked: 0 } });

    await until(() => myOrders(rig.events, ack.orderId).length >= 1 + order.trades!.length, "myOrder events");
    const events = myOrders(rig.events, ack.orderId);
    expect(events[0]).toMatchObject({ state: "wait", executedVolume: 0, clientOrderId: ack.clientOrderId, side: "bid", type: "limit" });
    const trades = events.filter((e) => e.state === "trade");
    expect(trades.map((e) => e.tradeId)).toEqual(order.trades!.map((t) => t.tradeId));
    let cumulative = 0n;
    for (const e of trades) {
      cumulative += V(e.tradeVolume!);
      expect(V(e.executedVolume!)).toBe(cumulative);
      expect(V(e.remainingVolume!)).toBe(V(volume) - cumulative);
    }
    expect(trades.at(-1)!.paidFee).toBe(order.paidFee);
    expect(lastAsset(rig.events)!.assets.find((a) => a.currency === "KRW")).toEqual({ currency: "KRW", balance: free, locked });

    // Cancel: the rest of the lock comes back to the last unit.
    await ex.cancelOrder(ack);
    expect(await balances(rig)).toEqual({ KRW: { balance: krw(initial - funds - paid), locked: 0 }, BTC: { balance: order.executedVolume, locked: 0 } });
    await until(() => myOrders(rig.events, ack.orderId).at(-1)?.state === "cancel", "the cancel event");
    expect((await rig.paper.exchange.listOpenOrders()).orders).toEqual([]);
  });

  it("is idempotent by client_order_id and refuses malformed orders with Bithumb's names", async () => {
    const rig = await openPaper();
    const ex = rig.paper.exchange;
    const request: OrderRequest = { market: XRP, side: "bid", type: "price", price: 100_000, clientOrderId: cid() };
    const [a, b] = await Promise.all([ex.placeOrder(request), ex.placeOrder(request)]);
    expect(b.orderId).toBe(a.orderId);
    expect((await ex.placeOrder(request)).orderId).toBe(a.orderId);
    expect((await ex.searchOrders({ clientOrderIds: [request.clientOrderId] })).length).toBe(1);
    expect((await ex.listClosedOrders()).orders.length).toBe(1);

    const bad: [OrderRequest, string][] = [
      [{ market: XRP, side: "bid", type: "limit", price: Number.NaN, volume: 10, clientOrderId: cid() }, "invalid_parameter"],
      [{ market: XRP, side: "bid", type: "limit", price: 4_000, volume: Number.NaN, clientOrderId: cid() }, "invalid_parameter"],
      [{ market: XRP, side: "bid", type: "limit", price: 4_000, volume: 10, clientOrderId: "white space" }, "invalid_parameter"],
      [{ market: "KRW-ZZZ", side: "bid", type: "limit", price: 4_000, volume: 10, clientOrderId: cid() }, "invalid_parameter"],
      [{ market: XRP, side: "bid", type: "limit", price: 4_000.5, volume: 10, clientOrderId: cid() }, "invalid_price"],
      [{ market: XRP, side: "bid", type: "limit", price: 4_000, volume: 1, clientOrderId: cid() }, "under_min_total_bid"],
    ];
    for (const [r, code] of bad) {
      const e = await refusal(ex.placeOrder(r));
      expect(e).toBeInstanceOf(RejectedError);
      expect(e.code).toBe(code);
    }
    expect((await ex.listClosedOrders()).orders.length).toBe(1);
  });

  it("keeps balances and open orders across a restart and fills from trades printed while it was down", async () => {
    const storePath = dir.path("restart.db");
    const first = await openPaper(storePath, 10_000_000_000);
    const [last] = await rest.getRecentTrades(XRP, 1);
    const limitPrice = last!.price - 1; // one tick under the market (1 KRW ticks at this price)
    const volume = 2_000_000; // more than the market prints at this price in the test's minutes: the order stays open
    const ack = await first.paper.exchange.placeOrder({ market: XRP, side: "bid", type: "limit", price: limitPrice, volume, clientOrderId: cid() });
    const placedAt = (await first.paper.exchange.getOrder(ack))!.createdAt;
    await until(() => first.tape.has(last!.sequentialId), "the subscription snapshot");
    await advance(first, XRP, 60_000);
    const before = { accounts: await first.paper.exchange.getAccounts(), open: await first.paper.exchange.listOpenOrders(), order: await first.paper.exchange.getOrder(ack) };
    await first.paper.close();
    rigs.splice(rigs.indexOf(first), 1);

    // Closed files reopen to the same account.
    const reopened = await openPaper(storePath, 1);
    expect(await reopened.paper.exchange.getAccounts()).toEqual(before.accounts);
    expect(await reopened.paper.exchange.listOpenOrders()).toEqual(before.open);
    expect(await reopened.paper.exchange.getOrder(ack)).toEqual(before.order);
    await reopened.paper.close();
    rigs.splice(rigs.indexOf(reopened), 1);

    // The market moves while the bot is down; the next start catches up over REST.
    for (let i = 0; i < 10; i++) {
      simClock.advance(60_000);
      sim.admin.sync();
    }
    const again = await openPaper(storePath, 1);
    const [newest] = await rest.getRecentTrades(XRP, 1);
    await until(() => again.tape.has(newest!.sequentialId), "the subscription snapshot after restart");
    await advance(again, XRP, 60_000);
    const order = (await again.paper.exchange.getOrder(ack))!;
    const tape = await rest.getRecentTrades(XRP, 500);
    expect(tape.at(-1)!.timestamp).toBeLessThan(placedAt); // the REST window covers the whole life of the order
    const crossing = tape.filter((t) => t.timestamp >= placedAt && t.price <= limitPrice).reduce((sum, t) => sum + V(t.volume), 0n);
    expect(crossing).toBeLessThan(V(volume));
    expect(V(order.executedVolume)).toBe(crossing);
    expect(order.executedVolume).toBeGreaterThan(before.order!.executedVolume); // filled from trades printed while it was down
    expect(order.trades!.length).toBe(new Set(order.trades!.map((t) => t.tradeId)).size);
    const accounts = await balances(again);
    expect(accounts.XRP).toEqual({ balance: order.executedVolume, locked: 0 });
    expect(accounts.KRW!.locked).toBe(order.locked);
  });
});

/** The bid fee reserve: notional x 0.25 % rounded UP to 10^-8 KRW. */
function feeOfCeil(funds: bigint): bigint {
  const raw = funds * FEE_NUM;
  const step = 10_000n * 10_000n;
  return ((raw + step - 1n) / step) * 10_000n;
}
