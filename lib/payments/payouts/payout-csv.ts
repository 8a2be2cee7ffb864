// Bulk payouts as a CSV file: the downloadable template and the row-by-row check of an upload.
// Parsing is csv-parse (the maintained parser of the node-csv project, the same one as the
// csv-stringify the exports use): quoting, embedded newlines, a BOM from Excel and odd line
// endings are its problem, not a hand-written split(",").
import { parse } from "csv-parse";
import { stringify } from "csv-stringify/sync";
import { AppError } from "../../errors";
import { csvCell } from "../csv";
import { checkPayoutFields, type PayoutDraft, type PayoutFields } from "./payout-input";
import { MAX_BATCH_ROWS } from "./request-payout-batch";

/** The largest upload read: 10,000 rows of a template line are about 0.7 MB. */
export const MAX_PAYOUT_CSV_BYTES = 2 * 1024 * 1024;
/** The longest single row: a row beyond this is not a payout, and a parser must not buffer it. */
const MAX_ROW_CHARS = 2_000;

/** The template's columns, in its order; every upload is read by these names. */
export const PAYOUT_CSV_COLUMNS = [
  "command",
  "amount",
  "phone",
  "shortcode",
  "account_reference",
  "remarks",
  "occasion",
] as const;
type Column = (typeof PAYOUT_CSV_COLUMNS)[number] | "kind";

/** A column header as people type it ("Account reference", "ACCOUNT_REFERENCE") → the template's. */
const HEADERS: Record<string, Column> = {
  command: "command",
  amount: "amount",
  phone: "phone",
  shortcode: "shortcode",
  accountreference: "account_reference",
  remarks: "remarks",
  occasion: "occasion",
  kind: "kind",
};

/** The core's field names → the template's column names, so a bad row names the column to fix. */
const COLUMN_OF_FIELD: Record<string, string> = { accountReference: "account_reference" };

/**
 * The downloadable template: the header and two examples, a B2C payment to a phone and a B2B
 * payment to a paybill (a till takes BusinessBuyGoods and no account reference).
 */
export function payoutCsvTemplate(): string {
  return stringify([
    [...PAYOUT_CSV_COLUMNS],
    ["BusinessPayment", 1500, "0712345678", "", "", "Rider payout week 48", "Week 48"],
    ["BusinessPayBill", 25000, "", "888880", "INV-1042", "Supplier invoice 1042", ""],
  ]);
}

export interface PayoutCsvRow {
  /** The row's line in the file (the header is line 1), as a spreadsheet numbers it. */
  row: number;
  fields: PayoutFields;
  draft: PayoutDraft;
}

export interface PayoutCsvProblem {
  row: number;
  /** The template's column name. */
  field: string;
  message: string;
  /** The cell as uploaded, shortened and made safe to paste into a spreadsheet (csvCell). */
  value: string;
}

export interface ParsedPayoutCsv {
  valid: PayoutCsvRow[];
  invalid: PayoutCsvProblem[];
  /** Valid rows and their whole-KES total. */
  count: number;
  total: number;
  /** Data rows read, valid or not. */
  rows: number;
}

const refuseFile = (message: string) => new AppError("validation_failed", message, { field: "file" });

const echo = (value: unknown) => {
  const text = value === undefined || value === null ? "" : String(value);
  return csvCell(text.length > 40 ? `${text.slice(0, 39)}…` : text);
};

/**
 * Reads an uploaded payout CSV row by row (csv-parse's stream, one record at a time) and checks
 * each row with the same rules as a single payout (checkPayoutFields) against `maxAmount`, the
 * merchant's per-payout maximum. Bad rows are listed by line and column, never stored; the file
 * as a whole is refused (422, field "file") when it is over 2 MB or 10,000 rows, has no header,
 * has a column the template does not, or is not CSV at all.
 */
export async function parsePayoutCsv(text: string, limits: { maxAmount: number }): Promise<ParsedPayoutCsv> {
  if (Buffer.byteLength(text, "utf8") > MAX_PAYOUT_CSV_BYTES)
    throw refuseFile(
      `The file is over ${MAX_PAYOUT_CSV_BYTES / 1024 / 1024} MB: split it into smaller batches.`,
    );

  let headerError: AppError | null = null;
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    relax_column_count: true,
    max_record_size: MAX_ROW_CHARS,
    info: true,
    columns: (header: string[]) => {
      const names = header.map((h) => HEADERS[h.toLowerCase().replace(/[\s_-]/g, "")]);
      const unknown = header.find((_, i) => names[i] === undefined);
      if (unknown !== undefined)
        headerError = refuseFile(
          `Line 1 must be the template's header. Unknown column "${echo(unknown)}": use ${PAYOUT_CSV_COLUMNS.join(", ")}.`,
        );
      else if (!names.includes("command") || !names.includes("amount"))
        headerError = refuseFile(`Line 1 must be the template's header: ${PAYOUT_CSV_COLUMNS.join(", ")}.`);
      // csv-parse wants names; a refused header still parses, and the loop stops at once.
      return names.map((n, i) => n ?? `unknown_${i}`);
    },
  });
  parser.end(text);

  const result: ParsedPayoutCsv = { valid: [], invalid: [], count: 0, total: 0, rows: 0 };
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Partial<Record<Column, string>>;
      info: { lines: number };
    }>) {
      if (headerError) break;
      result.rows += 1;
      if (result.rows > MAX_BATCH_ROWS)
        throw refuseFile(
          `The file has more than ${MAX_BATCH_ROWS.toLocaleString("en-KE")} rows: split it into smaller batches.`,
        );
      const fields: PayoutFields = {
        kind: record.kind || undefined,
        command: record.command,
        amount: record.amount,
        phone: record.phone || undefined,
        shortcode: record.shortcode || undefined,
        accountReference: record.account_reference || undefined,
        remarks: record.remarks,
        occasion: record.occasion || undefined,
      };
      const checked = checkPayoutFields(fields, limits);
      if (checked.ok) {
        result.valid.push({ row: info.lines, fields, draft: checked.draft });
        result.count += 1;
        result.total += checked.draft.amount;
      } else {
        for (const error of checked.errors) {
          const field = COLUMN_OF_FIELD[error.field] ?? error.field;
          result.invalid.push({
            row: info.lines,
            field,
            message: error.message,
            value: echo(record[field as Column]),
          });
        }
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const { code, lines } = error as { code?: string; lines?: number };
    throw refuseFile(
      code === "CSV_MAX_RECORD_SIZE"
        ? `Line ${lines ?? "?"} is longer than ${MAX_ROW_CHARS.toLocaleString("en-KE")} characters: is this the payout template?`
        : `The file is not a CSV the template describes${lines ? ` (line ${lines})` : ""}: save it as CSV and try again.`,
    );
  } finally {
    parser.destroy();
  }
  if (headerError) throw headerError;
  if (result.rows === 0) throw refuseFile("The file has no payouts: fill in the template below its header.");
  return result;
}
