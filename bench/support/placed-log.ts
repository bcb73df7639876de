import type { Market } from "../../src/core/model.ts";
import type { Cause } from "./causes.ts";

/**
 * Every order request the runtime sent, with what caused it, kept in preallocated typed arrays.
 *
 * Why not an array of objects: the memory verdict of the runtime benchmark is the slope of live
 * memory, and one object per order (plus the cause it holds on to) is the harness's own growth,
 * about half a MB per minute at 27 orders/s, the size of the effect being measured. Columns sized
 * up front keep the harness flat; only the client id strings (tens of bytes per order) are kept.
 * Records are turned into objects once the measurement is over (`toArray`).
 */

export interface PlacedOrder {
  readonly clientOrderId: string;
  readonly market: Market;
  readonly side: "bid" | "ask";
  /** `performance.now()` when placeOrder was entered: "order request out". */
  readonly at: number;
  /** What the runtime was reacting to when the request left. */
  readonly cause: Cause | null;
  /** Process CPU time (ms) at that moment: with the cause's, the CPU the path used (wall minus CPU = waiting). */
  readonly cpuAt: number;
}

/** What caused a record, in bits 2-4 of its flags. */
const Kind = { None: 0, OwnTrade: 1, OtherTrade: 2, Timer: 3, Private: 4 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** Stands for "a trade of some other market" when records become objects again. */
const OTHER_MARKET = "KRW-OTHER" as Market;

export class PlacedLog {
  length = 0;
  private capacity: number;
  private at: Float64Array;
  private cpuAt: Float64Array;
  private startedAt: Float64Array;
  private dueAt: Float64Array;
  private causeCpuAt: Float64Array;
  /** bit 0: ask; bit 1: the trade opened a candle; bits 2-4: Kind. */
  private flags: Uint8Array;
  private marketIndex: Uint16Array;
  private ids: string[];
  private readonly markets: readonly Market[];
  private readonly indexOf: ReadonlyMap<Market, number>;
  /** How often the columns had to grow during the run (0 = the capacity guess held). */
  grown = 0;

  constructor(markets: readonly Market[], capacity: number) {
    if (markets.length > 0xffff) throw new Error("PlacedLog indexes markets in 16 bits");
    this.markets = markets;
    this.indexOf = new Map(markets.map((m, i) => [m, i]));
    this.capacity = Math.max(16, Math.ceil(capacity));
    this.at = new Float64Array(this.capacity);
    this.cpuAt = new Float64Array(this.capacity);
    this.startedAt = new Float64Array(this.capacity);
    this.dueAt = new Float64Array(this.capacity);
    this.causeCpuAt = new Float64Array(this.capacity);
    this.flags = new Uint8Array(this.capacity);
    this.marketIndex = new Uint16Array(this.capacity);
    this.ids = new Array<string>(this.capacity).fill("");
  }

  record(order: { readonly clientOrderId: string; readonly market: Market; readonly side: "bid" | "ask" }, at: number, cause: Cause | null, cpuAt: number): void {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    const market = this.indexOf.get(order.market);
    if (market === undefined) throw new Error(`order for unknown market ${order.market}`);
    this.at[i] = at;
    this.cpuAt[i] = cpuAt;
    this.marketIndex[i] = market;
    this.ids[i] = order.clientOrderId;
    let kind: Kind = Kind.None;
    let opensCandle = false;
    if (cause) {
      this.startedAt[i] = cause.startedAt;
      this.dueAt[i] = cause.dueAt;
      if (cause.kind === "trade") {
        kind = cause.market === order.market ? Kind.OwnTrade : Kind.OtherTrade;
        opensCandle = cause.opensCandle;
        this.causeCpuAt[i] = cause.cpuAt;
      } else kind = cause.kind === "timer" ? Kind.Timer : Kind.Private;
    }
    this.flags[i] = (order.side === "ask" ? 1 : 0) | (opensCandle ? 2 : 0) | (kind << 2);
  }

  /** Records from `from` on, as objects (allocate only after the measurement). */
  toArray(from = 0): PlacedOrder[] {
    const out: PlacedOrder[] = [];
    for (let i = from; i < this.length; i++) {
      const flags = this.flags[i]!;
      const market = this.markets[this.marketIndex[i]!]!;
      const kind = flags >> 2;
      const startedAt = this.startedAt[i]!;
      const dueAt = this.dueAt[i]!;
      const cause: Cause | null =
        kind === Kind.None
          ? null
          : kind === Kind.Timer
            ? { kind: "timer", startedAt, dueAt }
            : kind === Kind.Private
              ? { kind: "private", market: null, startedAt, dueAt }
              : { kind: "trade", market: kind === Kind.OwnTrade ? market : OTHER_MARKET, startedAt, dueAt, opensCandle: (flags & 2) !== 0, cpuAt: this.causeCpuAt[i]! };
      out.push({ clientOrderId: this.ids[i]!, market, side: flags & 1 ? "ask" : "bid", at: this.at[i]!, cause, cpuAt: this.cpuAt[i]! });
    }
    return out;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const widen = <T extends Float64Array | Uint8Array | Uint16Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.at = widen(this.at, (n) => new Float64Array(n));
    this.cpuAt = widen(this.cpuAt, (n) => new Float64Array(n));
    this.startedAt = widen(this.startedAt, (n) => new Float64Array(n));
    this.dueAt = widen(this.dueAt, (n) => new Float64Array(n));
    this.causeCpuAt = widen(this.causeCpuAt, (n) => new Float64Array(n));
    this.flags = widen(this.flags, (n) => new Uint8Array(n));
    this.marketIndex = widen(this.marketIndex, (n) => new Uint16Array(n));
    this.ids = this.ids.concat(new Array<string>(this.capacity).fill(""));
    this.capacity = capacity;
    this.grown++;
  }
}
