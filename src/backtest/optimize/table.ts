import { formatNumber, formatPercent, formatUtc } from "../report/format.ts";
import type { OptimizationResult } from "./optimize.ts";

function valueText(v: unknown): string {
  return typeof v === "number" ? String(Number(v.toPrecision(6))) : JSON.stringify(v);
}

/** The ranked table (top `top` rows), the folds, the walk-forward selection and the warnings, as text lines. */
export function optimizationLines(result: OptimizationResult, top: number): string[] {
  const { objective } = result;
  const lines: string[] = [];
  lines.push(
    `${result.search} search, ${result.evaluated} candidates${result.skipped.length > 0 ? ` (${result.skipped.length} invalid, skipped)` : ""}, ${result.folds.length} ${result.window} walk-forward folds, ranked by mean out-of-sample ${objective}`,
  );
  for (const f of result.folds) {
    lines.push(`  fold ${f.index}: in-sample ${formatUtc(f.inSample.fromTs)} .. ${formatUtc(f.inSample.toTs)}, out-of-sample ${formatUtc(f.outOfSample.fromTs)} .. ${formatUtc(f.outOfSample.toTs)} UTC`);
  }
  const paths = Object.keys(result.ranking[0]?.values ?? {});
  const header = ["rank", `OOS ${objective}`, `IS ${objective}`, "OOS trades", "OOS max DD", ...paths.map((p) => p.split(".").slice(1).join("."))];
  const rows = result.ranking.slice(0, top).map((r) => [
    String(r.rank),
    r.outOfSampleMean.toFixed(3),
    r.inSampleMean.toFixed(3),
    formatNumber(r.outOfSampleTrades),
    formatPercent(r.outOfSampleMaxDrawdown, 1),
    ...paths.map((p) => valueText(r.values[p])),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k]!.length)));
  lines.push("", header.map((h, k) => h.padStart(widths[k]!)).join("  "));
  for (const row of rows) lines.push(row.map((c, k) => c.padStart(widths[k]!)).join("  "));
  const wf = result.walkForward;
  lines.push(
    "",
    `walk-forward (choose the in-sample best each fold): in-sample ${objective} ${wf.inSampleMean.toFixed(3)}, out-of-sample ${wf.outOfSampleMean.toFixed(3)}, efficiency ${wf.efficiency === null ? "-" : wf.efficiency.toFixed(3)}`,
  );
  for (const s of wf.steps) lines.push(`  fold ${s.fold}: candidate #${s.chosenId} (rank ${result.ranking.find((r) => r.id === s.chosenId)?.rank ?? "-"}), in-sample ${s.inSample.toFixed(3)}, out-of-sample ${s.outOfSample.toFixed(3)}`);
  for (const w of result.warnings) lines.push(`WARNING: ${w}`);
  return lines;
}
