/**
 * WAL checkpoints off the event loop: a worker thread with its own connection runs a PASSIVE
 * checkpoint every `everyMs` (it never blocks the bot's writes), then a TRUNCATE one on stop.
 * Started by `startCheckpointer` (checkpoint.ts).
 */
import { Database } from "bun:sqlite";

declare const self: Worker;

let db: Database | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

function checkpoint(mode: "PASSIVE" | "TRUNCATE"): void {
  if (!db) return;
  try {
    db.exec(`PRAGMA wal_checkpoint(${mode});`);
  } catch (err) {
    self.postMessage({ type: "error", message: (err as Error).message });
  }
}

self.onmessage = (event: MessageEvent) => {
  const msg = event.data as { type: "start"; path: string; everyMs: number } | { type: "stop" };
  if (msg.type === "start") {
    db = new Database(msg.path);
    db.exec("PRAGMA busy_timeout = 5000;");
    timer = setInterval(() => checkpoint("PASSIVE"), msg.everyMs);
    self.postMessage({ type: "started" });
    return;
  }
  if (timer) clearInterval(timer);
  checkpoint("TRUNCATE");
  db?.close();
  db = null;
  self.postMessage({ type: "stopped" });
};
