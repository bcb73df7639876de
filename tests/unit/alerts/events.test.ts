import { describe, expect, it } from "vitest";
import { type AlertEvent, alertFor } from "../../../src/alerts/events.ts";
import { createErrorRateMonitor, createRestartStormMonitor, RateWatch } from "../../../src/alerts/rate-watch.ts";
import { Deduplicator } from "../../../src/alerts/dedupe.ts";
import { TokenBucket } from "../../../src/alerts/rate-limit.ts";
import { SimulatedClock } from "../../../src/clock/simulated.ts";
import type { Alert } from "../../../src/ports/alerts.ts";

const TS = Date.UTC(2026, 10, 26, 12, 0);

describe("alerts from runtime facts", () => {
  it("a fill: info, unique key per trade, amounts the Korean way", () => {
    const e: AlertEvent = { type: "fill", ts: TS, market: "KRW-BTC", side: "bid", price: 95_000_000, volume: 0.0123, fee: 2_921.25, tradeId: "t-77", reason: "entry" };
    const ko = alertFor(e, "ko");
    expect(ko).toMatchObject({ severity: "info", key: "fill:KRW-BTC:t-77", title: "체결: KRW-BTC 매수", ts: TS });
    expect(ko.text).toContain("95,000,000원 × 0.0123 BTC = 1,168,500원");
    expect(ko.text).toContain("수수료 2,921원");
    const en = alertFor({ ...e, side: "ask", realisedPnl: -12_345 }, "en");
    expect(en.title).toBe("Fill: KRW-BTC sell");
    expect(en.text).toContain("0.0123 BTC at ₩95,000,000 = ₩1,168,500");
    expect(en.text).toContain("Realised PnL -₩12,345");
  });

  it("a stop hit: warning with the stop and the price", () => {
    const a = alertFor({ type: "stop_hit", ts: TS, market: "KRW-XRP", stop: 812.5, price: 811, volume: 1_000, pnl: -4_000, kind: "trailing" }, "ko");
    expect(a.severity).toBe("warning");
    expect(a.key).toBe(`stop_hit:KRW-XRP:${TS}`);
    expect(a.title).toBe("추적 손절 도달: KRW-XRP");
    expect(a.text).toContain("추적 손절가 812.5원, 현재가 811원");
    expect(a.text).toContain("예상 손익 -4,000원");
  });

  it("the daily PnL summary keeps the runtime's key", () => {
    const a = alertFor({ type: "daily_pnl", ts: TS, date: "2026-11-26", realised: 12_345, unrealised: -1_000, equity: 10_012_345, return: 0.00123, trades: 3 }, "ko");
    expect(a).toMatchObject({ severity: "info", key: "daily_pnl:2026-11-26", title: "일일 손익 2026-11-26" });
    expect(a.text).toBe("실현 손익 +12,345원 (거래 3건)\n미실현 손익 -1,000원\n평가 금액 10,012,345원 (+0.12%)");
  });

  it("halts, storms, mismatches and spikes are keyed like the runtime keys them", () => {
    expect(alertFor({ type: "market_halted", ts: TS, market: "KRW-ETH", reason: "fatal: bad key" }, "en")).toMatchObject({ severity: "critical", key: "halted:trader:KRW-ETH" });
    expect(alertFor({ type: "trading_halted", ts: TS, reason: "reconcile failed" }, "ko")).toMatchObject({ severity: "critical", key: "trading_halted", title: "전체 거래 중단" });
    const storm = alertFor({ type: "restart_storm", ts: TS, restarts: 12, windowMs: 300_000, lastError: "md: socket closed" }, "ko");
    expect(storm).toMatchObject({ severity: "critical", key: "restart_storm:all" });
    expect(storm.text).toContain("5분 동안 재시작 12회");
    const many = Array.from({ length: 20 }, (_, i) => ({ market: `KRW-C${i}`, detail: "balance differs" }));
    const mismatch = alertFor({ type: "reconcile_mismatch", ts: TS, mismatches: many }, "ko");
    expect(mismatch).toMatchObject({ severity: "warning", key: "reconcile_mismatch", title: "거래소와 불일치 20건" });
    expect(mismatch.text.split("\n")).toHaveLength(16);
    expect(mismatch.text).toContain("외 5건");
    const spike = alertFor({ type: "error_rate_spike", ts: TS, source: "exchange", errors: 37, windowMs: 60_000, threshold: 20, byKind: { rejected: 7, retryable: 30 } }, "en");
    expect(spike).toMatchObject({ severity: "warning", key: "error_rate_spike:exchange" });
    expect(spike.text).toBe("37 errors in the last 1m (threshold 20)\nBy kind: retryable 30, rejected 7");
    expect(alertFor({ type: "market_delisted", ts: TS, market: "KRW-OLD" }, "en").key).toBe("delisted:KRW-OLD");
    expect(alertFor({ type: "order_unknown", ts: TS, market: "KRW-BTC", clientOrderId: "bot-1", detail: "timeout" }, "en").key).toBe("order_unknown:bot-1");
    expect(alertFor({ type: "kill_switch", ts: TS, by: "admin" }, "ko").key).toBe("flatten_all");
  });
});

