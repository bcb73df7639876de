import { z } from "zod";
import { ParseError } from "../../core/errors.ts";
import { STRATEGY_PRESET_NAMES } from "../../core/strategy/index.ts";
import { type BacktestConfig, paramsFileSchema, resolveBacktestConfig } from "../engine/index.ts";

/**
 * The parameter space of an optimisation (docs/optimization.md "Space file"):
 *
 * ```json
 * { "preset": "default",
 *   "base": { "risk": { "maxPositions": 3 } },
 *   "parameters": {
 *     "strategy.emaFast": [10, 20, 30],
 *     "strategy.emaSlow": { "min": 40, "max": 120, "step": 20 },
 *     "strategy.stopLoss.atrMultiple": { "min": 1.5, "max": 4 } } }
 * ```
 *
 * Each key is a dotted path into a params file (`strategy.`, `risk.` or `engine.` first). A value
 * list is tried as given (any JSON, so whole arrays such as take-profit levels work); a range with
 * `step` is the grid min, min + step, ... <= max; a range without `step` is continuous (random search
 * only; `integer: true` draws whole numbers).
 */
const valueListSchema = z.array(z.unknown()).min(1, "at least one value");
const rangeSchema = z
  .object({
    min: z.number(),
    max: z.number(),
    step: z.number().gt(0).optional(),
    integer: z.boolean().optional(),
  })
  .strict()
  .refine((r) => r.min <= r.max, { message: "min must not exceed max", path: ["max"] });

export type ParameterDomain = z.output<typeof valueListSchema> | z.output<typeof rangeSchema>;

const PATH_RE = /^(strategy|risk|engine)(\.[A-Za-z][A-Za-z0-9_]*)+$/;

export const spaceSchema = z
  .object({
    preset: z.enum(STRATEGY_PRESET_NAMES).optional(),
    /** Fixed overrides every candidate starts from (a params file without `preset`). */
    base: paramsFileSchema.omit({ preset: true }).optional(),
    parameters: z
      .record(z.string(), z.union([valueListSchema, rangeSchema]))
      .superRefine((p, ctx) => {
        if (Object.keys(p).length === 0) ctx.addIssue({ code: "custom", message: "at least one parameter to vary" });
        for (const key of Object.keys(p)) {
          if (!PATH_RE.test(key)) ctx.addIssue({ code: "custom", path: [key], message: "a dotted path starting with strategy., risk. or engine." });
        }
      }),
  })
  .strict();

export type SearchSpace = z.output<typeof spaceSchema>;

/** One point of the space: dotted path -> value, in the space file's key order. */
export type CandidateValues = Readonly<Record<string, unknown>>;

/** Parse a space file's JSON; throws a `ParseError` listing every bad field. */
export function parseSearchSpace(input: unknown, source = "space"): SearchSpace {
  const parsed = spaceSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`);
    throw new ParseError(`invalid search space:\n  ${lines.join("\n  ")}`, source);
  }
  return parsed.data;
}

function isRange(d: ParameterDomain): d is z.output<typeof rangeSchema> {
  return !Array.isArray(d);
}

/** Round away binary noise of repeated additions (0.1 + 0.2): 12 significant digits. */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/** The grid values of a domain; undefined for a continuous range. */
export function gridValues(domain: ParameterDomain): readonly unknown[] | undefined {
  if (!isRange(domain)) return domain;
  if (domain.step === undefined) return undefined;
  const values: number[] = [];
  const count = Math.floor((domain.max - domain.min) / domain.step + 1e-9);
  for (let k = 0; k <= count; k++) values.push(clean(domain.min + k * domain.step));
  return values;
}

/** Every combination, the first parameter varying slowest. Throws beyond `limit` candidates. */
export function gridCandidates(space: SearchSpace, limit = 100_000): CandidateValues[] {
  const entries = Object.entries(space.parameters);
  const lists = entries.map(([path, domain]) => {
    const values = gridValues(domain);
    if (values === undefined) throw new ParseError(`${path} is a continuous range: give a step (or a value list) for a grid search, or use random search`, "space");
    return values;
  });
  const size = lists.reduce((n, l) => n * l.length, 1);
  if (size > limit) throw new ParseError(`the grid has ${size} candidates (limit ${limit}): narrow it or use random search`, "space");
  const out: CandidateValues[] = [];
  const index = new Array<number>(lists.length).fill(0);
  for (let c = 0; c < size; c++) {
    const values: Record<string, unknown> = {};
    entries.forEach(([path], k) => (values[path] = lists[k]![index[k]!]));
    out.push(values);
    for (let k = lists.length - 1; k >= 0; k--) {
      index[k]!++;
      if (index[k]! < lists[k]!.length) break;
      index[k] = 0;
    }
  }
  return out;
}

function draw(domain: ParameterDomain, random: () => number): unknown {
  const grid = gridValues(domain);
  if (grid !== undefined) return grid[Math.min(grid.length - 1, Math.floor(random() * grid.length))];
  const range = domain as z.output<typeof rangeSchema>;
  if (range.integer) {
    const lo = Math.ceil(range.min);
    const hi = Math.floor(range.max);
    return lo + Math.min(hi - lo, Math.floor(random() * (hi - lo + 1)));
  }
  return clean(range.min + random() * (range.max - range.min));
}

/**
 * `samples` distinct random points (fewer if the space has fewer), each parameter drawn uniformly
 * from its values or range with the injected `random`: the same seed gives the same candidates.
 */
export function randomCandidates(space: SearchSpace, samples: number, random: () => number): CandidateValues[] {
  const entries = Object.entries(space.parameters);
  const seen = new Set<string>();
  const out: CandidateValues[] = [];
  for (let attempt = 0; out.length < samples && attempt < samples * 20; attempt++) {
    const values: Record<string, unknown> = {};
    for (const [path, domain] of entries) values[path] = draw(domain, random);
    const key = JSON.stringify(values);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(values);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** The params file of one candidate: the space's preset and base with the candidate's values set. */
export function candidateParamsFile(space: SearchSpace, values: CandidateValues): Record<string, unknown> {
  const file: Record<string, unknown> = structuredClone({ ...(space.base ?? {}) }) as Record<string, unknown>;
  for (const [path, value] of Object.entries(values)) setPath(file, path, structuredClone(value));
  if (space.preset !== undefined) file.preset = space.preset;
  return file;
}

/** A candidate's configuration, or the reason it is invalid (e.g. emaFast >= emaSlow). */
export function candidateConfig(space: SearchSpace, values: CandidateValues, presetOverride?: string): { config: BacktestConfig } | { error: string } {
  try {
    return { config: resolveBacktestConfig(candidateParamsFile(space, values), presetOverride, "candidate") };
  } catch (e) {
    if (e instanceof ParseError) return { error: e.message };
    throw e;
  }
}
