import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAlerter, type AlerterOptions } from "../../../src/alerts/dispatcher.ts";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import { type DbHandle, listAlerts, listAlertChannels } from "../../../src/db/index.ts";
import type { Alert, AlertChannel, AlertMessage, AlertSeverity, DeliveryResult } from "../../../src/ports/alerts.ts";
import { captureLogger, openTestDb } from "./support.ts";

const T0 = Date.UTC(2026, 10, 26, 0, 0);

/** An in-memory channel: records what it was sent; `results` scripts the next outcomes (default delivered). */
class MemoryChannel implements AlertChannel {
  readonly sent: AlertMessage[] = [];
  readonly attempts: AlertMessage[] = [];
  results: (DeliveryResult | "throw" | "hang")[] = [];
  constructor(
    readonly id: string,
    readonly minSeverity: AlertSeverity = "info",
    readonly kind: AlertChannel["kind"] = "webhook",
    readonly name = id,
  ) {}
  send(message: AlertMessage, signal?: AbortSignal): Promise<DeliveryResult> {
    this.attempts.push(message);
    const next = this.results.shift();
    if (next === "throw") return Promise.reject(new Error("receiver exploded"));
    if (next === "hang") return new Promise((resolve) => signal?.addEventListener("abort", () => resolve({ ok: false, retryable: true, error: "aborted" })));
    if (next && !next.ok) return Promise.resolve(next);
    this.sent.push(message);
    return Promise.resolve({ ok: true, retryable: false });
  }
}

function alert(key: string, over: Partial<Alert> = {}): Alert {
  return { severity: "warning", key, title: `title ${key}`, text: `text ${key}`, ts: T0, ...over };
}

