export { createDashboard, type Dashboard } from "./dashboard.tsx";
export type { DashboardEnv } from "./contract.ts";
export {
  EXCHANGE_KEY_NAMES,
  type AlertAdmin,
  type AlertChannelView,
  type AlertView,
  type BacktestSettings,
  type DashboardDeps,
  type LiveSettings,
  type NewAlertChannel,
  type SecretStore,
  type TokenAdmin,
  type UserAdmin,
} from "./deps.ts";
export { LiveBroadcaster, LIVE_TOPICS, sseFrame, type FrameWriter, type LiveVariant, type Subscription } from "./live.ts";
export { BacktestBusyError, BacktestLauncher } from "./backtest-runner.ts";
export { csvField, csvRow } from "./csv.ts";
