/**
 * The domain vocabulary shared by every layer: plain readonly data, no behaviour, no I/O.
 *
 * Numbers: prices, volumes and KRW amounts are JS numbers inside the core. Values that reach the
 * exchange are rounded onto Bithumb's grids by `core/orders/krw.ts` (price ticks, 8-decimal
 * volumes, whole-KRW amounts) and serialised by `formatDecimal`, so float drift never produces an
 * off-tick price or an order below the minimum.
 */

/** A Bithumb market code, quote-base: `KRW-BTC` pays KRW for BTC. */
export type Market = `KRW-${string}`;

const MARKET_RE = /^KRW-[A-Z0-9]{1,15}$/;

/** True when `s` is a well-formed KRW market code (upper-case, as Bithumb writes them). */
export function isMarket(s: unknown): s is Market {
  return typeof s === "string" && MARKET_RE.test(s);
}

/** The base currency of a market: `KRW-BTC` -> `BTC`. */
export function baseCurrency(market: Market): string {
  return market.slice(4);
}

/** Candle intervals Bithumb serves (API.md 3.6). */
export const INTERVALS = ["1m", "3m", "5m", "10m", "15m", "30m", "1h", "4h", "1d", "1w", "1M"] as const;
export type Interval = (typeof INTERVALS)[number];

/** Interval length in ms (months counted as 30 days: only used for grid checks, never calendars). */
export const INTERVAL_MS: Readonly<Record<Interval, number>> = {
  "1m": 60_000,
  "3m": 180_000,
  "5m": 300_000,
  "10m": 600_000,
  "15m": 900_000,
  "30m": 1_800_000,
  "1h": 3_600_000,
  "4h": 14_400_000,
  "1d": 86_400_000,
  "1w": 604_800_000,
  "1M": 2_592_000_000,
};

/** One OHLCV bar. `ts` is the candle's OPEN time in UTC epoch ms; the bar covers [ts, ts + interval). */
export interface Candle {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Traded quantity in the base asset (not KRW turnover). */
  readonly volume: number;
}

/** A candle as the live system sees it: whether it is final matters to the strategy. */
export interface LiveCandle extends Candle {
  readonly market: Market;
  readonly interval: Interval;
  /** False while the interval is still running; strategies act only on closed candles. */
  readonly closed: boolean;
}

/** Bithumb's investment-caution flag (유의 종목). */
export type MarketWarning = "NONE" | "CAUTION";

export interface MarketInfo {
  readonly market: Market;
  readonly koreanName: string;
  readonly englishName: string;
  readonly warning: MarketWarning;
}

export type Change = "RISE" | "EVEN" | "FALL";

export interface Ticker {
  readonly market: Market;
  readonly tradePrice: number;
  readonly openingPrice: number;
  readonly highPrice: number;
  readonly lowPrice: number;
  readonly prevClosingPrice: number;
  readonly change: Change;
  readonly changeRate: number;
  readonly signedChangeRate: number;
  readonly tradeVolume: number;
  readonly accTradeVolume24h: number;
  readonly accTradePrice24h: number;
  /** Time of the last trade, epoch ms. */
  readonly tradeTimestamp: number;
  /** Time the ticker was produced, epoch ms. */
  readonly timestamp: number;
  /** Only on WebSocket tickers; REST tickers leave these undefined. */
  readonly warning?: MarketWarning;
  readonly suspended?: boolean;
  readonly marketState?: string;
}

export interface OrderbookLevel {
  readonly askPrice: number;
  readonly bidPrice: number;
  readonly askSize: number;
  readonly bidSize: number;
}

export interface Orderbook {
  readonly market: Market;
  readonly timestamp: number;
  readonly totalAskSize: number;
  readonly totalBidSize: number;
  /** Best level first. */
  readonly levels: readonly OrderbookLevel[];
}

/** Taker side of a public trade: `BID` = a buyer lifted the ask. */
export type TakerSide = "ASK" | "BID";

export interface Trade {
  readonly market: Market;
  readonly timestamp: number;
  readonly price: number;
  readonly volume: number;
  readonly side: TakerSide;
  /** Unique per trade but NOT ordered (API.md 3.5); never sort by it. */
  readonly sequentialId: string;
}

/** One currency in the account. `balance` is available, `locked` is held by open orders. */
export interface Balance {
  readonly currency: string;
  readonly balance: number;
  readonly locked: number;
  readonly avgBuyPrice: number;
}

