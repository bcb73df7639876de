import { z } from "zod";
import { cellName, exactName, type ParamCell, type ParamColumn, type ParamField } from "../../../views/pages/settings.tsx";
import type { Translate } from "../../../views/i18n.ts";
import { riskParamsSchema } from "../../core/risk/index.ts";
import { emaCrossParamsSchema } from "../../core/strategy/index.ts";

/**
 * Parameter forms generated from the SAME zod schemas the runtime validates with: the inputs come
 * from the schema's JSON Schema (numbers with their bounds, booleans, enums as selects, nullable
 * numbers where empty means off, lists of number records as rows of inputs, other arrays as JSON),
 * submitted forms are turned back into the nested object, and `resolveStrategyParams` /
 * `resolveRiskParams` decide; their zod issues come back as messages keyed by the same dotted field
 * names the inputs carry.
 *
 * Shares of a position (`PERCENT_COLUMNS`) are shown as percentages to four significant digits
 * (1/3 is "33.33"), and the exact stored value travels next to the rounded text in a hidden field:
 * a cell whose text was not changed keeps that exact value, so saving a form unchanged saves the
 * parameters unchanged.
 */

export type Section = "strategy" | "risk";

/** A field without its value: what the schema says about one input. */
export type FieldSpec = Omit<ParamField, "value" | "rows">;

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

/**
 * Columns shown as a percentage of the stored fraction (`fraction: 1/3` is shown as 33.33):
 * operators think of "sell a third" as 33 %, not 0.3333333333333333.
 */
const PERCENT_COLUMNS: ReadonlySet<string> = new Set(["takeProfits.levels.fraction"]);

/** Rows a list field offers when the schema sets no maximum. */
const DEFAULT_MAX_ROWS = 10;

type NumberBounds = Pick<ParamColumn, "min" | "max" | "minExclusive" | "maxExclusive">;

/** A number's bounds as the form states them (`scale` 100 for a percentage). */
function numberBounds(main: JsonSchema, scale = 1): NumberBounds {
  const max = main.maximum ?? main.exclusiveMaximum;
  // zod writes "no upper bound" for safe integers as MAX_SAFE_INTEGER: not worth showing.
  const shownMax = max !== undefined && max < Number.MAX_SAFE_INTEGER ? max : undefined;
  const min = main.minimum ?? main.exclusiveMinimum;
  return {
    min: min === undefined ? undefined : min * scale,
    max: shownMax === undefined ? undefined : shownMax * scale,
    minExclusive: main.minimum === undefined && main.exclusiveMinimum !== undefined ? true : undefined,
    maxExclusive: shownMax !== undefined && main.maximum === undefined ? true : undefined,
  };
}

const isNumberType = (s: JsonSchema | undefined) => s?.type === "number" || s?.type === "integer";

/** The columns of a list whose items are records of numbers (take-profit levels); undefined for any other list. */
function rowColumns(name: string, items: JsonSchema | undefined): ParamColumn[] | undefined {
  const props = Object.entries(items?.properties ?? {});
  if (items?.type !== "object" || props.length === 0 || !props.every(([, p]) => isNumberType(p))) return undefined;
  return props.map(([key, p]) => {
    const percent = PERCENT_COLUMNS.has(`${name}.${key}`);
    return { key, ...numberBounds(p, percent ? 100 : 1), ...(percent ? { percent: true } : {}) };
  });
}

function specsOf(schema: JsonSchema, prefix: string, out: FieldSpec[]): FieldSpec[] {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    const variants = prop.anyOf ?? [prop];
    const nullable = variants.some((v) => v.type === "null");
    const main = variants.find((v) => v.type !== "null") ?? prop;
    if (main.type === "object" && main.properties) {
      specsOf(main, name, out);
    } else if (main.enum) {
      out.push({ name, kind: "enum", options: main.enum.map(String) });
    } else if (main.type === "boolean") {
      out.push({ name, kind: "boolean" });
    } else if (main.type === "integer" || main.type === "number") {
      out.push({ name, kind: main.type, ...numberBounds(main), nullable: nullable || undefined });
    } else if (main.type === "array" && !nullable && rowColumns(name, main.items)) {
      out.push({ name, kind: "rows", columns: rowColumns(name, main.items), maxRows: main.maxItems ?? DEFAULT_MAX_ROWS });
    } else {
      out.push({ name, kind: "json", nullable: nullable || undefined });
    }
  }
  return out;
}

const SCHEMAS = { strategy: emaCrossParamsSchema, risk: riskParamsSchema } as const;
const specCache = new Map<Section, readonly FieldSpec[]>();

