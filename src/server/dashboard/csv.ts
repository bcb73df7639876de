import { formatDecimal } from "../../core/orders/krw.ts";
import { formatKst } from "../../../views/format.ts";

/**
 * CSV export (RFC 4180): fields with a comma, quote or line break are quoted and their quotes
 * doubled; rows end with CRLF. Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
 * tab or CR first) gets a leading apostrophe, so an exchange- or user-supplied string can never
 * become a formula in the operator's spreadsheet (CSV injection). Numbers are written as plain
 * decimals (no exponent, no float noise). The file starts with a UTF-8 byte order mark so that
 * spreadsheet programs read Korean text correctly.
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? formatDecimal(value) : "";
  if (typeof value === "boolean") return value ? "true" : "false";
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

export const CSV_BOM = "\uFEFF";

export interface CsvTable<Row> {
  readonly header: readonly string[];
  readonly row: (r: Row) => readonly CsvValue[];
}

/**
 * A streamed CSV body: the header, then pages of rows read on demand (`page(offset)` returns at
 * most one page; an empty or short page ends the file), so a large export never sits in memory
 * and reads the database a page at a time.
 */
export function csvStream<Row>(table: CsvTable<Row>, page: (offset: number) => readonly Row[], options: { pageSize: number; maxRows: number }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let offset = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(CSV_BOM + csvRow(table.header)));
        return;
      }
      if (offset >= options.maxRows) {
        controller.close();
        return;
      }
      const rows = page(offset).slice(0, options.maxRows - offset);
      offset += rows.length;
      if (rows.length > 0) controller.enqueue(encoder.encode(rows.map((r) => csvRow(table.row(r))).join("")));
      if (rows.length < options.pageSize) controller.close();
    },
  });
}

/** `orders-KRW-BTC-20261126-2105.csv`: what, which market, and when (KST). */
export function exportFilename(what: string, market: string | undefined, now: number): string {
  const stamp = formatKst(now).replace(/[-:]/g, "").replace(" ", "-").slice(0, 13);
  const safeMarket = market && /^[A-Z0-9-]+$/.test(market) ? `-${market}` : "";
  return `${what}${safeMarket}-${stamp}.csv`;
}
