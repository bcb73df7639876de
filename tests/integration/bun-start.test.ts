/**
 * Issue 5's "Done when", end to end with real processes on loopback: against `bun run sim` started
 * separately (a subprocess running src/cli/sim.ts at its default speed), `bun start`
 * (`bun run src/main.ts`) with BITHUMB_REST_URL, BITHUMB_WS_URL, the keys, DATABASE_PATH, PORT
 * and API_TOKEN set
 *   - becomes healthy and lists one trader per simulator market,
 *   - pauses and resumes a market on request,
 *   - gets an order filled,
 *   - survives `kill -9` and a restart (same database, same simulator) with no duplicate orders
 *     and positions equal to the exchange's balances,
 *   - flattens a market on request (its position goes to zero, the trader ends paused),
 *   - exits 0 on SIGTERM.
 * The trading parameters come from tests/fixtures/configs/enter-and-hold.json (CONFIG_FILE): entries
 * on every fast EMA cross and no exits but the operator's, so each market soon holds a position and
 * keeps it until it is flattened.
 *
 * And with no settings at all (only DATABASE_PATH and PORT, so the test neither touches ./data nor
 * needs port 3000), `bun start` starts its embedded simulator, creates and migrates the database,
 * spawns a trader per simulator market and gets an order placed and filled within 3 minutes.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appliedMigrations } from "./helpers/bot-db.ts";
import type { BotApi } from "./helpers/clients.ts";
import { crossCheck, sameVolume } from "./helpers/invariants.ts";
import { waitFor } from "./helpers/poll.ts";
import { type BotProcess, externalSimEnv, REPO_ROOT, type SimProcess, startBot, startSim, waitHealthy } from "./helpers/processes.ts";
import { settledViews } from "./helpers/snapshot.ts";
import { workDir } from "./helpers/workdir.ts";

const API_TOKEN = "t0ken-for-tests";
const CONFIG_FILE = `${REPO_ROOT}/tests/fixtures/configs/enter-and-hold.json`;

/** Read everything the bot recorded through its API. */
async function recordedByApi(api: BotApi) {
  const [orders, fills, positions] = await Promise.all([api.orders(), api.fills(), api.positions()]);
  return { orders, fills, positions };
}

