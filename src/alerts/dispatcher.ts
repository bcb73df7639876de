/**
 * The alert dispatcher: the runtime's `AlertSink`. `alert()` returns at once and never throws;
 * behind it every alert is
 *
 * 1. logged at its severity and stored in `alerts` (with whether it was held back),
 * 2. de-duplicated by key (leading + trailing edge, see dedupe.ts: repeats inside the window are
 *    held and counted, the last of them goes out at the window's end with the count),
 * 3. queued once per channel whose minimum severity it meets; each channel has its own lane: a
 *    token bucket (rate limit), one delivery in flight (order kept), retries with exponential
 *    backoff and jitter (honouring the receiver's Retry-After), a bounded queue that drops the
 *    least severe oldest message first, and a log line when it gives up,
 * 4. and each channel's final result is written back to the alert's row.
 *
 * A slow or dead receiver only delays its own lane. Time is the injected clock (the wall clock in
 * production: pacing and retries are about the receivers, not simulated market time).
 */
import type { Db } from "../db/index.ts";
// The alert verbs are imported from their module (the db index re-exports them too).
import { type AlertDelivery, markAlertReleased, recordAlert, setAlertDeliveries } from "../db/repos/alerts.ts";
import type { Logger } from "../log.ts";
import { type Alert, type AlertChannel, type AlertMessage, ALERT_SEVERITIES, type AlertSeverity, type ChannelKind, type DeliveryResult, severityAtLeast } from "../ports/alerts.ts";
import type { Clock, TimerId } from "../ports/clock.ts";
import { Deduplicator } from "./dedupe.ts";
import { type AlertEvent, alertFor } from "./events.ts";
import { formatDuration, type Lang, truncate } from "./format.ts";
import { DEFAULT_RATE_LIMIT, type RateLimit, TokenBucket } from "./rate-limit.ts";

