import { afterEach, describe, expect, it } from "vitest";
import type { Market } from "../../../src/core/model.ts";
import { exchangeOrder } from "../../support/exchange-order.ts";
import { applyExchangeOrder, listAudit, recordAudit, recordOrderIntent, updatePositionExits, type Db } from "../../../src/db/index.ts";
import { CLIENT_IP, harness, type Harness } from "./support.ts";

let h: Harness;
afterEach(() => h?.close());

const json = async (res: Response) => (await res.json()) as any;


/** A bought-and-sold round trip on BTC (one closed trade), an open ETH position and a resting XRP bid. */
function seed(db: Db, now: number): void {
  const order = (id: string, market: Market, side: "bid" | "ask", price: number, volume: number, t: number) =>
    recordOrderIntent(db, { clientOrderId: id, market, side, type: "limit", price, volume, priority: 2, reason: side === "bid" ? "entry" : "exit" }, t);
  order("b1", "KRW-BTC", "bid", 100_000_000, 0.01, now);
  applyExchangeOrder(db, "b1", exchangeOrder({ orderId: "C1", clientOrderId: "b1", price: 100_000_000, volume: 0.01, executedVolume: 0.01, executedFunds: 1_000_000, paidFee: 400 }), now + 1);
  order("s1", "KRW-BTC", "ask", 110_000_000, 0.01, now + 2);
  applyExchangeOrder(db, "s1", exchangeOrder({ orderId: "C2", clientOrderId: "s1", side: "ask", price: 110_000_000, volume: 0.01, executedVolume: 0.01, executedFunds: 1_100_000, paidFee: 440 }), now + 3);
  order("e1", "KRW-ETH", "bid", 5_000_000, 0.2, now + 4);
  applyExchangeOrder(db, "e1", exchangeOrder({ orderId: "C3", clientOrderId: "e1", market: "KRW-ETH", price: 5_000_000, volume: 0.2, executedVolume: 0.2, executedFunds: 1_000_000, paidFee: 400 }), now + 5);
  updatePositionExits(db, "KRW-ETH", { stop: 4_800_000, exitState: { trailing: true } }, now + 6);
  order("x1", "KRW-XRP", "bid", 800, 1000, now + 7);
}

