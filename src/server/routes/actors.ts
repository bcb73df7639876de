import type { Context } from "hono";
import { z } from "zod";
import type { Market } from "../../core/model.ts";
import type { ActorSummary, ControlPort } from "../../ports/control.ts";
import { commandAnswerSchema, runCommand, type CommandDeps } from "../commands.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import type { ApiRoutes } from "../openapi.ts";
import { marketParam, marketPathParams } from "../validation.ts";

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

const actorSchema = z.object({ market: z.string(), id: z.string(), state: z.string(), restarts: z.number() }).loose();

const MARKET_COMMANDS: readonly { path: string; method: MarketCommand; action: string; summary: string }[] = [
  { path: "pause", method: "pauseMarket", action: "trader.pause", summary: "Stop new entries in a market" },
  { path: "resume", method: "resumeMarket", action: "trader.resume", summary: "Allow entries in a paused market again" },
  { path: "flatten", method: "flattenMarket", action: "trader.flatten", summary: "Cancel the market's orders, sell its position, then leave it paused" },
];

/**
 * The per-market traders: `GET /actors` (one summary per market), `GET /actors/:market`,
 * `POST /actors/:market/{pause,resume,flatten}` (operator), and `GET /supervisor` (the tree).
 */
export function actorRoutes(api: ApiRoutes, deps: ActorRouteDeps): void {
  const command = (method: MarketCommand, action: string) => (c: Context<AppEnv>) => {
    const market = marketParam(c);
    requireActor(deps.control, market);
    return runCommand(c, deps, { action, target: market, run: (origin) => deps.control[method](market, origin) });
  };
  api.add(
    { method: "get", path: "/actors", summary: "Every market's trader", tags: ["actors"], role: "viewer", response: z.object({ items: z.array(actorSchema) }) },
    (c) => c.json({ items: deps.control.listActors() }),
  );
  api.add(
    { method: "get", path: "/actors/:market", summary: "One market's trader", tags: ["actors"], role: "viewer", params: marketPathParams, response: actorSchema, errors: [404] },
    (c) => c.json(requireActor(deps.control, marketParam(c))),
  );
  for (const cmd of MARKET_COMMANDS) {
    api.add(
      { method: "post", path: `/actors/:market/${cmd.path}`, summary: cmd.summary, tags: ["actors", "commands"], role: "operator", params: marketPathParams, response: commandAnswerSchema, errors: [404, 409], audit: cmd.action },
      command(cmd.method, cmd.action),
    );
  }
  api.add(
    { method: "get", path: "/supervisor", summary: "The supervisor tree (every actor, its state and restarts)", tags: ["actors"], role: "viewer", response: z.object({ id: z.string(), kind: z.string(), state: z.string() }).loose() },
    (c) => c.json(deps.control.actorTree()),
  );
}
