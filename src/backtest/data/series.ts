import { INTERVAL_MS, INTERVALS, type Candle, type Interval, type Market } from "../../core/model.ts";

/**
 * OHLCV columns of one market, one Float64Array per field, index i = candle i. The backtester's
 * working form: a 525,600-candle year is six 4 MB arrays instead of half a million objects, so
 * parsing, indicator passes and hashing stay fast and the GC stays out of the way.
 */
export interface CandleColumns {
  /** Candle open time, UTC epoch ms. */
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Base-asset quantity. */
  readonly volume: Float64Array;
}

/** A market's candles in columnar form, with the interval they are on. */
export interface CandleSeries extends CandleColumns {
  readonly market: Market;
  readonly interval: Interval;
  /** `INTERVAL_MS[interval]`, kept alongside because every grid check needs it. */
  readonly intervalMs: number;
  readonly length: number;
}

/** Columns of `length` zeros. */
export function allocateColumns(length: number): CandleColumns {
  return {
    ts: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
}

/** Wrap columns (all of one length) as a series. */
export function makeSeries(market: Market, interval: Interval, columns: CandleColumns): CandleSeries {
  const length = columns.ts.length;
  for (const key of ["open", "high", "low", "close", "volume"] as const) {
    if (columns[key].length !== length) throw new RangeError(`column ${key} has ${columns[key].length} values, ts has ${length}`);
  }
  return { market, interval, intervalMs: INTERVAL_MS[interval], length, ...pickColumns(columns) };
}

function pickColumns(c: CandleColumns): CandleColumns {
  return { ts: c.ts, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
}

/** The candle at index i as an object. */
export function candleAt(series: CandleColumns, i: number): Candle {
  return {
    ts: series.ts[i]!,
    open: series.open[i]!,
    high: series.high[i]!,
    low: series.low[i]!,
    close: series.close[i]!,
    volume: series.volume[i]!,
  };
}

/** A candle object that is filled again and again (`readCandle`). */
export type MutableCandle = { -readonly [K in keyof Candle]: Candle[K] };

/** Candle i written into `target` (a reused object: no allocation per candle on a hot path). */
export function readCandle(target: MutableCandle, series: CandleColumns, i: number): void {
  target.ts = series.ts[i]!;
  target.open = series.open[i]!;
  target.high = series.high[i]!;
  target.low = series.low[i]!;
  target.close = series.close[i]!;
  target.volume = series.volume[i]!;
}

/** Every candle as an object (for code that takes `Candle[]`; allocation-heavy on long series). */
export function seriesToCandles(series: CandleColumns): Candle[] {
  const out = new Array<Candle>(series.ts.length);
  for (let i = 0; i < out.length; i++) out[i] = candleAt(series, i);
  return out;
}

/** Columnar copy of candle objects. */
export function candlesToColumns(candles: readonly Candle[]): CandleColumns {
  const c = allocateColumns(candles.length);
  candles.forEach((k, i) => {
    c.ts[i] = k.ts;
    c.open[i] = k.open;
    c.high[i] = k.high;
    c.low[i] = k.low;
    c.close[i] = k.close;
    c.volume[i] = k.volume;
  });
  return c;
}

/** Columnar copy of candle objects, as a series. */
export function candlesToSeries(candles: readonly Candle[], market: Market, interval: Interval): CandleSeries {
  return makeSeries(market, interval, candlesToColumns(candles));
}

/** Copy candle `from` of `src` to index `to` of `out` (every column). */
export function copyCandle(out: CandleColumns, to: number, src: CandleColumns, from: number): void {
  out.ts[to] = src.ts[from]!;
  out.open[to] = src.open[from]!;
  out.high[to] = src.high[from]!;
  out.low[to] = src.low[from]!;
  out.close[to] = src.close[from]!;
  out.volume[to] = src.volume[from]!;
}

/** Candles [start, end) as a series sharing the same memory (no copy). */
export function sliceSeries(series: CandleSeries, start: number, end = series.length): CandleSeries {
  return makeSeries(series.market, series.interval, {
    ts: series.ts.subarray(start, end),
    open: series.open.subarray(start, end),
    high: series.high.subarray(start, end),
    low: series.low.subarray(start, end),
    close: series.close.subarray(start, end),
    volume: series.volume.subarray(start, end),
  });
}

/** The named interval whose length is exactly `ms`, if any. */
export function intervalFromMs(ms: number): Interval | undefined {
  return INTERVALS.find((i) => INTERVAL_MS[i] === ms);
}

/**
 * The most frequent of the values `add`ed, NaN values skipped; ties go to the smaller value;
 * undefined when every value was NaN. Equal neighbours are counted as runs, so on regular data the
 * map is touched once per change of value rather than once per element. A class with a small `add`
 * rather than a function taking a callback: each caller's loop then inlines it (a shared callback
 * call site would see several closures and stay a call per element).
 */
export class ModeCounter {
  private readonly counts = new Map<number, number>();
  private run = Number.NaN;
  private runLength = 0;

  add(value: number): void {
    if (value === this.run) this.runLength++;
    else if (!Number.isNaN(value)) {
      this.flush();
      this.run = value;
      this.runLength = 1;
    }
  }

  mode(): number | undefined {
    this.flush();
    let best: number | undefined;
    let bestCount = 0;
    for (const [value, count] of this.counts) {
      if (count > bestCount || (count === bestCount && best !== undefined && value < best)) {
        best = value;
        bestCount = count;
      }
    }
    return best;
  }

  private flush(): void {
    if (this.runLength > 0) this.counts.set(this.run, (this.counts.get(this.run) ?? 0) + this.runLength);
    this.runLength = 0;
  }
}

/**
 * The candle spacing of a timestamp column: the most frequent positive difference between
 * consecutive timestamps (the mode, so gaps and a few bad rows do not move it). NaN timestamps
 * are ignored; undefined when no positive difference exists.
 */
export function modalSpacing(ts: ArrayLike<number>): number | undefined {
  const counter = new ModeCounter();
  let prev = Number.NaN;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (Number.isNaN(t)) continue;
    const d = t - prev;
    prev = t;
    counter.add(d > 0 ? d : Number.NaN);
  }
  return counter.mode();
}
