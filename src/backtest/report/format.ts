/**
 * Text formatting for the report. Written by hand rather than with `toLocaleString`/`Intl`, whose
 * output depends on the ICU data of the runtime: the same result must give the same bytes.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON for a `<script type="application/json">` block: `<` is written as `\u003c` so that no
 * `</script>` or `<!--` in the data can end the block, and U+2028/2029 are escaped as well.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Missing values (null: undefined metric) are shown as an en dash. */
export const NOT_AVAILABLE = "\u2013";

/** 1234567.8 -> "1,234,568" (digits = 0) or "1,234,567.80" (digits = 2). */
export function formatNumber(x: number | null, digits = 0): string {
  if (x === null || !Number.isFinite(x)) return NOT_AVAILABLE;
  const fixed = Math.abs(x).toFixed(digits);
  const [whole, frac] = fixed.split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const sign = x < 0 && Number(fixed) !== 0 ? "-" : "";
  return sign + grouped + (frac === undefined ? "" : `.${frac}`);
}

/** A fraction as a percentage: 0.1234 -> "12.34%". */
export function formatPercent(x: number | null, digits = 2): string {
  return x === null || !Number.isFinite(x) ? NOT_AVAILABLE : `${formatNumber(x * 100, digits)}%`;
}

/** A plain ratio with fixed decimals. */
export function formatRatio(x: number | null, digits = 3): string {
  return formatNumber(x, digits);
}

/** Epoch ms as `YYYY-MM-DD HH:MM` UTC. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** A duration in ms as `3d 4h`, `5h 10m` or `12m`. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return NOT_AVAILABLE;
  const minutes = Math.round(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${mins}m`;
  return `${mins}m`;
}
