import { desc, eq } from "drizzle-orm";
import type { Db } from "../client.ts";
import { dailyPnl } from "../schema.ts";

export type DailyPnlRow = typeof dailyPnl.$inferSelect;

export interface DailyPnl {
  /** KST calendar day YYYY-MM-DD. */
  readonly date: string;
  readonly realised: number;
  readonly unrealised: number;
  readonly equity: number;
  readonly return: number;
}

export function recordDailyPnl(db: Db, day: DailyPnl, now: number): void {
  const row = { ...day, updatedAt: now };
  db.insert(dailyPnl).values(row).onConflictDoUpdate({ target: dailyPnl.date, set: row }).run();
}

export function getDailyPnl(db: Db, date: string): DailyPnlRow | undefined {
  return db.select().from(dailyPnl).where(eq(dailyPnl.date, date)).get();
}

export function listDailyPnl(db: Db, limit = 90): DailyPnlRow[] {
  return db.select().from(dailyPnl).orderBy(desc(dailyPnl.date)).limit(limit).all();
}
