// The rows of an Excel (.xlsx) statement's first worksheet as they stream in.
import type { Readable } from "node:stream";
import ExcelJS from "exceljs";
import type { StatementRow } from "./read-csv-rows";
import type { StatementCell } from "./statement-cells";

/** exceljs cell values that are not plain: rich text, formulas, hyperlinks, errors. */
function plain(value: unknown): StatementCell {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value instanceof Date) return value;
  if (typeof value === "object") {
    const v = value as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return v.richText.map((part) => part.text).join("");
    if ("result" in v) return plain(v.result);
    if (typeof v.text === "string") return v.text;
  }
  return null;
}

/**
 * What makes each step of exceljs's iterators fail as soon as `source` does. (Not Promise.race
 * against one long-lived promise: every race would leave a reaction on it, keeping every row.)
 */
function failWith(source: Readable) {
  let failure: { error: unknown } | null = null;
  let reject: ((error: unknown) => void) | null = null;
  source.once("error", (error) => {
    failure = { error };
    reject?.(error);
  });
  return async function* raced<T>(iterable: AsyncIterable<T>): AsyncGenerator<T> {
    const iterator = iterable[Symbol.asyncIterator]();
    for (;;) {
      const next = await new Promise<IteratorResult<T>>((resolve, fail) => {
        if (failure) return fail(failure.error);
        reject = fail;
        iterator.next().then(resolve, fail);
      });
      reject = null;
      if (next.done) return;
      yield next.value;
    }
  };
}

/**
 * Streams the first worksheet (the statement) of an .xlsx with exceljs's streaming WorkbookReader: the zip is read
 * entry by entry and rows are emitted as parsed, never the whole workbook in memory (shared
 * strings are kept, as every xlsx reader must; a worksheet stored before them in the zip is
 * spooled to a temporary file by exceljs). Styles are ignored, so date cells arrive as serial
 * numbers, which parseStatementTime reads as the Kenyan wall clock.
 */
export async function* readXlsxRows(source: Readable): AsyncGenerator<StatementRow> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "ignore",
    worksheets: "emit",
  });
  // exceljs pipes the file into its unzipper, and a pipe does not pass errors on: a failing
  // upload (over the size limit, cut off) would leave it waiting forever.
  const raced = failWith(source);
  let first = true;
  for await (const worksheet of raced(workbook)) {
    // Later worksheets are read through (so the whole file passes, and is hashed) but not used.
    for await (const row of raced(worksheet as AsyncIterable<ExcelJS.Row>)) {
      if (!first) continue;
      // row.values is 1-based and sparse: index 0 is always empty.
      const values = Array.isArray(row.values) ? row.values.slice(1) : [];
      yield { line: row.number, cells: Array.from(values, plain) };
    }
    first = false;
  }
}
