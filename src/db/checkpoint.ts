import type { Database } from "bun:sqlite";
import type { Logger } from "../log.ts";

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the connection that commits the
 * transaction crossing 1,000 WAL pages runs the checkpoint (and its fsync) inline: a candle save
 * that normally takes 0.1 ms then took 40-170 ms (bench/runtime.bench.ts), delaying every market
 * message behind it. Here automatic checkpoints are turned off on the bot's connection and a worker
 * thread with its own connection checkpoints every `everyMs` instead. If the worker fails, automatic
 * checkpoints come back on, so the WAL can never grow without bound.
 */
export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(options: { readonly sqlite: Database; readonly path: string; readonly everyMs?: number; readonly logger: Logger }): Checkpointer {
  const { sqlite, path, logger } = options;
  if (path === ":memory:") return { stop: async () => {} };
  const restoreAuto = () => {
    try {
      sqlite.exec("PRAGMA wal_autocheckpoint = 1000;");
    } catch {
      // the database may already be closed
    }
  };
  const worker = new Worker(new URL("./checkpoint-worker.ts", import.meta.url));
  sqlite.exec("PRAGMA wal_autocheckpoint = 0;");
  worker.onmessage = (event: MessageEvent) => {
    const msg = event.data as { type: string; message?: string };
    if (msg.type === "error") logger.warn({ err: msg.message }, "WAL checkpoint failed");
  };
  worker.onerror = (event) => {
    logger.error({ err: event.message }, "WAL checkpoint worker failed; automatic checkpoints back on");
    restoreAuto();
  };
  worker.postMessage({ type: "start", path, everyMs: options.everyMs ?? 5_000 });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          worker.terminate();
          restoreAuto();
          resolve();
        };
        const timeout = setTimeout(done, 2_000);
        worker.onmessage = (event: MessageEvent) => {
          if ((event.data as { type: string }).type === "stopped") {
            clearTimeout(timeout);
            done();
          }
        };
        worker.postMessage({ type: "stop" });
      }),
  };
}
