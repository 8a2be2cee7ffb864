// An M-Pesa statement file → batches of M-Pesa record lines, in bounded memory.
import { AppError } from "../../../errors";
import type { MpesaRecordLine } from "../record-mpesa-records";
import type { StatementFile } from "./open-statement-file";
import { readCsvRows, type StatementRow } from "./read-csv-rows";
import { readXlsxRows } from "./read-xlsx-rows";
import {
  type ColumnMap,
  matchStatementHeader,
  readStatementFacts,
  type StatementFacts,
} from "./statement-header";
import { readStatementLine } from "./statement-line";

/** Lines per batch: what recordMpesaRecords takes in one INSERT. */
export const STATEMENT_BATCH = 1_000;
/** The table starts within this many rows, or the file is not a statement. */
const MAX_PREAMBLE_ROWS = 60;

export interface RefusedStatementRow {
  /** The row's number as a spreadsheet shows it. */
  row: number;
  receipt?: string;
  reason: string;
}

export interface StatementBatch {
  /** The preamble's facts: complete from the first batch on. */
  facts: StatementFacts;
  lines: MpesaRecordLine[];
  /** The file row of each line, by position (for reporting). */
  rows: number[];
  refused: RefusedStatementRow[];
  /** Rows read in this batch that were not transactions (blank, totals, repeated headers). */
  skipped: number;
  /** Rows whose status was not Completed (they moved no money). */
  notCompleted: number;
}

const HEADER_HELP =
  "No statement table found: the file needs a header row naming Receipt No., Completion Time and Paid In / Withdrawn, as the M-Pesa portal exports it.";

/**
 * Reads a statement (CSV or .xlsx) row by row: the lines above the table give the shortcode and
 * period, the header row is found by its names in any spelling and order, and each row after it
 * becomes a line, a skipped row or a refused row (with its row number and reason) without ever
 * stopping the read. Yields at most STATEMENT_BATCH lines at a time, and at least one (possibly
 * empty) batch once the header is found, so the caller sees the facts before storing anything.
 * Throws a 400 when no header row comes within the first 60 rows.
 */
export async function* parseStatement(file: StatementFile): AsyncGenerator<StatementBatch> {
  const rows: AsyncIterable<StatementRow> =
    file.format === "xlsx"
      ? readXlsxRows(file.stream)
      : readCsvRows(file.stream, { delimiter: file.delimiter, encoding: file.encoding });
  const facts: StatementFacts = {};
  let columns: ColumnMap | null = null;
  let seen = 0;
  const fresh = (): StatementBatch => ({
    facts,
    lines: [],
    rows: [],
    refused: [],
    skipped: 0,
    notCompleted: 0,
  });
  let batch = fresh();
  let yielded = false;

  try {
    for await (const { line, cells } of rows) {
      if (!columns) {
        columns = matchStatementHeader(cells);
        if (!columns) {
          if (++seen > MAX_PREAMBLE_ROWS) throw new AppError("bad_request", HEADER_HELP, { field: "file" });
          readStatementFacts(cells, facts);
        }
        continue;
      }
      if (matchStatementHeader(cells)) {
        batch.skipped++; // the header again, as a multi-page export repeats it
        continue;
      }
      const result = readStatementLine(cells, columns);
      if (result.kind === "line") {
        batch.lines.push(result.line);
        batch.rows.push(line);
      } else if (result.kind === "refused") {
        batch.refused.push({
          row: line,
          ...(result.receipt ? { receipt: result.receipt } : {}),
          reason: result.reason,
        });
      } else if (result.reason === "not_completed") batch.notCompleted++;
      else batch.skipped++;
      if (batch.lines.length >= STATEMENT_BATCH) {
        yield batch;
        yielded = true;
        batch = fresh();
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    // csv-parse and exceljs errors name offsets and internals: say what it means for the user.
    throw new AppError(
      "bad_request",
      file.format === "xlsx"
        ? "The Excel file could not be read: download the statement again, or as CSV."
        : "The CSV file could not be read: download the statement again as it comes from the portal.",
      { field: "file", internal: error instanceof Error ? error.message : String(error) },
    );
  }
  if (!columns) throw new AppError("bad_request", HEADER_HELP, { field: "file" });
  if (!yielded || batch.lines.length + batch.refused.length + batch.skipped + batch.notCompleted > 0)
    yield batch;
}
