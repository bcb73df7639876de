export { openDb, type Db, type DbHandle, type OpenDbOptions, DEFAULT_MIGRATIONS_FOLDER } from "./client.ts";
export * from "./repos/orders.ts";
export * from "./repos/positions.ts";
export * from "./repos/markets.ts";
export * from "./repos/audit.ts";
export * from "./repos/pnl.ts";
export * from "./repos/backtests.ts";
export * from "./backup.ts";
