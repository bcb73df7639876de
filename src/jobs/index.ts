export { bookDailyPnl, type DailySummary } from "./daily-pnl.ts";
export { every, type Job, kstDate, nextKstMidnight, scheduleRecurring } from "./schedule.ts";