describe("spike detection", () => {
  it("fires once at the threshold, re-arms only after the rate falls below half", () => {
    const clock = new SimulatedClock(0);
    const w = new RateWatch({ clock, windowMs: 60_000, threshold: 5 });
    const fired: number[] = [];
    const hit = (kind = "retryable") => {
      const s = w.record(1, kind);
      if (s) fired.push(s.count);
    };
    for (let i = 0; i < 4; i++) hit();
    expect(fired).toEqual([]);
    hit("fatal");
    expect(fired).toEqual([5]);
    for (let i = 0; i < 10; i++) hit();
    expect(fired).toEqual([5]); // still the same spike
    clock.advance(61_000); // the window empties
    expect(w.current()).toBe(0);
    for (let i = 0; i < 5; i++) hit();
    expect(fired).toEqual([5, 5]);
  });

  it("slides: errors spread wider than the window never make a spike", () => {
    const clock = new SimulatedClock(0);
    const w = new RateWatch({ clock, windowMs: 60_000, threshold: 5 });
    let spikes = 0;
    for (let i = 0; i < 50; i++) {
      if (w.record()) spikes += 1;
      clock.advance(15_000); // 4 per minute
    }
    expect(spikes).toBe(0);
  });

  it("hovering around the threshold does not flap (hysteresis)", () => {
    const clock = new SimulatedClock(0);
    const w = new RateWatch({ clock, windowMs: 10_000, threshold: 4, bucketMs: 1_000 });
    let spikes = 0;
    for (let i = 0; i < 60; i++) {
      if (w.record()) spikes += 1;
      clock.advance(2_600); // about 3.8 in any 10 s window: at or just under the threshold
    }
    expect(spikes).toBeLessThanOrEqual(1);
  });

  it("reads a cumulative counter, a reset included", () => {
    const clock = new SimulatedClock(0);
    const w = new RateWatch({ clock, windowMs: 60_000, threshold: 10 });
    expect(w.sampleTotal(100)).toBeNull(); // first reading: a baseline
    expect(w.sampleTotal(104)).toBeNull();
    expect(w.current()).toBe(4);
    expect(w.sampleTotal(3)).toBeNull(); // the process restarted its counter
    expect(w.current()).toBe(7);
    expect(w.sampleTotal(6)?.count).toBe(10);
  });

  it("the error-rate monitor raises an error_rate_spike event with counts by kind", () => {
    const clock = new SimulatedClock(TS);
    const events: AlertEvent[] = [];
    const m = createErrorRateMonitor({ clock, windowMs: 60_000, threshold: 3, source: "exchange", notify: (e) => events.push(e) });
    m.error("retryable");
    m.error("rejected");
    m.error("retryable");
    expect(events).toEqual([{ type: "error_rate_spike", ts: TS, source: "exchange", errors: 3, windowMs: 60_000, threshold: 3, byKind: { retryable: 2, rejected: 1 } }]);
  });

  it("the restart-storm monitor names the actor when one actor storms", () => {
    const clock = new SimulatedClock(TS);
    const events: AlertEvent[] = [];
    const m = createRestartStormMonitor({ clock, windowMs: 60_000, threshold: 3, notify: (e) => events.push(e) });
    m.restarted("md", "socket closed");
    m.restarted("md", "socket closed");
    m.restarted("md", "socket closed again");
    expect(events).toEqual([{ type: "restart_storm", ts: TS, restarts: 3, windowMs: 60_000, actorId: "md", lastError: "md: socket closed again" }]);
    clock.advance(120_000);
    m.restarted("trader:KRW-BTC");
    m.restarted("md");
    m.restarted("trader:KRW-ETH");
    expect(events[1]).toMatchObject({ type: "restart_storm", restarts: 3 });
    expect((events[1] as { actorId?: string }).actorId).toBeUndefined();
  });
});

describe("de-duplication and token buckets", () => {
  const a = (key: string, severity: Alert["severity"] = "warning"): Alert => ({ key, severity, title: key, text: "", ts: 0 });

  it("sends the first, holds repeats, sends the latest held one at the window's end with the count", () => {
    const d = new Deduplicator<number>(1_000);
    expect(d.offer(a("k"), 1, 0)).toEqual({ action: "send", suppressed: 0, windowEnd: 1_000 });
    expect(d.offer(a("k"), 2, 100)).toEqual({ action: "hold" });
    expect(d.offer(a("k"), 3, 200)).toEqual({ action: "hold" });
    expect(d.offer(a("other"), 4, 300).action).toBe("send");
    expect(d.held()).toBe(2);
    expect(d.close("k", 999)).toEqual({ action: "close" }); // not over yet
    const end = d.close("k", 1_000);
    expect(end).toMatchObject({ action: "send", ref: 3, suppressed: 1, windowEnd: 2_000 });
    expect(d.close("k", 2_000)).toEqual({ action: "close" });
    expect(d.windowEnd("k")).toBeUndefined();
  });

  it("never holds back a repeat of higher severity", () => {
    const d = new Deduplicator<number>(1_000);
    d.offer(a("k", "warning"), 1, 0);
    expect(d.offer(a("k", "warning"), 2, 10).action).toBe("hold");
    expect(d.offer(a("k", "critical"), 3, 20)).toEqual({ action: "send", suppressed: 1, windowEnd: 1_020 });
    expect(d.offer(a("k", "warning"), 4, 30).action).toBe("hold");
  });

  it("a zero window turns de-duplication off", () => {
    const d = new Deduplicator<number>(0);
    expect(d.offer(a("k"), 1, 0).action).toBe("send");
    expect(d.offer(a("k"), 2, 0).action).toBe("send");
    expect(d.size()).toBe(0);
  });

  it("a token bucket allows the burst, then the average rate", () => {
    const b = new TokenBucket({ burst: 2, perMinute: 6 }, 0);
    expect(b.tryTake(0)).toBe(true);
    expect(b.tryTake(0)).toBe(true);
    expect(b.tryTake(0)).toBe(false);
    expect(b.waitMs(0)).toBe(10_000);
    expect(b.tryTake(9_999)).toBe(false);
    expect(b.tryTake(10_000)).toBe(true);
    expect(b.waitMs(100_000)).toBe(0);
    expect(() => new TokenBucket({ burst: 0, perMinute: 1 }, 0)).toThrow(RangeError);
  });
});
