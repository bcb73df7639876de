CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ts` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text,
	`details` text,
	`source` text
);
--> statement-breakpoint
CREATE INDEX `audit_ts` ON `audit_log` (`ts`);--> statement-breakpoint
CREATE INDEX `audit_action` ON `audit_log` (`action`);--> statement-breakpoint
CREATE TABLE `backtest_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` integer NOT NULL,
	`kind` text DEFAULT 'backtest' NOT NULL,
	`status` text NOT NULL,
	`markets` text NOT NULL,
	`interval` text,
	`from_ts` integer,
	`to_ts` integer,
	`params` text NOT NULL,
	`metrics` text,
	`data_fingerprint` text,
	`report_path` text,
	`error` text,
	`finished_at` integer
);
--> statement-breakpoint
CREATE TABLE `candles` (
	`market` text NOT NULL,
	`interval` text NOT NULL,
	`ts` integer NOT NULL,
	`open` real NOT NULL,
	`high` real NOT NULL,
	`low` real NOT NULL,
	`close` real NOT NULL,
	`volume` real NOT NULL,
	PRIMARY KEY(`market`, `interval`, `ts`)
);
--> statement-breakpoint
CREATE TABLE `closed_trades` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`market` text NOT NULL,
	`entry_ts` integer NOT NULL,
	`entry_price` real NOT NULL,
	`exit_ts` integer NOT NULL,
	`exit_price` real NOT NULL,
	`volume` real NOT NULL,
	`fee` real NOT NULL,
	`pnl` real NOT NULL,
	`risk` real,
	`exit_reason` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `closed_trades_exit` ON `closed_trades` (`exit_ts`);--> statement-breakpoint
CREATE TABLE `config` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`description` text,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `daily_pnl` (
	`date` text PRIMARY KEY NOT NULL,
	`realised` real NOT NULL,
	`unrealised` real NOT NULL,
	`equity` real NOT NULL,
	`return` real NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `fills` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` integer NOT NULL,
	`exchange_order_id` text NOT NULL,
	`cum_volume` text NOT NULL,
	`trade_id` text,
	`market` text NOT NULL,
	`side` text NOT NULL,
	`price` real NOT NULL,
	`volume` real NOT NULL,
	`funds` real NOT NULL,
	`fee` real NOT NULL,
	`ts` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `fills_order_cum` ON `fills` (`exchange_order_id`,`cum_volume`);--> statement-breakpoint
CREATE INDEX `fills_market_ts` ON `fills` (`market`,`ts`);--> statement-breakpoint
CREATE TABLE `markets` (
	`code` text PRIMARY KEY NOT NULL,
	`korean_name` text NOT NULL,
	`english_name` text NOT NULL,
	`warning` text DEFAULT 'NONE' NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`listed_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`delisted_at` integer
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`client_order_id` text NOT NULL,
	`exchange_order_id` text,
	`market` text NOT NULL,
	`side` text NOT NULL,
	`type` text NOT NULL,
	`time_in_force` text,
	`price` real,
	`volume` real,
	`state` text NOT NULL,
	`priority` integer DEFAULT 2 NOT NULL,
	`reason` text NOT NULL,
	`intent_key` text,
	`executed_volume` real DEFAULT 0 NOT NULL,
	`executed_funds` real DEFAULT 0 NOT NULL,
	`paid_fee` real DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`external` integer DEFAULT false NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`submitted_at` integer,
	`closed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_client_order_id` ON `orders` (`client_order_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `orders_exchange_order_id` ON `orders` (`exchange_order_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `orders_intent_key` ON `orders` (`intent_key`);--> statement-breakpoint
CREATE INDEX `orders_state` ON `orders` (`state`);--> statement-breakpoint
CREATE INDEX `orders_market_created` ON `orders` (`market`,`created_at`);--> statement-breakpoint
CREATE TABLE `positions` (
	`market` text PRIMARY KEY NOT NULL,
	`volume` real NOT NULL,
	`avg_price` real NOT NULL,
	`cost_basis` real NOT NULL,
	`fees` real DEFAULT 0 NOT NULL,
	`sold_volume` real DEFAULT 0 NOT NULL,
	`sold_funds` real DEFAULT 0 NOT NULL,
	`entry_ts` integer NOT NULL,
	`stop` real,
	`risk` real,
	`high_water` real,
	`exit_state` text,
	`status` text NOT NULL,
	`realised_pnl` real DEFAULT 0 NOT NULL,
	`external` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `signals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ts` integer NOT NULL,
	`market` text NOT NULL,
	`kind` text NOT NULL,
	`strength` real,
	`reasons` text DEFAULT '[]' NOT NULL,
	`candle_ts` integer,
	`outcome` text DEFAULT 'approved' NOT NULL,
	`denied_reason` text,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `signals_market_ts` ON `signals` (`market`,`ts`);--> statement-breakpoint
CREATE TABLE `trader_state` (
	`market` text PRIMARY KEY NOT NULL,
	`paused` integer DEFAULT false NOT NULL,
	`halted` integer DEFAULT false NOT NULL,
	`strategy_state` text,
	`last_candle_ts` integer,
	`updated_at` integer NOT NULL
);
