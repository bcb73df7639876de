import { type AtrState, atrInit, atrStep, atrValue } from "./atr.ts";
import { type EmaState, emaInit, emaStep, emaValue } from "./ema.ts";
import { downMove, emaNext, rsiOf, slideSum, trueRange, upMove, wilderNext } from "./kernels.ts";
import { outputBuffer } from "./period.ts";
import { type RsiState, rsiInit, rsiStep, rsiValue } from "./rsi.ts";
import { ratioToMean, type VolumeRatioState, volumeRatioInit, volumeRatioStep, volumeRatioValue } from "./volume.ts";

/**
 * The trend-following indicator set (two EMAs, RSI, ATR, and optionally the volume ratio) computed
 * in ONE pass over columnar candles: the backtester's bare indicator pass, charts, research.
 *
 * Why fused: each indicator is a chain of dependent float operations (an ATR step waits ~20 cycles
 * on its division), so one indicator at a time leaves the CPU idle; in one loop the four chains
 * overlap. Why it is the same arithmetic: the warm-up runs through the step functions themselves,
 * and the steady state calls the same kernels (kernels.ts) with the same operands in the same
 * order as the steps and the single-indicator batch forms. Tests assert bit-identical series.
 */
export interface IndicatorPeriods {
  readonly emaFast: number;
  readonly emaSlow: number;
  readonly rsi: number;
  readonly atr: number;
  /** Volume SMA period for the volume ratio; omit to skip it. */
  readonly volume?: number;
}

/** Candles as columns (Float64Array or number[]), all of the same length. */
export interface CandleColumns {
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  /** Needed only when `periods.volume` is given. */
  readonly volume?: ArrayLike<number>;
}

export interface IndicatorSeries {
  readonly emaFast: Float64Array;
  readonly emaSlow: Float64Array;
  readonly rsi: Float64Array;
  readonly atr: Float64Array;
  /** Present when `periods.volume` was given. */
  readonly volumeRatio?: Float64Array;
}

interface SetStates {
  readonly fast: EmaState;
  readonly slow: EmaState;
  readonly rsi: RsiState;
  readonly atr: AtrState;
  readonly volume: VolumeRatioState | null;
}

/**
 * `count` fresh series of `n` values carved out of ONE allocation: a single large buffer is cheaper
 * to obtain (and to collect) than several, which on a VM is a large share of a batch pass's cost.
 * The series share the buffer, so keeping one alive keeps them all.
 */
function freshColumns(n: number, count: number): () => Float64Array {
  const buffer = new ArrayBuffer(n * count * Float64Array.BYTES_PER_ELEMENT);
  let next = 0;
  return () => new Float64Array(buffer, n * Float64Array.BYTES_PER_ELEMENT * next++, n);
}

/**
 * Every series as long as the input, NaN during each indicator's own warm-up (TA-Lib conventions,
 * default seeds). `out` may supply buffers to reuse (each exactly the input's length).
 */
export function indicatorSet(columns: CandleColumns, periods: IndicatorPeriods, out: Partial<IndicatorSeries> = {}): IndicatorSeries {
  const { high, low, close } = columns;
  const n = close.length;
  if (high.length !== n || low.length !== n) throw new RangeError(`columns differ in length: ${high.length} highs, ${low.length} lows, ${n} closes`);
  const volumes = periods.volume === undefined ? undefined : columns.volume;
  if (periods.volume !== undefined && (volumes === undefined || volumes.length !== n)) {
    throw new RangeError(`a volume period needs a volume column of ${n} values`);
  }
  const states: SetStates = {
    fast: emaInit(periods.emaFast),
    slow: emaInit(periods.emaSlow),
    rsi: rsiInit(periods.rsi),
    atr: atrInit(periods.atr),
    volume: periods.volume === undefined ? null : volumeRatioInit(periods.volume),
  };
  const fresh = freshColumns(n, (out.emaFast ? 0 : 1) + (out.emaSlow ? 0 : 1) + (out.rsi ? 0 : 1) + (out.atr ? 0 : 1) + (volumes && !out.volumeRatio ? 1 : 0));
  const series = {
    emaFast: out.emaFast ? outputBuffer(out.emaFast, n) : fresh(),
    emaSlow: out.emaSlow ? outputBuffer(out.emaSlow, n) : fresh(),
    rsi: out.rsi ? outputBuffer(out.rsi, n) : fresh(),
    atr: out.atr ? outputBuffer(out.atr, n) : fresh(),
    volumeRatio: volumes === undefined ? undefined : out.volumeRatio ? outputBuffer(out.volumeRatio, n) : fresh(),
  };
  const warmup = Math.max(states.fast.warmup, states.slow.warmup, states.rsi.period + 1, states.atr.warmup, periods.volume ?? 0);

  let i = 0;
  for (; i < n && i < warmup; i++) {
    const c = close[i]!;
    series.emaFast[i] = emaValue(emaStep(states.fast, c));
    series.emaSlow[i] = emaValue(emaStep(states.slow, c));
    series.rsi[i] = rsiValue(rsiStep(states.rsi, c));
    series.atr[i] = atrValue(atrStep(states.atr, high[i]!, low[i]!, c));
    if (states.volume !== null) series.volumeRatio![i] = volumeRatioValue(volumeRatioStep(states.volume, volumes![i]!));
  }

  // Steady state: every indicator is warm. Same kernels as the step functions, state in locals.
  const kFast = states.fast.k;
  const kSlow = states.slow.k;
  const rsiPeriod = states.rsi.period;
  const atrPeriod = states.atr.period;
  const volumePeriod = periods.volume ?? 0;
  let fast = states.fast.value;
  let slow = states.slow.value;
  let prev = states.rsi.prev;
  let gain = states.rsi.gain;
  let loss = states.rsi.loss;
  let atrValueNow = states.atr.value;
  let prevClose = states.atr.prevClose;
  let volumeSum = states.volume?.sma.sum ?? 0;
  for (; i < n; i++) {
    const c = close[i]!;
    series.emaFast[i] = fast = emaNext(fast, c, kFast);
    series.emaSlow[i] = slow = emaNext(slow, c, kSlow);
    const change = c - prev;
    prev = c;
    gain = wilderNext(gain, upMove(change), rsiPeriod);
    loss = wilderNext(loss, downMove(change), rsiPeriod);
    series.rsi[i] = rsiOf(gain, loss);
    series.atr[i] = atrValueNow = wilderNext(atrValueNow, trueRange(high[i]!, low[i]!, prevClose), atrPeriod);
    prevClose = c;
    if (volumes !== undefined) {
      const v = volumes[i]!;
      volumeSum = slideSum(volumeSum, volumes[i - volumePeriod]!, v);
      series.volumeRatio![i] = ratioToMean(v, volumeSum / volumePeriod);
    }
  }
  return series;
}
