import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDb, recordAudit, startCheckpointer } from "../../../src/db/index.ts";
import { silentLogger } from "../../../src/log.ts";

describe("WAL checkpoints in a worker", () => {
  it("keeps the WAL from growing while the bot's connection never checkpoints itself", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ckpt-")), "bot.db");
    const h = openDb({ path });
    const ckpt = startCheckpointer({ sqlite: h.sqlite, path, everyMs: 50, logger: silentLogger() });
    expect(h.sqlite.query("PRAGMA wal_autocheckpoint").get()).toEqual({ wal_autocheckpoint: 0 });
    const big = "x".repeat(4_000);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 300; i++) recordAudit(h.db, { actor: "t", action: "fill", details: big }, i);
      await new Promise((r) => setTimeout(r, 120));
    }
    await ckpt.stop();
    // After the final TRUNCATE checkpoint the WAL is empty, and auto checkpoints are back on.
    expect(statSync(`${path}-wal`).size).toBe(0);
    expect(h.sqlite.query("PRAGMA wal_autocheckpoint").get()).toEqual({ wal_autocheckpoint: 1000 });
    h.close();
  });
});