describe("GET /healthz", () => {
  it("answers 200 with the health report when healthy", async () => {
    h = harness();
    const res = await h.request("/healthz", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await json(res);
    expect(body).toMatchObject({ healthy: true, mode: "sim", tradingState: "running", reconciled: true });
  });

  it("answers 503 with the same details when not", async () => {
    h = harness();
    h.control.healthy = false;
    const res = await h.request("/healthz", { token: null });
    expect(res.status).toBe(503);
    expect(await json(res)).toMatchObject({ healthy: false, tradingState: "halted", reason: "market data down" });
  });

  it("answers 503 (not 500) when the health report itself fails", async () => {
    h = harness();
    h.control.healthThrows = true;
    const res = await h.request("/healthz", { token: null });
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({ healthy: false, error: { code: "health_check_failed", message: "health report unavailable" } });
  });
});

describe("GET /metrics", () => {
  it("serves the Prometheus text format with its content type", async () => {
    h = harness();
    h.metrics.ordersTotal.inc({ market: "KRW-BTC", side: "bid", state: "filled" });
    const res = await h.request("/metrics", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(h.metrics.contentType);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('bot_orders_total{market="KRW-BTC",side="bid",state="filled"} 1');
  });
});

describe("actors", () => {
  it("lists one object per market with market, state, position and restarts", async () => {
    h = harness();
    const body = await json(await h.request("/api/v1/actors"));
    expect(body.items).toHaveLength(2);
    for (const a of body.items) expect(Object.keys(a)).toEqual(expect.arrayContaining(["market", "state", "position", "restarts"]));
    expect(body.items[0]).toMatchObject({ market: "KRW-BTC", state: "in_position", restarts: 1, position: { volume: 0.01 } });
  });

  it("shows one actor, 404 for a market without one, 400 for a malformed code", async () => {
    h = harness();
    const one = await h.request("/api/v1/actors/KRW-ETH");
    expect(one.status).toBe(200);
    expect(await json(one)).toMatchObject({ market: "KRW-ETH", state: "paused", id: "trader:KRW-ETH" });

    const missing = await h.request("/api/v1/actors/KRW-DOGE");
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({ error: { code: "not_found", message: "no trader for market KRW-DOGE" } });

    for (const bad of ["krw-btc", "BTC-KRW", "KRW-", "KRW-BTC;DROP", "USDT-BTC", "KRW-ABCDEFGHIJKLMNOP"]) {
      const res = await h.request(`/api/v1/actors/${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      const body = await json(res);
      expect(body.error.code).toBe("invalid_request");
      expect(body.error.fields.market).toEqual(["a KRW market code like KRW-BTC"]);
    }
  });

  it("serves the supervisor tree", async () => {
    h = harness();
    const body = await json(await h.request("/api/v1/supervisor"));
    expect(body).toMatchObject({ id: "root", kind: "root", children: [{ id: "trader:KRW-BTC" }, { id: "trader:KRW-ETH" }] });
  });

  it.each([
    ["pause", "pauseMarket", "trader.pause"],
    ["resume", "resumeMarket", "trader.resume"],
    ["flatten", "flattenMarket", "trader.flatten"],
  ])("POST /actors/:market/%s calls %s with the origin and audits who, what, target and where", async (verb, method, action) => {
    h = harness();
    h.clock.advance(5_000);
    const res = await h.request(`/api/v1/actors/KRW-BTC/${verb}`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, action, target: "KRW-BTC", message: `${method} KRW-BTC done` });
    expect(h.control.calls).toEqual([{ method, market: "KRW-BTC", origin: { by: "api-token", source: CLIENT_IP } }]);
    const [row, ...rest] = listAudit(h.handle.db);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ actor: "api-token", action, target: "KRW-BTC", source: CLIENT_IP, ts: h.clock.now() });
    expect(JSON.parse(row!.details!)).toEqual({ ok: true, message: `${method} KRW-BTC done`, requestId: res.headers.get("x-request-id") });
  });

  it("does not run or audit a command for an unknown or malformed market", async () => {
    h = harness();
    expect((await h.request("/api/v1/actors/KRW-DOGE/flatten", { method: "POST" })).status).toBe(404);
    expect((await h.request("/api/v1/actors/btc/pause", { method: "POST" })).status).toBe(400);
    expect(h.control.calls).toEqual([]);
    expect(listAudit(h.handle.db)).toEqual([]);
  });

  it("refuses GET on a command and POST on a read with 404 JSON", async () => {
    h = harness();
    const res = await h.request("/api/v1/actors/KRW-BTC/pause");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
    expect((await h.request("/api/v1/orders", { method: "POST" })).status).toBe(404);
    expect(h.control.calls).toEqual([]);
  });
});

describe("trading commands", () => {
  it.each([
    ["pause", "pauseTrading", "trading.pause"],
    ["resume", "resumeTrading", "trading.resume"],
    ["flatten-all", "flattenAll", "trading.flattenAll"],
  ])("POST /trading/%s calls %s and audits it", async (verb, method, action) => {
    h = harness();
    const res = await h.request(`/api/v1/trading/${verb}`, { method: "POST", headers: { "X-Request-Id": "ops-42" } });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ ok: true, action, target: "trading" });
    expect(h.control.calls).toEqual([{ method, market: undefined, origin: { by: "api-token", source: CLIENT_IP } }]);
    expect(listAudit(h.handle.db)).toMatchObject([{ actor: "api-token", action, target: "trading", source: CLIENT_IP }]);
    expect(JSON.parse(listAudit(h.handle.db)[0]!.details!).requestId).toBe("ops-42");
  });

  it("answers 409 with the reason when the runtime refuses, and audits the refusal", async () => {
    h = harness();
    h.control.answer = async () => ({ ok: false, message: "trading is halted: reconciliation failed" });
    const res = await h.request("/api/v1/trading/resume", { method: "POST" });
    expect(res.status).toBe(409);
    expect(await json(res)).toEqual({ error: { code: "command_refused", message: "trading is halted: reconciliation failed" } });
    const [row] = listAudit(h.handle.db);
    expect(row).toMatchObject({ action: "trading.resume", actor: "api-token" });
    expect(JSON.parse(row!.details!)).toMatchObject({ ok: false, message: "trading is halted: reconciliation failed" });
  });

  it("answers a bare 500 when the runtime throws: no message or stack leaks, the failure is audited and logged", async () => {
    h = harness();
    h.control.answer = async () => {
      throw new Error("secret internal detail at /srv/bot/actors/x.ts:12");
    };
    const res = await h.request("/api/v1/trading/flatten-all", { method: "POST" });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "internal_error", message: "internal server error" } });
    expect(text).not.toContain("secret internal detail");
    const [row] = listAudit(h.handle.db);
    expect(JSON.parse(row!.details!)).toMatchObject({ ok: false, error: "secret internal detail at /srv/bot/actors/x.ts:12" });
    const failure = h.log.lines().find((l) => l.msg === "request failed");
    expect(failure).toMatchObject({ level: 50, path: "/api/v1/trading/flatten-all" });
  });
});

describe("records", () => {
  it("lists orders newest first with filters, paging and sort", async () => {
    h = harness();
    seed(h.handle.db, 1_000);
    const all = await json(await h.request("/api/v1/orders"));
    expect(all).toMatchObject({ limit: 100, offset: 0 });
    expect(all.items.map((o: any) => o.clientOrderId)).toEqual(["x1", "e1", "s1", "b1"]);
    expect(all.items[3]).toMatchObject({ market: "KRW-BTC", side: "bid", state: "filled", exchangeOrderId: "C1", executedVolume: 0.01 });

    const q = async (qs: string) => (await json(await h.request(`/api/v1/orders?${qs}`))).items.map((o: any) => o.clientOrderId);
    expect(await q("market=KRW-BTC")).toEqual(["s1", "b1"]);
    expect(await q("side=ask")).toEqual(["s1"]);
    expect(await q("state=pending_submit")).toEqual(["x1"]);
    expect(await q("market=KRW-BTC&side=bid&state=filled")).toEqual(["b1"]);
    expect(await q("sort=created_asc&limit=2")).toEqual(["b1", "s1"]);
    expect(await q("sort=created_asc&limit=2&offset=2")).toEqual(["e1", "x1"]);
    expect(await q("offset=10")).toEqual([]);
  });

  it("rejects bad order filters with 400 and an error per field", async () => {
    h = harness();
    const res = await h.request("/api/v1/orders?market=btc&state=done&side=buy&limit=0&offset=-1&sort=price&markt=KRW-BTC");
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: "invalid_request", message: "invalid query parameters" });
    expect(body.error.fields).toEqual({
      market: ["a KRW market code like KRW-BTC"],
      state: ["one of pending_submit, open, partially_filled, unknown, filled, cancelled, rejected"],
      side: ["one of bid, ask"],
      limit: ["an integer from 1 to 1000"],
      offset: ["an integer from 0 to 1000000000"],
      sort: ["one of created_desc, created_asc"],
      markt: ["unknown parameter"],
    });
    for (const qs of ["limit=1001", "limit=1.5", "limit=abc", "limit=", "market=KRW-BTC&market=KRW-ETH"]) {
      const r = await h.request(`/api/v1/orders?${qs}`);
      expect(r.status, qs).toBe(400);
    }
    expect((await json(await h.request("/api/v1/orders?market=KRW-BTC&market=KRW-ETH"))).error.fields).toEqual({ market: ["given more than once"] });
  });

  it("rejects SQL in a filter before it reaches the database", async () => {
    h = harness();
    seed(h.handle.db, 1_000);
    const injection = encodeURIComponent("KRW-BTC' OR '1'='1");
    for (const path of [`/api/v1/audit?action=${injection}`, `/api/v1/orders?market=${injection}`, `/api/v1/fills?market=${injection}`, `/api/v1/orders?state=${injection}`]) {
      expect((await h.request(path)).status, path).toBe(400);
    }
    expect((await json(await h.request("/api/v1/orders"))).items).toHaveLength(4);
  });

  it("lists fills with market filter and paging", async () => {
    h = harness();
    seed(h.handle.db, 1_000);
    const all = await json(await h.request("/api/v1/fills"));
    expect(all.items).toHaveLength(3);
    expect(all.items[0]).toMatchObject({ market: "KRW-ETH", side: "bid", price: 5_000_000, volume: 0.2, fee: 400 });
    const btc = await json(await h.request("/api/v1/fills?market=KRW-BTC&limit=1&offset=1"));
    expect(btc.items).toMatchObject([{ market: "KRW-BTC", side: "bid" }]);
    expect((await h.request("/api/v1/fills?side=bid")).status).toBe(400);
  });

  it("lists open positions with their exit state as data", async () => {
    h = harness();
    seed(h.handle.db, 1_000);
    const body = await json(await h.request("/api/v1/positions"));
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ market: "KRW-ETH", volume: 0.2, status: "open", stop: 4_800_000, exitState: { trailing: true } });
    expect((await h.request("/api/v1/positions?market=KRW-ETH")).status).toBe(400);
  });

  it("lists closed trades", async () => {
    h = harness();
    seed(h.handle.db, 1_000);
    const body = await json(await h.request("/api/v1/trades"));
    expect(body).toMatchObject({ limit: 200, items: [{ market: "KRW-BTC", volume: 0.01, exitReason: "exit" }] });
    expect(body.items[0].pnl).toBeGreaterThan(0);
    expect((await h.request("/api/v1/trades?limit=5000")).status).toBe(400);
  });

  it("lists balances from the control port", async () => {
    h = harness();
    const body = await json(await h.request("/api/v1/balances"));
    expect(body.items).toEqual(h.control.balances());
  });

  it("lists the audit log newest first, filtered by action, with details as data", async () => {
    h = harness();
    recordAudit(h.handle.db, { actor: "supervisor", action: "actor.restarted", target: "trader:KRW-BTC", details: { restarts: 2 } }, 10);
    await h.request("/api/v1/actors/KRW-ETH/resume", { method: "POST" });
    const all = await json(await h.request("/api/v1/audit"));
    expect(all.items.map((r: any) => r.action)).toEqual(["trader.resume", "actor.restarted"]);
    const restarts = await json(await h.request("/api/v1/audit?action=actor.restarted&limit=1"));
    expect(restarts.items).toMatchObject([{ actor: "supervisor", target: "trader:KRW-BTC", details: { restarts: 2 } }]);
  });

  it("marks API answers not cacheable and sets security headers", async () => {
    h = harness();
    const res = await h.request("/api/v1/positions");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const refused = await h.request("/api/v1/positions", { token: null });
    expect(refused.headers.get("x-content-type-options")).toBe("nosniff");
    expect(refused.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses an oversized request body with 413 JSON before running the command", async () => {
    h = harness({ maxBodyBytes: 16 });
    const res = await h.request("/api/v1/trading/pause", { method: "POST", body: "x".repeat(64), headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(413);
    expect(await json(res)).toEqual({ error: { code: "payload_too_large", message: "request body too large" } });
    expect(h.control.calls).toEqual([]);
  });
});
