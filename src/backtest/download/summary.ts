import { isoTs, type DataIssue } from "../data/index.ts";
import type { DownloadResult } from "./download.ts";

/** How many gaps and defects the summary lists one by one before "... and N more". */
const LISTED = 5;

/** `1.2 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

function listed(title: string, issues: readonly DataIssue[]): string[] {
  if (issues.length === 0) return [];
  const lines = issues.slice(0, LISTED).map((issue) => `    ${issue.message}`);
  if (issues.length > LISTED) lines.push(`    ... and ${issues.length - LISTED} more`);
  return [title, ...lines];
}

/**
 * The end-of-run summary: what was stored, the range, findings, requests and time. One fact per
 * line so it reads well in a terminal and greps well in a log.
 */
export function formatDownloadSummary(result: DownloadResult, storeDescription: string): string {
  const missing = result.gaps.reduce((n, g) => n + (g.missing ?? 0), 0);
  const stored =
    result.stored > 0 ? `${result.stored} candles stored, ${isoTs(result.firstStored!)} .. ${isoTs(result.lastStored!)}` : "no new candles stored";
  const lines = [
    `${result.completed ? "download complete" : "download INTERRUPTED (run the same command again to continue)"}: ${result.market} ${result.interval} -> ${storeDescription}`,
    `  ${stored}; ${result.alreadyStored} were already stored`,
    `  range: ${isoTs(result.start)} .. ${isoTs(result.end)} (end exclusive${result.endIsExchangeTime ? ", the exchange's current time" : ""})`,
    `  gaps: ${result.gaps.length}${result.gaps.length > 0 ? ` (${missing} missing candles)` : ""}; defects: ${result.defects.length}; duplicates dropped: ${result.duplicates.length}`,
    ...listed("  gaps (periods without candles; not filled):", result.gaps),
    ...listed("  defects (stored as received):", result.defects),
    `  requests: ${result.requests}${result.retries > 0 ? ` (${result.retries} repeated after errors)` : ""}; time: ${formatElapsed(result.elapsedMs)}`,
    ...result.notes.map((note) => `  note: ${note}`),
  ];
  return lines.join("\n");
}
