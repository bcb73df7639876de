/**
 * Real processes for end-to-end tests: the simulator (`bun run src/cli/sim.ts`, what `bun run sim`
 * runs) and the bot (`bun run src/main.ts`, what `bun start` runs), each started from the repository
 * root with a minimal environment (so the machine's or the test runner's variables never change the
 * outcome), their stdout and stderr written to files in the test's directory (kept when a test
 * fails), and their addresses parsed from what they print.
 */
import type { Subprocess } from "bun";
import { join } from "node:path";
import { BotApi, SimAdminClient } from "./clients.ts";
import { GiveUp, waitFor, within } from "./poll.ts";

export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");

/** The simulator's default credentials (src/config/schema.ts), used by both sides in these tests. */
export const SIM_ACCESS_KEY = "sim-access-key";
export const SIM_SECRET_KEY = "sim-secret-key-change-me";

/** Only what a shell user would have; everything else is passed explicitly. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "TMPDIR"]) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  return env;
}

/** A started process with its output files. */
export class ManagedProcess {
  constructor(
    readonly name: string,
    readonly proc: Subprocess,
    readonly stdoutPath: string,
    readonly stderrPath: string,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async stdout(): Promise<string> {
    return Bun.file(this.stdoutPath).text();
  }

  async stderr(): Promise<string> {
    return Bun.file(this.stderrPath).text();
  }

  /** The end of both outputs, for failure messages. */
  async tail(chars = 3000): Promise<string> {
    return `--- ${this.name} stdout ---\n${(await this.stdout()).slice(-chars)}\n--- ${this.name} stderr ---\n${(await this.stderr()).slice(-chars)}`;
  }

  /** Wait for a stdout line matching `pattern` and return its match. */
  async waitForLine(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpMatchArray> {
    return waitFor(
      async () => {
        const m = (await this.stdout()).match(pattern);
        if (m) return m;
        if (!this.running) throw new GiveUp(`${this.name} exited (${this.proc.exitCode ?? this.proc.signalCode}) before printing it\n${await this.tail()}`);
        return null;
      },
      { what: `${this.name} to print ${what}`, timeoutMs, intervalMs: 50 },
    );
  }

  /** SIGKILL: no handler runs, nothing is flushed. Resolves once the process is gone. */
  async kill9(): Promise<void> {
    this.proc.kill("SIGKILL");
    await within(this.proc.exited, 10_000, `${this.name} to die of SIGKILL`);
  }

  /** Send `signal` and return the exit code (null when killed by a signal) within `timeoutMs`. */
  async stop(signal: "SIGTERM" | "SIGINT", timeoutMs: number): Promise<number | null> {
    this.proc.kill(signal);
    await within(this.proc.exited, timeoutMs, `${this.name} to exit after ${signal}`);
    return this.proc.exitCode;
  }

  /** Last-resort cleanup for afterAll: SIGKILL if still running. */
  async ensureStopped(): Promise<void> {
    if (this.running) await this.kill9().catch(() => {});
  }
}

function spawnProcess(name: string, dir: string, argv: readonly string[], env: Record<string, string>): ManagedProcess {
  const stdoutPath = join(dir, `${name}.out`);
  const stderrPath = join(dir, `${name}.err`);
  const proc = Bun.spawn([process.execPath, "run", ...argv], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env },
    stdin: "ignore",
    stdout: Bun.file(stdoutPath),
    stderr: Bun.file(stderrPath),
  });
  return new ManagedProcess(name, proc, stdoutPath, stderrPath);
}

export interface SimProcess {
  readonly process: ManagedProcess;
  readonly port: number;
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly markets: readonly string[];
  readonly speed: number;
  readonly admin: SimAdminClient;
}

/**
 * Start the standalone simulator on an ephemeral loopback port (`--port 0`) with extra CLI
 * arguments, and wait for its `SIM_READY` line.
 */
export async function startSim(dir: string, args: readonly string[] = [], name = "sim"): Promise<SimProcess> {
  const managed = spawnProcess(name, dir, ["src/cli/sim.ts", "--port", "0", "--log-level", "warn", ...args], {
    SIM_ACCESS_KEY,
    SIM_SECRET_KEY,
  });
  const m = await managed.waitForLine(/^SIM_READY (.*)$/m, 30_000, "SIM_READY");
  const fields = Object.fromEntries(m[1]!.split(" ").map((kv) => kv.split("=", 2) as [string, string]));
  const restUrl = fields.rest!;
  return {
    process: managed,
    port: Number(fields.port),
    restUrl,
    wsUrl: fields.ws!,
    markets: fields.markets!.split(","),
    speed: Number(fields.speed),
    admin: new SimAdminClient(restUrl, SIM_SECRET_KEY),
  };
}

/** The settings `bun start` gets to use a separately started simulator (issue 5, "Done when"). */
export function externalSimEnv(sim: Pick<SimProcess, "restUrl" | "wsUrl">, databasePath: string, apiToken: string): Record<string, string> {
  return {
    TRADING_MODE: "sim",
    BITHUMB_REST_URL: sim.restUrl,
    BITHUMB_WS_URL: sim.wsUrl,
    BITHUMB_ACCESS_KEY: SIM_ACCESS_KEY,
    BITHUMB_SECRET_KEY: SIM_SECRET_KEY,
    DATABASE_PATH: databasePath,
    PORT: "0",
    API_TOKEN: apiToken,
    LOG_FORMAT: "json",
  };
}

export interface BotProcess {
  readonly process: ManagedProcess;
  /** `http://127.0.0.1:PORT` as printed by the bot. */
  readonly baseUrl: string;
  readonly api: BotApi;
  /** The token the API accepts (the one given, or the one the bot generated and printed). */
  readonly token: string;
}

/** Spawn `bun run src/main.ts` with exactly `env` (plus PATH/HOME); returns at once. */
export function spawnBot(dir: string, name: string, env: Record<string, string>): ManagedProcess {
  return spawnProcess(name, dir, ["src/main.ts"], env);
}

/**
 * Wait until a spawned bot prints where its API is. With no API_TOKEN in `env`, the token the bot
 * generates is read from its output.
 */
export async function botAddress(managed: ManagedProcess, env: Record<string, string>, timeoutMs = 30_000): Promise<BotProcess> {
  const m = await managed.waitForLine(/^API:\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/m, timeoutMs, "its API address");
  const baseUrl = m[1]!;
  let token = env.API_TOKEN;
  if (token === undefined) token = (await managed.waitForLine(/^API_TOKEN \(generated[^:]*: (\S+)$/m, 5_000, "the generated API token"))[1]!;
  return { process: managed, baseUrl, api: new BotApi(baseUrl, token), token };
}

/** Spawn the bot and wait for its API address. */
export async function startBot(dir: string, name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<BotProcess> {
  return botAddress(spawnBot(dir, name, env), env, timeoutMs);
}

/** Wait until `/healthz` answers 200 (reconciled, market data flowing, not halted). */
export async function waitHealthy(bot: BotProcess, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      if (!bot.process.running) throw new GiveUp(`${bot.process.name} exited (${bot.process.proc.exitCode ?? bot.process.proc.signalCode})\n${await bot.process.tail()}`);
      const h = await bot.api.health();
      return h.status === 200 && h.body.healthy;
    },
    { what: `${bot.process.name} to become healthy`, timeoutMs, intervalMs: 50 },
  );
}
