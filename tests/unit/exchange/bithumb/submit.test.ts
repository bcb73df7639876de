import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../../../src/clock/system.ts";
import { FatalError, RejectedError, RetryableError } from "../../../../src/core/errors.ts";
import type { OrderRequest } from "../../../../src/core/model.ts";
import { BithumbRestClient } from "../../../../src/exchange/bithumb/http/client.ts";
import { classifySubmitFailure } from "../../../../src/exchange/bithumb/http/submit.ts";
import { bithumbError, type FakeServer, HANG, json, orderObject, type RecordedRequest, startFakeServer, verifyAuth } from "./fake-server.ts";

/**
 * Idempotent order creation against a scripted exchange. The exchange keeps the orders it
 * created by client id; each test scripts how the create answers, and counts requests to prove
 * that no order is ever created twice.
 */

const ACCESS = "acc";
const SECRET = "sec";

const request: OrderRequest = { market: "KRW-BTC", side: "bid", type: "limit", price: 50_000_000, volume: 0.001, clientOrderId: "bot-0001" };

type CreateBehaviour = "ack" | "hang-created" | "hang-not-created" | "500-created" | "503-not-created" | "truncated-created" | "drop-created" | "insufficient" | "duplicate" | "429";

interface Exchange {
  server: FakeServer;
  client: BithumbRestClient;
  /** Orders the exchange holds, by client id. */
  orders: Map<string, Record<string, unknown>>;
  posts(): RecordedRequest[];
  lookups(): RecordedRequest[];
}

let current: FakeServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

/** A response whose body breaks off mid-stream: the client sees a dropped connection. */
function droppedResponse(): Response {
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"order_id":"C01'));
      controller.error(new Error("connection reset"));
    },
  });
  return new Response(stream, { status: 200, headers: { "content-type": "application/json" } });
}

async function exchange(script: (attempt: number) => CreateBehaviour, lookup: (clientOrderId: string, orders: Map<string, Record<string, unknown>>) => Response | "default" = () => "default"): Promise<Exchange> {
  const orders = new Map<string, Record<string, unknown>>();
  let creates = 0;
  const create = (clientOrderId: string) => {
    const order = orderObject({ uuid: `C01010000000000000${10 + orders.size}`, client_order_id: clientOrderId });
    orders.set(clientOrderId, order);
    return order;
  };
  const server = await startFakeServer((req) => {
    if (req.path === "/v1/orders/chance") return json({ market: { id: "KRW-BTC", state: "active" } });
    if (req.method === "GET" && req.path === "/v1/order") {
      const id = req.params.get("client_order_id") ?? "";
      const scripted = lookup(id, orders);
      if (scripted !== "default") return scripted;
      const order = orders.get(id);
      return order ? json(order) : bithumbError(404, "order_not_found", "주문을 찾지 못했습니다.");
    }
    if (req.method === "POST" && req.path === "/v2/orders") {
      const body = JSON.parse(req.body) as { client_order_id: string };
      const behaviour = script(creates++);
      const ack = (order: Record<string, unknown>) =>
        json({ order_id: order.uuid, market: "KRW-BTC", side: "bid", order_type: "limit", created_at: "2026-07-04T14:39:04+09:00", client_order_id: body.client_order_id });
      switch (behaviour) {
        case "ack":
          return ack(create(body.client_order_id));
        case "hang-created":
          create(body.client_order_id);
          return HANG;
        case "hang-not-created":
          return HANG;
        case "500-created":
          create(body.client_order_id);
          return bithumbError(500, "server_error");
        case "503-not-created":
          return new Response("<html>503 Service Unavailable</html>", { status: 503 });
        case "truncated-created":
          create(body.client_order_id);
          return new Response('{"order_id":"C0101', { status: 201 });
        case "drop-created":
          create(body.client_order_id);
          return droppedResponse();
        case "insufficient":
          return bithumbError(400, "insufficient_funds_bid", "주문가능한 금액(KRW)이 부족합니다.");
        case "duplicate":
          return bithumbError(400, "invalid_parameter", "client_order_id already exists");
        case "429":
          return bithumbError(429, "too_many_requests");
      }
    }
    return bithumbError(404, "not_found");
  });
  current = server;
  const client = new BithumbRestClient({
    baseUrl: server.url,
    accessKey: ACCESS,
    secretKey: SECRET,
    clock: new SystemClock(),
    timeoutMs: 150,
    random: () => 0.5,
    retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 10 },
    submit: { settleDelayMs: 10, absenceChecks: 2, maxResends: 1 },
  });
  return {
    server,
    client,
    orders,
    posts: () => server.requests.filter((r) => r.method === "POST" && r.path === "/v2/orders"),
    lookups: () => server.requests.filter((r) => r.method === "GET" && r.path === "/v1/order"),
  };
}

const clientIds = (reqs: RecordedRequest[]) => reqs.map((r) => (JSON.parse(r.body) as { client_order_id: string }).client_order_id);

