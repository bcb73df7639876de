/** The embedded Bithumb exchange simulator (docs/simulator.md). */
export { type SimAdmin, type SimState } from "./admin.ts";
export { type FaultSettings, NO_FAULTS } from "./http/faults.ts";
export { ADMIN_SECRET_HEADER } from "./http/admin-routes.ts";
export {
  DEFAULT_SIM_FEE_RATE,
  DEFAULT_SIM_INITIAL_KRW,
  DEFAULT_SIM_SEED,
  DEFAULT_START_INDEX,
  type SimulatorHandle,
  type SimulatorOptions,
  startSimulator,
} from "./simulator.ts";
