import { z } from "zod";
import type { ParamField } from "../../../views/pages/settings.tsx";
import type { Translate } from "../../../views/i18n.ts";
import { riskParamsSchema } from "../../core/risk/index.ts";
import { emaCrossParamsSchema } from "../../core/strategy/index.ts";

/**
 * Parameter forms generated from the SAME zod schemas the runtime validates with: the inputs come
 * from the schema's JSON Schema (numbers with their bounds, booleans, enums as selects, nullable
 * numbers where empty means off, arrays as JSON), submitted forms are turned back into the nested
 * object, and `resolveStrategyParams` / `resolveRiskParams` decide; their zod issues come back as
 * messages keyed by the same dotted field names the inputs carry.
 */

export type Section = "strategy" | "risk";

/** A field without its value: what the schema says about one input. */
export type FieldSpec = Omit<ParamField, "value">;

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

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
      const max = main.maximum ?? main.exclusiveMaximum;
      // zod writes "no upper bound" for safe integers as MAX_SAFE_INTEGER: not worth showing.
      const shownMax = max !== undefined && max < Number.MAX_SAFE_INTEGER ? max : undefined;
      out.push({
        name,
        kind: main.type,
        min: main.minimum ?? main.exclusiveMinimum,
        max: shownMax,
        minExclusive: main.minimum === undefined && main.exclusiveMinimum !== undefined ? true : undefined,
        maxExclusive: shownMax !== undefined && main.maximum === undefined ? true : undefined,
        nullable: nullable || undefined,
      });
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
  if (v === null || v === undefined) return "";
  if (spec.kind === "json") return JSON.stringify(v);
  return String(v);
}

/** The section's form filled with `values` (the parameters in force, or a preset). */
export function paramFields(section: Section, values: unknown): ParamField[] {
  return fieldSpecs(section).map((spec) => ({ ...spec, value: inputText(spec, valueAt(values, spec.name)) }));
}

/** The form as submitted (so an invalid form shows what was typed, not what is in force). */
export function submittedFields(section: Section, form: Readonly<Record<string, string>>): ParamField[] {
  return fieldSpecs(section).map((spec) => ({ ...spec, value: spec.kind === "boolean" ? (form[spec.name] === "true" ? "true" : "false") : (form[spec.name] ?? "") }));
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

/**
 * The nested parameters object from a submitted form, with a message for every input that is not
 * even of the right type (an empty required number, text in a number, broken JSON). Checkboxes
 * absent from the form are false (that is how browsers send an unticked box).
 */
export function parseParamsForm(section: Section, form: Readonly<Record<string, string>>, t: Translate): { input: Record<string, unknown>; errors: FieldErrors } {
  const input: Record<string, unknown> = {};
  const errors: FieldErrors = {};
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
      default: {
        const text = raw.replace(/[,_\s]/g, "");
        if (text === "") {
          if (spec.nullable) setAt(input, spec.name, null);
          else errors[spec.name] = [t("form.required")];
          break;
        }
        const n = Number(text);
        if (!Number.isFinite(n) || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) errors[spec.name] = [t("form.notNumber")];
        else setAt(input, spec.name, n);
      }
    }
  }
  return { input, errors };
}
