import { existsSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireRunLock, backupDatabase, listBackups, listOrders, openDb, pruneBackups, recordOrderIntent, restoreDatabase, runningBotPid } from "../../../src/db/index.ts";

describe("backups", () => {
  it("takes a verified online backup while the database is open and restores it", () => {
    const dir = mkdtempSync(join(tmpdir(), "bk-"));
    const dbPath = join(dir, "bot.db");
    const h = openDb({ path: dbPath });
    recordOrderIntent(h.db, { clientOrderId: "a", market: "KRW-BTC", side: "bid", type: "price", price: 10_000, priority: 2, reason: "entry" }, 1);
    const b = backupDatabase(h.sqlite, join(dir, "backups"), Date.UTC(2026, 10, 26, 12));
    expect(b.path).toMatch(/bot-20261126T120000Z\.db$/);
    recordOrderIntent(h.db, { clientOrderId: "b", market: "KRW-BTC", side: "bid", type: "price", price: 10_000, priority: 2, reason: "entry" }, 2);
    h.close();
    restoreDatabase(b.path, dbPath);
    const r = openDb({ path: dbPath });
    expect(listOrders(r.db).map((o) => o.clientOrderId)).toEqual(["a"]);
    r.close();
  });

  it("refuses to restore over a running bot and refuses a corrupt backup", () => {
    const dir = mkdtempSync(join(tmpdir(), "bk-"));
    const dbPath = join(dir, "bot.db");
    const h = openDb({ path: dbPath });
    const b = backupDatabase(h.sqlite, dir, 1_000);
    h.close();
    // A live process (this test's parent) holding the lock blocks restore.
    writeFileSync(`${dbPath}.lock`, String(process.ppid));
    expect(runningBotPid(dbPath)).toBe(process.ppid);
    expect(() => restoreDatabase(b.path, dbPath)).toThrow(/running/);
    // A lock from a dead process is stale.
    writeFileSync(`${dbPath}.lock`, "999999999");
    expect(runningBotPid(dbPath)).toBeNull();
    const bad = join(dir, "bot-20260101T000000Z.db");
    writeFileSync(bad, "this is not a database");
    expect(() => restoreDatabase(bad, dbPath)).toThrow();
  });

  it("keeps one bot per database", () => {
    const dir = mkdtempSync(join(tmpdir(), "bk-"));
    const dbPath = join(dir, "bot.db");
    writeFileSync(`${dbPath}.lock`, String(process.ppid));
    expect(() => acquireRunLock(dbPath)).toThrow(/in use/);
    writeFileSync(`${dbPath}.lock`, "999999999");
    const release = acquireRunLock(dbPath);
    expect(existsSync(`${dbPath}.lock`)).toBe(true);
    release();
    expect(existsSync(`${dbPath}.lock`)).toBe(false);
  });

  it("prunes by count and age but never the newest", () => {
    const dir = mkdtempSync(join(tmpdir(), "bk-"));
    const now = Date.UTC(2026, 10, 26);
    const names = ["bot-20261101T000000Z.db", "bot-20261120T000000Z.db", "bot-20261124T000000Z.db", "bot-20261125T000000Z.db", "bot-20261126T000000Z.db"];
    names.forEach((n, i) => {
      const p = join(dir, n);
      writeFileSync(p, "x");
      const t = [now - 25 * 86_400_000, now - 6 * 86_400_000, now - 2 * 86_400_000, now - 86_400_000, now][i]! / 1000;
      utimesSync(p, t, t);
    });
    const deleted = pruneBackups(dir, { maxCount: 3, maxAgeDays: 14 }, now);
    expect(deleted.map((p) => p.split("/").pop()).sort()).toEqual(["bot-20261101T000000Z.db", "bot-20261120T000000Z.db"]);
    expect(listBackups(dir)).toHaveLength(3);
    expect(pruneBackups(dir, { maxCount: 1, maxAgeDays: 0 }, now + 10 * 86_400_000)).toHaveLength(2);
    expect(listBackups(dir)).toHaveLength(1);
  });
});
