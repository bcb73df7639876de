import type { Context, Hono } from "hono";
import { isMarket } from "../../../core/model.ts";
import type { SimAdmin } from "../admin.ts";
import { errorBody, invalidParameter, marketNotFound } from "../errors.ts";
import { formatFixed } from "../fixed.ts";
import type { SimServices } from "./services.ts";

/** Header carrying the sim secret key on `/sim/admin/*` requests. */
export const ADMIN_SECRET_HEADER = "x-sim-secret";

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await c.req.json();
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw invalidParameter("the body must be a JSON object");
}

/** Run an admin operation, turning a RangeError (bad value) into a 400. */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError) throw invalidParameter(e.message);
    throw e;
  }
}

/**
 * Not part of Bithumb: `GET /sim/clock` (open, so a separately started bot can share the replay
 * time) and `/sim/admin/*` for fault injection and test control (header `x-sim-secret: <sim secret>`).
 */
export function registerSimRoutes(app: Hono, s: SimServices, admin: SimAdmin): void {
  app.get("/sim/clock", (c) => c.json({ now: s.clock.now(), speed: s.speed }));

  app.use("/sim/admin/*", async (c, next) => {
    if (c.req.header(ADMIN_SECRET_HEADER) !== s.secretKey) {
      return c.json(errorBody("unauthorized", `the ${ADMIN_SECRET_HEADER} header must carry the sim secret key`), 401);
    }
    await next();
  });

  app.get("/sim/admin/state", (c) => c.json(admin.state()));
  app.get("/sim/admin/faults", (c) => c.json(admin.faults()));
  app.post("/sim/admin/faults", async (c) => {
    const patch = await jsonBody(c);
    return c.json(guarded(() => admin.setFaults(patch)));
  });
  app.post("/sim/admin/ws/drop", (c) => c.json({ dropped: admin.dropWebSockets() }));
  app.post("/sim/admin/balances", async (c) => {
    const body = await jsonBody(c);
    const { currency, balance } = body;
    if (typeof currency !== "string" || (typeof balance !== "string" && typeof balance !== "number")) {
      throw invalidParameter('expected {"currency": "KRW", "balance": "1000000"}');
    }
    const b = guarded(() => admin.setBalance(currency, balance));
    return c.json({ currency: b.currency, balance: formatFixed(b.balance), locked: formatFixed(b.locked) });
  });
  app.post("/sim/admin/markets/:market/warning", async (c) => {
    const market = c.req.param("market");
    const { warning } = await jsonBody(c);
    if (!isMarket(market) || !s.replay.market(market)) throw marketNotFound(market);
    if (warning !== "NONE" && warning !== "CAUTION") throw invalidParameter('warning must be "NONE" or "CAUTION"');
    guarded(() => admin.setMarketWarning(market, warning));
    return c.json({ market, market_warning: warning });
  });
}
