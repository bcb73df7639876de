export * from "./compare/index.ts";
export * from "./data/index.ts";
export * from "./engine/index.ts";
export * from "./optimize/index.ts";
export * from "./report/index.ts";
export { storeRun, type StoredRun } from "./engine/store.ts";
