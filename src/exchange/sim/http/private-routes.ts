import type { Context, Hono } from "hono";
import { baseCurrency, isMarket, type Market } from "../../../core/model.ts";
import { sleep } from "../../../ports/clock.ts";
import type { OrderKey } from "../engine/engine.ts";
import type { ReadonlyOrder } from "../engine/types.ts";
import { CLIENT_ORDER_ID_RE, type OrderApi, parseOrderBody } from "../engine/validate.ts";
import { invalidParameter, orderNotFound, SimApiError } from "../errors.ts";
import { DAY_MS, parseTimeParam } from "../time.ts";
import { bodyParamString, queryParamString } from "./auth.ts";
import { lostResponse } from "./faults.ts";
import { intParam, type SimServices, servesMarket } from "./services.ts";
import { restAccount, restChance, restOrder, restOrderCancelled, restOrderCreated } from "./wire.ts";

/** Batch create / cancel size limit (API.md 4.7.2: 30 since 2026-08-20). */
export const MAX_BATCH = 30;
/** Ids per search / list call (API.md 4.5, 4.7.5). */
export const MAX_IDS = 100;
const HISTORY_WINDOW_MS = 7 * DAY_MS;
const STATES = ["wait", "watch", "done", "cancel"] as const;
type StateName = (typeof STATES)[number];

interface AuthedQuery {
  readonly params: URLSearchParams;
}

