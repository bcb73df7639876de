/**
 * What the dashboard benchmark measures against, each in its own process so the load generator
 * never shares an event loop with the server:
 *
 * - `startRealBot`: the trading bot itself, `bun run src/main.ts` (what `bun start` runs) in sim
 *   mode with its embedded simulator, started the way the end-to-end tests start it
 *   (tests/integration/helpers/processes.ts: minimal environment, ephemeral port, output to files).
 * - `startSyntheticServer`: bench/support/dashboard-server.ts, the real app and dashboard over a
 *   fake control port with 100 markets moving every 100 ms (more markets than the simulator has).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { botAddress, REPO_ROOT, spawnBot, waitHealthy } from "../../tests/integration/helpers/processes.ts";

export interface DashboardTarget {
  /** One line saying what runs and how it is loaded. */
  readonly describe: string;
  /** `http://127.0.0.1:PORT` */
  readonly base: string;
  /** A dashboard user with operator controls, to log in through the form. */
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

/**
 * Simulated seconds per real second. 60 is `bun start`'s pace (with the churn parameters the bot
 * trades every few seconds); at 600 1m candles close every 0.1 s and it trades several times a
 * second, far busier than a real bot on real time: the stress case.
 */
export const SIM_SPEEDS = [60, 600] as const;
/**
 * Fast EMA crosses, quick exits, no Kelly or loss brakes: the parameters the crash-safety test
 * uses to get several orders per second of wall time (shared, not copied, so both stay in step).
 */
export const TRADING_CONFIG = join(REPO_ROOT, "tests/fixtures/configs/churn.json");
const ADMIN_PASSWORD = "bench-admin-password-7d21";

/** The bot in sim mode (embedded simulator), healthy and serving its dashboard; its files go to a temporary directory. */
export async function startRealBot(speed: number): Promise<DashboardTarget> {
  const dir = mkdtempSync(join(tmpdir(), "bench-dashboard-bot-"));
  const env = {
    TRADING_MODE: "sim", // no BITHUMB_REST_URL: the bot starts its own simulator
    SIM_SPEED: String(speed),
    CONFIG_FILE: TRADING_CONFIG,
    DATABASE_PATH: join(dir, "bot.db"),
    PORT: "0",
    ADMIN_PASSWORD,
    API_TOKEN: "bench-api-token-5c8e2f",
    LOG_FORMAT: "json",
  };
  const managed = spawnBot(dir, "bot", env);
  try {
    const bot = await botAddress(managed, env);
    await waitHealthy(bot, 60_000);
    return {
      describe: `the bot (bun src/main.ts, sim mode, embedded simulator at ${speed}x, ${TRADING_CONFIG.slice(REPO_ROOT.length + 1)}) at ${bot.baseUrl}`,
      base: bot.baseUrl,
      user: "admin",
      password: ADMIN_PASSWORD,
      async stop() {
        await managed.stop("SIGTERM", 10_000).catch(() => managed.ensureStopped());
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await managed.ensureStopped();
    console.error(`the bot did not start; its output is in ${dir}\n${await managed.tail()}`);
    throw e;
  }
}

const SYNTHETIC_USER = "bench";
const SYNTHETIC_PASSWORD = "bench-password-1234";

/** The synthetic stand-in server; it prints `{"port":…}` when ready. */
export async function startSyntheticServer(): Promise<DashboardTarget> {
  const proc = Bun.spawn([process.execPath, "run", join(import.meta.dir, "dashboard-server.ts"), SYNTHETIC_USER, SYNTHETIC_PASSWORD], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the synthetic server exited (${await proc.exited})`);
    text += decoder.decode(value, { stream: true });
  }
  const { port } = JSON.parse(text.slice(0, text.indexOf("\n"))) as { port: number };
  // Anything it logs later (warnings) goes to stderr; an unread pipe would fill and stall it.
  void (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) process.stderr.write(r.value);
  })();
  const base = `http://127.0.0.1:${port}`;
  return {
    describe: `synthetic load: the app and dashboard over a fake control port, 100 markets moving every 100 ms, an order and its fill every 250 ms, at ${base}`,
    base,
    user: SYNTHETIC_USER,
    password: SYNTHETIC_PASSWORD,
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
}
