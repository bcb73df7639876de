import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedClock } from "../../../../src/clock/simulated.ts";
import { RetryableError } from "../../../../src/core/errors.ts";
import type { Candle, Market, MarketInfo, Orderbook, Ticker, Trade } from "../../../../src/core/model.ts";
import { createPaperExchange, type PaperExchangeHandle, type PaperExchangeOptions } from "../../../../src/exchange/paper/index.ts";
import type { CandleQuery, MarketDataSource } from "../../../../src/ports/exchange.ts";
import type { MarketStream, StreamEvent, StreamSubscription } from "../../../../src/ports/market-stream.ts";

export const BTC: Market = "KRW-BTC";
export const XRP: Market = "KRW-XRP";
export const T0 = 1_757_462_400_000;

/** Public data the test controls: books and recent trades per market; counts every call. */
export class FakeSource implements MarketDataSource {
  readonly books = new Map<Market, Orderbook>();
  readonly trades = new Map<Market, Trade[]>();
  readonly calls = { listMarkets: 0, orderbooks: 0, trades: 0 };
  failBooks = false;
  failTrades = false;
  markets: Market[] = [BTC, XRP];

  async listMarkets(): Promise<MarketInfo[]> {
    this.calls.listMarkets++;
    return this.markets.map((market) => ({ market, koreanName: market, englishName: market, warning: "NONE" }));
  }
  async getTickers(_markets: readonly Market[]): Promise<Ticker[]> {
    return [];
  }
  async getOrderbooks(markets: readonly Market[]): Promise<Orderbook[]> {
    this.calls.orderbooks++;
    if (this.failBooks) throw new RetryableError({ code: "network", message: "books down" });
    return markets.flatMap((m) => (this.books.has(m) ? [this.books.get(m)!] : []));
  }
  /** Newest first, as Bithumb sends them. */
  async getRecentTrades(market: Market, count = 1): Promise<Trade[]> {
    this.calls.trades++;
    if (this.failTrades) throw new RetryableError({ code: "network", message: "trades down" });
    return [...(this.trades.get(market) ?? [])].sort((a, b) => b.timestamp - a.timestamp).slice(0, count);
  }
  async getCandles(_query: CandleQuery): Promise<Candle[]> {
    return [];
  }

  /** Set a book: asks and bids as [price, size], best first. */
  setBook(market: Market, asks: [number, number][], bids: [number, number][], timestamp = T0): Orderbook {
    const n = Math.max(asks.length, bids.length);
    const levels = Array.from({ length: n }, (_, i) => ({ askPrice: asks[i]?.[0] ?? 0, askSize: asks[i]?.[1] ?? 0, bidPrice: bids[i]?.[0] ?? 0, bidSize: bids[i]?.[1] ?? 0 }));
    const book: Orderbook = { market, timestamp, totalAskSize: 0, totalBidSize: 0, levels };
    this.books.set(market, book);
    return book;
  }

  addTrade(trade: Trade): void {
    const list = this.trades.get(trade.market) ?? [];
    list.push(trade);
    this.trades.set(trade.market, list);
  }
}

/** A public stream the test drives by hand. */
export class FakeStream implements MarketStream {
  readonly subscriptions: StreamSubscription[] = [];
  private readonly listeners = new Set<(e: StreamEvent) => void>();
  started = 0;
  stopped = 0;
  get connected(): boolean {
    return this.started > this.stopped;
  }
  subscribe(subscription: StreamSubscription): void {
    this.subscriptions.push(subscription);
  }
  onEvent(listener: (e: StreamEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  start(): void {
    this.started++;
  }
  async stop(): Promise<void> {
    this.stopped++;
  }
  emit(event: StreamEvent): void {
    for (const l of this.listeners) l(event);
  }
  get listenerCount(): number {
    return this.listeners.size;
  }
  lastSubscription(): StreamSubscription | undefined {
    return this.subscriptions.at(-1);
  }
}

let tradeSeq = 0;
export function trade(market: Market, price: number, volume: number, timestamp: number, id = `t${++tradeSeq}`): Trade {
  return { market, price, volume, timestamp, side: "ASK", sequentialId: id };
}

/** A temporary folder for account files, removed by `cleanup`. */
export function tempDir(): { path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "paper-test-"));
  return { path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface PaperRig {
  readonly source: FakeSource;
  readonly stream: FakeStream;
  readonly clock: SimulatedClock;
  readonly paper: PaperExchangeHandle;
  /** Every private event, in delivery order. */
  readonly events: StreamEvent[];
}

/** A paper exchange on fakes with a simulated clock; private stream started and recorded. */
export async function paperRig(over: Partial<PaperExchangeOptions> & { source?: FakeSource; stream?: FakeStream; clock?: SimulatedClock } = {}): Promise<PaperRig> {
  const source = over.source ?? new FakeSource();
  const stream = over.stream ?? new FakeStream();
  const clock = over.clock ?? new SimulatedClock(T0);
  if (!source.books.has(BTC)) source.setBook(BTC, [[100_001_000, 0.5], [100_002_000, 1], [100_003_000, 2]], [[100_000_000, 0.5], [99_999_000, 1], [99_998_000, 2]]);
  if (!source.books.has(XRP)) source.setBook(XRP, [[4_110, 10_000], [4_111, 20_000]], [[4_109, 10_000], [4_108, 20_000]]);
  const paper = await createPaperExchange({ source, stream, clock, random: () => 0.5, storePath: ":memory:", ...over });
  const events: StreamEvent[] = [];
  paper.privateStream.onEvent((e) => events.push(e));
  paper.privateStream.start();
  return { source, stream, clock, paper, events };
}

/** Let queued microtasks (private-stream delivery, background catch-ups) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setTimeout(r, 0));
}
