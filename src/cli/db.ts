/**
 * Database tools.
 *
 *   bun run db:backup              online backup of DATABASE_PATH into <db dir>/backups (verified),
 *                                  then retention (BACKUP_KEEP count, BACKUP_MAX_AGE_DAYS)
 *   bun run db:restore FILE        replace DATABASE_PATH with a verified backup; refuses while a
 *                                  bot is running on that database
 *   bun run db:restore --list      list the backups
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { backupDatabase, checkIntegrity, listBackups, openDb, pruneBackups, restoreDatabase, runningBotPid } from "../db/index.ts";
import { runCli, UsageError } from "./args.ts";

const USAGE = "usage: bun run db:backup | bun run db:restore FILE | bun run db:restore --list";

function dbPath(): string {
  return resolve(process.env.DATABASE_PATH ?? "data/bot.db");
}

function backupsDir(db: string): string {
  return process.env.BACKUP_DIR ? resolve(process.env.BACKUP_DIR) : join(dirname(db), "backups");
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number of at least 1; got ${JSON.stringify(raw)}`);
  return n;
}

async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  const db = dbPath();
  const dir = backupsDir(db);
  if (command === "backup") {
    if (rest.length > 0) throw new UsageError(`db:backup takes no arguments; got ${rest.join(" ")}`);
    if (!existsSync(db)) throw new UsageError(`no database at ${db} (set DATABASE_PATH)`);
    const handle = openDb({ path: db });
    try {
      const b = backupDatabase(handle.sqlite, dir, Date.now());
      const pruned = pruneBackups(dir, { maxCount: positiveInt("BACKUP_KEEP", 14), maxAgeDays: positiveInt("BACKUP_MAX_AGE_DAYS", 30) }, Date.now());
      console.log(`backup written and verified: ${b.path} (${b.bytes} bytes)`);
      if (pruned.length > 0) console.log(`removed ${pruned.length} old backup(s) by the retention policy`);
    } finally {
      handle.close();
    }
    return 0;
  }
  if (command === "restore") {
    if (rest[0] === "--list") {
      for (const b of listBackups(dir)) console.log(`${b}  integrity: ${checkIntegrity(b)}`);
      return 0;
    }
    if (rest.length !== 1) throw new UsageError("db:restore needs exactly one backup file");
    const file = resolve(rest[0]!);
    const pid = runningBotPid(db);
    if (pid !== null) {
      console.error(`refusing to restore: a bot (pid ${pid}) is running on ${db}; stop it first`);
      return 1;
    }
    const { previous } = restoreDatabase(file, db);
    console.log(`restored ${file} to ${db}${previous ? ` (the previous database is kept as ${previous})` : ""}`);
    return 0;
  }
  throw new UsageError(`unknown command ${JSON.stringify(command ?? "")}`);
}

await runCli("db", USAGE, () => main(process.argv.slice(2)));
