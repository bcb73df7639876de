/**
 * The issue's "Done when" for the simulator, as an outside client would check it: `bun run sim`
 * started as a real subprocess, plain fetch, a JWT signed right here (jose + node:crypto, nothing
 * shared with the project's client), and Bun's WebSocket.
 */
import { createHash, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ACCESS_KEY = "outside-client-access";
const SECRET_KEY = "outside-client-secret-5f2c9a";

let proc: ReturnType<typeof Bun.spawn>;
let rest = "";
let wsUrl = "";

/** Read the subprocess's stdout until the `SIM_READY ...` line and return its key=value fields. */
async function readyLine(stream: ReadableStream<Uint8Array>): Promise<Record<string, string>> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`sim exited before it was ready; output: ${text}`);
    text += decoder.decode(value, { stream: true });
    const line = text.split("\n").find((l) => l.startsWith("SIM_READY "));
    if (line) {
      reader.releaseLock();
      return Object.fromEntries(line.split(" ").slice(1).map((kv) => kv.split("=", 2) as [string, string]));
    }
  }
}

beforeAll(async () => {
  proc = Bun.spawn([process.execPath, "run", "src/cli/sim.ts", "--port", "0", "--speed", "60", "--seed", "7"], {
    env: { ...process.env, SIM_ACCESS_KEY: ACCESS_KEY, SIM_SECRET_KEY: SECRET_KEY, LOG_LEVEL: "warn" },
    stdout: "pipe",
    stderr: "ignore",
  });
  const ready = await readyLine(proc.stdout as ReadableStream<Uint8Array>);
  rest = ready.rest!;
  wsUrl = ready.ws!;
  expect(Number(ready.port)).toBeGreaterThan(0);
  expect(rest).toBe(`http://127.0.0.1:${ready.port}`);
  expect(ready.ws_private).toBe(`ws://127.0.0.1:${ready.port}/websocket/v2/private`);
});

afterAll(async () => {
  if (!proc) return;
  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
});

/** A Bithumb API 2.0 token: HS256 over access_key, nonce, timestamp (+ SHA-512 query_hash). */
async function token(query?: string, secret = SECRET_KEY): Promise<string> {
  const payload: Record<string, unknown> = { access_key: ACCESS_KEY, nonce: randomUUID(), timestamp: Date.now() };
  if (query) {
    payload.query_hash = createHash("sha512").update(query, "utf8").digest("hex");
    payload.query_hash_alg = "SHA512";
  }
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(secret));
}

