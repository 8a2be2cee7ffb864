import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { openStatementFile } from "@/lib/payments/reconciliation/statement/open-statement-file";
import { parseStatement, type StatementBatch } from "@/lib/payments/reconciliation/statement/parse-statement";
import {
  parseAmountCents,
  parseStatementTime,
} from "@/lib/payments/reconciliation/statement/statement-cells";
import {
  matchStatementHeader,
  PORTAL_STATEMENT_COLUMNS,
} from "@/lib/payments/reconciliation/statement/statement-header";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/statements/${name}`, import.meta.url));

/** Every batch of a file, put together. */
async function readAll(input: Uint8Array | Readable, maxBytes?: number) {
  const file = await openStatementFile(input, { maxBytes });
  const batches: StatementBatch[] = [];
  for await (const batch of parseStatement(file)) batches.push(batch);
  return {
    format: file.format,
    sha256: file.sha256(),
    batches,
    facts: batches[0]?.facts,
    lines: batches.flatMap((b) => b.lines),
    rows: batches.flatMap((b) => b.rows),
    refused: batches.flatMap((b) => b.refused),
    skipped: batches.reduce((n, b) => n + b.skipped, 0),
    notCompleted: batches.reduce((n, b) => n + b.notCompleted, 0),
  };
}

const refusal = async (input: Uint8Array, maxBytes?: number) => {
  const error = await readAll(input, maxBytes).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: "bad_request", details: { field: "file" } });
  return (error as AppError).publicMessage;
};

/** Kenyan wall clock → the instant. */
const eat = (iso: string) => new Date(`${iso}+03:00`);

describe("statement cells", () => {
  it("reads amounts with separators, signs, brackets and currency, to the cent", () => {
    expect(parseAmountCents("1,500.00")).toBe(150_000n);
    expect(parseAmountCents("-3,000.00")).toBe(-300_000n);
    expect(parseAmountCents("(16.5)")).toBe(-1_650n);
    expect(parseAmountCents("KES 1,234,567.89")).toBe(123_456_789n);
    expect(parseAmountCents("1500")).toBe(150_000n);
    expect(parseAmountCents(1234.5600000001)).toBe(123_456n);
    expect(parseAmountCents("")).toBeNull();
    expect(parseAmountCents(null)).toBeNull();
    for (const bad of ["1,00.0x", "12,34", "1.234", "abc", "1e5"])
      expect(parseAmountCents(bad)).toBeUndefined();
  });

  it("reads Kenyan wall-clock times day first or year first, and spreadsheet serials", () => {
    expect(parseStatementTime("02-12-2026 14:05:11")?.instant).toEqual(eat("2026-12-02T14:05:11"));
    expect(parseStatementTime("2026-12-02 14:05:11")?.instant).toEqual(eat("2026-12-02T14:05:11"));
    expect(parseStatementTime("02/12/2026 2:05 PM")?.instant).toEqual(eat("2026-12-02T14:05:00"));
    expect(parseStatementTime("2026-12-02T11:05:11Z")?.instant).toEqual(eat("2026-12-02T14:05:11"));
    // 46358.5 is 2026-12-02 12:00 on a spreadsheet's clock.
    expect(parseStatementTime(46358.5)?.instant).toEqual(eat("2026-12-02T12:00:00"));
    expect(parseStatementTime("02-12-2026")).toEqual({ instant: eat("2026-12-02T00:00:00"), hasTime: false });
    for (const bad of ["31-02-2026 10:00:00", "2026-13-01", "yesterday", "", 12])
      expect(parseStatementTime(bad)).toBeNull();
  });

  it("finds the header by its names in any case, spacing or punctuation", () => {
    expect(matchStatementHeader(["RECEIPT NO", "completion_time", "Paid-In", "withdrawn"])).toMatchObject({
      receipt: 0,
      completedAt: 1,
      paidIn: 2,
      withdrawn: 3,
    });
    expect(matchStatementHeader(["Account Holder:", "Malipo"])).toBeNull();
    expect(matchStatementHeader(["Receipt No.", "Details"])).toBeNull();
  });
});

describe("parseStatement over a portal CSV", () => {
  it("reads the preamble's shortcode and period, the lines, charges and every kind of bad row", async () => {
    const read = await readAll(fixture("org-portal.csv"));
    expect(read.format).toBe("csv");
    expect(read.facts).toMatchObject({
      accountHolder: "Malipo Test Shop Ltd",
      shortcode: "600984",
      periodStart: eat("2026-12-01T00:00:00"),
      periodEnd: eat("2026-12-02T00:00:00"),
    });
    expect(read.lines).toHaveLength(4);
    expect(read.lines[0]).toEqual({
      receipt: "SLA1B2C3D4",
      entry: "principal",
      direction: "in",
      amountCents: 150_000n,
      balanceCents: 1_150_000n,
      completedAt: eat("2026-12-01T09:02:11"),
      otherParty: "2547******149 - JANE DOE",
      accountReference: "INV-1001",
      details: "Pay Bill Online from 2547******149 - JANE DOE Acc. INV-1001",
      transactionType: "Pay Bill Online",
      transactionStatus: "Completed",
      linkedReceipt: null,
    });
    expect(read.lines.map((l) => [l.receipt, l.entry, l.direction, l.amountCents])).toEqual([
      ["SLA1B2C3D4", "principal", "in", 150_000n],
      ["SLA1B2C3D5", "principal", "in", 250_000n],
      ["SLB9X8Y7Z6", "principal", "out", 300_000n],
      ["SLB9X8Y7Z6", "charge", "out", 1_600n],
    ]);
    expect(read.rows).toEqual([8, 9, 10, 11]);
    expect(read.notCompleted).toBe(1);
    expect(read.refused).toEqual([
      { row: 13, receipt: "SLD4BADATE", reason: "Completion Time: the completion time is not a date" },
      { row: 14, receipt: "SLE5BADAMT", reason: "Paid In is not an amount" },
      { row: 15, receipt: "SLF6BOTHIN", reason: "both Paid In and Withdrawn are filled in" },
      { row: 16, reason: "Receipt No.: no receipt" },
    ]);
    expect(read.skipped).toBe(1); // the totals line
    expect(read.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads an older export: other names and order, year-first dates, positive withdrawals", async () => {
    const read = await readAll(fixture("older-export.csv"));
    expect(read.facts).toMatchObject({
      shortcode: "600984",
      periodStart: eat("2026-12-01T00:00:00"),
      periodEnd: eat("2026-12-02T00:00:00"),
    });
    expect(read.refused).toEqual([]);
    expect(
      read.lines.map((l) => [l.receipt, l.entry, l.direction, l.amountCents, l.accountReference]),
    ).toEqual([
      ["QXA1B2C3D4", "principal", "in", 150_000n, "INV-1001"],
      ["QXB9X8Y7Z6", "principal", "out", 300_000n, null],
      ["QXB9X8Y7Z6", "charge", "out", 1_600n, null],
    ]);
    expect(read.lines[0]?.completedAt).toEqual(eat("2026-12-01T09:02:11"));
  });

  it("takes a semicolon-separated, UTF-16 file as Excel saves it in some locales", async () => {
    const text = fixture("older-export.csv").toString("utf8").replaceAll(",", ";");
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const read = await readAll(utf16);
    expect(read.lines).toHaveLength(3);
    expect(read.facts?.shortcode).toBe("600984");
  });

  it("batches a long file by 1,000 lines, the same hash for the same bytes", async () => {
    const header = "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance\n";
    const body = Array.from(
      { length: 2_500 },
      (_, i) => `SL${String(i).padStart(8, "0")},01-12-2026 10:00:00,Pay Bill,Completed,10.00,,0\n`,
    ).join("");
    const bytes = Buffer.from(header + body);
    // Fed in small chunks, as a request body arrives.
    const chunks = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) =>
      bytes.subarray(i * 4096, (i + 1) * 4096),
    );
    const read = await readAll(Readable.from(chunks));
    expect(read.batches.map((b) => b.lines.length)).toEqual([1000, 1000, 500]);
    expect(read.facts).toEqual({});
    expect(read.sha256).toBe((await readAll(bytes)).sha256);
  });

  it("refuses what is not a statement it can read, in words a person can act on", async () => {
    expect(await refusal(Buffer.from(""))).toMatch(/empty/);
    expect(await refusal(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]))).toMatch(
      /\.xls.*save it as \.xlsx or CSV/,
    );
    expect(await refusal(Buffer.from("%PDF-1.7\n..."))).toMatch(/PDF/);
    expect(await refusal(Buffer.from("name,amount\nJane,10\n"))).toMatch(/No statement table found/);
    expect(await refusal(Buffer.from([0x01, 0x00, 0x02, 0x00, 0x03]))).toMatch(/neither CSV nor Excel/);
    expect(await refusal(fixture("org-portal.csv"), 1024)).toMatch(/over 1 KB/);
    expect(await refusal(Buffer.from("PK\u0003\u0004 not really a zip"))).toMatch(
      /Excel file could not be read/,
    );
  });
});

/** A workbook laid out as the portal's Excel export: six preamble rows, then the table. */
async function portalWorkbook(rows: (string | number | null)[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("Statement");
  sheet.addRow(["Account Holder:", "Malipo Test Shop Ltd"]);
  sheet.addRow(["Short Code:", "600984"]);
  sheet.addRow(["Account:", "Utility Account"]);
  sheet.addRow(["Time Period:", null, "From 01-12-2026 00:00:00", null, "To 01-12-2026 23:59:59"]);
  sheet.addRow(["Operator:", "jdoe", null, null, null, "Date of Report:", "02-12-2026 09:15:02"]);
  sheet.addRow(["Opening Balance:", 10000, "Closing Balance:", 10984]);
  sheet.addRow([...PORTAL_STATEMENT_COLUMNS]);

  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** `bytes` as a request body arrives: 16 KB at a time. */
const chunked = (bytes: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / 16_384) }, (_, i) =>
      bytes.subarray(i * 16_384, (i + 1) * 16_384),
    ),
  );

describe("the size limit, reached in the middle of a file", () => {
  const overLimit = async (bytes: Buffer) => {
    const file = await openStatementFile(chunked(bytes), { maxBytes: 100_000 });
    const error = await (async () => {
      for await (const _ of parseStatement(file));
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "bad_request",
      publicMessage: "The file is over 98 KB: download a shorter period.",
    });
  };
  const rows = Array.from({ length: 5_000 }, (_, i) => [
    `SL${String(i).padStart(8, "0")}`,
    "01-12-2026 10:00:00",
    10 + i,
  ]);

  it("stops a CSV with a clear refusal", async () => {
    await overLimit(
      Buffer.from(["Receipt No.,Completion Time,Paid In", ...rows.map((r) => r.join(","))].join("\n")),
    );
  });

  it("stops an .xlsx too (exceljs does not see the stream fail by itself)", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("Statement");
    sheet.addRow(["Receipt No.", "Completion Time", "Paid In"]);
    for (const row of [...rows, ...rows, ...rows]) sheet.addRow(row);
    await overLimit(Buffer.from(await workbook.xlsx.writeBuffer()));
  });
});

describe("parseStatement over an Excel (.xlsx) export", () => {
  it("streams the first worksheet: text dates, date cells, numbers and a bad row", async () => {
    const bytes = await portalWorkbook([
      [
        "SLA1B2C3D4",
        "01-12-2026 09:02:11",
        "01-12-2026 09:02:09",
        "Pay Bill Online",
        "Completed",
        1500,
        null,
        11500,
        "true",
        "Pay Bill Online",
        "2547******149 - JANE DOE",
        null,
        "INV-1001",
      ],
      // A completion time stored as a spreadsheet date (serial 46357.5 = 01-12-2026 12:00:00).
      [
        "SLB9X8Y7Z6",
        46357.5,
        null,
        "Business Payment",
        "Completed",
        null,
        -3000,
        8500,
        "true",
        "Business Payment",
        "2547******321 - MARY",
        null,
        null,
      ],
      [
        "SLB9X8Y7Z6",
        46357.5,
        null,
        "Business Payment Charge",
        "Completed",
        null,
        -16,
        8484,
        "true",
        "Business Payment Charge",
        null,
        null,
        null,
      ],
      [
        "SLX0BADAMT",
        "01-12-2026 13:00:00",
        null,
        "Pay Bill Online",
        "Completed",
        "lots",
        null,
        8484,
        "true",
        "Pay Bill Online",
        null,
        null,
        null,
      ],
    ]);
    const read = await readAll(bytes);
    expect(read.format).toBe("xlsx");
    expect(read.facts).toMatchObject({
      shortcode: "600984",
      periodStart: eat("2026-12-01T00:00:00"),
      periodEnd: eat("2026-12-02T00:00:00"),
    });
    expect(read.lines.map((l) => [l.receipt, l.entry, l.direction, l.amountCents, l.completedAt])).toEqual([
      ["SLA1B2C3D4", "principal", "in", 150_000n, eat("2026-12-01T09:02:11")],
      ["SLB9X8Y7Z6", "principal", "out", 300_000n, eat("2026-12-01T12:00:00")],
      ["SLB9X8Y7Z6", "charge", "out", 1_600n, eat("2026-12-01T12:00:00")],
    ]);
    expect(read.refused).toEqual([{ row: 11, receipt: "SLX0BADAMT", reason: "Paid In is not an amount" }]);
  });
});
