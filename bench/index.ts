/**
 * `bun run bench`: runs every `bench/*.bench.ts` in its own Bun process (so one benchmark's heap
 * and JIT state cannot colour the next) and prints their figures. Pass names to run a subset:
 * `bun run bench indicators`.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = import.meta.dir;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const proc = Bun.spawnSync([process.execPath, "run", join(dir, file)], { stdout: "inherit", stderr: "inherit", env: process.env });
  if (proc.exitCode !== 0) {
    failed++;
    console.error(`bench ${file} exited with ${proc.exitCode}`);
  }
}
if (files.length === 0) console.log("no benchmarks matched");
process.exit(failed > 0 ? 1 : 0);
