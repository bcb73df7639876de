/**
 * What grew between two JSC heap snapshots (`Bun.generateHeapSnapshot()` as JSON, e.g. from
 * `BENCH_HEAP_SNAPSHOTS=DIR bun run bench/runtime.bench.ts`), and what holds the growth.
 *
 *   bun run scripts/heap-diff.ts early.json end.json [--classes N]
 *
 * Prints the object classes whose count grew most, then for each of the top N classes the objects
 * that hold most of its instances, each with one retaining path up to a GC root (the names
 * of the properties and variables on the way), which is usually enough to name the leak.
 *
 * Snapshot format (version 3, "Inspector"): `nodes` is a flat list of [id, size, classIndex,
 * flags], `edges` of [fromId, toId, typeIndex, dataIndex]; dataIndex names the property or
 * variable (`edgeNames`) except for Index edges, where it is the element index. Node ids are NOT
 * stable between snapshots (Bun 1.4), so the holders are counted over all instances of a class in
 * the second snapshot: a leak shows as one holder with thousands of them.
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  readonly nodes: number[];
  readonly nodeClassNames: string[];
  readonly edges: number[];
  readonly edgeTypes: string[];
  readonly edgeNames: string[];
}

interface Graph {
  readonly classOf: Map<number, string>;
  readonly sizeOf: Map<number, number>;
  /** Retainers of each node: [fromId, edge label]. */
  readonly retainers: Map<number, Array<[number, string]>>;
}

function load(path: string): Graph {
  const s = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const classOf = new Map<number, string>();
  const sizeOf = new Map<number, number>();
  for (let i = 0; i < s.nodes.length; i += 4) {
    classOf.set(s.nodes[i]!, s.nodeClassNames[s.nodes[i + 2]!] ?? "?");
    sizeOf.set(s.nodes[i]!, s.nodes[i + 1]!);
  }
  const retainers = new Map<number, Array<[number, string]>>();
  for (let i = 0; i < s.edges.length; i += 4) {
    const type = s.edgeTypes[s.edges[i + 2]!];
    const data = s.edges[i + 3]!;
    const label = type === "Index" ? `[${data}]` : type === "Internal" ? "(internal)" : (s.edgeNames[data] ?? "?");
    const to = s.edges[i + 1]!;
    let list = retainers.get(to);
    if (!list) retainers.set(to, (list = []));
    list.push([s.edges[i]!, label]);
  }
  return { classOf, sizeOf, retainers };
}

function countByClass(g: Graph, only?: (id: number) => boolean): Map<string, { count: number; bytes: number }> {
  const out = new Map<string, { count: number; bytes: number }>();
  for (const [id, cls] of g.classOf) {
    if (only && !only(id)) continue;
    const c = out.get(cls) ?? { count: 0, bytes: 0 };
    c.count++;
    c.bytes += g.sizeOf.get(id) ?? 0;
    out.set(cls, c);
  }
  return out;
}

/** One retaining path from `id` towards a root, as "Class.edge <- Class.edge ...". */
function pathToRoot(g: Graph, id: number, maxDepth = 14): string {
  const parts: string[] = [];
  const seen = new Set<number>([id]);
  let at = id;
  for (let depth = 0; depth < maxDepth; depth++) {
    const next = (g.retainers.get(at) ?? []).find(([from]) => !seen.has(from));
    if (!next) break;
    const [from, label] = next;
    parts.push(`${g.classOf.get(from) ?? "?"}.${label}`);
    if (from === 0) break;
    seen.add(from);
    at = from;
  }
  return parts.join(" <- ");
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith("--") && !/^\d+$/.test(a));
if (files.length !== 2) {
  console.error("usage: bun run scripts/heap-diff.ts early.json end.json [--classes N]");
  process.exit(2);
}
const topClasses = Number(args[args.indexOf("--classes") + 1] ?? 3) || 3;
const [before, after] = [load(files[0]!), load(files[1]!)];

const was = countByClass(before);
const now = countByClass(after);
const growth = [...now]
  .map(([cls, c]) => ({ cls, count: c.count - (was.get(cls)?.count ?? 0), bytes: c.bytes - (was.get(cls)?.bytes ?? 0) }))
  .filter((g) => g.count > 0)
  .sort((a, b) => b.count - a.count);
console.log(`objects: ${before.classOf.size} -> ${after.classOf.size}`);
console.log("class growth (count, bytes):");
for (const g of growth.slice(0, 15)) console.log(`  ${g.cls.padEnd(28)} +${g.count}  +${g.bytes} B`);

for (const { cls } of growth.slice(0, topClasses)) {
  // Which objects hold the new instances of this class.
  const holders = new Map<number, number>();
  for (const [id, c] of after.classOf) {
    if (c !== cls) continue;
    for (const [from] of after.retainers.get(id) ?? []) holders.set(from, (holders.get(from) ?? 0) + 1);
  }
  const byHolderClass = new Map<string, number>();
  for (const [from, n] of holders) byHolderClass.set(after.classOf.get(from) ?? "?", (byHolderClass.get(after.classOf.get(from) ?? "?") ?? 0) + n);
  console.log(`\n${cls}: held by (class: references) ${[...byHolderClass].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k}: ${v}`).join(", ")}`);
  for (const [from, n] of [...holders].sort((a, b) => b[1] - a[1]).slice(0, 4)) {
    console.log(`  ${n} held by ${after.classOf.get(from)}#${from}: ${pathToRoot(after, from)}`);
  }
}
