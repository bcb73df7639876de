import { heapStats } from "bun:jsc";
import { readFileSync } from "node:fs";
import { quantileSorted } from "../../src/backtest/compare/index.ts";

/**
 * Figures for the runtime benchmark: latency percentiles, a once-a-second process sampler
 * (RSS, heap, CPU) and an event-loop lag probe, plus the least-squares slope that says whether
 * memory is still growing.
 */

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    count: n,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max: n > 0 ? sorted[n - 1]! : Number.NaN,
    mean: n > 0 ? sum / n : Number.NaN,
  };
}

/** `p50 0.123 ms  p90 ...` with the given digits. */
export function formatPercentiles(p: Percentiles, unit = "ms", digits = 3): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");
  return `n=${p.count}  p50 ${f(p.p50)}  p90 ${f(p.p90)}  p99 ${f(p.p99)}  max ${f(p.max)}  mean ${f(p.mean)} ${unit}`;
}

/** Least-squares slope of y over x (units of y per unit of x); NaN with fewer than two points. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}

/** Least-squares slope and its standard error (NaN with fewer than three points). */
export function slopeWithError(xs: readonly number[], ys: readonly number[]): { slope: number; se: number } {
  const n = Math.min(xs.length, ys.length);
  const b = slope(xs, ys);
  if (n < 3 || !Number.isFinite(b)) return { slope: b, se: Number.NaN };
  const mx = xs.slice(0, n).reduce((s, x) => s + x, 0) / n;
  const my = ys.slice(0, n).reduce((s, y) => s + y, 0) / n;
  let sxx = 0;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sse += (ys[i]! - (my + b * (xs[i]! - mx))) ** 2;
  }
  return { slope: b, se: Math.sqrt(sse / (n - 2) / sxx) };
}

export interface ProcessSample {
  /** Seconds since the sampler started. */
  readonly t: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  /** CPU time (user + system) over the last interval, as a share of one core. */
  readonly cpuCores: number;
  /** Taken after a forced full collection: heap and object counts right after it, RSS 100 ms later. */
  readonly afterGc: boolean;
  /** After a collection only: live objects per JSC type. */
  readonly objectTypes?: Readonly<Record<string, number>>;
  /** After a collection only, on Linux: RSS split into anonymous, file-backed and shared memory (MB). */
  readonly rssParts?: { readonly total: number; readonly anon: number; readonly file: number; readonly shmem: number };
  /** After a collection only: the JS heap's capacity (blocks held, used or not) and the memory its
   * objects own outside it (array and string storage, native wrappers), in MB. Next to `heapUsedMb`
   * they tell heap fragmentation and native growth from live-object growth. */
  readonly heapCapacityMb?: number;
  readonly extraMemoryMb?: number;
}

/** RssAnon / RssFile / RssShmem from /proc/self/status (Linux), or undefined elsewhere. */
function rssParts(): ProcessSample["rssParts"] {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    const kb = (field: string) => Number(/^(\w+):\s+(\d+) kB$/m.exec(status.split("\n").find((l) => l.startsWith(`${field}:`)) ?? "")?.[2] ?? Number.NaN);
    return { total: kb("VmRSS") / 1024, anon: kb("RssAnon") / 1024, file: kb("RssFile") / 1024, shmem: kb("RssShmem") / 1024 };
  } catch {
    return undefined;
  }
}

/** Object types whose live count grew most between two post-GC samples, largest growth first. */
export function growingTypes(from: ProcessSample, to: ProcessSample, top = 8): { type: string; from: number; to: number }[] {
  const a = from.objectTypes ?? {};
  const b = to.objectTypes ?? {};
  return Object.keys(b)
    .map((type) => ({ type, from: a[type] ?? 0, to: b[type] ?? 0 }))
    .filter((x) => x.to > x.from)
    .sort((x, y) => y.to - y.from - (x.to - x.from))
    .slice(0, top);
}

const MB = 1024 * 1024;
/** Wait after a forced collection before reading RSS (freed pages are returned asynchronously). */
const GC_SETTLE_MS = 100;

/**
 * Samples RSS, heap and CPU every `intervalMs` until stopped. Every `gcEvery`-th sample first
 * forces a full collection (`Bun.gc(true)`), so those samples show live memory rather than how far
 * the collector happens to be behind; the pauses this costs are kept in `gcPausesMs`. A forced
 * collection runs in its own timer task, so it can delay messages but never splits one.
 */
export class ProcessSampler {
  readonly samples: ProcessSample[] = [];
  readonly gcPausesMs: number[] = [];
  private gcEvery = 0;
  private typesFromSeconds = 10;
  private settle: ReturnType<typeof setTimeout> | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private t0 = 0;
  private lastWall = 0;
  private lastCpu: NodeJS.CpuUsage = process.cpuUsage();
  private firstCpu: NodeJS.CpuUsage = process.cpuUsage();
  /** CPU time (user + system, ms) between start and stop. */
  cpuMs = 0;

