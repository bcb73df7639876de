import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

let cached: string | undefined;

/**
 * The text of lightweight-charts' standalone production build (defines `window.LightweightCharts`),
 * read once from the installed package so the report can inline it and open offline. The package's
 * `exports` map does not expose `dist/`, so the path is resolved from its `package.json`.
 * A `bun build --compile` binary has no node_modules: pass the script through
 * `ReportOptions.chartLibrary` there (e.g. embedded with an import attribute).
 */
export function lightweightChartsScript(): string {
  if (cached === undefined) {
    const packageJson = createRequire(import.meta.url).resolve("lightweight-charts/package.json");
    cached = readFileSync(join(dirname(packageJson), "dist", "lightweight-charts.standalone.production.js"), "utf8");
  }
  return cached;
}