/** Order sides as Bithumb REST writes them. */
export type Side = "bid" | "ask";
/** `price` = market buy by KRW amount (bid only); `market` = market sell by volume (ask only). */
export type OrderType = "limit" | "price" | "market" | "best";
export type TimeInForce = "ioc" | "fok" | "post_only";
export type ExchangeOrderState = "wait" | "watch" | "done" | "cancel";

/** Per-market trading rules and fees, read from `GET /v1/orders/chance` at runtime. */
export interface MarketRules {
  readonly market: Market;
  readonly bidFee: number;
  readonly askFee: number;
  readonly makerBidFee: number;
  readonly makerAskFee: number;
  /** Minimum order notional in KRW per side. */
  readonly minTotalBid: number;
  readonly minTotalAsk: number;
  /** Maximum order notional in KRW, when the exchange states one. */
  readonly maxTotal?: number;
  /** Market state, e.g. `active`. Orders are only sent while active. */
  readonly state: string;
  /** Order types the market accepts, when listed. */
  readonly orderTypes?: readonly string[];
  /**
   * Per-market price step (`market.bid.price_unit`) when the exchange states one; a price must then
   * sit on this step as well as on the KRW tick table (API.md 9: per-symbol exceptions UNCONFIRMED).
   */
  readonly priceUnit?: number;
}

/** Fallbacks when `orders/chance` cannot be read (API.md 9 says 5,000 KRW / 0.25% are common, UNCONFIRMED). */
export const DEFAULT_MIN_TOTAL_KRW = 5_000;
export const DEFAULT_FEE_RATE = 0.0025;

export interface OrderChance {
  readonly rules: MarketRules;
  readonly bidAccount?: Balance;
  readonly askAccount?: Balance;
}

/** What the bot asks the exchange to do. Every order carries a client id chosen before sending. */
export interface OrderRequest {
  readonly market: Market;
  readonly side: Side;
  readonly type: OrderType;
  /** limit/best: unit price on the tick grid; price (market buy): total KRW to spend. */
  readonly price?: number;
  /** limit/market: quantity in the base asset. */
  readonly volume?: number;
  readonly timeInForce?: TimeInForce;
  /** 1-36 of `A-Z a-z 0-9 - _` (API.md 4.7.1). */
  readonly clientOrderId: string;
}

/** The exchange's acknowledgement of a placed order (v2 create response). */
export interface OrderAck {
  readonly orderId: string;
  readonly clientOrderId?: string;
  readonly market: Market;
  readonly side: Side;
  readonly type: OrderType;
  readonly createdAt: number;
}

/** One execution of an order. */
export interface Fill {
  readonly orderId: string;
  /** Exchange trade id; stable across re-reads, so fills are recorded once. */
  readonly tradeId: string;
  readonly market: Market;
  readonly side: Side;
  readonly price: number;
  readonly volume: number;
  /** KRW value of the fill (price x volume as the exchange reports it). */
  readonly funds: number;
  readonly fee: number;
  readonly ts: number;
}

/** An order as the exchange reports it (`GET /v1/order` and lists). */
export interface ExchangeOrder {
  readonly orderId: string;
  readonly clientOrderId?: string;
  readonly market: Market;
  readonly side: Side;
  readonly type: OrderType;
  readonly state: ExchangeOrderState;
  readonly price?: number;
  readonly volume?: number;
  readonly remainingVolume: number;
  readonly executedVolume: number;
  /** KRW exchanged so far. */
  readonly executedFunds: number;
  readonly paidFee: number;
  readonly reservedFee: number;
  readonly remainingFee: number;
  readonly locked: number;
  readonly timeInForce?: TimeInForce;
  readonly cancelType?: string;
  readonly createdAt: number;
  /** Per-fill detail when the exchange includes it. */
  readonly trades?: readonly Fill[];
}

/** A reference to one order: by exchange id or by our client id. */
export type OrderRef = { readonly orderId: string } | { readonly clientOrderId: string };

/** A long position in one market (the KRW spot market cannot short). */
export interface Position {
  readonly market: Market;
  readonly volume: number;
  readonly avgPrice: number;
  readonly entryTs: number;
  /** Current protective stop price, if any. */
  readonly stop?: number;
  /** Highest close since entry, for the ATR trailing stop. */
  readonly highWater?: number;
}