export interface RetryPolicy {
  /** Attempts per channel and alert, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 2_000, maxDelayMs: 120_000 };
export const DEFAULT_DEDUPE_WINDOW_MS = 5 * 60_000;
export const DEFAULT_QUEUE_LIMIT = 100;
/** Longest one attempt may take before it counts as a (retryable) timeout; channels have their own, shorter deadlines. */
const ATTEMPT_GUARD_MS = 120_000;
/** Longest alert text kept (a runaway error message must not bloat the table or a chat). */
const TEXT_MAX = 8_000;

export interface AlerterOptions {
  /** The channels to deliver to, or a function returning the current ones (DB-managed channels change). */
  readonly channels: readonly AlertChannel[] | (() => readonly AlertChannel[]);
  readonly clock: Clock;
  /** Where alerts and their delivery results are stored (null: log only). */
  readonly db: Db | null;
  readonly logger: Logger;
  /** Language of alerts built by `notify` and of the channel texts (default ko). */
  readonly lang?: Lang;
  /** Uniform [0, 1) for backoff jitter. */
  readonly random?: () => number;
  /** Per channel (default 5 at once, 20 a minute). */
  readonly rateLimit?: RateLimit;
  /** Repeats of a key inside this window are held back (default 5 min; 0 turns de-duplication off). */
  readonly dedupeWindowMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Messages waiting per channel before the least severe are dropped (default 100). */
  readonly queueLimit?: number;
  /**
   * Told every outcome per channel (for `bot_alert_deliveries_total{channel,outcome}`): `sent`,
   * `failed` (refused, or given up), `dropped` (never attempted: queue full, channel removed,
   * shutdown) and `suppressed` (held back by de-duplication; counted for each channel it would
   * have gone to, and the latest of a held series counts as `sent` too when it goes out).
   */
  readonly onOutcome?: (outcome: DeliveryOutcome) => void;
}

export interface DeliveryOutcome {
  readonly channel: string;
  readonly kind: ChannelKind;
  readonly outcome: "sent" | "failed" | "dropped" | "suppressed";
}

export interface AlerterStats {
  readonly raised: number;
  /** Channel deliveries that succeeded / gave up / were dropped unsent. */
  readonly delivered: number;
  readonly failed: number;
  readonly dropped: number;
  /** Alerts held back by de-duplication and never sent themselves. */
  readonly suppressed: number;
  /** Deliveries waiting or in flight. */
  readonly queued: number;
}

/** The outcome of a test send to one channel. */
export interface ChannelTestResult extends DeliveryResult {
  readonly channel: string;
  readonly kind: string;
  readonly name: string;
}

export interface Alerter {
  /** The runtime's AlertSink: returns at once, never throws. */
  readonly alert: (alert: Alert) => void;
  /** Build the alert for a runtime fact (in the configured language) and raise it. */
  readonly notify: (event: AlertEvent) => void;
  readonly lang: Lang;
  /**
   * Send a test message now to the channels matching `idOrKind` (an id such as `db:3`, a prefix
   * such as `env:telegram` for all its chats, or a kind such as `slack`): one attempt each,
   * bypassing de-duplication but not the rate limit. `by` is who asked (the dashboard's logged-in
   * user): the message and the log line name them. Never throws.
   */
  test(idOrKind: string, by: string): Promise<ChannelTestResult[]>;
  stats(): AlerterStats;
  /** Resolves true once every queued delivery is done, or false after `timeoutMs` (on the clock). */
  flush(timeoutMs: number): Promise<boolean>;
  /** Stop sending: timers cleared, in-flight attempts aborted, waiting deliveries recorded as dropped. */
  stop(): void;
}

interface Job {
  readonly message: AlertMessage;
  attempts: number;
}

interface Lane {
  readonly id: string;
  readonly kind: ChannelKind;
  readonly bucket: TokenBucket;
  readonly queue: Job[];
  busy: boolean;
  timer: TimerId | null;
}

interface Pending {
  remaining: number;
  readonly results: AlertDelivery[];
}

const LOG_LEVEL: Readonly<Record<AlertSeverity, "info" | "warn" | "error">> = { info: "info", warning: "warn", critical: "error" };

/** Keep only what an alert must have; a malformed alert is still raised rather than lost. */
function normalise(alert: Alert, now: number): Alert {
  const severity = ALERT_SEVERITIES.includes(alert?.severity) ? alert.severity : "warning";
  return {
    severity,
    key: typeof alert?.key === "string" && alert.key.length > 0 ? truncate(alert.key, 200) : "unkeyed",
    title: truncate(String(alert?.title ?? "Alert"), 300),
    text: truncate(String(alert?.text ?? ""), TEXT_MAX),
    ts: Number.isFinite(alert?.ts) ? alert.ts : now,
  };
}

export function createAlerter(options: AlerterOptions): Alerter {
  const { clock, db, logger } = options;
  const lang = options.lang ?? "ko";
  const random = options.random ?? (() => 0.5);
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const queueLimit = Math.max(1, options.queueLimit ?? DEFAULT_QUEUE_LIMIT);
  const channelsNow = typeof options.channels === "function" ? options.channels : () => options.channels as readonly AlertChannel[];
  const dedupe = new Deduplicator<{ id: number | null }>(options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS);
  const windowTimers = new Map<string, TimerId>();
  const lanes = new Map<string, Lane>();
  const pending = new Map<number, Pending>();
  const idleWaiters = new Set<() => void>();
  const inFlight = new Set<AbortController>();
  let stopped = false;
  const counts = { raised: 0, delivered: 0, failed: 0, dropped: 0, suppressed: 0 };

  /** Run `fn` and log instead of throwing: nothing here may reach the caller. */
  function guarded(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      logger.error({ err }, `alerts: ${what} failed`);
    }
  }

  function report(outcome: DeliveryOutcome): void {
    if (options.onOutcome) guarded("reporting a delivery outcome", () => options.onOutcome!(outcome));
  }

