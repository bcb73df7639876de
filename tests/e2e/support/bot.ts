/**
 * The real thing for the end-to-end tests: `bun run sim` and `bun start` as subprocesses on
 * loopback (the integration helpers' processes), the bot in sim mode against that simulator with
 * a temporary database, a chosen first-admin password and the enter-and-hold parameters (every
 * market enters on its first fast EMA cross and holds until the operator flattens it), so open
 * positions exist within seconds.
 */
import type { ApiPosition } from "../../integration/helpers/clients.ts";
import { waitFor } from "../../integration/helpers/poll.ts";
import { type BotProcess, externalSimEnv, REPO_ROOT, type SimProcess, startBot, startSim, waitHealthy } from "../../integration/helpers/processes.ts";
import type { WorkDir } from "../../integration/helpers/workdir.ts";

export const ADMIN_USER = "admin";
/** What `ADMIN_PASSWORD` gives the first admin. */
export const ADMIN_PASSWORD = "e2e-admin-password-4f1c9a";
/** The bootstrap bearer token (scope admin) the tests read the bot's state with. */
export const API_TOKEN = "e2e-api-token-0b7d3e95c2a1";
export const ENTER_AND_HOLD = `${REPO_ROOT}/tests/fixtures/configs/enter-and-hold.json`;

export interface RealBot {
  readonly sim: SimProcess;
  readonly bot: BotProcess;
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * Starts the simulator and the bot (ADMIN_PASSWORD set, enter-and-hold) and waits until the bot is
 * healthy with a trader per simulator market. `extraEnv` adds or overrides settings.
 */
export async function startRealBot(dir: WorkDir, extraEnv: Readonly<Record<string, string>> = {}): Promise<RealBot> {
  const sim = await startSim(dir.path, ["--seed", "42"]);
  const env = { ...externalSimEnv(sim, dir.file("bot.db"), API_TOKEN), CONFIG_FILE: ENTER_AND_HOLD, ADMIN_PASSWORD, ...extraEnv };
  let bot: BotProcess | undefined;
  try {
    bot = await startBot(dir.path, "bot", env);
    await waitHealthy(bot, 30_000);
    const started = bot;
    await waitFor(async () => (await started.api.actors()).length >= sim.markets.length, { what: "a trader per simulator market", timeoutMs: 15_000 });
  } catch (e) {
    await bot?.process.ensureStopped();
    await sim.process.ensureStopped();
    throw e;
  }
  const running = bot;
  return {
    sim,
    bot: running,
    base: running.baseUrl,
    env,
    async stop() {
      if (running.process.running) await running.process.stop("SIGTERM", 10_000).catch(() => running.process.ensureStopped());
      await sim.process.ensureStopped();
    },
  };
}

/** Open positions as the API reports them, once there is at least one. */
export function openPositions(bot: BotProcess, timeoutMs = 60_000): Promise<ApiPosition[]> {
  return waitFor(
    async () => {
      const open = (await bot.api.positions()).filter((p) => p.status === "open");
      return open.length > 0 && open;
    },
    { what: "an open position", timeoutMs, intervalMs: 250 },
  );
}
