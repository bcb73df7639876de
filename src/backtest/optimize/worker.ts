/**
 * Optimizer worker thread: receives the shared candles and the folds once, then evaluates one
 * candidate configuration per job (docs/optimization.md "Workers").
 */
import type { CandleSeries } from "../data/index.ts";
import { evaluateCandidate } from "./evaluate.ts";
import type { Fold } from "./folds.ts";
import { type FromWorker, seriesFromShared, type ToWorker } from "./protocol.ts";

declare const self: Worker;

let series: CandleSeries[] = [];
let folds: readonly Fold[] = [];

function reply(message: FromWorker): void {
  self.postMessage(message);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "init") {
    series = seriesFromShared(message.series);
    folds = message.folds;
    return;
  }
  try {
    reply({ type: "result", id: message.id, evaluation: evaluateCandidate(series, message.config, folds) });
  } catch (e) {
    reply({ type: "error", id: message.id, message: (e as Error).stack ?? String(e) });
  }
};