  /** The channels an alert of this severity goes to. */
  function targetsFor(severity: AlertSeverity): AlertChannel[] {
    return channelsNow().filter((c) => severityAtLeast(severity, c.minSeverity));
  }

  function store(alert: Alert, suppressed: boolean): number | null {
    if (!db) return null;
    try {
      return recordAlert(db, { ...alert, suppressed });
    } catch (err) {
      logger.error({ err, alert: alert.key }, "alerts: could not store the alert");
      return null;
    }
  }

  function channelById(id: string): AlertChannel | undefined {
    return channelsNow().find((c) => c.id === id);
  }

  function laneFor(channel: AlertChannel): Lane {
    let lane = lanes.get(channel.id);
    if (!lane) {
      lane = { id: channel.id, kind: channel.kind, bucket: new TokenBucket(rateLimit, clock.now()), queue: [], busy: false, timer: null };
      lanes.set(channel.id, lane);
    }
    return lane;
  }

  function backoffMs(attempts: number): number {
    const exp = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(exp / 2 + (random() * exp) / 2);
  }

  /** Count one channel's final outcome for an alert and write the alert's delivery results so far. */
  function finish(lane: Lane, job: Job, result: { ok: boolean; error?: string }): void {
    const outcome = result.ok ? "sent" : job.attempts === 0 ? "dropped" : "failed";
    counts[outcome === "sent" ? "delivered" : outcome] += 1;
    report({ channel: lane.id, kind: lane.kind, outcome });
    const id = job.message.id;
    if (id === null || !db) return;
    const entry = pending.get(id);
    if (!entry) return;
    entry.results.push({ channel: lane.id, kind: lane.kind, ok: result.ok, attempts: job.attempts, ...(result.error ? { error: result.error } : {}), at: clock.now() });
    entry.remaining -= 1;
    if (entry.remaining <= 0) pending.delete(id);
    guarded("storing delivery results", () => setAlertDeliveries(db, id, entry.results));
  }

  function queuedCount(): number {
    let n = 0;
    for (const lane of lanes.values()) n += lane.queue.length;
    return n;
  }

  function notifyIfIdle(): void {
    if (queuedCount() > 0) return;
    for (const w of [...idleWaiters]) w();
  }

  /** One attempt, bounded by the guard deadline and abortable by stop(). */
  async function attempt(channel: AlertChannel, message: AlertMessage): Promise<DeliveryResult> {
    const abort = new AbortController();
    inFlight.add(abort);
    let guard: TimerId | null = null;
    try {
      const timeout = new Promise<DeliveryResult>((resolve) => {
        guard = clock.setTimeout(() => {
          abort.abort();
          resolve({ ok: false, retryable: true, error: `no outcome within ${formatDuration(ATTEMPT_GUARD_MS, "en")}` });
        }, ATTEMPT_GUARD_MS);
      });
      return await Promise.race([channel.send(message, abort.signal), timeout]);
    } catch (err) {
      return { ok: false, retryable: true, error: err instanceof Error ? err.message : String(err) };
    } finally {
      if (guard !== null) clock.clearTimeout(guard);
      inFlight.delete(abort);
    }
  }

  function pump(lane: Lane): void {
    if (stopped || lane.busy || lane.timer !== null) return;
    const job = lane.queue[0];
    if (!job) return notifyIfIdle();
    const channel = channelById(lane.id);
    if (!channel) {
      lane.queue.shift();
      finish(lane, job, { ok: false, error: "dropped: channel removed" });
      return pump(lane);
    }
    const wait = lane.bucket.waitMs(clock.now());
    if (wait > 0) {
      lane.timer = clock.setTimeout(() => {
        lane.timer = null;
        pump(lane);
      }, wait);
      return;
    }
    lane.bucket.tryTake(clock.now());
    lane.busy = true;
    job.attempts += 1;
    void attempt(channel, job.message).then((result) => {
      lane.busy = false;
      if (stopped) return;
      guarded("handling a delivery result", () => settle(lane, job, result));
      pump(lane);
    });
  }

