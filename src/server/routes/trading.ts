import { Hono, type Context } from "hono";
import type { ControlPort } from "../../ports/control.ts";
import { runCommand, type CommandDeps } from "../commands.ts";
import type { AppEnv } from "../env.ts";

export interface TradingRouteDeps extends CommandDeps {
  readonly control: ControlPort;
}

type TradingCommand = "pauseTrading" | "resumeTrading" | "flattenAll";

/** Bot-wide commands: `POST /trading/pause`, `/trading/resume`, `/trading/flatten-all` (the kill switch). */
export function tradingRoutes(deps: TradingRouteDeps): Hono<AppEnv> {
  const command = (method: TradingCommand, action: string) => (c: Context<AppEnv>) =>
    runCommand(c, deps, { action, target: "trading", run: (origin) => deps.control[method](origin) });
  return new Hono<AppEnv>()
    .post("/trading/pause", command("pauseTrading", "trading.pause"))
    .post("/trading/resume", command("resumeTrading", "trading.resume"))
    .post("/trading/flatten-all", command("flattenAll", "trading.flattenAll"));
}
