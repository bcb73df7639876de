/**
 * The terminal progress bar of the long CLI runs (download, backtest, optimize), with an ETA and,
 * when given a unit, the rate:
 *
 *   KRW-BTC 1h  [#########...............]   38%  76/200  ETA 0:42  15,200 candles
 *   backtest  [############............]   50%  262800/525600  2.5 M candles/s  ETA 0:00
 *
 * On a TTY the line is redrawn in place (`\r`, at most every `redrawMs`); elsewhere (a pipe, a
 * log file, CI) a plain line is written every `redrawMs` (default 5 s), so logs stay readable.
 * The ETA is the average pace so far applied to what is left. Write it to stderr so stdout stays
 * clean for results.
 */

export interface ProgressStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressBarOptions {
  /** Units of work in all (requests, candles, runs); may change later with `setTotal`. */
  readonly total: number;
  /** Text before the bar. */
  readonly label?: string;
  /** Default `process.stderr`. */
  readonly stream?: ProgressStream;
  /** Redraw in place; default `stream.isTTY`. */
  readonly isTTY?: boolean;
  /** Milliseconds clock for the ETA (default `performance.now`). */
  readonly now?: () => number;
  /** Bar cells (default 24). */
  readonly width?: number;
  /** Least time between two draws: default 100 ms on a TTY, 5,000 ms otherwise. */
  readonly redrawMs?: number;
  /** Show the rate in this unit after the counts (`candles/s` shows `2.5 M candles/s`). */
  readonly rateUnit?: string;
}

export interface ProgressBar {
  /** `done` units finished; `detail` is shown after the ETA (e.g. "15,200 candles"). */
  update(done: number, detail?: string): void;
  setTotal(total: number): void;
  /** Draw the final state and end the line. Later calls do nothing. */
  finish(detail?: string): void;
}

/** `0:42`, `12:05`, `1:02:03`; `--:--` when unknown. */
export function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "--:--";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** `2.5 M candles/s`, `120 k candles/s`, `3.1 /s`; `- unit` before any progress. */
export function formatRate(perSecond: number, unit: string): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `- ${unit}`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M ${unit}`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(0)} k ${unit}`;
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)} ${unit}`;
}

/** Time left at the average pace so far; undefined before any progress. */
export function estimateRemainingMs(done: number, total: number, elapsedMs: number): number | undefined {
  if (!(done > 0) || !(elapsedMs > 0)) return total > 0 && done >= total ? 0 : undefined;
  return (elapsedMs / done) * Math.max(0, total - done);
}

export interface ProgressLine {
  readonly label?: string;
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  readonly width: number;
  readonly detail?: string;
  /** The run is over: show the time taken instead of an ETA. */
  readonly finished?: boolean;
  /** Show the average rate in this unit (see `formatRate`). */
  readonly rateUnit?: string;
}

/** One rendering of the bar (pure, for tests and custom writers). */
export function renderProgressLine(line: ProgressLine): string {
  const total = Math.max(0, line.total);
  const done = Math.min(Math.max(0, line.done), total);
  const fraction = total > 0 ? done / total : line.finished ? 1 : 0;
  const filled = Math.round(fraction * line.width);
  const bar = `[${"#".repeat(filled)}${".".repeat(line.width - filled)}]`;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  const time = line.finished ? `took ${formatEta(line.elapsedMs)}` : `ETA ${formatEta(estimateRemainingMs(done, total, line.elapsedMs))}`;
  const rate = line.rateUnit === undefined ? undefined : formatRate(line.elapsedMs > 0 ? (done * 1000) / line.elapsedMs : Number.NaN, line.rateUnit);
  return [line.label, bar, pct, `${done}/${total}`, rate, time, line.detail].filter((p) => p !== undefined && p !== "").join("  ");
}

export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const tty = options.isTTY ?? stream.isTTY === true;
  const now = options.now ?? (() => performance.now());
  const width = options.width ?? 24;
  const redrawMs = options.redrawMs ?? (tty ? 100 : 5_000);
  const startedAt = now();
  let total = options.total;
  let done = 0;
  let detail: string | undefined;
  let lastDraw = -Infinity;
  let finished = false;

  const draw = (final: boolean) => {
    const text = renderProgressLine({ label: options.label, done, total, elapsedMs: now() - startedAt, width, detail, finished: final, rateUnit: options.rateUnit });
    stream.write(tty ? `\r${text}\x1b[K${final ? "\n" : ""}` : `${text}\n`);
    lastDraw = now();
  };

  return {
    update(value, text) {
      if (finished) return;
      done = value;
      if (text !== undefined) detail = text;
      if (now() - lastDraw >= redrawMs) draw(false);
    },
    setTotal(value) {
      total = value;
    },
    finish(text) {
      if (finished) return;
      finished = true;
      if (text !== undefined) detail = text;
      draw(true);
    },
  };
}
