import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { sleep } from "../../../ports/clock.ts";
import type { SimAdmin } from "../admin.ts";
import { errorBody, SimApiError } from "../errors.ts";
import { registerSimRoutes } from "./admin-routes.ts";
import { registerPrivateRoutes } from "./private-routes.ts";
import { registerPublicRoutes } from "./public-routes.ts";
import type { SimServices } from "./services.ts";

/**
 * The simulator's REST surface as one Hono app. Bithumb paths (`/v1/*`, `/v2/*`) pass the fault
 * gate first (added latency, then an injected 429 or 500 before anything happens), then the replay
 * is advanced to the clock's now so every answer reflects the same instant.
 */
export function createSimApp(s: SimServices, admin: SimAdmin): Hono {
  const app = new Hono();

  const bithumbGate = async (_c: unknown, next: () => Promise<void>) => {
    const { latencyMs } = s.faults.settings;
    if (latencyMs > 0) await sleep(s.wallClock, latencyMs);
    const failure = s.faults.drawFailure();
    if (failure) throw failure;
    s.sync();
    await next();
  };
  app.use("/v1/*", bithumbGate);
  app.use("/v2/*", bithumbGate);
  app.use("/sim/*", async (_c, next) => {
    s.sync();
    await next();
  });

  registerPublicRoutes(app, s);
  registerPrivateRoutes(app, s);
  registerSimRoutes(app, s, admin);

  app.notFound((c) => c.json(errorBody("not_found", `no such endpoint: ${c.req.method} ${new URL(c.req.url).pathname}`), 404));
  app.onError((e, c) => {
    if (e instanceof SimApiError) return c.json(e.body(), e.status as ContentfulStatusCode, e.headers);
    s.logger.error({ err: e, path: new URL(c.req.url).pathname }, "sim request failed");
    return c.json(errorBody("server_error", "internal simulator error"), 500);
  });
  return app;
}