async function call(method: string, path: string, params?: Record<string, string>, body?: Record<string, string>): Promise<{ status: number; json: any }> {
  const query = params ? new URLSearchParams(params).toString() : "";
  const hashed = body ? Object.entries(body).map(([k, v]) => `${k}=${v}`).join("&") : query;
  const res = await fetch(`${rest}${path}${query ? `?${query}` : ""}`, {
    method,
    headers: { Authorization: `Bearer ${await token(hashed || undefined)}`, ...(body ? { "Content-Type": "application/json; charset=utf-8" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

const publicGet = async (path: string) => {
  const res = await fetch(`${rest}${path}`);
  return { status: res.status, json: (await res.json()) as any };
};

describe("bun run sim, seen from an outside client", () => {
  it("lists markets with korean_name, english_name and market_warning", async () => {
    const { status, json } = await publicGet("/v1/market/all?isDetails=true");
    expect(status).toBe(200);
    expect(json).toEqual(
      expect.arrayContaining([
        { market: "KRW-BTC", korean_name: "비트코인", english_name: "Bitcoin", market_warning: "NONE" },
        { market: "KRW-ETH", korean_name: "이더리움", english_name: "Ethereum", market_warning: "NONE" },
        { market: "KRW-XRP", korean_name: "리플", english_name: "XRP", market_warning: "NONE" },
      ]),
    );
  });

  it("serves a KRW-BTC ticker", async () => {
    const { status, json } = await publicGet("/v1/ticker?markets=KRW-BTC");
    expect(status).toBe(200);
    expect(json[0]).toMatchObject({ market: "KRW-BTC", trade_price: expect.any(Number), acc_trade_price_24h: expect.any(Number), change: expect.stringMatching(/^(RISE|EVEN|FALL)$/) });
    expect(json[0].trade_price).toBeGreaterThan(0);
  });

  it("serves 200 one-minute candles with Bithumb's fields", async () => {
    const { json } = await publicGet("/v1/candles/minutes/1?market=KRW-BTC&count=200");
    expect(json).toHaveLength(200);
    for (const c of json) {
      expect(c).toEqual({
        market: "KRW-BTC",
        candle_date_time_utc: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00$/),
        candle_date_time_kst: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00$/),
        opening_price: expect.any(Number),
        high_price: expect.any(Number),
        low_price: expect.any(Number),
        trade_price: expect.any(Number),
        timestamp: expect.any(Number),
        candle_acc_trade_price: expect.any(Number),
        candle_acc_trade_volume: expect.any(Number),
        unit: 1,
      });
      expect(c.high_price).toBeGreaterThanOrEqual(Math.max(c.opening_price, c.trade_price));
      expect(c.low_price).toBeLessThanOrEqual(Math.min(c.opening_price, c.trade_price));
    }
  });

  it("serves an orderbook", async () => {
    const { json } = await publicGet("/v1/orderbook?markets=KRW-BTC");
    const units = json[0].orderbook_units;
    expect(units.length).toBeGreaterThanOrEqual(15);
    expect(units[0].ask_price).toBeGreaterThan(units[0].bid_price);
    expect(json[0].total_ask_size).toBeGreaterThan(0);
  });

  it("returns balances for a JWT-signed GET /v1/accounts", async () => {
    const { status, json } = await call("GET", "/v1/accounts");
    expect(status).toBe(200);
    expect(json).toContainEqual({ currency: "KRW", balance: "10000000", locked: "0", avg_buy_price: "0", avg_buy_price_modified: false, unit_currency: "KRW" });
  });

  it("answers 401 for a wrong secret, no token, and a query_hash that does not match the query", async () => {
    const wrong = await fetch(`${rest}/v1/accounts`, { headers: { Authorization: `Bearer ${await token(undefined, "not-the-secret")}` } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as any).error.name).toBe("jwt_verification");
    const none = await fetch(`${rest}/v1/accounts`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.name).toBe("jwt_verification");
    const mismatch = await fetch(`${rest}/v1/orders/chance?market=KRW-BTC`, { headers: { Authorization: `Bearer ${await token("market=KRW-ETH")}` } });
    expect(mismatch.status).toBe(401);
    expect(((await mismatch.json()) as any).error.name).toBe("invalid_query_payload");
  });

  it("serves orders/chance", async () => {
    const { status, json } = await call("GET", "/v1/orders/chance", { market: "KRW-BTC" });
    expect(status).toBe(200);
    expect(json).toMatchObject({ bid_fee: "0.0025", ask_fee: "0.0025", market: { id: "KRW-BTC", bid: { min_total: "5000" }, ask: { min_total: "5000" } }, bid_account: { currency: "KRW" } });
  });

  it("accepts a v1 limit bid (uuid, wait), shows it waiting, and cancels it", async () => {
    const [ticker] = (await publicGet("/v1/ticker?markets=KRW-BTC")).json;
    const price = String(Math.floor((ticker.trade_price * 0.9) / 1000) * 1000);
    const placed = await call("POST", "/v1/orders", undefined, { market: "KRW-BTC", side: "bid", volume: "0.0001", price, ord_type: "limit" });
    expect(placed.status).toBe(201);
    expect(placed.json).toMatchObject({ uuid: expect.stringMatching(/^C\d{19}$/), state: "wait", price, volume: "0.0001" });
    const waiting = await call("GET", "/v1/orders", { market: "KRW-BTC", state: "wait" });
    expect(waiting.json.map((o: any) => o.uuid)).toContain(placed.json.uuid);
    const cancelled = await call("DELETE", "/v1/order", { uuid: placed.json.uuid });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.state).toBe("cancel");
    expect((await call("GET", "/v1/order", { uuid: placed.json.uuid })).json.state).toBe("cancel");
  });

  it("accepts a v2 limit bid with client_order_id exactly once, finds it by that id, and cancels it via DELETE /v2/order", async () => {
    const [ticker] = (await publicGet("/v1/ticker?markets=KRW-BTC")).json;
    const price = String(Math.floor((ticker.trade_price * 0.9) / 1000) * 1000);
    const order = { market: "KRW-BTC", side: "bid", order_type: "limit", price, volume: "0.0001", client_order_id: "outside-0001" };
    const first = await call("POST", "/v2/orders", undefined, order);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ order_id: expect.stringMatching(/^C\d{19}$/), market: "KRW-BTC", side: "bid", order_type: "limit", client_order_id: "outside-0001" });
    const found = await call("GET", "/v1/order", { client_order_id: "outside-0001" });
    expect(found.json).toMatchObject({ uuid: first.json.order_id, state: "wait" });
    const again = await call("POST", "/v2/orders", undefined, order);
    expect(again.json.order_id).toBe(first.json.order_id);
    const all = await call("GET", "/v1/orders", { market: "KRW-BTC", state: "wait" });
    expect(all.json.filter((o: any) => o.uuid === first.json.order_id)).toHaveLength(1);
    expect(all.json.filter((o: any) => o.client_order_id === "outside-0001")).toHaveLength(1);
    const cancelled = await call("DELETE", "/v2/order", { order_id: first.json.order_id });
    expect(cancelled.json).toMatchObject({ order_id: first.json.order_id });
    expect((await call("GET", "/v1/order", { client_order_id: "outside-0001" })).json.state).toBe("cancel");
  });

  it("refuses an order under the minimum and an off-tick price with error names", async () => {
    const [ticker] = (await publicGet("/v1/ticker?markets=KRW-BTC")).json;
    const price = Math.floor((ticker.trade_price * 0.9) / 1000) * 1000;
    const small = await call("POST", "/v2/orders", undefined, { market: "KRW-BTC", side: "bid", order_type: "limit", price: String(price), volume: "0.00001" });
    expect(small.status).toBe(400);
    expect(small.json.error.name).toBe("under_min_total_bid");
    const offTick = await call("POST", "/v2/orders", undefined, { market: "KRW-BTC", side: "bid", order_type: "limit", price: String(price + 500), volume: "0.0001" });
    expect(offTick.status).toBe(400);
    expect(offTick.json.error.name).toBe("invalid_price_bid");
  });

  it("streams ticker messages over the WebSocket within seconds", async () => {
    const ws = new WebSocket(wsUrl);
    const messages: any[] = [];
    ws.addEventListener("message", (e) => messages.push(JSON.parse(String(e.data))));
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve);
      ws.addEventListener("error", reject);
    });
    ws.send(JSON.stringify([{ ticket: randomUUID() }, { type: "ticker", codes: ["KRW-BTC"] }]));
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !messages.some((m) => m.type === "ticker" && m.stream_type === "REALTIME")) await Bun.sleep(20);
    ws.close();
    expect(messages[0]).toMatchObject({ type: "ticker", code: "KRW-BTC", stream_type: "SNAPSHOT" });
    expect(messages.some((m) => m.type === "ticker" && m.stream_type === "REALTIME")).toBe(true);
  });
});