describe("placeOrder is idempotent by client_order_id", () => {
  it("a plain ack: one create, no lookup", async () => {
    const ex = await exchange(() => "ack");
    const ack = await ex.client.placeOrder(request);
    expect(ack).toMatchObject({ orderId: "C0101000000000000010", clientOrderId: "bot-0001", market: "KRW-BTC", type: "limit" });
    expect(ex.posts()).toHaveLength(1);
    expect(ex.lookups()).toHaveLength(0);
  });

  it("times out, then the order exists: it is returned, never resent", async () => {
    const ex = await exchange(() => "hang-created");
    const ack = await ex.client.placeOrder(request);
    expect(ack).toMatchObject({ orderId: "C0101000000000000010", clientOrderId: "bot-0001" });
    expect(ex.posts()).toHaveLength(1);
    expect(ex.lookups()).toHaveLength(1);
    expect(ex.lookups()[0]!.query).toBe("client_order_id=bot-0001");
    await verifyAuth(ex.lookups()[0]!, ACCESS, SECRET, "client_order_id=bot-0001");
    expect(ex.orders.size).toBe(1);
  });

  it("times out, then 404s: exactly one resend, with the same id", async () => {
    const ex = await exchange((attempt) => (attempt === 0 ? "hang-not-created" : "ack"));
    const ack = await ex.client.placeOrder(request);
    expect(ack.clientOrderId).toBe("bot-0001");
    expect(ex.posts()).toHaveLength(2);
    expect(clientIds(ex.posts())).toEqual(["bot-0001", "bot-0001"]);
    expect(ex.posts()[1]!.body).toBe(ex.posts()[0]!.body);
    expect(ex.lookups()).toHaveLength(2); // absence confirmed twice before resending
    expect(ex.orders.size).toBe(1);
  });

  it("500 with the order created: found by lookup, no second create", async () => {
    const ex = await exchange(() => "500-created");
    expect((await ex.client.placeOrder(request)).orderId).toBe("C0101000000000000010");
    expect(ex.posts()).toHaveLength(1);
    expect(ex.orders.size).toBe(1);
  });

  it("a lost response (connection drops mid-body): found by lookup, no second create", async () => {
    const ex = await exchange(() => "drop-created");
    expect((await ex.client.placeOrder(request)).orderId).toBe("C0101000000000000010");
    expect(ex.posts()).toHaveLength(1);
  });

  it("a 2xx whose body cannot be read: found by lookup, no second create", async () => {
    const ex = await exchange(() => "truncated-created");
    expect((await ex.client.placeOrder(request)).orderId).toBe("C0101000000000000010");
    expect(ex.posts()).toHaveLength(1);
  });

  it("insufficient funds: rejected at once, no retry, no lookup", async () => {
    const ex = await exchange(() => "insufficient");
    const error = await ex.client.placeOrder(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedError);
    expect((error as RejectedError).code).toBe("insufficient_funds_bid");
    expect(ex.posts()).toHaveLength(1);
    expect(ex.lookups()).toHaveLength(0);
  });

  it("a duplicate-id answer is resolved by lookup, never by a new id", async () => {
    const ex = await exchange(() => "duplicate");
    ex.orders.set("bot-0001", orderObject({ uuid: "C0101000000000000099", client_order_id: "bot-0001" }));
    expect((await ex.client.placeOrder(request)).orderId).toBe("C0101000000000000099");
    expect(clientIds(ex.posts())).toEqual(["bot-0001"]);
  });

  it("a duplicate-id answer with no order to be found stays ambiguous (no resend)", async () => {
    const ex = await exchange(() => "duplicate");
    await expect(ex.client.placeOrder(request)).rejects.toMatchObject({ kind: "retryable", ambiguous: true, code: "order_state_unknown" });
    expect(ex.posts()).toHaveLength(1);
  });

  it("the lookup keeps failing: RetryableError with ambiguous true, still one create", async () => {
    const ex = await exchange(
      () => "hang-created",
      () => bithumbError(503, "busy"),
    );
    const error = await ex.client.placeOrder(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).ambiguous).toBe(true);
    expect(ex.posts()).toHaveLength(1);
    expect(ex.lookups()).toHaveLength(3); // the lookup's own retries
  });

  it("a lookup answered with an auth failure stays fatal and ambiguous", async () => {
    const ex = await exchange(
      () => "500-created",
      () => bithumbError(401, "out_of_scope"),
    );
    await expect(ex.client.placeOrder(request)).rejects.toMatchObject({ kind: "fatal", ambiguous: true, code: "out_of_scope" });
    expect(ex.posts()).toHaveLength(1);
  });

  it("429 on create: nothing was created, thrown as retryable and not ambiguous, no lookup", async () => {
    const ex = await exchange(() => "429");
    await expect(ex.client.placeOrder(request)).rejects.toMatchObject({ kind: "retryable", ambiguous: false });
    expect(ex.posts()).toHaveLength(1);
    expect(ex.lookups()).toHaveLength(0);
  });

  it("keeps failing with absence confirmed: 1 + maxResends creates, then a non-ambiguous error", async () => {
    const ex = await exchange(() => "503-not-created");
    await expect(ex.client.placeOrder(request)).rejects.toMatchObject({ kind: "retryable", ambiguous: false, code: "order_not_created" });
    expect(clientIds(ex.posts())).toEqual(["bot-0001", "bot-0001"]);
    expect(ex.lookups()).toHaveLength(4);
    expect(ex.orders.size).toBe(0);
  });

  it("an id that belongs to a different order is a fatal conflict, not an ack", async () => {
    const ex = await exchange(() => "500-created", (id) => json(orderObject({ client_order_id: id, market: "KRW-ETH" })));
    await expect(ex.client.placeOrder(request)).rejects.toBeInstanceOf(FatalError);
  });
});

