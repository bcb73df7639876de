/**
 * INDEPENDENT reference implementation of the `classic` preset backtest.
 *
 * Written only from the rules in issue 3 ("A classic preset ...") and issue 4 ("Engine"), and
 * deliberately plain: its own CSV reader, its own indicator loops, one straightforward loop over
 * the candles, its own metric formulas. It imports NOTHING from `src/`, so that when the engine
 * (which drives the real core strategy and risk code) agrees with it, two separate readings of
 * the rules agree. Do not "simplify" it by reusing project code: that would remove its value.
 *
 * Rules, as implemented (docs/backtesting.md carries the same list for the engine):
 *
 * Indicators (TA-Lib conventions), computed over the rows in file order (gaps are not filled,
 * so a missing hour simply does not exist for the indicators):
 * - EMA(p): first value at index p-1 = simple mean of the first p closes, then
 *   ema[i] = (close[i] - ema[i-1]) * 2/(p+1) + ema[i-1].
 * - RSI(14), Wilder: changes from index 1; first value at index 14 from the simple means of the
 *   first 14 gains and losses; then avg = (avg * 13 + x) / 14; RSI = 100 * avgGain / (avgGain +
 *   avgLoss), and 0 when both are 0 (TA-Lib's choice).
 * - ATR(14), Wilder: TR[i] = max(high-low, |high-close[i-1]|, |low-close[i-1]|) from index 1 (bar
 *   0's TR is not used); first value at index 14 = mean of TR[1..14]; then (atr * 13 + TR) / 14.
 * - Volume ratio: volume[i] / mean(volume[i-19..i]) (the 20-candle mean INCLUDING candle i).
 *
 * Signals, evaluated at the close of candle i (never on the last candle: there is no next open):
 * - Entry (when flat): ema20[i-1] <= ema60[i-1] and ema20[i] > ema60[i], 50 <= RSI[i] <= 70,
 *   volume ratio[i] >= 1.0. Any indicator still in warm-up (NaN) means no signal.
 * - Exit (when holding): dead cross, ema20[i-1] >= ema60[i-1] and ema20[i] < ema60[i].
 *
 * Fills, for candle i in order:
 * 1. Open: a pending exit sells at open * (1 - slippage); a pending entry buys at
 *    open * (1 + slippage) with qty = cash / (price * (1 + fee)) (all KRW, no rounding of qty)
 *    and sets stop = entry fill price - 2 * ATR14[signal candle]. entryTs / exitTs = ts[i].
 * 2. Inside the candle (from the entry candle on): when low <= stop the position is sold at
 *    min(open, stop) * (1 - slippage), exitReason "stop", exitTs = ts[i].
 * 3. Close: equity = cash + qty * close. Then the close's signals (the close is free for a new
 *    entry even when the position was closed at this candle's open or by its stop).
 * Fee = 0.25% of every fill's notional; slippage 0.1%; initial cash 10,000,000 KRW.
 * At the end a position still open is sold at lastClose * (1 - slippage) with fee, exitReason
 * "end", exitTs = ts of the last candle, and the last equity point becomes the cash after it.
 *
 * Choices where the rules leave room (also in docs/backtesting.md):
 * - A dead cross at close i-1 and a stop reachable in candle i: the exit market order fills at
 *   the open first, so the trade ends with "signal" at open * (1 - slippage). (If the open is
 *   already below the stop, a stop fill would have had the same price: only the label differs.)
 * - A stop in candle i makes that candle's own dead-cross exit signal moot (already flat); an
 *   entry signal on the same close is taken (the stop "leaves the close free").
 * - Entry and exit signals cannot coincide (one needs fast > slow now, the other fast < slow).
 * - Cash after a buy is cash - qty*price - fee, which is 0 up to float rounding (kept as is).
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

export interface RefCandle {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface RefTrade {
  readonly market: string;
  readonly entryTs: number;
  readonly entryPrice: number;
  readonly exitTs: number;
  readonly exitPrice: number;
  readonly qty: number;
  readonly fee: number;
  readonly pnl: number;
  readonly exitReason: "signal" | "stop" | "end";
}

export interface RefMetrics {
  readonly trades: number;
  readonly finalEquity: number;
  readonly totalReturn: number;
  readonly cagr: number | null;
  readonly maxDrawdown: number;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly calmar: number | null;
  readonly winRate: number | null;
  readonly profitFactor: number | null;
}

export interface RefResult {
  readonly metrics: RefMetrics;
  readonly trades: RefTrade[];
  readonly equity: [number, number][];
}

export interface RefOptions {
  readonly initialCash: number;
  readonly feeRate: number;
  readonly slippage: number;
  /** Candle length in ms; default: the smallest positive ts step in the data. */
  readonly intervalMs?: number;
}