  function settle(lane: Lane, job: Job, result: DeliveryResult): void {
    if (result.ok) {
      lane.queue.shift();
      finish(lane, job, result);
      logger.debug({ alert: job.message.key, channel: lane.id, attempts: job.attempts }, "alert delivered");
      return;
    }
    if (result.retryable && job.attempts < retry.maxAttempts) {
      const delay = Math.min(retry.maxDelayMs, Math.max(result.retryAfterMs ?? 0, backoffMs(job.attempts)));
      logger.debug({ alert: job.message.key, channel: lane.id, attempts: job.attempts, retryInMs: delay, error: result.error }, "alert delivery failed; will retry");
      lane.timer = clock.setTimeout(() => {
        lane.timer = null;
        pump(lane);
      }, delay);
      return;
    }
    lane.queue.shift();
    finish(lane, job, { ok: false, error: result.error ?? "failed" });
    logger.warn({ alert: job.message.key, channel: lane.id, attempts: job.attempts, error: result.error }, result.retryable ? "alert not delivered: gave up after retries" : "alert not delivered: refused by the receiver");
  }

  /** Put a job on a lane; when `queueLimit` jobs already wait, the least severe, oldest waiting job goes. */
  function enqueue(lane: Lane, job: Job): void {
    const first = lane.busy ? 1 : 0; // the job in flight is not waiting
    if (lane.queue.length - first >= queueLimit) {
      const rank = (j: Job) => ALERT_SEVERITIES.indexOf(j.message.severity);
      let victim = -1;
      for (let i = first; i < lane.queue.length; i++) {
        if (victim < 0 || rank(lane.queue[i]!) < rank(lane.queue[victim]!)) victim = i;
      }
      if (victim < 0 || rank(lane.queue[victim]!) > rank(job)) {
        finish(lane, job, { ok: false, error: "dropped: queue full" });
        logger.warn({ alert: job.message.key, channel: lane.id }, "alert dropped: channel queue full");
        return;
      }
      const [dropped] = lane.queue.splice(victim, 1);
      finish(lane, dropped!, { ok: false, error: "dropped: queue full" });
      logger.warn({ alert: dropped!.message.key, channel: lane.id }, "alert dropped: channel queue full");
    }
    lane.queue.push(job);
    pump(lane);
  }

  function dispatch(message: AlertMessage): void {
    if (stopped) return;
    const targets = targetsFor(message.severity);
    if (targets.length === 0) return;
    if (message.id !== null) pending.set(message.id, { remaining: targets.length, results: [] });
    for (const channel of targets) enqueue(laneFor(channel), { message, attempts: 0 });
  }

  function armWindow(key: string, end: number): void {
    const old = windowTimers.get(key);
    if (old !== undefined) clock.clearTimeout(old);
    windowTimers.delete(key);
    if (stopped || end <= clock.now()) return;
    windowTimers.set(
      key,
      clock.setTimeout(() => {
        windowTimers.delete(key);
        guarded("closing a de-duplication window", () => windowEnded(key));
      }, end - clock.now()),
    );
  }

  function windowEnded(key: string): void {
    const end = dedupe.close(key, clock.now());
    if (end.action !== "send") {
      const open = dedupe.windowEnd(key);
      if (open !== undefined) armWindow(key, open);
      return;
    }
    counts.suppressed -= 1;
    const id = end.ref.id;
    if (id !== null && db) guarded("releasing a held alert", () => markAlertReleased(db, id));
    armWindow(key, end.windowEnd);
    logger.info({ alert: key, suppressed: end.suppressed }, "alert: sending the latest of a held-back series");
    dispatch({ ...end.alert, id, suppressed: end.suppressed });
  }

