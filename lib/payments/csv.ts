// CSV downloads: cells a spreadsheet will not run, and the keyset-paged stream every export uses.
import { stringify } from "csv-stringify/sync";

/**
 * A cell a spreadsheet will not run as a formula: text starting with = + - @ (or a tab or carriage
 * return, which some spreadsheets skip before reading one) gets a leading apostrophe. Applied to
 * every column, since receipts and result codes come from callbacks anyone may try to forge.
 */
export function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

type Position = { createdAt: Date; id: string };

/** Rows per page read: large enough to keep round trips few, small enough to stay constant memory. */
const PAGE = 1000;

/**
 * A CSV download produced page by page on (createdAt, id) newest first, so an export of a million
 * rows streams in constant memory: `page(after)` reads the next rows after a position (null: the
 * first), `cells` turns one into its cells. csv-stringify does the quoting; every cell goes
 * through csvCell.
 */
export function keysetCsvStream<T extends Position>(options: {
  header: string[];
  page: (after: Position | null, take: number) => Promise<T[]>;
  cells: (row: T) => (string | number | null | undefined)[];
}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: Position | null = null;
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(stringify([options.header])));
      }
      const rows = await options.page(cursor, PAGE);
      if (rows.length > 0)
        controller.enqueue(encoder.encode(stringify(rows.map((r) => options.cells(r).map(csvCell)))));
      const last = rows[rows.length - 1];
      if (rows.length < PAGE || !last) controller.close();
      else cursor = { createdAt: last.createdAt, id: last.id };
    },
  });
}