/** Let pending promise callbacks (channel sends, result handling) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

describe("the alert dispatcher", () => {
  let handle: DbHandle;
  let clock: SimulatedClock;
  let log: ReturnType<typeof captureLogger>;

  beforeEach(() => {
    handle = openTestDb();
    clock = new SimulatedClock(T0);
    log = captureLogger();
  });
  afterEach(() => handle.close());

  function alerter(channels: AlertChannel[], over: Partial<AlerterOptions> = {}) {
    return createAlerter({ channels, clock, db: handle.db, logger: log.logger, random: () => 0.5, dedupeWindowMs: 60_000, rateLimit: { burst: 100, perMinute: 6_000 }, ...over });
  }

  it("delivers to every channel whose minimum severity the alert meets, and stores the results", async () => {
    const all = new MemoryChannel("a");
    const critical = new MemoryChannel("b", "critical");
    const a = alerter([all, critical]);
    a.alert(alert("k1", { severity: "warning" }));
    a.alert(alert("k2", { severity: "critical" }));
    await settle();
    expect(all.sent.map((m) => m.key)).toEqual(["k1", "k2"]);
    expect(critical.sent.map((m) => m.key)).toEqual(["k2"]);
    const rows = listAlerts(handle.db);
    expect(rows.map((r) => r.key)).toEqual(["k2", "k1"]);
    expect(rows[0]!.deliveries.map((d) => [d.channel, d.ok, d.attempts]).sort()).toEqual([
      ["a", true, 1],
      ["b", true, 1],
    ]);
    expect(rows[1]!.deliveries.map((d) => d.channel)).toEqual(["a"]);
    expect(all.sent[0]!.id).toBe(rows[1]!.id);
    expect(a.stats()).toMatchObject({ raised: 2, delivered: 3, failed: 0, suppressed: 0, queued: 0 });
  });

  it("logs every alert at its severity, and stores it even with no channel configured", async () => {
    const a = alerter([]);
    a.alert(alert("lonely", { severity: "critical", title: "Trading halted", text: "exchange down" }));
    await settle();
    const line = log.lines().find((l) => l.alert === "lonely")!;
    expect(line.level).toBe(50);
    expect(line.msg).toBe("Trading halted: exchange down");
    expect(listAlerts(handle.db)[0]).toMatchObject({ key: "lonely", suppressed: false, deliveries: [] });
  });

  it("holds repeats of a key inside the window and sends the latest at its end, saying how many were suppressed", async () => {
    const ch = new MemoryChannel("a");
    const a = alerter([ch]);
    a.alert(alert("reconcile_mismatch", { text: "first" }));
    for (let i = 2; i <= 5; i++) {
      clock.advance(5_000);
      a.alert(alert("reconcile_mismatch", { text: `repeat ${i}` }));
    }
    await settle();
    expect(ch.sent.map((m) => m.text)).toEqual(["first"]);
    expect(a.stats().suppressed).toBe(4);
    expect(listAlerts(handle.db, { includeSuppressed: true }).filter((r) => r.suppressed)).toHaveLength(4);

    await clock.advanceAsync(40_000); // window (60 s from the first) ends
    await settle();
    expect(ch.sent.map((m) => [m.text, m.suppressed])).toEqual([
      ["first", 0],
      ["repeat 5", 3],
    ]);
    expect(a.stats().suppressed).toBe(3);
    const stored = listAlerts(handle.db, { includeSuppressed: true });
    expect(stored.filter((r) => !r.suppressed).map((r) => r.text)).toEqual(["repeat 5", "first"]);
    expect(stored.find((r) => r.text === "repeat 5")!.deliveries[0]).toMatchObject({ channel: "a", ok: true });

    // A quiet window closes without a message; the next alert of the key goes out at once.
    await clock.advanceAsync(61_000);
    await settle();
    expect(ch.sent).toHaveLength(2);
    a.alert(alert("reconcile_mismatch", { text: "later" }));
    await settle();
    expect(ch.sent.map((m) => m.text)).toEqual(["first", "repeat 5", "later"]);
  });

  it("never holds back an escalation", async () => {
    const ch = new MemoryChannel("a");
    const a = alerter([ch]);
    a.alert(alert("md", { severity: "warning" }));
    a.alert(alert("md", { severity: "warning" }));
    a.alert(alert("md", { severity: "critical", text: "worse" }));
    await settle();
    expect(ch.sent.map((m) => [m.severity, m.suppressed])).toEqual([
      ["warning", 0],
      ["critical", 1],
    ]);
  });

  it("rate-limits each channel on the clock, keeping order", async () => {
    const slow = new MemoryChannel("slow");
    const a = alerter([slow], { rateLimit: { burst: 2, perMinute: 6 }, dedupeWindowMs: 0 });
    for (let i = 1; i <= 5; i++) a.alert(alert(`k${i}`));
    await settle();
    expect(slow.sent.map((m) => m.key)).toEqual(["k1", "k2"]);
    expect(a.stats().queued).toBe(3);
    await clock.advanceAsync(9_999, 1_000);
    expect(slow.sent).toHaveLength(2);
    await clock.advanceAsync(1, 1);
    await settle();
    expect(slow.sent.map((m) => m.key)).toEqual(["k1", "k2", "k3"]);
    await clock.advanceAsync(20_000, 1_000);
    await settle();
    expect(slow.sent.map((m) => m.key)).toEqual(["k1", "k2", "k3", "k4", "k5"]);
  });

  it("a slow channel does not delay another", async () => {
    const stuck = new MemoryChannel("stuck");
    stuck.results = ["hang"];
    const fine = new MemoryChannel("fine");
    const a = alerter([stuck, fine]);
    a.alert(alert("x"));
    a.alert(alert("y"));
    await settle();
    expect(fine.sent.map((m) => m.key)).toEqual(["x", "y"]);
    expect(stuck.sent).toHaveLength(0);
    a.stop();
  });

  it("retries a retryable failure with exponential backoff, honouring Retry-After, then succeeds", async () => {
    const ch = new MemoryChannel("flaky");
    ch.results = [{ ok: false, retryable: true, error: "HTTP 503" }, { ok: false, retryable: true, error: "HTTP 429", retryAfterMs: 30_000 }, "throw"];
    const a = alerter([ch], { retry: { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 } });
    a.alert(alert("k"));
    await settle();
    expect(ch.attempts).toHaveLength(1);
    await clock.advanceAsync(999, 100); // first backoff: 1 s * (0.5 + 0.5 * 0.5) = 750 ms
    expect(ch.attempts).toHaveLength(2);
    await clock.advanceAsync(29_000, 1_000); // Retry-After 30 s beats the 1.5 s backoff
    expect(ch.attempts).toHaveLength(2);
    await clock.advanceAsync(1_100, 100);
    expect(ch.attempts).toHaveLength(3); // this one threw
    await clock.advanceAsync(5_000, 100);
    await settle();
    expect(ch.sent).toHaveLength(1);
    expect(listAlerts(handle.db)[0]!.deliveries[0]).toMatchObject({ ok: true, attempts: 4 });
  });

  it("gives up after the last attempt with a log line, and a refusal at once", async () => {
    const down = new MemoryChannel("down");
    down.results = Array.from({ length: 10 }, () => ({ ok: false, retryable: true, error: "connection failed (ECONNREFUSED)" }));
    const refuses = new MemoryChannel("refuses");
    refuses.results = [{ ok: false, retryable: false, error: "HTTP 404: no_service" }];
    const a = alerter([down, refuses], { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 } });
    a.alert(alert("k"));
    await clock.advanceAsync(10_000, 50);
    await settle();
    expect(down.attempts).toHaveLength(3);
    expect(refuses.attempts).toHaveLength(1);
    const lines = log.lines().filter((l) => l.level === 40);
    expect(lines.map((l) => [l.channel, l.msg])).toEqual(
      expect.arrayContaining([
        ["refuses", "alert not delivered: refused by the receiver"],
        ["down", "alert not delivered: gave up after retries"],
      ]),
    );
    const stored = listAlerts(handle.db)[0]!.deliveries;
    expect(stored.find((d) => d.channel === "down")).toMatchObject({ ok: false, attempts: 3, error: "connection failed (ECONNREFUSED)" });
    expect(stored.find((d) => d.channel === "refuses")).toMatchObject({ ok: false, attempts: 1, error: "HTTP 404: no_service" });
    expect(a.stats()).toMatchObject({ failed: 2, delivered: 0, queued: 0 });
  });

  it("a full queue drops the least severe, oldest message first", async () => {
    const ch = new MemoryChannel("q");
    const a = alerter([ch], { rateLimit: { burst: 1, perMinute: 1 }, queueLimit: 3, dedupeWindowMs: 0 });
    a.alert(alert("first", { severity: "info" })); // sent at once (the burst)
    a.alert(alert("i1", { severity: "info" }));
    a.alert(alert("w1", { severity: "warning" }));
    a.alert(alert("i2", { severity: "info" }));
    a.alert(alert("c1", { severity: "critical" })); // queue full: i1 goes
    a.alert(alert("i3", { severity: "info" })); // queue full of more severe ones but i2: i2 goes
    await settle();
    await clock.advanceAsync(10 * 60_000, 10_000);
    await settle();
    expect(ch.sent.map((m) => m.key)).toEqual(["first", "w1", "c1", "i3"]);
    expect(a.stats().dropped).toBe(2);
    const dropped = listAlerts(handle.db).filter((r) => r.deliveries.some((d) => d.error === "dropped: queue full"));
    expect(dropped.map((r) => r.key).sort()).toEqual(["i1", "i2"]);
  });

  it("never throws into the caller: bad input, a throwing channel, a broken database", async () => {
    const ch = new MemoryChannel("a");
    ch.results = ["throw"];
    const a = alerter([ch], { retry: { maxAttempts: 1 } });
    expect(() => a.alert(null as unknown as Alert)).not.toThrow();
    expect(() => a.alert({ severity: "loud", key: 7, title: undefined, text: undefined, ts: Number.NaN } as unknown as Alert)).not.toThrow();
    await settle();
    handle.sqlite.exec("DROP TABLE alerts");
    expect(() => a.alert(alert("after-db-broke"))).not.toThrow();
    await settle();
    expect(ch.sent.map((m) => m.key)).toContain("after-db-broke");
    expect(log.text()).toContain("could not store the alert");
    const channelsProvider = () => {
      throw new Error("registry broken");
    };
    const b = createAlerter({ channels: channelsProvider, clock, db: null, logger: log.logger });
    expect(() => b.alert(alert("x"))).not.toThrow();
    expect(() => b.notify({ type: "trading_halted", ts: T0, reason: "r" })).not.toThrow();
    expect(log.text()).toContain("registry broken");
  });

  it("normalises a malformed alert instead of losing it", async () => {
    const ch = new MemoryChannel("a");
    const a = alerter([ch]);
    a.alert({ severity: "loud", key: "", title: "t", text: "x".repeat(20_000), ts: Number.NaN } as unknown as Alert);
    await settle();
    expect(ch.sent[0]).toMatchObject({ severity: "warning", key: "unkeyed", ts: T0 });
    expect(ch.sent[0]!.text.length).toBeLessThanOrEqual(8_000);
  });

  it("notify builds the alert in the configured language", async () => {
    const ch = new MemoryChannel("a");
    const a = alerter([ch], { lang: "en" });
    a.notify({ type: "trading_halted", ts: T0 + 5, reason: "fatal: bad keys" });
    await settle();
    expect(ch.sent[0]).toMatchObject({ key: "trading_halted", title: "Trading halted", severity: "critical", ts: T0 + 5 });
  });

  it("flush waits for queued deliveries; stop records what is left as dropped", async () => {
    const ch = new MemoryChannel("a");
    ch.results = [{ ok: false, retryable: true, error: "503" }];
    const a = alerter([ch], { retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 1_000 } });
    a.alert(alert("k"));
    await settle();
    const flushed = a.flush(5_000);
    await clock.advanceAsync(2_000, 100);
    expect(await flushed).toBe(true);
    expect(ch.sent).toHaveLength(1);

    ch.results = Array.from({ length: 5 }, () => ({ ok: false, retryable: true, error: "503" }));
    a.alert(alert("k2"));
    await settle();
    const timedOut = a.flush(500);
    await clock.advanceAsync(600, 100);
    expect(await timedOut).toBe(false);
    expect(await a.flush(0)).toBe(false); // no wait at all: answers at once, even on a clock nobody moves
    a.stop();
    expect(a.stats().queued).toBe(0);
    expect(listAlerts(handle.db)[0]!.deliveries[0]).toMatchObject({ ok: false, error: "dropped: shutting down" });
    expect(() => a.alert(alert("after stop"))).not.toThrow();
    expect(listAlerts(handle.db)[0]!.key).toBe("after stop");
    expect(clock.pending()).toBe(0);
  });

  it("reports every outcome per channel for the metrics, and a throwing hook changes nothing", async () => {
    const outcomes: string[] = [];
    const tg = new MemoryChannel("env:telegram:1", "info", "telegram");
    const mail = new MemoryChannel("env:email", "critical", "email");
    mail.results = [{ ok: false, retryable: false, error: "554 rejected" }];
    const a = alerter([tg, mail], {
      queueLimit: 1,
      rateLimit: { burst: 1, perMinute: 1 },
      onOutcome: (o) => {
        outcomes.push(`${o.kind}:${o.outcome}`);
        throw new Error("metrics broke");
      },
    });
    a.alert(alert("k", { severity: "critical" })); // telegram sent, e-mail refused
    a.alert(alert("k", { severity: "critical" })); // held back: suppressed for both
    a.alert(alert("x", { severity: "info" })); // waits for a token on telegram
    a.alert(alert("y", { severity: "warning" })); // telegram queue full: x is dropped
    await settle();
    expect(outcomes.sort()).toEqual(["email:failed", "email:suppressed", "telegram:dropped", "telegram:sent", "telegram:suppressed"]);
    expect(log.text()).toContain("reporting a delivery outcome failed");
    expect(tg.sent.map((m) => m.key)).toEqual(["k"]);
    a.stop();
  });

  it("test() sends once to matching channels, bypassing de-duplication but not the rate limit", async () => {
    const t1 = new MemoryChannel("env:telegram:1", "critical", "telegram");
    const t2 = new MemoryChannel("env:telegram:2", "critical", "telegram");
    const s = new MemoryChannel("db:3", "info", "slack");
    s.results = [{ ok: false, retryable: false, error: "HTTP 404: no_service" }];
    const a = alerter([t1, t2, s], { rateLimit: { burst: 1, perMinute: 1 } });
    const r1 = await a.test("env:telegram", "admin");
    expect(r1.map((r) => [r.channel, r.ok])).toEqual([
      ["env:telegram:1", true],
      ["env:telegram:2", true],
    ]);
    expect(t1.sent[0]!.text).toContain("admin");
    const r2 = await a.test("slack", "admin");
    expect(r2).toEqual([expect.objectContaining({ channel: "db:3", kind: "slack", ok: false, error: "HTTP 404: no_service" })]);
    const r3 = await a.test("env:telegram:1", "admin");
    expect(r3[0]).toMatchObject({ ok: false, retryable: true });
    expect(r3[0]!.error).toMatch(/^rate limited: try again in/);
    expect(await a.test("nothing-like-this", "admin")).toEqual([]);
    expect(listAlerts(handle.db).filter((r) => r.key.startsWith("test:"))).toHaveLength(4);
    expect(listAlertChannels(handle.db)).toEqual([]);
  });
});
