import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isOnTick } from "../../../../src/core/orders/krw.ts";
import { ADMIN_SECRET_HEADER } from "../../../../src/exchange/sim/index.ts";
import { advance, json, privateCall, SECRET, startTestSim, type TestSim } from "./helpers.ts";

let t: TestSim;
let base: string;

beforeAll(async () => {
  t = await startTestSim();
  base = t.sim.restUrl;
});
afterAll(async () => {
  await t.sim.stop();
});

const get = (path: string) => json(fetch(`${base}${path}`));

describe("public REST", () => {
  it("lists markets with names, and warnings only when asked", async () => {
    const plain = await get("/v1/market/all");
    expect(plain.body).toEqual([
      { market: "KRW-BTC", korean_name: "비트코인", english_name: "Bitcoin" },
      { market: "KRW-XRP", korean_name: "리플", english_name: "XRP" },
    ]);
    const details = await get("/v1/market/all?isDetails=true");
    expect(details.body[0]).toEqual({ market: "KRW-BTC", korean_name: "비트코인", english_name: "Bitcoin", market_warning: "NONE" });
  });

  it("serves tickers with Bithumb's fields and JSON types", async () => {
    const { status, body } = await get("/v1/ticker?markets=KRW-BTC,KRW-XRP");
    expect(status).toBe(200);
    expect(body).toHaveLength(2);
    const btc = body[0];
    expect(Object.keys(btc)).toEqual([
      "market", "trade_date", "trade_time", "trade_date_kst", "trade_time_kst", "trade_timestamp", "opening_price", "high_price", "low_price",
      "trade_price", "prev_closing_price", "change", "change_price", "change_rate", "signed_change_price", "signed_change_rate", "trade_volume",
      "acc_trade_price", "acc_trade_price_24h", "acc_trade_volume", "acc_trade_volume_24h", "highest_52_week_price", "highest_52_week_date",
      "lowest_52_week_price", "lowest_52_week_date", "timestamp",
    ]);
    for (const k of ["trade_timestamp", "opening_price", "trade_price", "acc_trade_volume_24h", "timestamp", "change_rate"]) expect(typeof btc[k]).toBe("number");
    expect(btc.trade_date).toMatch(/^\d{8}$/);
    expect(btc.trade_time_kst).toMatch(/^\d{6}$/);
    expect(btc.highest_52_week_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(btc.timestamp).toBe(t.clock.now());
    expect(btc.high_price).toBeGreaterThanOrEqual(btc.low_price);
  });

  it("answers unknown markets and missing parameters the Bithumb way", async () => {
    expect(await get("/v1/ticker?markets=KRW-NOPE")).toEqual({ status: 404, body: { error: { name: "not_found", message: "Code not found: KRW-NOPE" } } });
    expect((await get("/v1/ticker")).body.error.name).toBe("invalid_parameter");
    expect((await get("/v1/candles/minutes/2?market=KRW-BTC")).status).toBe(400);
    expect((await get("/v1/candles/minutes/1?market=KRW-BTC&count=201")).body.error.name).toBe("invalid_parameter");
    expect((await get("/v1/candles/minutes/1?market=KRW-BTC&to=yesterday")).status).toBe(400);
    expect((await get("/v1/nothing")).status).toBe(404);
  });

  it("serves a tick-aligned orderbook: 30 levels for one market, 15 for several", async () => {
    const one = await get("/v1/orderbook?markets=KRW-BTC");
    expect(one.body[0].orderbook_units).toHaveLength(30);
    const units = one.body[0].orderbook_units as { ask_price: number; bid_price: number; ask_size: number; bid_size: number }[];
    expect(units[0]!.ask_price).toBeGreaterThan(units[0]!.bid_price);
    expect(units.every((u) => isOnTick(u.ask_price) && isOnTick(u.bid_price) && u.ask_size > 0 && u.bid_size > 0)).toBe(true);
    expect(Object.keys(one.body[0])).toEqual(["market", "timestamp", "total_ask_size", "total_bid_size", "orderbook_units"]);
    const two = await get("/v1/orderbook?markets=KRW-BTC,KRW-XRP");
    expect(two.body.map((b: { orderbook_units: unknown[] }) => b.orderbook_units.length)).toEqual([15, 15]);
  });

  it("serves recent trades newest first with a cursor", async () => {
    const { body } = await get("/v1/trades/ticks?market=KRW-BTC&count=20");
    expect(body).toHaveLength(20);
    for (let i = 1; i < 20; i++) expect(body[i].timestamp).toBeLessThan(body[i - 1].timestamp);
    expect(Object.keys(body[0])).toEqual(["market", "trade_date_utc", "trade_time_utc", "timestamp", "trade_price", "trade_volume", "prev_closing_price", "change_price", "ask_bid", "sequential_id"]);
    const next = await get(`/v1/trades/ticks?market=KRW-BTC&count=5&cursor=${body[9].sequential_id}`);
    expect(next.body.map((x: { sequential_id: number }) => x.sequential_id)).toEqual(body.slice(10, 15).map((x: { sequential_id: number }) => x.sequential_id));
    expect(body[0].timestamp).toBeLessThanOrEqual(t.clock.now());
  });

  it("serves 200 one-minute candles, newest first, the newest still forming", async () => {
    const { body } = await get("/v1/candles/minutes/1?market=KRW-BTC&count=200");
    expect(body).toHaveLength(200);
    expect(Object.keys(body[0])).toEqual([
      "market", "candle_date_time_utc", "candle_date_time_kst", "opening_price", "high_price", "low_price", "trade_price", "timestamp",
      "candle_acc_trade_price", "candle_acc_trade_volume", "unit",
    ]);
    const [tick] = (await get("/v1/ticker?markets=KRW-BTC")).body;
    // The newest candle is the minute of the last public trade, closing at that trade's price.
    expect(body[0].candle_date_time_utc).toBe(new Date(Math.floor(tick.trade_timestamp / 60_000) * 60_000).toISOString().slice(0, 19));
    expect(body[0].trade_price).toBe(tick.trade_price);
    expect(body[0].timestamp).toBe(tick.trade_timestamp);
    for (let i = 1; i < 200; i++) expect(body[i].candle_date_time_utc < body[i - 1].candle_date_time_utc).toBe(true);
    expect(body[0].unit).toBe(1);
  });

  it("reads `to` in KST unless it carries a zone", async () => {
    const utc = await get("/v1/candles/minutes/1?market=KRW-BTC&count=1&to=2025-09-09T12:00:00Z");
    expect(utc.body[0].candle_date_time_utc).toBe("2025-09-09T11:59:00");
    const kst = await get("/v1/candles/minutes/1?market=KRW-BTC&count=1&to=2025-09-09%2021:00:00");
    expect(kst.body[0].candle_date_time_kst).toBe("2025-09-09T20:59:00");
  });

  it("serves days (KST), weeks and months with their extra fields", async () => {
    const days = await get("/v1/candles/days?market=KRW-BTC&count=3");
    expect(days.body[0].candle_date_time_kst).toMatch(/T00:00:00$/);
    expect(days.body[0]).toHaveProperty("prev_closing_price");
    expect(days.body[0]).toHaveProperty("change_rate");
    expect(days.body[1].trade_price).toBe(days.body[0].prev_closing_price);
    const weeks = await get("/v1/candles/weeks?market=KRW-BTC&count=2");
    expect(new Date(`${weeks.body[0].first_day_of_period}T00:00:00Z`).getUTCDay()).toBe(1);
    const months = await get("/v1/candles/months?market=KRW-BTC&count=1");
    expect(months.body[0].first_day_of_period).toBe("2025-09-01");
  });

  it("moves the market when the replay clock advances", async () => {
    const before = (await get("/v1/trades/ticks?market=KRW-BTC&count=1")).body[0];
    advance(t, 5 * 60_000);
    const after = (await get("/v1/trades/ticks?market=KRW-BTC&count=1")).body[0];
    expect(after.timestamp).toBeGreaterThan(before.timestamp);
    expect(after.timestamp).toBeLessThanOrEqual(t.clock.now());
    expect((await get("/sim/clock")).body).toEqual({ now: t.clock.now(), speed: 60 });
  });
});

describe("private REST", () => {
  it("needs a valid token", async () => {
    expect(await get("/v1/accounts")).toEqual({ status: 401, body: { error: { name: "jwt_verification", message: "Jwt 토큰 검증에 실패했습니다." } } });
    const r = await fetch(`${base}/v1/orders/chance?market=KRW-BTC`, { headers: { authorization: "Bearer x.y.z" } });
    expect(r.status).toBe(401);
  });

  it("reports balances and order chance", async () => {
    const accounts = await json(privateCall(t, "GET", "/v1/accounts"));
    expect(accounts.body[0]).toEqual({ currency: "KRW", balance: "10000000", locked: "0", avg_buy_price: "0", avg_buy_price_modified: false, unit_currency: "KRW" });
    const chance = await json(privateCall(t, "GET", "/v1/orders/chance", { market: "KRW-BTC" }));
    expect(chance.body).toMatchObject({ bid_fee: "0.0025", ask_fee: "0.0025", market: { id: "KRW-BTC", bid: { currency: "KRW", min_total: "5000" }, ask: { currency: "BTC", min_total: "5000" }, state: "active" } });
    expect(chance.body.bid_account.balance).toBe("10000000");
  });

  it("places, shows, lists and cancels a v1 limit bid", async () => {
    const [tick] = (await get("/v1/ticker?markets=KRW-BTC")).body;
    const price = String(Math.floor((tick.trade_price * 0.9) / 1000) * 1000);
    const placed = await json(privateCall(t, "POST", "/v1/orders", undefined, { market: "KRW-BTC", side: "bid", volume: "0.001", price, ord_type: "limit" }));
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ side: "bid", ord_type: "limit", price, state: "wait", market: "KRW-BTC", volume: "0.001", remaining_volume: "0.001", executed_volume: "0", trades_count: 0 });
    expect(placed.body.uuid).toMatch(/^C\d{19}$/);
    expect(placed.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+09:00$/);
    const uuid = placed.body.uuid as string;
    const shown = await json(privateCall(t, "GET", "/v1/order", { uuid }));
    expect(shown.body).toMatchObject({ uuid, state: "wait", trades: [] });
    const listed = await json(privateCall(t, "GET", "/v1/orders", { market: "KRW-BTC", uuids: [uuid] }));
    expect(listed.body.map((o: { uuid: string }) => o.uuid)).toEqual([uuid]);
    const cancelled = await json(privateCall(t, "DELETE", "/v1/order", { uuid }));
    expect(cancelled.body).toMatchObject({ uuid, state: "cancel", cancel_type: "user_cancel", locked: "0" });
    expect((await json(privateCall(t, "DELETE", "/v1/order", { uuid }))).body.error.name).toBe("order_not_found");
    const waiting = await json(privateCall(t, "GET", "/v1/orders", { uuids: [uuid] }));
    expect(waiting.body).toEqual([]); // default state=wait
    const any = await json(privateCall(t, "GET", "/v1/orders", { uuids: [uuid], states: ["wait", "cancel"] }));
    expect(any.body).toHaveLength(1);
  });

  it("places a v2 order with client_order_id exactly once, finds it by that id, and cancels it by it", async () => {
    const order = { market: "KRW-XRP", side: "bid", order_type: "limit", price: "1000", volume: "10", client_order_id: "bot-0001" };
    const first = await json(privateCall(t, "POST", "/v2/orders", undefined, order));
    expect(first.status).toBe(201);
    expect(Object.keys(first.body)).toEqual(["order_id", "market", "side", "order_type", "created_at", "stp_type", "client_order_id"]);
    const again = await json(privateCall(t, "POST", "/v2/orders", undefined, { ...order, price: "1001" }));
    expect(again.body.order_id).toBe(first.body.order_id);
    const byClient = await json(privateCall(t, "GET", "/v1/order", { client_order_id: "bot-0001" }));
    expect(byClient.body).toMatchObject({ uuid: first.body.order_id, client_order_id: "bot-0001", price: "1000", state: "wait" });
    const all = await json(privateCall(t, "GET", "/v1/orders", { client_order_ids: ["bot-0001"], states: ["wait", "done", "cancel"] }));
    expect(all.body).toHaveLength(1);
    const cancelled = await json(privateCall(t, "DELETE", "/v2/order", { client_order_id: "bot-0001" }));
    expect(cancelled.body).toEqual({ order_id: first.body.order_id, created_at: first.body.created_at, client_order_id: "bot-0001" });
    expect((await json(privateCall(t, "GET", "/v1/order", { uuid: first.body.order_id }))).body.state).toBe("cancel");
  });

  it("refuses orders under the minimum, off the tick grid, beyond the balance, and with a bad client_order_id", async () => {
    const post = (o: Record<string, unknown>) => json(privateCall(t, "POST", "/v2/orders", undefined, { market: "KRW-XRP", side: "bid", order_type: "limit", ...o }));
    expect((await post({ price: "1000", volume: "1" })).body.error.name).toBe("under_min_total_bid");
    expect((await post({ price: "1000.5", volume: "10" })).body.error.name).toBe("invalid_price_bid");
    expect((await post({ price: "1000", volume: "100000" })).body.error.name).toBe("insufficient_funds_bid");
    expect((await post({ price: "1000", volume: "10", client_order_id: "has space" })).body.error.name).toBe("invalid_parameter");
    expect((await json(privateCall(t, "POST", "/v2/orders", undefined, { market: "KRW-XRP", side: "ask", order_type: "limit", price: "9000", volume: "10" }))).body.error.name).toBe("insufficient_funds_ask");
    expect((await json(privateCall(t, "GET", "/v1/order", { uuid: "C0000000000000000000" }))).status).toBe(404);
  });

  it("batches orders item by item and cancels in bulk, reporting failures per id", async () => {
    const ok = { market: "KRW-XRP", side: "bid", order_type: "limit", price: "1000", volume: "10", client_order_id: "batch-1" };
    const bad = { market: "KRW-XRP", side: "bid", order_type: "limit", price: "1000", volume: "1", client_order_id: "batch-2" };
    const batch = await json(privateCall(t, "POST", "/v2/orders/batch", undefined, { batch_orders: [ok, bad] }));
    expect(batch.status).toBe(201);
    const [created, failed] = batch.body.batch_orders_response;
    expect(created).toMatchObject({ market: "KRW-XRP", client_order_id: "batch-1" });
    expect(failed).toEqual({ market: "KRW-XRP", side: "bid", order_type: "limit", client_order_id: "batch-2", error: { name: "under_min_total_bid", message: expect.any(String) } });
    const tooMany = await json(privateCall(t, "POST", "/v2/orders/batch", undefined, { batch_orders: Array.from({ length: 31 }, () => ok) }));
    expect(tooMany.body.error.name).toBe("invalid_parameter");
    const search = await json(privateCall(t, "POST", "/v2/orders/search", undefined, { client_order_ids: ["batch-1", "batch-2", "nope", "batch-1"] }));
    expect(search.body.map((o: { client_order_id: string }) => o.client_order_id)).toEqual(["batch-1"]);
    const cancel = await json(privateCall(t, "POST", "/v2/orders/cancel", undefined, { client_order_ids: ["batch-1", "batch-2"] }));
    expect(cancel.body.success).toEqual([{ order_id: created.order_id, created_at: created.created_at, client_order_id: "batch-1" }]);
    expect(cancel.body.fail).toEqual([{ client_order_id: "batch-2", error: { name: "order_not_found", message: expect.any(String) } }]);
  });

  it("pages open orders with next_key and lists closed ones within a 7-day window", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await json(privateCall(t, "POST", "/v2/orders", undefined, { market: "KRW-XRP", side: "bid", order_type: "limit", price: String(1000 + i), volume: "10" }));
      ids.push(r.body.order_id);
    }
    const p1 = await json(privateCall(t, "GET", "/v2/orders/pending", { market: "KRW-XRP", limit: 3 }));
    expect(p1.body.orders.map((o: { uuid: string }) => o.uuid)).toEqual([ids[4], ids[3], ids[2]]);
    expect(p1.body.has_next).toBe(true);
    const p2 = await json(privateCall(t, "GET", "/v2/orders/pending", { market: "KRW-XRP", limit: 3, next_key: p1.body.next_key }));
    expect(p2.body).toMatchObject({ has_next: false, next_key: null });
    expect(p2.body.orders.map((o: { uuid: string }) => o.uuid)).toEqual([ids[1], ids[0]]);
    const bulk = await json(privateCall(t, "POST", "/v2/orders/cancel", undefined, { order_ids: ids }));
    expect(bulk.body.success).toHaveLength(5);
    const history = await json(privateCall(t, "GET", "/v2/orders/history", { market: "KRW-XRP", state: "cancel", order_by: "asc", limit: 1000 }));
    expect(history.body.orders.slice(-5).map((o: { uuid: string }) => o.uuid)).toEqual(ids);
    const tooWide = await json(privateCall(t, "GET", "/v2/orders/history", { start_time: "2025-08-01T00:00:00+09:00", end_time: "2025-08-09T00:00:00+09:00" }));
    expect(tooWide.body.error.name).toBe("invalid_parameter");
  });

  it("fills a resting bid from the replayed tape and a market buy from the book", async () => {
    const [tick] = (await get("/v1/ticker?markets=KRW-XRP")).body;
    const placed = await json(privateCall(t, "POST", "/v2/orders", undefined, { market: "KRW-XRP", side: "bid", order_type: "limit", price: String(tick.trade_price), volume: "2", client_order_id: "fill-me" }));
    let order = (await json(privateCall(t, "GET", "/v1/order", { client_order_id: "fill-me" }))).body;
    for (let i = 0; i < 240 && order.state === "wait"; i++) {
      advance(t, 60_000);
      order = (await json(privateCall(t, "GET", "/v1/order", { client_order_id: "fill-me" }))).body;
    }
    expect(order.uuid).toBe(placed.body.order_id);
    expect(order.state).toBe("done");
    expect(order.trades.length).toBeGreaterThan(0);
    expect(order.trades[0]).toMatchObject({ market: "KRW-XRP", price: String(tick.trade_price), side: "bid" });
    expect(order.paid_fee).toBe(String(Number(order.executed_funds) * 0.0025));
    const buy = await json(privateCall(t, "POST", "/v1/orders", undefined, { market: "KRW-BTC", side: "bid", price: "100000", ord_type: "price" }));
    expect(buy.body).toMatchObject({ ord_type: "price", price: "100000", volume: null, state: "done" });
    const btc = (await json(privateCall(t, "GET", "/v1/accounts"))).body.find((a: { currency: string }) => a.currency === "BTC");
    expect(Number(btc.balance)).toBeGreaterThan(0);
    const sell = await json(privateCall(t, "POST", "/v1/orders", undefined, { market: "KRW-BTC", side: "ask", volume: btc.balance, ord_type: "market" }));
    expect(sell.body).toMatchObject({ ord_type: "market", price: null, state: "done", executed_volume: btc.balance });
  });
});

