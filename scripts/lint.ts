/**
 * Architecture lint (ARCHITECTURE rules 1, 11, 12). Hand-written because the rules are about
 * *where* things may be used, which a short scan states more plainly than an ESLint config, and
 * it needs no extra dependency:
 *
 * - `src/core/**` stays pure: no imports outside the core (except zod), no clock, no randomness,
 *   no timers, no network, no filesystem, no process or Bun globals.
 * - drizzle is imported only under `src/db/` (and drizzle.config.ts).
 * - `process.env` is read only in `src/main.ts`, `src/config/`, scripts, benches and tests.
 *
 * Exits 1 with one line per violation: `file:line: rule: text`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

const root = join(import.meta.dir, "..");

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (/\.(ts|tsx)$/.test(name)) out.push(p);
  }
  return out;
}

/** Blank out comments and string/template contents so patterns only match code. */
export function stripCommentsAndStrings(src: string): string {
  let out = "";
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    const d = src[i + 1];
    if (c === "/" && d === "/") {
      while (i < n && src[i] !== "\n") {
        out += " ";
        i++;
      }
    } else if (c === "/" && d === "*") {
      while (i < n && !(src[i] === "*" && src[i + 1] === "/")) {
        out += src[i] === "\n" ? "\n" : " ";
        i++;
      }
      out += "  ";
      i += 2;
    } else if (c === '"' || c === "'" || c === "`") {
      out += c;
      i++;
      while (i < n && src[i] !== c) {
        if (src[i] === "\\") {
          out += "  ";
          i += 2;
          continue;
        }
        out += src[i] === "\n" ? "\n" : " ";
        i++;
      }
      out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

interface Rule {
  readonly name: string;
  readonly re: RegExp;
}

const CORE_FORBIDDEN: readonly Rule[] = [
  { name: "clock", re: /\bDate\.now\s*\(|\bnew\s+Date\s*\(\s*\)|\bperformance\.now\s*\(/ },
  { name: "randomness", re: /\bMath\.random\s*\(|\bcrypto\.(getRandomValues|randomUUID)\b/ },
  { name: "timers", re: /\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/ },
  { name: "network", re: /\b(fetch|WebSocket|XMLHttpRequest)\s*\(|\bnew\s+WebSocket\b/ },
  { name: "process/Bun globals", re: /\bprocess\.|\bBun\.|\bDeno\./ },
  { name: "console", re: /\bconsole\./ },
];

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(src: string): { spec: string; line: number }[] {
  const found: { spec: string; line: number }[] = [];
  for (const m of src.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    if (!spec) continue;
    const line = src.slice(0, m.index ?? 0).split("\n").length + (src[m.index ?? 0] === "\n" ? 1 : 0);
    found.push({ spec, line });
  }
  return found;
}

export function lintFile(rel: string, src: string): string[] {
  const problems: string[] = [];
  const posix = rel.split(sep).join("/");
  const code = stripCommentsAndStrings(src);
  const lines = code.split("\n");

  if (posix.startsWith("src/core/")) {
    for (const { spec, line } of importsOf(src)) {
      const external = !spec.startsWith(".");
      if (external && spec !== "zod") problems.push(`${posix}:${line}: core-purity: imports "${spec}" (only zod and core modules are allowed)`);
      if (!external) {
        const depth = posix.split("/").length - 3; // segments below src/core
        const ups = spec.split("/").filter((s) => s === "..").length;
        if (ups > depth) problems.push(`${posix}:${line}: core-purity: imports "${spec}" from outside src/core`);
      }
    }
    lines.forEach((text, i) => {
      for (const rule of CORE_FORBIDDEN) {
        if (rule.re.test(text)) problems.push(`${posix}:${i + 1}: core-purity (${rule.name}): ${src.split("\n")[i]!.trim()}`);
      }
    });
  }

  const drizzleAllowed = posix.startsWith("src/db/") || posix === "drizzle.config.ts" || posix.startsWith("tests/") || posix.startsWith("scripts/") || posix.startsWith("bench/");
  if (!drizzleAllowed) {
    for (const { spec, line } of importsOf(src)) {
      if (spec.startsWith("drizzle-orm")) problems.push(`${posix}:${line}: db-access: drizzle is used only through src/db repo functions`);
    }
  }

  const envAllowed =
    posix === "src/main.ts" ||
    posix.startsWith("src/config/") ||
    posix.startsWith("scripts/") ||
    posix.startsWith("bench/") ||
    posix.startsWith("tests/") ||
    posix.startsWith("src/cli/") ||
    posix === "drizzle.config.ts" ||
    posix === "vitest.config.ts";
  if (!envAllowed) {
    lines.forEach((text, i) => {
      if (/\bprocess\.env\b|\bBun\.env\b/.test(text)) problems.push(`${posix}:${i + 1}: config-once: environment read outside main/config`);
    });
  }
  return problems;
}

if (import.meta.main) {
  const files = ["src", "actors", "views", "scripts", "bench", "tests"].flatMap((d) => {
    try {
      return walk(join(root, d));
    } catch {
      return [];
    }
  });
  const problems = files.flatMap((f) => lintFile(relative(root, f), readFileSync(f, "utf8")));
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`lint: ${problems.length} problem(s) in ${files.length} files`);
    process.exit(1);
  }
  console.log(`lint: ${files.length} files clean`);
}
