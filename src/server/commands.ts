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

/** What came of an operator command: the control port's answer, or what it threw. */
export type CommandRun = { readonly result: CommandResult } | { readonly result?: undefined; readonly failure: unknown };

/**
 * Runs an operator command for `origin` and records it whatever the outcome (who, what, target,
 * from where, the answer): a refused or failed command is as much part of the record as a
 * successful one. The API and the dashboard both run commands through here, so the two keep one
 * audit trail. `via` and `requestId` go into the audit details.
 */
export async function runAudited(deps: CommandDeps, command: OperatorCommand, origin: Origin, request: { readonly requestId: string; readonly via?: "dashboard" }): Promise<CommandRun> {
  let run: CommandRun;
  try {
    run = { result: await command.run(origin) };
  } catch (failure) {
    run = { failure };
  }
  const outcome = run.result ?? { ok: false, message: "command failed", error: run.failure instanceof Error ? run.failure.message : String(run.failure) };
  // Logged before the audit write so the command is on record even if the database is failing.
  deps.logger.info({ reqId: request.requestId, who: origin.by, ip: origin.source, action: command.action, target: command.target, ok: outcome.ok, ...(request.via ? { via: request.via } : {}) }, "operator command");
  const details = { ...outcome, ...(request.via ? { via: request.via } : {}), requestId: request.requestId };
  recordAudit(deps.db, { actor: origin.by, action: command.action, target: command.target, source: origin.source, details }, deps.clock.now());
  return run;
}

/**
 * Runs an operator command on behalf of the authenticated API caller (audited, `runAudited`). A
 * refusal is a 409 with the control port's reason; a failure is rethrown (a 500, logged).
 */
export async function runCommand(c: Context<AppEnv>, deps: CommandDeps, command: OperatorCommand): Promise<Response> {
  const run = await runAudited(deps, command, originOf(c), { requestId: c.var.requestId });
  if (run.result === undefined) throw run.failure;
  const result = run.result;
  if (!result.ok) throw new ApiError(409, "command_refused", result.message);
  return c.json({ ok: true, action: command.action, target: command.target, message: result.message });
}