/** Verify a GET/DELETE request: the query string as sent is what `query_hash` covers. */
async function authQuery(c: Context, s: SimServices): Promise<AuthedQuery> {
  const url = c.req.url;
  const q = url.indexOf("?");
  const raw = q < 0 ? "" : url.slice(q + 1).replace(/#.*$/, "");
  await s.auth.verify(c.req.header("authorization"), raw === "" ? [] : [queryParamString(raw)]);
  return { params: new URLSearchParams(raw) };
}

/** Verify a POST request: its JSON body in key=value form is what `query_hash` covers. */
async function authBody(c: Context, s: SimServices): Promise<Record<string, unknown>> {
  const claims = await s.auth.verifyToken(c.req.header("authorization"));
  const text = await c.req.text();
  let body: unknown = {};
  if (text.trim() !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      throw invalidParameter("the body is not valid JSON");
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidParameter("the body must be a JSON object");
  const record = body as Record<string, unknown>;
  const forms = Object.keys(record).length === 0 ? [] : [...new Set([bodyParamString(record, false), bodyParamString(record, true)])];
  s.auth.checkQueryHash(claims, forms);
  return record;
}

/** Repeated `key[]=v` values (commas inside a value split too). */
function arrayParam(params: URLSearchParams, key: string): string[] {
  return params.getAll(`${key}[]`).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

function idList(value: unknown, name: string, max: number): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw invalidParameter(`${name} must be an array of strings`);
  if (value.length > max) throw invalidParameter(`${name} takes at most ${max} ids`);
  return value as string[];
}

function orderMarket(s: SimServices, value: string | null | undefined): Market | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (!isMarket(value) || !servesMarket(s, value)) throw invalidParameter(`market does not have a valid value: ${value}`);
  return value;
}

function orderBy(value: unknown): "asc" | "desc" {
  if (value === undefined || value === null || value === "") return "desc";
  if (value !== "asc" && value !== "desc") throw invalidParameter("order_by must be asc or desc");
  return value;
}

function sortOrders(orders: readonly ReadonlyOrder[], by: "asc" | "desc"): ReadonlyOrder[] {
  return [...orders].sort((a, b) => (by === "asc" ? a.seq - b.seq : b.seq - a.seq));
}

/** `uuid`/`order_id` wins over `client_order_id` (API.md 4.4, 4.7.3). */
function orderKey(params: URLSearchParams, idName: "uuid" | "order_id"): OrderKey {
  const id = params.get(idName);
  if (id) return { id };
  const clientOrderId = params.get("client_order_id");
  if (clientOrderId) return { clientOrderId };
  throw invalidParameter(`${idName} or client_order_id is required`);
}

/** States of a list request: `state` or `states[]`, never both; `watch` alone (API.md 4.5). */
function stateFilter(params: URLSearchParams, fallback: readonly StateName[], allowed: readonly StateName[]): Set<StateName> {
  const single = params.get("state");
  const many = arrayParam(params, "states");
  if (single !== null && many.length > 0) throw invalidParameter("state and states[] cannot be used together");
  const chosen = single !== null ? [single] : many.length > 0 ? many : [...fallback];
  for (const st of chosen) if (!allowed.includes(st as StateName)) throw invalidParameter(`state must be one of ${allowed.join(", ")}`);
  if (chosen.includes("watch") && chosen.length > 1) throw invalidParameter("watch cannot be combined with other states");
  return new Set(chosen as StateName[]);
}

/** One page after the cursor (the previous page's last order id). */
function page(orders: readonly ReadonlyOrder[], limit: number, nextKey: string | null): Record<string, unknown> {
  let start = 0;
  if (nextKey !== null && nextKey !== "") {
    const i = orders.findIndex((o) => o.id === nextKey);
    if (i < 0) throw invalidParameter("next_key is not a cursor this server issued");
    start = i + 1;
  }
  const slice = orders.slice(start, start + limit);
  const hasNext = start + limit < orders.length;
  return { orders: slice.map((o) => restOrder(o)), has_next: hasNext, next_key: hasNext ? slice.at(-1)!.id : null };
}

/**
 * The order-creating POSTs end here so the faults that model a lost or slow acknowledgement apply
 * after the order exists: `loseOrderResponses` resets the connection, `ackDelayMs` holds the answer.
 */
async function acknowledge(c: Context, s: SimServices, body: unknown): Promise<Response> {
  if (s.faults.takeLostResponse()) {
    s.logger.info("fault: order response lost");
    return lostResponse();
  }
  const delay = s.faults.settings.ackDelayMs;
  if (delay > 0) await sleep(s.wallClock, delay);
  return c.json(body, 201);
}

/** The private (JWT) endpoints of API.md 4: accounts, chance, v1 and v2 orders. */
export function registerPrivateRoutes(app: Hono, s: SimServices): void {
  const place = (body: unknown, api: OrderApi) => s.engine.place(parseOrderBody(body, api, (m) => servesMarket(s, m)), s.clock.now()).order;

  app.get("/v1/accounts", async (c) => {
    await authQuery(c, s);
    return c.json(s.engine.balances().map(restAccount));
  });

  app.get("/v1/orders/chance", async (c) => {
    const { params } = await authQuery(c, s);
    const market = orderMarket(s, params.get("market"));
    if (!market) throw invalidParameter("market is required");
    const e = s.engine;
    return c.json(restChance(market, e.feeRate, e.minTotal, e.balance("KRW"), e.balance(baseCurrency(market)), "active"));
  });

  // ------------------------------------------------------------------ v1 orders
  app.post("/v1/orders", async (c) => {
    const body = await authBody(c, s);
    return acknowledge(c, s, restOrder(place(body, "v1")));
  });

  app.get("/v1/order", async (c) => {
    const { params } = await authQuery(c, s);
    const order = s.engine.find(orderKey(params, "uuid"));
    if (!order) throw orderNotFound();
    return c.json(restOrder(order, true));
  });

  app.delete("/v1/order", async (c) => {
    const { params } = await authQuery(c, s);
    return c.json(restOrder(s.engine.cancel(orderKey(params, "uuid"), s.clock.now())));
  });

  app.get("/v1/orders", async (c) => {
    const { params } = await authQuery(c, s);
    const market = orderMarket(s, params.get("market"));
    const uuids = arrayParam(params, "uuids");
    const clientIds = arrayParam(params, "client_order_ids");
    if (uuids.length > MAX_IDS || clientIds.length > MAX_IDS) throw invalidParameter(`at most ${MAX_IDS} ids per request`);
    const states = stateFilter(params, ["wait"], STATES);
    const pageNo = intParam(params.get("page"), "page", 1, 1, 1_000_000);
    const limit = intParam(params.get("limit"), "limit", 100, 1, 100);
    const by = orderBy(params.get("order_by"));
    let candidates: readonly ReadonlyOrder[];
    if (uuids.length > 0) candidates = uniqueOrders(uuids.map((id) => s.engine.find({ id })));
    else if (clientIds.length > 0) candidates = uniqueOrders(clientIds.map((clientOrderId) => s.engine.find({ clientOrderId })));
    else candidates = states.size === 1 && states.has("wait") ? s.engine.openOrders() : s.engine.orders();
    const matching = candidates.filter((o) => (!market || o.market === market) && states.has(o.state));
    const sorted = sortOrders(matching, by);
    return c.json(sorted.slice((pageNo - 1) * limit, pageNo * limit).map((o) => restOrder(o)));
  });

  // ------------------------------------------------------------------ v2 orders
  app.post("/v2/orders", async (c) => {
    const body = await authBody(c, s);
    return acknowledge(c, s, restOrderCreated(place(body, "v2")));
  });

  app.post("/v2/orders/batch", async (c) => {
    const body = await authBody(c, s);
    const items = body.batch_orders;
    if (!Array.isArray(items) || items.length === 0) throw invalidParameter("batch_orders must be a non-empty array");
    if (items.length > MAX_BATCH) throw invalidParameter(`batch_orders takes at most ${MAX_BATCH} orders`);
    const results = items.map((item) => {
      try {
        return restOrderCreated(place(item, "v2"));
      } catch (e) {
        if (!(e instanceof SimApiError)) throw e;
        return { ...echoFields(item), error: { name: e.errorName, message: e.message } };
      }
    });
    return acknowledge(c, s, { batch_orders_response: results });
  });

  app.delete("/v2/order", async (c) => {
    const { params } = await authQuery(c, s);
    return c.json(restOrderCancelled(s.engine.cancel(orderKey(params, "order_id"), s.clock.now())));
  });

  app.post("/v2/orders/cancel", async (c) => {
    const body = await authBody(c, s);
    const orderIds = idList(body.order_ids, "order_ids", MAX_BATCH);
    const clientIds = idList(body.client_order_ids, "client_order_ids", MAX_BATCH);
    const keys: OrderKey[] = orderIds ? orderIds.map((id) => ({ id })) : clientIds ? clientIds.map((clientOrderId) => ({ clientOrderId })) : [];
    if (keys.length === 0) throw invalidParameter("order_ids or client_order_ids is required");
    const success: Record<string, unknown>[] = [];
    const fail: Record<string, unknown>[] = [];
    for (const key of keys) {
      try {
        success.push(restOrderCancelled(s.engine.cancel(key, s.clock.now())));
      } catch (e) {
        if (!(e instanceof SimApiError)) throw e;
        fail.push({ ...("id" in key ? { order_id: key.id } : { client_order_id: key.clientOrderId }), error: { name: e.errorName, message: e.message } });
      }
    }
    return c.json({ success, fail });
  });

  app.post("/v2/orders/search", async (c) => {
    const body = await authBody(c, s);
    const market = orderMarket(s, typeof body.market === "string" ? body.market : undefined);
    const orderIds = idList(body.order_ids, "order_ids", MAX_IDS);
    const clientIds = idList(body.client_order_ids, "client_order_ids", MAX_IDS);
    if (!orderIds && !clientIds) throw invalidParameter("order_ids or client_order_ids is required");
    const found = orderIds
      ? uniqueOrders(orderIds.map((id) => s.engine.find({ id })))
      : uniqueOrders(clientIds!.filter((id) => CLIENT_ORDER_ID_RE.test(id)).map((clientOrderId) => s.engine.find({ clientOrderId })));
    return c.json(sortOrders(found.filter((o) => !market || o.market === market), orderBy(body.order_by)).map((o) => restOrder(o)));
  });

  app.get("/v2/orders/pending", async (c) => {
    const { params } = await authQuery(c, s);
    const market = orderMarket(s, params.get("market"));
    const state = params.get("state") ?? "wait";
    if (state !== "wait" && state !== "watch") throw invalidParameter("state must be wait or watch");
    const limit = intParam(params.get("limit"), "limit", 100, 1, 100);
    const open = state === "watch" ? [] : s.engine.openOrders().filter((o) => !market || o.market === market);
    return c.json(page(sortOrders(open, orderBy(params.get("order_by"))), limit, params.get("next_key")));
  });

  app.get("/v2/orders/history", async (c) => {
    const { params } = await authQuery(c, s);
    const market = orderMarket(s, params.get("market"));
    const states = stateFilter(params, ["done", "cancel"], ["done", "cancel"]);
    const limit = intParam(params.get("limit"), "limit", 100, 1, 1_000);
    const { start, end } = historyWindow(params.get("start_time"), params.get("end_time"), s.clock.now());
    const closed = s.engine.orders().filter((o) => (!market || o.market === market) && states.has(o.state) && o.createdAt >= start && o.createdAt <= end);
    return c.json(page(sortOrders(closed, orderBy(params.get("order_by"))), limit, params.get("next_key")));
  });
}

/** What a failed batch item echoes back so the caller can tell which one failed. */
function echoFields(item: unknown): Record<string, unknown> {
  if (typeof item !== "object" || item === null) return {};
  const o = item as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ["market", "side", "order_type", "client_order_id"]) if (typeof o[key] === "string") out[key] = o[key];
  return out;
}

function uniqueOrders(found: readonly (ReadonlyOrder | undefined)[]): ReadonlyOrder[] {
  return [...new Set(found.filter((o): o is ReadonlyOrder => o !== undefined))];
}

/** `start_time`/`end_time` (ISO 8601 or epoch ms): both missing = last 7 days; one missing = the other +- 7 days. */
function historyWindow(startText: string | null, endText: string | null, now: number): { start: number; end: number } {
  const parse = (text: string | null, name: string) => {
    if (text === null || text === "") return undefined;
    const t = parseTimeParam(text);
    if (t === undefined) throw invalidParameter(`${name} must be ISO 8601 or epoch milliseconds`);
    return t;
  };
  let start = parse(startText, "start_time");
  let end = parse(endText, "end_time");
  if (start === undefined && end === undefined) end = now;
  if (start === undefined) start = end! - HISTORY_WINDOW_MS;
  if (end === undefined) end = start + HISTORY_WINDOW_MS;
  if (end < start) throw invalidParameter("end_time must not be before start_time");
  if (end - start > HISTORY_WINDOW_MS) throw invalidParameter("the start_time..end_time window must be at most 7 days");
  return { start, end };
}
