/**
 * Supervision as a pure decision (ARCHITECTURE rule 8; Erlang/OTP semantics). XState reports a
 * child's failure as an error event; what to do about it is decided here, in one place, from the
 * failure, the child's recent restarts and the time — no I/O, no clock, randomness passed in.
 *
 * - `one_for_one`: only the failed child restarts; its siblings keep running.
 * - Restart intensity: at most `maxRestarts` restarts within `withinMs`. Past that a trader is
 *   halted (its market stops trading, an alert is raised) and a shared actor (market data, order
 *   manager, risk) escalates: all new trading halts while cancels still go through.
 * - Restarts back off exponentially with jitter, so a crash loop cannot hammer the exchange.
 * - A `fatal` error (bad keys, missing permission) is not cured by restarting: halt at once.
 */

export type ChildKind = "trader" | "shared";

export interface SupervisionPolicy {
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Fraction of the delay randomised either way (0.2 = ±20%). */
  readonly jitter: number;
}

export const DEFAULT_SUPERVISION_POLICY: SupervisionPolicy = {
  maxRestarts: 5,
  withinMs: 60_000,
  baseBackoffMs: 500,
  maxBackoffMs: 30_000,
  jitter: 0.2,
};

export interface Failure {
  readonly childId: string;
  readonly kind: ChildKind;
  /** `fatal` when the error is an exchange FatalError; anything else counts as a crash. */
  readonly errorKind: "fatal" | "crash";
  readonly now: number;
}

export type SupervisionDecision =
  | { readonly action: "restart"; readonly delayMs: number; readonly restarts: readonly number[] }
  | { readonly action: "halt"; readonly reason: string; readonly restarts: readonly number[] }
  | { readonly action: "escalate"; readonly reason: string; readonly restarts: readonly number[] };

/**
 * Decide what to do with a failed child.
 * @param recentRestarts times of this child's previous restarts (any order; old ones are dropped)
 * @param random a number in [0, 1) for the jitter
 */
export function decideSupervision(failure: Failure, recentRestarts: readonly number[], policy: SupervisionPolicy, random: number): SupervisionDecision {
  const windowStart = failure.now - policy.withinMs;
  const inWindow = recentRestarts.filter((t) => t > windowStart).sort((a, b) => a - b);
  const giveUp = (reason: string): SupervisionDecision =>
    failure.kind === "trader" ? { action: "halt", reason, restarts: inWindow } : { action: "escalate", reason, restarts: inWindow };

  if (failure.errorKind === "fatal") return giveUp(`${failure.childId} failed with a fatal exchange error; a restart cannot fix it`);
  if (inWindow.length >= policy.maxRestarts) {
    return giveUp(`${failure.childId} failed ${inWindow.length + 1} times within ${Math.round(policy.withinMs / 1000)} s (limit ${policy.maxRestarts} restarts)`);
  }
  const exp = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** inWindow.length);
  const jittered = exp * (1 - policy.jitter + 2 * policy.jitter * Math.min(Math.max(random, 0), 1));
  return { action: "restart", delayMs: Math.round(Math.min(policy.maxBackoffMs, jittered)), restarts: [...inWindow, failure.now] };
}