describe("admin API", () => {
  const admin = (path: string, body?: unknown, secret = SECRET) =>
    json(fetch(`${base}${path}`, { method: body === undefined ? "GET" : "POST", headers: { [ADMIN_SECRET_HEADER]: secret, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));

  it("is protected by the sim secret", async () => {
    expect((await admin("/sim/admin/state", undefined, "wrong")).status).toBe(401);
  });

  it("sets balances and warnings and reports the full state", async () => {
    expect((await admin("/sim/admin/balances", { currency: "ETH", balance: "1.5" })).body).toEqual({ currency: "ETH", balance: "1.5", locked: "0" });
    expect((await admin("/sim/admin/markets/KRW-XRP/warning", { warning: "CAUTION" })).status).toBe(200);
    const markets = await get("/v1/market/all?isDetails=true");
    expect(markets.body[1].market_warning).toBe("CAUTION");
    const state = (await admin("/sim/admin/state")).body;
    expect(state.balances.find((b: { currency: string }) => b.currency === "ETH").balance).toBe("1.5");
    expect(state.markets.map((m: { market: string; warning: string }) => `${m.market}:${m.warning}`)).toEqual(["KRW-BTC:NONE", "KRW-XRP:CAUTION"]);
    expect(state.orders.length).toBeGreaterThan(0);
    expect((await admin("/sim/admin/markets/KRW-XRP/warning", { warning: "NONE" })).status).toBe(200);
    expect((await admin("/sim/admin/faults", { fail5xxRate: 2 })).status).toBe(400);
    expect((await admin("/sim/admin/faults", { latencyMs: 0 })).body.latencyMs).toBe(0);
  });
});