/** The inputs of a section's form, in the schema's order. */
export function fieldSpecs(section: Section): readonly FieldSpec[] {
  let specs = specCache.get(section);
  if (!specs) {
    specs = specsOf(z.toJSONSchema(SCHEMAS[section], { io: "input", unrepresentable: "any" }) as JsonSchema, "", []);
    specCache.set(section, specs);
  }
  return specs;
}

function valueAt(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const key of path.split(".")) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

function setAt(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = obj;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/** How a current value is written in its input. */
function inputText(spec: FieldSpec, v: unknown): string {
  if (v === null || v === undefined || spec.kind === "rows") return "";
  if (spec.kind === "json") return JSON.stringify(v);
  return String(v);
}

/** A fraction as a percentage to four significant digits, without float noise: 1/3 -> "33.33", 0.5 -> "50". */
export function percentText(fraction: number): string {
  return String(Number((fraction * 100).toPrecision(4)));
}

/** A stored number as its cell shows it; a percentage also carries the exact value behind its rounded text. */
function cellOf(column: ParamColumn, v: unknown): ParamCell {
  if (typeof v !== "number") return { text: v === undefined || v === null ? "" : String(v) };
  return column.percent ? { text: percentText(v), exact: String(v) } : { text: String(v) };
}

function rowsOf(spec: FieldSpec, v: unknown): ParamCell[][] {
  if (!Array.isArray(v)) return [];
  return v.map((row: unknown) => (spec.columns ?? []).map((col) => cellOf(col, valueAt(row, col.key))));
}

/** The section's form filled with `values` (the parameters in force, or a preset). */
export function paramFields(section: Section, values: unknown): ParamField[] {
  return fieldSpecs(section).map((spec) => {
    const v = valueAt(values, spec.name);
    return spec.kind === "rows" ? { ...spec, value: "", rows: rowsOf(spec, v) } : { ...spec, value: inputText(spec, v) };
  });
}

/** The rows of a list field as submitted, up to the last one with anything typed in it. */
function submittedRows(spec: FieldSpec, form: Readonly<Record<string, string>>): ParamCell[][] {
  const rows: ParamCell[][] = [];
  for (let i = 0; i < (spec.maxRows ?? 0); i++) {
    rows.push(
      (spec.columns ?? []).map((col) => {
        const name = cellName(spec.name, i, col.key);
        const exact = form[exactName(name)];
        return { text: form[name] ?? "", ...(exact !== undefined ? { exact } : {}) };
      }),
    );
  }
  while (rows.length > 0 && rows.at(-1)!.every((c) => c.text.trim() === "")) rows.pop();
  return rows;
}

/** The form as submitted (so an invalid form shows what was typed, not what is in force). */
export function submittedFields(section: Section, form: Readonly<Record<string, string>>): ParamField[] {
  return fieldSpecs(section).map((spec) => {
    if (spec.kind === "rows") return { ...spec, value: "", rows: submittedRows(spec, form) };
    return { ...spec, value: spec.kind === "boolean" ? (form[spec.name] === "true" ? "true" : "false") : (form[spec.name] ?? "") };
  });
}

/**
 * What a browser sends for a section's form left as filled in: every input's text, the exact
 * values behind rounded cells, and the ticked boxes only (an unticked checkbox sends nothing).
 */
export function formValues(section: Section, values: unknown): Record<string, string> {
  const form: Record<string, string> = {};
  for (const f of paramFields(section, values)) {
    if (f.kind === "boolean") {
      if (f.value === "true") form[f.name] = "true";
    } else if (f.kind === "rows") {
      (f.rows ?? []).forEach((cells, i) =>
        cells.forEach((cell, k) => {
          const name = cellName(f.name, i, f.columns![k]!.key);
          form[name] = cell.text;
          if (cell.exact !== undefined) form[exactName(name)] = cell.exact;
        }),
      );
    } else form[f.name] = f.value;
  }
  return form;
}

export type FieldErrors = Record<string, string[]>;

/** zod issues as messages per dotted field name (`_` for the form as a whole). */
export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const keys = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k].join(".")) : [issue.path.map(String).join(".") || "_"];
    for (const key of keys) (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** A typed number (thousands separators and spaces allowed), or undefined when it is not one. */
function numberOf(text: string): number | undefined {
  const n = Number(text);
  return Number.isFinite(n) && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? n : undefined;
}

/** True when `n` is within the bounds (as the form states them). */
function withinBounds(n: number, b: NumberBounds): boolean {
  if (b.min !== undefined && (b.minExclusive ? n <= b.min : n < b.min)) return false;
  if (b.max !== undefined && (b.maxExclusive ? n >= b.max : n > b.max)) return false;
  return true;
}

/** The bounds as a short text: `> 0, ≤ 100`. */
function boundsText(b: NumberBounds): string {
  const lo = b.min === undefined ? "" : `${b.minExclusive ? ">" : "≥"} ${b.min}`;
  const hi = b.max === undefined ? "" : `${b.maxExclusive ? "<" : "≤"} ${b.max}`;
  return [lo, hi].filter((x) => x !== "").join(", ");
}

/**
 * One cell of a list field: the stored number. A percentage cell whose text is what the page
 * showed for its exact value keeps that exact value; a changed one is the typed percentage / 100
 * (rounded to 15 digits, so "33.33" is 0.3333 and not 0.33329999999999993). A percentage's bounds
 * are checked here, in the unit the operator typed, rather than left to the schema's fraction.
 */
function cellValue(column: ParamColumn, text: string, exact: string | undefined, t: Translate): { value: number } | { error: string } {
  const typed = numberOf(text.replace(/[,_\s%]/g, ""));
  if (text.trim() === "") return { error: t("form.required") };
  if (typed === undefined) return { error: t("form.notNumber") };
  if (!column.percent) return { value: typed };
  if (!withinBounds(typed, column)) return { error: t("form.outOfRange", { range: boundsText(column) }) };
  const kept = exact === undefined ? undefined : numberOf(exact);
  if (kept !== undefined && percentText(kept) === text.trim()) return { value: kept };
  return { value: Number((typed / 100).toPrecision(15)) };
}

/**
 * A list field's rows as submitted: blank rows are skipped (clearing a row removes it), so the
 * list's index `i` is the form's row `formRows[i]`.
 */
function parseRows(spec: FieldSpec, form: Readonly<Record<string, string>>, t: Translate, errors: FieldErrors): { rows: Record<string, number>[]; formRows: number[] } {
  const rows: Record<string, number>[] = [];
  const formRows: number[] = [];
  const columns = spec.columns ?? [];
  for (let i = 0; i < (spec.maxRows ?? 0); i++) {
    const names = columns.map((col) => cellName(spec.name, i, col.key));
    if (names.every((name) => (form[name] ?? "").trim() === "")) continue;
    const row: Record<string, number> = {};
    columns.forEach((col, k) => {
      const name = names[k]!;
      const cell = cellValue(col, form[name] ?? "", form[exactName(name)], t);
      if ("error" in cell) errors[name] = [cell.error];
      else row[col.key] = cell.value;
    });
    rows.push(row);
    formRows.push(i);
  }
  return { rows, formRows };
}

export interface ParsedParamsForm {
  readonly input: Record<string, unknown>;
  readonly errors: FieldErrors;
  /** The form field a validation issue's dotted path names (a list's index becomes the form's row). */
  readonly fieldOf: (path: string) => string;
}

/**
 * The nested parameters object from a submitted form, with a message for every input that is not
 * even of the right type (an empty required number, text in a number, broken JSON). Checkboxes
 * absent from the form are false (that is how browsers send an unticked box).
 */
export function parseParamsForm(section: Section, form: Readonly<Record<string, string>>, t: Translate): ParsedParamsForm {
  const input: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  const rowMaps = new Map<string, number[]>();
  for (const spec of fieldSpecs(section)) {
    const raw = (form[spec.name] ?? "").trim();
    switch (spec.kind) {
      case "boolean":
        setAt(input, spec.name, raw === "true");
        break;
      case "enum":
        setAt(input, spec.name, raw);
        break;
      case "json":
        if (raw === "" && spec.nullable) {
          setAt(input, spec.name, null);
          break;
        }
        try {
          setAt(input, spec.name, JSON.parse(raw));
        } catch (e) {
          errors[spec.name] = [t("form.badJson", { error: (e as Error).message })];
        }
        break;
      case "rows": {
        const { rows, formRows } = parseRows(spec, form, t, errors);
        setAt(input, spec.name, rows);
        rowMaps.set(spec.name, formRows);
        break;
      }
      default: {
        const text = raw.replace(/[,_\s]/g, "");
        if (text === "") {
          if (spec.nullable) setAt(input, spec.name, null);
          else errors[spec.name] = [t("form.required")];
          break;
        }
        const n = numberOf(text);
        if (n === undefined) errors[spec.name] = [t("form.notNumber")];
        else setAt(input, spec.name, n);
      }
    }
  }
  const fieldOf = (path: string): string => {
    for (const [name, formRows] of rowMaps) {
      if (!path.startsWith(`${name}.`)) continue;
      const [index = "", ...rest] = path.slice(name.length + 1).split(".");
      const row = formRows[Number(index)];
      if (row !== undefined) return [name, row, ...rest].join(".");
    }
    return path;
  };
  return { input, errors, fieldOf };
}