  /** `typesFromSeconds`: object counts are kept for the first post-GC sample from then on and the latest. */
  start(intervalMs = 1_000, gcEvery = 0, typesFromSeconds = 10): void {
    this.gcEvery = gcEvery;
    this.typesFromSeconds = typesFromSeconds;
    this.t0 = performance.now();
    this.lastWall = this.t0;
    this.lastCpu = process.cpuUsage();
    this.firstCpu = this.lastCpu;
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.settle) clearTimeout(this.settle);
    this.timer = null;
    const cpu = process.cpuUsage(this.firstCpu);
    this.cpuMs = (cpu.user + cpu.system) / 1000;
  }

  private sample(): void {
    const afterGc = this.gcEvery > 0 && (this.samples.length + 1) % this.gcEvery === 0;
    if (!afterGc) {
      this.record(null);
      return;
    }
    const t = performance.now();
    Bun.gc(true);
    this.gcPausesMs.push(performance.now() - t);
    // The live heap is read at once (later it holds new garbage); RSS a moment later, because the
    // collector hands freed pages back to the OS asynchronously.
    const stats = heapStats();
    const live = { heapUsedMb: process.memoryUsage().heapUsed / MB, heapCapacityMb: stats.heapCapacity / MB, extraMemoryMb: stats.extraMemorySize / MB, objectTypes: { ...stats.objectTypeCounts } };
    this.settle = setTimeout(() => this.record(live), GC_SETTLE_MS);
  }

  private record(live: { readonly heapUsedMb: number; readonly heapCapacityMb: number; readonly extraMemoryMb: number; readonly objectTypes: Readonly<Record<string, number>> } | null): void {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const mem = process.memoryUsage();
    const t = (now - this.t0) / 1000;
    if (live) this.keepObjectTypesOnlyAtEnds(t);
    this.samples.push({
      t,
      rssMb: mem.rss / MB,
      heapUsedMb: live?.heapUsedMb ?? mem.heapUsed / MB,
      cpuCores: (cpu.user + cpu.system) / 1000 / (now - this.lastWall),
      afterGc: live !== null,
      objectTypes: live?.objectTypes,
      rssParts: live !== null ? rssParts() : undefined,
      heapCapacityMb: live?.heapCapacityMb,
      extraMemoryMb: live?.extraMemoryMb,
    });
    this.lastWall = now;
    this.lastCpu = process.cpuUsage();
  }

  /**
   * Object counts are a few hundred entries per post-GC sample: kept on every one they would be the
   * sampler's own growth. Only the first after `typesFromSeconds` and the latest keep them (what
   * `growingTypes` compares); the previous latest loses them when a new one comes.
   */
  private keepObjectTypesOnlyAtEnds(t: number): void {
    if (t < this.typesFromSeconds) return;
    const withTypes = this.samples.flatMap((s, i) => (s.objectTypes && s.t >= this.typesFromSeconds ? [i] : []));
    for (const i of withTypes.slice(1)) this.samples[i] = { ...this.samples[i]!, objectTypes: undefined };
  }

  /** CPU share of one core over the whole sampling period. */
  meanCpu(): number {
    return this.samples.length === 0 ? Number.NaN : this.samples.reduce((s, x) => s + x.cpuCores, 0) / this.samples.length;
  }
}

/**
 * Event-loop lag: a timer asks to run every `periodMs`; how late it runs is time the loop spent on
 * something else (a long task, a GC pause). The same probe runs in the baseline and the real run.
 */
export class LoopLagProbe {
  /** Preallocated for the expected run, so the probe's own records do not grow the heap being measured. */
  private lags: Float64Array;
  private count = 0;
  private handle: ReturnType<typeof setTimeout> | null = null;

  /** `seconds`: how long the probe is expected to run (it still works past that, growing once). */
  constructor(private readonly seconds = 60) {
    this.lags = new Float64Array(0);
  }

  start(periodMs = 10): void {
    this.lags = new Float64Array(Math.ceil((this.seconds * 1000) / periodMs) + 16);
    this.count = 0;
    let expected = performance.now() + periodMs;
    const tick = () => {
      const now = performance.now();
      if (this.count === this.lags.length) {
        const wider = new Float64Array(this.lags.length * 2);
        wider.set(this.lags);
        this.lags = wider;
      }
      this.lags[this.count++] = Math.max(0, now - expected);
      expected = now + periodMs;
      this.handle = setTimeout(tick, periodMs);
    };
    this.handle = setTimeout(tick, periodMs);
  }

  stop(): Percentiles {
    if (this.handle) clearTimeout(this.handle);
    this.handle = null;
    return percentiles(this.lags.subarray(0, this.count));
  }
}