describe("bun start against a separately started simulator", () => {
  const dir = workDir("bun-start");
  let sim: SimProcess;
  let bot: BotProcess;
  let env: Record<string, string>;

  beforeAll(async () => {
    sim = await startSim(dir.path, ["--seed", "42"]);
    env = { ...externalSimEnv(sim, dir.file("bot.db"), API_TOKEN), CONFIG_FILE };
  });

  afterAll(async () => {
    await bot?.process.ensureStopped();
    await sim?.process.ensureStopped();
    dir.cleanup();
  });

  it("becomes healthy and lists one trader per simulator market", async () => {
    bot = await startBot(dir.path, "bot-1", env);
    await waitHealthy(bot, 30_000);
    // Healthy comes with reconciliation; the traders are spawned right after the market sync.
    const actors = await waitFor(async () => {
      const list = await bot.api.actors();
      return list.length >= sim.markets.length && list;
    }, { what: "a trader per simulator market", timeoutMs: 15_000 });
    expect(actors.map((a) => a.market).sort()).toEqual([...sim.markets].sort());
    for (const a of actors) expect(a.id).toBe(`trader:${a.market}`);
  }, 40_000);

  it("pauses and resumes a market on request", async () => {
    const market = sim.markets[0]!;
    const paused = await bot.api.command(`/api/v1/actors/${market}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.ok).toBe(true);
    await waitFor(async () => (await bot.api.actor(market)).state === "paused", { what: `${market} to be paused`, timeoutMs: 15_000 });

    const resumed = await bot.api.command(`/api/v1/actors/${market}/resume`);
    expect(resumed.status).toBe(200);
    await waitFor(async () => !["paused", "warming_up"].includes((await bot.api.actor(market)).state), { what: `${market} to trade again`, timeoutMs: 15_000 });
  }, 40_000);

  it("gets an order filled", async () => {
    const filled = await waitFor(async () => (await bot.api.orders("state=filled"))[0], { what: "an order in state filled", timeoutMs: 60_000, intervalMs: 250 });
    const onExchange = (await sim.admin.state()).orders.find((o) => o.uuid === filled.exchangeOrderId);
    expect(onExchange?.state).toBe("done");
    expect(onExchange?.clientOrderId).toBe(filled.clientOrderId);
  }, 70_000);

  it("survives kill -9 and a restart with no duplicate orders and positions equal to the exchange's balances", async () => {
    const ordersBefore = (await bot.api.orders()).length;
    await bot.process.kill9();
    bot = await startBot(dir.path, "bot-2", env);
    await waitHealthy(bot, 30_000);
    await waitFor(async () => (await bot.api.actors()).length === sim.markets.length, { what: "a trader per simulator market again", timeoutMs: 15_000 });

    const views = await settledViews(() => recordedByApi(bot.api), sim.admin, 30_000);
    expect(views.recorded.orders.length).toBeGreaterThanOrEqual(ordersBefore);
    expect(crossCheck(views.recorded, views.exchange)).toEqual([]);
  }, 70_000);

  it("flattens a market on request: its position goes to zero and the trader ends paused", async () => {
    // Entries come on the first fast EMA cross of each market and are held: wait for one.
    const held = await waitFor(async () => (await bot.api.positions()).find((p) => p.status === "open"), { what: "an open position", timeoutMs: 60_000, intervalMs: 250 });
    const market = held.market;
    const coin = market.slice("KRW-".length);

    const answer = await bot.api.command(`/api/v1/actors/${market}/flatten`);
    expect(answer.status).toBe(200);
    expect(answer.body.ok).toBe(true);
    await waitFor(
      async () => {
        const a = await bot.api.actor(market);
        return a.state === "paused" && (a.position === null || a.position.status === "dust");
      },
      { what: `${market} to be flat and paused`, timeoutMs: 30_000 },
    );

    const views = await settledViews(() => recordedByApi(bot.api), sim.admin, 30_000);
    expect(crossCheck(views.recorded, views.exchange)).toEqual([]);
    const balance = views.exchange.balances.find((b) => b.currency === coin);
    const left = (balance?.balance ?? 0) + (balance?.locked ?? 0);
    const position = views.recorded.positions.find((p) => p.market === market);
    expect(sameVolume(left, position?.volume ?? 0)).toBe(true);
    // Zero, or dust the exchange will not let us sell (below its minimum order).
    if (left !== 0) expect(position?.status).toBe("dust");
    const sells = views.recorded.orders.filter((o) => o.market === market && o.side === "ask" && o.reason === "flatten");
    expect(sells.filter((o) => o.state === "filled")).toHaveLength(1);
    expect((await bot.api.actor(market)).state).toBe("paused");
  }, 100_000);

  it("exits 0 on SIGTERM within 10 seconds", async () => {
    expect(await bot.process.stop("SIGTERM", 10_000)).toBe(0);
  }, 15_000);
});

describe("bun start with no settings (embedded simulator)", () => {
  const dir = workDir("bun-start-bare");
  let bot: BotProcess | undefined;

  afterAll(async () => {
    await bot?.process.ensureStopped();
    dir.cleanup();
  });

  it("starts its simulator, creates the database, trades every simulator market and fills an order within 3 minutes", async () => {
    const started = performance.now();
    const dbPath = dir.file("data/bot.db");
    // Only what keeps the test off ./data/bot.db and port 3000; everything else is the default.
    const settings = { DATABASE_PATH: dbPath, PORT: "0" };
    bot = await startBot(dir.path, "bot-bare", settings);
    const simUrl = (await bot.process.waitForLine(/embedded simulator at (http:\/\/127\.0\.0\.1:\d+)/, 10_000, "its simulator's address"))[1]!;
    expect(existsSync(dbPath)).toBe(true);

    const listed = ((await (await fetch(`${simUrl}/v1/market/all`)).json()) as { market: string }[]).map((m) => m.market).filter((m) => m.startsWith("KRW-"));
    expect(listed.length).toBeGreaterThan(0);
    await waitHealthy(bot, 30_000);
    await waitFor(async () => JSON.stringify((await bot!.api.actors()).map((a) => a.market).sort()) === JSON.stringify([...listed].sort()), {
      what: "a trader for every simulator market",
      timeoutMs: 15_000,
    });

    const filled = await waitFor(async () => (await bot!.api.orders("state=filled"))[0], { what: "an order placed and filled", timeoutMs: 180_000, intervalMs: 250 });
    const seconds = (performance.now() - started) / 1000;
    console.log(`bun start with no settings: first order (${filled.market} ${filled.side}, ${filled.reason}) filled ${seconds.toFixed(1)} s after start`);
    expect(seconds).toBeLessThanOrEqual(180);

    expect(await bot.process.stop("SIGTERM", 10_000)).toBe(0);
    // Created and migrated: every migration in migrations/ is recorded as applied.
    const migrations = [...new Bun.Glob("*.sql").scanSync(`${REPO_ROOT}/migrations`)].length;
    expect(migrations).toBeGreaterThan(0);
    expect(appliedMigrations(dbPath)).toBe(migrations);
  }, 220_000);
});