export const REF_DEFAULTS: RefOptions = { initialCash: 10_000_000, feeRate: 0.0025, slippage: 0.001 };

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** Plain CSV reader: split lines and commas, Number() each field. Accepts .csv and .csv.gz. */
export function readCandlesPlain(path: string): RefCandle[] {
  let raw: Buffer = readFileSync(path);
  if (path.endsWith(".gz")) raw = gunzipSync(raw);
  const lines = raw.toString("utf8").split("\n");
  const out: RefCandle[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const f = line.split(",").map(Number);
    out.push({ ts: f[0]!, open: f[1]!, high: f[2]!, low: f[3]!, close: f[4]!, volume: f[5]! });
  }
  return out;
}

export function refEma(values: number[], period: number): number[] {
  const out = values.map(() => NaN);
  if (values.length < period) return out;
  let sum = 0;
  for (let i = 0; i < period; i++) sum += values[i]!;
  out[period - 1] = sum / period;
  const k = 2 / (period + 1);
  for (let i = period; i < values.length; i++) out[i] = (values[i]! - out[i - 1]!) * k + out[i - 1]!;
  return out;
}

export function refRsi(closes: number[], period: number): number[] {
  const out = closes.map(() => NaN);
  if (closes.length <= period) return out;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const d = closes[i]! - closes[i - 1]!;
    if (d > 0) gain += d;
    else loss -= d;
  }
  gain /= period;
  loss /= period;
  out[period] = gain + loss === 0 ? 0 : (100 * gain) / (gain + loss);
  for (let i = period + 1; i < closes.length; i++) {
    const d = closes[i]! - closes[i - 1]!;
    gain = (gain * (period - 1) + (d > 0 ? d : 0)) / period;
    loss = (loss * (period - 1) + (d < 0 ? -d : 0)) / period;
    out[i] = gain + loss === 0 ? 0 : (100 * gain) / (gain + loss);
  }
  return out;
}

export function refAtr(candles: RefCandle[], period: number): number[] {
  const out = candles.map(() => NaN);
  if (candles.length <= period) return out;
  const tr = (i: number) => {
    const c = candles[i]!;
    const prevClose = candles[i - 1]!.close;
    return Math.max(c.high - c.low, Math.abs(c.high - prevClose), Math.abs(c.low - prevClose));
  };
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += tr(i);
  out[period] = sum / period;
  for (let i = period + 1; i < candles.length; i++) out[i] = (out[i - 1]! * (period - 1) + tr(i)) / period;
  return out;
}

export function refVolumeRatio(volumes: number[], period: number): number[] {
  const out = volumes.map(() => NaN);
  for (let i = period - 1; i < volumes.length; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += volumes[j]!;
    out[i] = volumes[i]! / (sum / period);
  }
  return out;
}

function smallestStep(candles: RefCandle[]): number {
  let step = Infinity;
  for (let i = 1; i < candles.length; i++) {
    const d = candles[i]!.ts - candles[i - 1]!.ts;
    if (d > 0 && d < step) step = d;
  }
  return step;
}

/** Metrics by the definitions of docs/metrics.md, written out plainly. */
export function refMetrics(equity: [number, number][], trades: RefTrade[], initialCash: number, intervalMs: number): RefMetrics {
  const finalEquity = equity[equity.length - 1]![1];
  const returns: number[] = [];
  for (let i = 1; i < equity.length; i++) returns.push(equity[i]![1] / equity[i - 1]![1] - 1);
  const perYear = YEAR_MS / intervalMs;
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
  const sd = Math.sqrt(variance);
  const downside = Math.sqrt(returns.reduce((a, r) => a + (r < 0 ? r * r : 0), 0) / returns.length);
  let peak = -Infinity;
  let maxDrawdown = 0;
  for (const [, v] of equity) {
    peak = Math.max(peak, v);
    maxDrawdown = Math.max(maxDrawdown, (peak - v) / peak);
  }
  const years = (equity[equity.length - 1]![0] - equity[0]![0] + intervalMs) / YEAR_MS;
  const cagr = finalEquity > 0 ? (finalEquity / initialCash) ** (1 / years) - 1 : -1;
  const wins = trades.filter((t) => t.pnl > 0);
  const losses = trades.filter((t) => t.pnl < 0);
  const grossProfit = wins.reduce((a, t) => a + t.pnl, 0);
  const grossLoss = -losses.reduce((a, t) => a + t.pnl, 0);
  return {
    trades: trades.length,
    finalEquity,
    totalReturn: finalEquity / initialCash - 1,
    cagr,
    maxDrawdown,
    sharpe: returns.length >= 2 && sd > 0 ? (mean / sd) * Math.sqrt(perYear) : null,
    sortino: returns.length >= 1 && downside > 0 ? (mean / downside) * Math.sqrt(perYear) : null,
    calmar: maxDrawdown > 0 ? cagr / maxDrawdown : null,
    winRate: trades.length > 0 ? wins.length / trades.length : null,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : null,
  };
}