  function alert(raw: Alert): void {
    guarded("raising an alert", () => {
      const now = clock.now();
      const a = normalise(raw, now);
      counts.raised += 1;
      const ref: { id: number | null } = { id: null };
      const decision = dedupe.offer(a, ref, now);
      const held = decision.action === "hold";
      logger[LOG_LEVEL[a.severity]]({ alert: a.key, severity: a.severity, ...(held ? { heldBack: true } : {}) }, `${a.title}: ${a.text}`);
      ref.id = store(a, held);
      if (decision.action === "hold") {
        counts.suppressed += 1;
        for (const c of targetsFor(a.severity)) report({ channel: c.id, kind: c.kind, outcome: "suppressed" });
        return;
      }
      armWindow(a.key, decision.windowEnd);
      dispatch({ ...a, id: ref.id, suppressed: decision.suppressed });
    });
  }

  async function test(idOrKind: string, by: string): Promise<ChannelTestResult[]> {
    try {
      const matching = channelsNow().filter((c) => c.id === idOrKind || c.id.startsWith(`${idOrKind}:`) || c.kind === idOrKind);
      const now = clock.now();
      const ko = lang === "ko";
      const a: Alert = {
        severity: "info",
        key: `test:${idOrKind}`,
        title: ko ? "테스트 알림" : "Test alert",
        text: ko ? `${by}이(가) 보낸 테스트 메시지입니다. 이 메시지가 보이면 채널 설정이 올바릅니다.` : `A test message sent by ${by}. If you can read this, the channel works.`,
        ts: now,
      };
      const id = store(a, false);
      const results: ChannelTestResult[] = [];
      const deliveries: AlertDelivery[] = [];
      for (const channel of matching) {
        const lane = laneFor(channel);
        const wait = lane.bucket.waitMs(clock.now());
        let result: DeliveryResult;
        if (wait > 0) {
          result = { ok: false, retryable: true, error: `rate limited: try again in ${formatDuration(wait, "en")}`, retryAfterMs: wait };
        } else {
          lane.bucket.tryTake(clock.now());
          result = await attempt(channel, { ...a, id, suppressed: 0 });
        }
        results.push({ ...result, channel: channel.id, kind: channel.kind, name: channel.name });
        deliveries.push({ channel: channel.id, kind: channel.kind, ok: result.ok, attempts: wait > 0 ? 0 : 1, ...(result.error ? { error: result.error } : {}), at: clock.now() });
      }
      if (id !== null && db) guarded("storing test results", () => setAlertDeliveries(db, id, deliveries));
      logger.info({ target: idOrKind, by, results: results.map((r) => ({ channel: r.channel, ok: r.ok, error: r.error })) }, "alert channel test");
      return results;
    } catch (err) {
      logger.error({ err }, "alerts: channel test failed");
      return [];
    }
  }

  return {
    alert,
    notify: (event) => guarded("building an alert", () => alert(alertFor(event, lang))),
    lang,
    test,
    stats: () => ({ ...counts, queued: queuedCount() }),
    flush(timeoutMs) {
      if (queuedCount() === 0) return Promise.resolve(true);
      if (!(timeoutMs > 0)) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          idleWaiters.delete(onIdle);
          clock.clearTimeout(timer);
          resolve(ok);
        };
        const onIdle = () => done(true);
        idleWaiters.add(onIdle);
        const timer = clock.setTimeout(() => done(false), timeoutMs);
      });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const t of windowTimers.values()) clock.clearTimeout(t);
      windowTimers.clear();
      let dropped = 0;
      for (const lane of lanes.values()) {
        if (lane.timer !== null) clock.clearTimeout(lane.timer);
        lane.timer = null;
        for (const job of lane.queue.splice(0)) {
          finish(lane, job, { ok: false, error: "dropped: shutting down" });
          dropped += 1;
        }
      }
      for (const abort of inFlight) abort.abort();
      if (dropped > 0) logger.warn({ dropped }, "alerts: stopped with deliveries still waiting");
      for (const w of [...idleWaiters]) w();
    },
  };
}
