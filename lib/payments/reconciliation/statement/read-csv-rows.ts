// The rows of a CSV statement as they stream in, with the file line each starts on.
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import type { StatementCell } from "./statement-cells";

/** A row this long is not a statement line, and the parser must not buffer more of it. */
const MAX_ROW_CHARS = 20_000;

export interface StatementRow {
  /** The row's number as a spreadsheet shows it (the file's first line is 1). */
  line: number;
  cells: StatementCell[];
}

/**
 * Streams a CSV statement through csv-parse, one record at a time (back-pressure included): the
 * preamble lines have fewer cells than the table, so column counts may vary; quotes are relaxed
 * for the odd stray one in a Details cell; a UTF-8 or UTF-16 byte-order mark is dropped.
 */
export async function* readCsvRows(
  source: Readable,
  options: { delimiter: string; encoding: "utf8" | "utf16le" },
): AsyncGenerator<StatementRow> {
  const parser = source.pipe(
    parse({
      bom: true,
      encoding: options.encoding,
      delimiter: options.delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_ROW_CHARS,
      info: true,
    }),
  );
  source.once("error", (error) => parser.destroy(error));
  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    // info.lines is the line the record ends on; a record with embedded newlines starts earlier.
    const embedded = record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    yield { line: info.lines - embedded, cells: record };
  }
}