/** Run the classic preset over one market's candles. */
export function runClassicReference(candles: RefCandle[], market: string, options: RefOptions = REF_DEFAULTS): RefResult {
  const { initialCash, feeRate, slippage } = options;
  const n = candles.length;
  const closes = candles.map((c) => c.close);
  const emaFast = refEma(closes, 20);
  const emaSlow = refEma(closes, 60);
  const rsi = refRsi(closes, 14);
  const atr = refAtr(candles, 14);
  const volumeRatio = refVolumeRatio(
    candles.map((c) => c.volume),
    20,
  );

  let cash = initialCash;
  let qty = 0;
  let stop = 0;
  let entryTs = 0;
  let entryPrice = 0;
  let entryFee = 0;
  let pendingEntryAtr: number | null = null; // ATR of the signal candle, set by an entry signal
  let pendingExit = false;
  const trades: RefTrade[] = [];
  const equity: [number, number][] = [];

  const sell = (price: number, ts: number, reason: RefTrade["exitReason"]) => {
    const proceeds = qty * price;
    const exitFee = proceeds * feeRate;
    cash += proceeds - exitFee;
    trades.push({
      market,
      entryTs,
      entryPrice,
      exitTs: ts,
      exitPrice: price,
      qty,
      fee: entryFee + exitFee,
      pnl: proceeds - exitFee - (qty * entryPrice + entryFee),
      exitReason: reason,
    });
    qty = 0;
  };

  for (let i = 0; i < n; i++) {
    const c = candles[i]!;

    // 1. Orders queued at the previous close fill at this open.
    if (pendingExit && qty > 0) sell(c.open * (1 - slippage), c.ts, "signal");
    pendingExit = false;
    if (pendingEntryAtr !== null && qty === 0) {
      const price = c.open * (1 + slippage);
      qty = cash / (price * (1 + feeRate));
      entryFee = qty * price * feeRate;
      cash = cash - qty * price - entryFee;
      entryTs = c.ts;
      entryPrice = price;
      stop = price - 2 * pendingEntryAtr;
    }
    pendingEntryAtr = null;

    // 2. The stop, from the entry candle on, before this candle's close is looked at.
    if (qty > 0 && c.low <= stop) sell(Math.min(c.open, stop) * (1 - slippage), c.ts, "stop");

    // 3. Mark at the close, then the close's signals (none on the last candle).
    equity.push([c.ts, cash + qty * c.close]);
    if (i === n - 1 || i === 0) continue;
    const crossedUp = emaFast[i - 1]! <= emaSlow[i - 1]! && emaFast[i]! > emaSlow[i]!;
    const crossedDown = emaFast[i - 1]! >= emaSlow[i - 1]! && emaFast[i]! < emaSlow[i]!;
    if (qty > 0) {
      if (crossedDown) pendingExit = true;
    } else if (crossedUp && rsi[i]! >= 50 && rsi[i]! <= 70 && volumeRatio[i]! >= 1.0) {
      pendingEntryAtr = atr[i]!;
    }
  }

  if (qty > 0 && n > 0) {
    const last = candles[n - 1]!;
    sell(last.close * (1 - slippage), last.ts, "end");
    equity[n - 1] = [last.ts, cash];
  }

  const intervalMs = options.intervalMs ?? smallestStep(candles);
  return { metrics: refMetrics(equity, trades, initialCash, intervalMs), trades, equity };
}

/** `bun tests/reference/classic.ts FILE [--market KRW-BTC] [--json OUT]` */
if (import.meta.main) {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
  if (file === undefined) {
    console.error("usage: bun tests/reference/classic.ts FILE [--market KRW-BTC] [--json OUT]");
    process.exit(2);
  }
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const market = flag("--market") ?? /KRW-[A-Z0-9]+/.exec(file)?.[0] ?? "KRW-UNKNOWN";
  const result = runClassicReference(readCandlesPlain(file), market);
  const out = flag("--json");
  if (out !== undefined) await Bun.write(out, JSON.stringify(result));
  console.log(JSON.stringify({ market, ...result.metrics }));
}
