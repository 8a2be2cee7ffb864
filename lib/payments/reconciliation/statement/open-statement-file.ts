// An uploaded statement file as a stream: its format told by its first bytes, its size bounded,
// and its SHA-256 taken on the way through (so the same file imported again is recognised).
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { AppError } from "../../../errors";

/** The largest statement read: 100,000 lines of a portal CSV are about 25 MB. */
export const MAX_STATEMENT_BYTES = 50 * 1024 * 1024;
/** Bytes read before deciding the format and the CSV delimiter. */
const HEAD_BYTES = 64 * 1024;

export type StatementFormat = "csv" | "xlsx";

export interface StatementFile {
  format: StatementFormat;
  /** For CSV: the delimiter the header line uses, and the text encoding. */
  delimiter: string;
  encoding: "utf8" | "utf16le";
  /** The whole file, first bytes included, checked against the size limit as it flows. */
  stream: Readable;
  /** After `stream` has ended: the file's SHA-256 (hex) and size. */
  sha256(): string;
  bytes(): number;
}

const refuse = (message: string) => new AppError("bad_request", message, { field: "file" });

const startsWith = (head: Buffer, bytes: number[]) => bytes.every((b, i) => head[i] === b);

/** Which of , ; or tab the statement's header line (the one naming the receipt) is split by. */
function sniffDelimiter(text: string): string {
  const lines = text.split(/\r?\n/);
  const header = lines.find((l) => /receipt|transaction\s*id/i.test(l)) ?? lines[0] ?? "";
  const counts = [",", ";", "\t"].map((d) => ({ d, n: header.split(d).length }));
  counts.sort((a, b) => b.n - a.n);
  return counts[0] && counts[0].n > 1 ? counts[0].d : ",";
}

/**
 * Opens a statement upload (a stream or the bytes): reads its first 64 KB to tell an .xlsx (a zip:
 * "PK\x03\x04") from CSV text, refuses what the portal also offers but Malipo cannot read (the old
 * binary .xls, PDF) and anything else that is not text, and passes the rest through unchanged.
 * The stream fails with a clear 400 once the file passes `maxBytes` (50 MB unless given).
 */
export async function openStatementFile(
  input: Readable | Uint8Array,
  options: { maxBytes?: number } = {},
): Promise<StatementFile> {
  const maxBytes = options.maxBytes ?? MAX_STATEMENT_BYTES;
  const source = input instanceof Uint8Array ? Readable.from([Buffer.from(input)]) : input;
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const hash = createHash("sha256");
  let size = 0;
  const take = (chunk: Buffer | string) => {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > maxBytes) {
      const limit =
        maxBytes >= 1 << 20 ? `${Math.round(maxBytes / (1 << 20))} MB` : `${Math.round(maxBytes / 1024)} KB`;
      throw refuse(`The file is over ${limit}: download a shorter period.`);
    }
    hash.update(buffer);
    return buffer;
  };

  const headChunks: Buffer[] = [];
  let headSize = 0;
  let ended = false;
  while (headSize < HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const buffer = take(next.value);
    headChunks.push(buffer);
    headSize += buffer.length;
  }
  const head = Buffer.concat(headChunks);
  if (head.length === 0) throw refuse("The file is empty.");

  let format: StatementFormat;
  let encoding: "utf8" | "utf16le" = "utf8";
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) format = "xlsx";
  else if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0]))
    throw refuse(
      "This is an old Excel 97-2003 (.xls) file: open it and save it as .xlsx or CSV, then upload that.",
    );
  else if (startsWith(head, [0x25, 0x50, 0x44, 0x46]))
    throw refuse("This is a PDF: download the statement from the M-Pesa portal as CSV or Excel instead.");
  else {
    if (startsWith(head, [0xff, 0xfe])) encoding = "utf16le";
    else if (head.subarray(0, 4096).includes(0))
      throw refuse("This file is neither CSV nor Excel (.xlsx): download the statement as CSV or Excel.");
    format = "csv";
  }
  const delimiter = format === "csv" ? sniffDelimiter(head.toString(encoding)) : ",";

  async function* all() {
    yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield take(next.value);
    }
  }
  let digest: string | null = null;
  return {
    format,
    delimiter,
    encoding,
    stream: Readable.from(all(), { objectMode: false }),
    sha256: () => {
      digest ??= hash.digest("hex");
      return digest;
    },
    bytes: () => size,
  };
}
