/**
 * The progress line of the long-running backtest commands (`backtest`, `optimize`): one line on
 * stderr, redrawn in place with `\r`, at most every `intervalMs`:
 *
 *   optimize [##########..........]  50%  120/240  3.1/s  ETA 38s
 *
 * It only draws when enabled (the CLI enables it on a TTY or with `--progress`), so piped output
 * and logs never fill with carriage returns. Time comes from the injected `now`.
 */
export interface ProgressSink {
  write(text: string): unknown;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  readonly sink: ProgressSink;
  readonly enabled: boolean;
  /** Milliseconds since some fixed point (e.g. `performance.now`). */
  readonly now: () => number;
  /** Unit of the rate ("candles/s" shows as M candles/s when large). Default "/s". */
  readonly unit?: string;
  /** Minimum time between redraws. Default 100 ms. */
  readonly intervalMs?: number;
  /** Bar width in characters. Default 24. */
  readonly width?: number;
}

export interface ProgressBar {
  update(done: number): void;
  /** Draw the final state and end the line. */
  finish(done?: number): void;
}

function rateText(perSecond: number, unit: string): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `- ${unit}`;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(1)} M ${unit}`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(0)} k ${unit}`;
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)} ${unit}`;
}

/** `75s` -> `1m15s`; `-` when unknown. */
export function etaText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** The progress line for `done` of `total` after `elapsedMs` (no carriage return). */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, unit = "/s", width = 24): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(fraction * width);
  const perSecond = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = perSecond > 0 ? (total - done) / perSecond : Number.NaN;
  const bar = `${"#".repeat(filled)}${".".repeat(width - filled)}`;
  return `${label} [${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${done}/${total}  ${rateText(perSecond, unit)}  ETA ${etaText(eta)}`;
}

export function createProgressBar(options: ProgressOptions): ProgressBar {
  const { label, total, sink, enabled, now } = options;
  const interval = options.intervalMs ?? 100;
  const unit = options.unit ?? "/s";
  const width = options.width ?? 24;
  const started = now();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastLength = 0;
  const draw = (done: number) => {
    const line = progressLine(label, done, total, now() - started, unit, width);
    sink.write(`\r${line}${" ".repeat(Math.max(0, lastLength - line.length))}`);
    lastLength = line.length;
  };
  return {
    update(done) {
      if (!enabled) return;
      const t = now();
      if (t - lastDraw < interval) return;
      lastDraw = t;
      draw(done);
    },
    finish(done = total) {
      if (!enabled) return;
      draw(done);
      sink.write("\n");
    },
  };
}
