import { Hono, type Context } from "hono";
import type { Market } from "../../core/model.ts";
import type { ActorSummary, ControlPort } from "../../ports/control.ts";
import { runCommand, type CommandDeps } from "../commands.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { marketParam } from "../validation.ts";

export interface ActorRouteDeps extends CommandDeps {
  readonly control: ControlPort;
}

/** The market's actor, or a 404 when the bot runs no trader for it. */
function requireActor(control: ControlPort, market: Market): ActorSummary {
  const actor = control.getActor(market);
  if (!actor) throw new ApiError(404, "not_found", `no trader for market ${market}`);
  return actor;
}

type MarketCommand = "pauseMarket" | "resumeMarket" | "flattenMarket";

/**
 * The per-market traders: `GET /actors` (one summary per market), `GET /actors/:market`,
 * `POST /actors/:market/{pause,resume,flatten}`, and `GET /supervisor` (the supervisor tree).
 */
export function actorRoutes(deps: ActorRouteDeps): Hono<AppEnv> {
  const command = (method: MarketCommand, action: string) => (c: Context<AppEnv>) => {
    const market = marketParam(c);
    requireActor(deps.control, market);
    return runCommand(c, deps, { action, target: market, run: (origin) => deps.control[method](market, origin) });
  };
  return new Hono<AppEnv>()
    .get("/actors", (c) => c.json({ items: deps.control.listActors() }))
    .get("/actors/:market", (c) => c.json(requireActor(deps.control, marketParam(c))))
    .post("/actors/:market/pause", command("pauseMarket", "trader.pause"))
    .post("/actors/:market/resume", command("resumeMarket", "trader.resume"))
    .post("/actors/:market/flatten", command("flattenMarket", "trader.flatten"))
    .get("/supervisor", (c) => c.json(deps.control.actorTree()));
}
