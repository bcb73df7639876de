/**
 * Deep merge of configuration sections (presets under overrides), shared by the risk parameters
 * and the backtest's params files: objects merge key by key; arrays and scalars replace.
 */

/** A plain object (not null, not an array): what `mergeSection` merges into instead of replacing. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `over` on top of `base`: objects merge key by key; arrays and scalars replace. Neither input is changed. */
export function mergeSection(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeSection(out[k], v) : v;
  return out;
}
