import type { Context } from "hono";
import { z } from "zod";
import type { Origin } from "../core/messages.ts";
import { recordAudit, type Db } from "../db/index.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "../ports/clock.ts";
import type { CommandResult } from "../ports/control.ts";
import { originOf } from "./auth/middleware.ts";
import type { AppEnv } from "./env.ts";
import { ApiError } from "./errors.ts";

/** The answer of every accepted command. */
export const commandAnswerSchema = z.object({ ok: z.literal(true), action: z.string(), target: z.string(), message: z.string() });

export interface CommandDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface OperatorCommand {
  /** The command's name in the message vocabulary: `trader.pause`, `trading.flattenAll`, … */
  readonly action: string;
  /** What it acts on: a market code, or `trading` for the whole bot. */
  readonly target: string;
  readonly run: (origin: Origin) => Promise<CommandResult>;
}

/**
 * Runs an operator command on behalf of the authenticated caller and writes its audit row (who,
 * what, target, from where, outcome), whatever the outcome: a refused or failed command is as
 * much part of the record as a successful one. A refusal is a 409 with the control port's reason;
 * a failure is rethrown (a 500, logged).
 */
export async function runCommand(c: Context<AppEnv>, deps: CommandDeps, command: OperatorCommand): Promise<Response> {
  const origin: Origin = originOf(c);
  let result: CommandResult | undefined;
  let failure: unknown;
  try {
    result = await command.run(origin);
  } catch (e) {
    failure = e;
  }
  const outcome = result ?? { ok: false, message: "command failed", error: failure instanceof Error ? failure.message : String(failure) };
  // Logged before the audit write so the command is on record even if the database is failing.
  deps.logger.info({ reqId: c.var.requestId, who: origin.by, ip: origin.source, action: command.action, target: command.target, ok: outcome.ok }, "operator command");
  recordAudit(deps.db, { actor: origin.by, action: command.action, target: command.target, source: origin.source, details: { ...outcome, requestId: c.var.requestId } }, deps.clock.now());
  if (!result) throw failure;
  if (!result.ok) throw new ApiError(409, "command_refused", result.message);
  return c.json({ ok: true, action: command.action, target: command.target, message: result.message });
}
