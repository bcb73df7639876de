/**
 * De-duplication by key with leading and trailing edges: the first alert of a key goes out at
 * once; repeats inside the window are held back and counted; when the window ends with repeats
 * held, the latest of them goes out carrying the count (and a new window starts, so a lasting
 * storm yields one message per window). A repeat of HIGHER severity is never held back.
 *
 * Pure bookkeeping over times handed in; the dispatcher owns the clock and the timers.
 */
import { type Alert, ALERT_SEVERITIES } from "../ports/alerts.ts";

/** What to do with an incoming alert. */
export type DedupeDecision =
  | { readonly action: "send"; readonly suppressed: number; readonly windowEnd: number }
  | { readonly action: "hold" };

/** What to do when a window ends: send the held alert (with its row id) or forget the key. */
export type WindowEnd<Ref> = { readonly action: "send"; readonly alert: Alert; readonly ref: Ref; readonly suppressed: number; readonly windowEnd: number } | { readonly action: "close" };

interface Window<Ref> {
  end: number;
  /** Highest severity sent in this window. */
  severity: number;
  /** Alerts held back since the last one sent. */
  held: number;
  latest: { alert: Alert; ref: Ref } | null;
}

export class Deduplicator<Ref> {
  private readonly windows = new Map<string, Window<Ref>>();

  constructor(private readonly windowMs: number) {}

  /** Decide for `alert` arriving at `now`; `ref` identifies its stored row for a later trailing send. */
  offer(alert: Alert, ref: Ref, now: number): DedupeDecision {
    if (this.windowMs <= 0) return { action: "send", suppressed: 0, windowEnd: now };
    const rank = ALERT_SEVERITIES.indexOf(alert.severity);
    const w = this.windows.get(alert.key);
    if (!w || now >= w.end) {
      this.windows.set(alert.key, { end: now + this.windowMs, severity: rank, held: 0, latest: null });
      return { action: "send", suppressed: w && now >= w.end ? w.held : 0, windowEnd: now + this.windowMs };
    }
    if (rank > w.severity) {
      const suppressed = w.held;
      this.windows.set(alert.key, { end: now + this.windowMs, severity: rank, held: 0, latest: null });
      return { action: "send", suppressed, windowEnd: now + this.windowMs };
    }
    w.held += 1;
    w.latest = { alert, ref };
    return { action: "hold" };
  }

  /**
   * The window of `key` ended at `now`: the latest held alert goes out, standing for the
   * `suppressed` others, and opens the next window; with nothing held the key is forgotten.
   */
  close(key: string, now: number): WindowEnd<Ref> {
    const w = this.windows.get(key);
    if (!w || now < w.end) return { action: "close" };
    if (!w.latest) {
      this.windows.delete(key);
      return { action: "close" };
    }
    const { alert, ref } = w.latest;
    const suppressed = w.held - 1;
    this.windows.set(key, { end: now + this.windowMs, severity: ALERT_SEVERITIES.indexOf(alert.severity), held: 0, latest: null });
    return { action: "send", alert, ref, suppressed, windowEnd: now + this.windowMs };
  }

  /** The window end of `key`, if one is open (for re-arming timers). */
  windowEnd(key: string): number | undefined {
    return this.windows.get(key)?.end;
  }

  /** Alerts held back right now, over all keys. */
  held(): number {
    let n = 0;
    for (const w of this.windows.values()) n += w.held;
    return n;
  }

  /** Keys with an open window. */
  size(): number {
    return this.windows.size;
  }
}