describe("classifySubmitFailure", () => {
  it("only definite answers are thrown without a lookup", () => {
    expect(classifySubmitFailure(new RetryableError({ code: "timeout", message: "" }))).toBe("ambiguous");
    expect(classifySubmitFailure(new RetryableError({ code: "http_502", status: 502, message: "" }))).toBe("ambiguous");
    expect(classifySubmitFailure(new RetryableError({ code: "rate_limited", message: "" }))).toBe("definite");
    expect(classifySubmitFailure(new RejectedError({ code: "invalid_price", status: 400, message: "x -> 400 invalid_price: off tick" }))).toBe("definite");
    expect(classifySubmitFailure(new FatalError({ code: "jwt_verification", status: 401, message: "" }))).toBe("definite");
    expect(classifySubmitFailure(new TypeError("bug after send"))).toBe("ambiguous");
  });
});

describe("placeOrders (batch) never resends blind", () => {
  const batch: OrderRequest[] = [request, { ...request, clientOrderId: "bot-0002", price: 49_000_000 }];

  async function batchExchange(answer: (created: Map<string, Record<string, unknown>>, items: { client_order_id: string }[]) => Response | typeof HANG) {
    const created = new Map<string, Record<string, unknown>>();
    const server = await startFakeServer((req) => {
      if (req.path === "/v1/orders/chance") return json({ market: { id: "KRW-BTC", state: "active" } });
      if (req.path === "/v1/order") {
        const order = created.get(req.params.get("client_order_id") ?? "");
        return order ? json(order) : bithumbError(404, "order_not_found");
      }
      if (req.path === "/v2/orders/batch") return answer(created, (JSON.parse(req.body) as { batch_orders: { client_order_id: string }[] }).batch_orders);
      return bithumbError(404, "not_found");
    });
    current = server;
    const client = new BithumbRestClient({
      baseUrl: server.url,
      accessKey: ACCESS,
      secretKey: SECRET,
      clock: new SystemClock(),
      timeoutMs: 150,
      random: () => 0.5,
      retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 },
      submit: { settleDelayMs: 5, absenceChecks: 1, maxResends: 1 },
    });
    return { server, client, created };
  }

  it("signs batch_orders as percent-encoded JSON items and maps acks by client id", async () => {
    const { server, client } = await batchExchange((_c, items) =>
      json({
        batch_orders_response: items.map((it, i) => ({ order_id: `C9${i}`, client_order_id: it.client_order_id, market: "KRW-BTC", side: "bid", order_type: "limit", created_at: "2026-07-04T15:49:24+09:00" })).reverse(),
      }),
    );
    const acks = await client.placeOrders(batch);
    expect(acks.map((a) => [a.clientOrderId, a.orderId]).sort()).toEqual([
      ["bot-0001", "C90"],
      ["bot-0002", "C91"],
    ]);
    const post = server.requests.find((r) => r.path === "/v2/orders/batch")!;
    const items = (JSON.parse(post.body) as { batch_orders: unknown[] }).batch_orders;
    await verifyAuth(post, ACCESS, SECRET, items.map((it) => `batch_orders[]=${encodeURIComponent(JSON.stringify(it))}`).join("&"));
  });

  it("an ambiguous batch failure looks every item up: found ones are acks, absent ones are reported, nothing is resent", async () => {
    const { server, client, created } = await batchExchange((c) => {
      c.set("bot-0001", orderObject({ uuid: "C0101000000000000111", client_order_id: "bot-0001" }));
      return bithumbError(500, "server_error");
    });
    const result = await client.placeOrdersDetailed(batch);
    expect(result.acks.map((a) => a.orderId)).toEqual(["C0101000000000000111"]);
    expect(result.failed).toEqual([{ clientOrderId: "bot-0002", code: "not_created", message: expect.any(String) }]);
    expect(server.count("POST", "/v2/orders/batch")).toBe(1);
    expect(created.size).toBe(1);
  });

  it("refuses batches with repeated client ids before sending", async () => {
    const { server, client } = await batchExchange(() => json({ batch_orders_response: [] }));
    await expect(client.placeOrders([request, request])).rejects.toMatchObject({ code: "invalid_parameter" });
    expect(server.count("POST", "/v2/orders/batch")).toBe(0);
  });
});
