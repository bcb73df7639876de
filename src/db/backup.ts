import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Online backups with `VACUUM INTO`: a consistent snapshot taken while the bot keeps writing (WAL
 * readers do not block writers), compacted, then verified with `PRAGMA integrity_check` before it
 * counts as a backup. Retention keeps at most `maxCount` files and none older than `maxAgeDays`.
 */

export interface BackupResult {
  readonly path: string;
  readonly bytes: number;
}

const BACKUP_RE = /^bot-(\d{8}T\d{6}Z)(-\d+)?\.db$/;

function stamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

/** Integrity of a database file: "ok" or the first problems SQLite reports. */
export function checkIntegrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const stmt = db.prepare("PRAGMA integrity_check");
    const rows = stmt.all() as { integrity_check: string }[];
    stmt.finalize();
    return rows.map((r) => r.integrity_check).join("; ");
  } catch (e) {
    return (e as Error).message;
  } finally {
    db.close();
  }
}

export function backupDatabase(sqlite: Database, dir: string, now: number): BackupResult {
  mkdirSync(dir, { recursive: true });
  let path = join(dir, `bot-${stamp(now)}.db`);
  for (let i = 1; existsSync(path); i++) path = join(dir, `bot-${stamp(now)}-${i}.db`);
  // prepare + finalize (not the cached `query`): a cached statement keeps the file open after close().
  const stmt = sqlite.prepare("VACUUM INTO ?");
  try {
    stmt.run(path);
  } finally {
    stmt.finalize();
  }
  const integrity = checkIntegrity(path);
  if (integrity !== "ok") {
    rmSync(path, { force: true });
    throw new Error(`backup failed its integrity check: ${integrity}`);
  }
  return { path, bytes: statSync(path).size };
}

export interface RetentionPolicy {
  readonly maxCount: number;
  readonly maxAgeDays: number;
}

/** Delete backups beyond the policy; returns the deleted paths. The newest backup is always kept. */
export function pruneBackups(dir: string, policy: RetentionPolicy, now: number): string[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => BACKUP_RE.test(f))
    .map((f) => ({ path: join(dir, f), mtime: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || b.path.localeCompare(a.path));
  const cutoff = now - policy.maxAgeDays * 86_400_000;
  const doomed = files.filter((f, i) => i > 0 && (i >= policy.maxCount || f.mtime < cutoff)).map((f) => f.path);
  for (const p of doomed) rmSync(p, { force: true });
  return doomed;
}

export function listBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => BACKUP_RE.test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** The lock file a running bot holds next to its database. */
export function lockPathFor(dbPath: string): string {
  return `${dbPath}.lock`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The PID of a live bot holding the database, or null. Stale locks (dead PIDs) do not count. */
export function runningBotPid(dbPath: string): number | null {
  const lock = lockPathFor(dbPath);
  if (!existsSync(lock)) return null;
  const pid = Number.parseInt(readFileSync(lock, "utf8").trim(), 10);
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid) ? pid : null;
}

/**
 * Take the database for this process. Two bots on one database would trade twice, so a second
 * start fails while the first is alive; a lock left by a killed process is taken over.
 */
export function acquireRunLock(dbPath: string): () => void {
  const other = runningBotPid(dbPath);
  if (other !== null) throw new Error(`database ${dbPath} is in use by a running bot (pid ${other})`);
  const lock = lockPathFor(dbPath);
  // The lock is taken before the database is opened (which would create the folder).
  mkdirSync(dirname(lock), { recursive: true });
  writeFileSync(lock, String(process.pid));
  return () => {
    try {
      if (existsSync(lock) && readFileSync(lock, "utf8").trim() === String(process.pid)) rmSync(lock);
    } catch {
      // best effort: a stale lock is taken over at the next start
    }
  };
}

/**
 * Replace the database with a backup. Refuses while a bot is running on it, and refuses a backup
 * that fails its integrity check; the current database is kept beside it as `<db>.before-restore`.
 */
export function restoreDatabase(backupPath: string, dbPath: string): { previous?: string } {
  const pid = runningBotPid(dbPath);
  if (pid !== null) throw new Error(`refusing to restore: a bot (pid ${pid}) is running on ${dbPath}; stop it first`);
  if (!existsSync(backupPath)) throw new Error(`no such backup: ${backupPath}`);
  const integrity = checkIntegrity(backupPath);
  if (integrity !== "ok") throw new Error(`refusing to restore ${basename(backupPath)}: integrity check says ${integrity}`);
  let previous: string | undefined;
  if (existsSync(dbPath)) {
    previous = `${dbPath}.before-restore`;
    copyFileSync(dbPath, previous);
  }
  for (const suffix of ["-wal", "-shm"]) rmSync(dbPath + suffix, { force: true });
  copyFileSync(backupPath, dbPath);
  return { previous };
}
