import { z } from "zod";
import { ACTIVE_ORDER_STATES, FINAL_ORDER_STATES } from "../../core/orders/lifecycle.ts";
import { listAudit, listClosedTrades, listFills, listOpenPositions, listOrders, type AuditRow, type Db, type PositionRow } from "../../db/index.ts";
import type { ControlPort } from "../../ports/control.ts";
import type { ApiRoutes } from "../openapi.ts";
import { enumParam, intParam, marketSchema, parseQuery } from "../validation.ts";

export interface RecordRouteDeps {
  readonly db: Db;
  readonly control: ControlPort;
}

/** Page size bounds shared by every list (the repos clamp to the same maximum). */
export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

const ORDER_STATES = [...ACTIVE_ORDER_STATES, ...FINAL_ORDER_STATES] as [string, ...string[]];

const page = { limit: intParam(1, MAX_PAGE, DEFAULT_PAGE), offset: intParam(0, 1_000_000_000, 0) };

export const ordersQuery = z
  .object({
    market: marketSchema.optional(),
    state: enumParam(ORDER_STATES).optional(),
    side: enumParam(["bid", "ask"]).optional(),
    sort: enumParam(["created_desc", "created_asc"]).default("created_desc"),
    ...page,
  })
  .strict();

export const fillsQuery = z.object({ market: marketSchema.optional(), ...page }).strict();

export const tradesQuery = z.object({ limit: intParam(1, MAX_PAGE, 200) }).strict();

export const auditQuery = z
  .object({
    action: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/, "an action name like trader.pause")
      .optional(),
    limit: intParam(1, MAX_PAGE, 200),
  })
  .strict();

const noParams = z.object({}).strict();

/** Stored JSON text back to data; a value that does not parse is returned as the raw text. */
function parseJsonColumn(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const auditJson = (row: AuditRow) => ({ ...row, details: parseJsonColumn(row.details) });
const positionJson = (row: PositionRow) => ({ ...row, exitState: parseJsonColumn(row.exitState) });

const items = z.object({ items: z.array(z.record(z.string(), z.unknown())) }).loose();

/**
 * Read-only views of the bot's records (viewer): `GET /orders`, `/fills`, `/positions`, `/trades`
 * (closed round trips), `/audit`, and `/balances` (the exchange balances the runtime last saw).
 * Lists answer `{ items, ... }` so paging fields can sit next to the rows.
 */
export function recordRoutes(api: ApiRoutes, deps: RecordRouteDeps): void {
  api.add({ method: "get", path: "/orders", summary: "Orders, newest first by default", tags: ["records"], role: "viewer", query: ordersQuery, response: items }, (c) => {
    const q = parseQuery(c, ordersQuery);
    return c.json({ items: listOrders(deps.db, q), limit: q.limit, offset: q.offset });
  });
  api.add({ method: "get", path: "/fills", summary: "Fills, newest first", tags: ["records"], role: "viewer", query: fillsQuery, response: items }, (c) => {
    const q = parseQuery(c, fillsQuery);
    return c.json({ items: listFills(deps.db, q), limit: q.limit, offset: q.offset });
  });
  api.add({ method: "get", path: "/positions", summary: "Open positions (dust included)", tags: ["records"], role: "viewer", query: noParams, response: items }, (c) => {
    parseQuery(c, noParams);
    return c.json({ items: listOpenPositions(deps.db).map(positionJson) });
  });
  api.add({ method: "get", path: "/trades", summary: "Closed round trips, newest exit first", tags: ["records"], role: "viewer", query: tradesQuery, response: items }, (c) => {
    const q = parseQuery(c, tradesQuery);
    return c.json({ items: listClosedTrades(deps.db, q.limit), limit: q.limit });
  });
  api.add({ method: "get", path: "/audit", summary: "The audit log (who did what, when, from where), newest first", tags: ["records"], role: "viewer", query: auditQuery, response: items }, (c) => {
    const q = parseQuery(c, auditQuery);
    return c.json({ items: listAudit(deps.db, q).map(auditJson), limit: q.limit });
  });
  api.add({ method: "get", path: "/balances", summary: "Exchange balances as the runtime last fetched them", tags: ["records"], role: "viewer", query: noParams, response: items }, (c) => {
    parseQuery(c, noParams);
    return c.json({ items: deps.control.balances() });
  });
}
