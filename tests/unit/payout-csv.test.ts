import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import {
  MAX_PAYOUT_CSV_BYTES,
  PAYOUT_CSV_COLUMNS,
  parsePayoutCsv,
  payoutCsvTemplate,
} from "@/lib/payments/payouts/payout-csv";

const limits = { maxAmount: 150_000 };
const HEADER = PAYOUT_CSV_COLUMNS.join(",");

const refusal = async (csv: string) => {
  const error = await parsePayoutCsv(csv, limits).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: "validation_failed", details: { field: "file" } });
  return (error as AppError).publicMessage;
};

describe("parsePayoutCsv", () => {
  it("reads its own template: one B2C and one B2B paybill row, both valid", async () => {
    const parsed = await parsePayoutCsv(payoutCsvTemplate(), limits);
    expect(parsed).toMatchObject({ count: 2, total: 26_500, rows: 2, invalid: [] });
    expect(parsed.valid.map((r) => [r.row, r.draft.kind, r.draft.command])).toEqual([
      [2, "b2c", "BusinessPayment"],
      [3, "b2b", "BusinessPayBill"],
    ]);
    expect(parsed.valid[0]?.draft.phone).toBe("254712345678");
    expect(parsed.valid[1]?.draft).toMatchObject({ shortcode: "888880", accountReference: "INV-1042" });
  });

  it("names the line and the template's column of every bad row, and keeps the good ones", async () => {
    const csv = [
      HEADER,
      "BusinessPayment,100,0712345678,,,Rider 1,",
      "BusinessPayment,abc,0712345678,,,Rider 2,",
      "",
      "BusinessPayBill,500,,888880,,Supplier,",
      "SalaryPayment,200000,0700,,,Salary,",
      "PromotionPayment,50,0722000000,,,Promo,",
    ].join("\n");
    const parsed = await parsePayoutCsv(csv, limits);
    expect(parsed.count).toBe(2);
    expect(parsed.total).toBe(150);
    expect(parsed.rows).toBe(5);
    expect(parsed.valid.map((r) => r.row)).toEqual([2, 7]);
    expect(parsed.invalid.map((p) => [p.row, p.field])).toEqual([
      [3, "amount"],
      [5, "account_reference"],
      [6, "amount"],
      [6, "phone"],
    ]);
    expect(parsed.invalid.find((p) => p.row === 6 && p.field === "amount")?.message).toMatch(
      /largest payout/,
    );
  });

  it("echoes a bad cell so a spreadsheet will not run it as a formula", async () => {
    const csv = `${HEADER}\nBusinessPayment,"=HYPERLINK(""http://x"")",0712345678,,,Rider,\n`;
    const [problem] = (await parsePayoutCsv(csv, limits)).invalid;
    expect(problem).toMatchObject({ row: 2, field: "amount" });
    expect(problem?.value.startsWith("'=")).toBe(true);
  });

  it("accepts Excel's BOM, CRLF, quoted commas and headers in other cases", async () => {
    const csv = `\uFEFFCommand,Amount,Phone,Shortcode,Account Reference,Remarks,Occasion\r\nBusinessPayment,10,+254 712 345 678,,,"Rider, week 1",\r\n`;
    const parsed = await parsePayoutCsv(csv, limits);
    expect(parsed.invalid).toEqual([]);
    expect(parsed.valid[0]?.draft).toMatchObject({ amount: 10, remarks: "Rider, week 1" });
  });

  it("refuses, as a whole, files that are not the template or too big", async () => {
    expect(await refusal("")).toMatch(/no payouts/);
    expect(await refusal(`${HEADER}\n`)).toMatch(/no payouts/);
    expect(await refusal("name,amount\nx,1\n")).toMatch(/Unknown column "name"/);
    expect(await refusal("phone,remarks\n0712345678,x\n")).toMatch(/header/);
    expect(await refusal(`${HEADER}\n"unclosed,1,2\n`)).toMatch(/not a CSV/);
    expect(await refusal(`${HEADER}\nBusinessPayment,1,${"9".repeat(3000)},,,x,\n`)).toMatch(/longer than/);
    expect(await refusal("x".repeat(MAX_PAYOUT_CSV_BYTES + 1))).toMatch(/over 2 MB/);
    const row = "BusinessPayment,10,0712345678,,,Rider,\n";
    expect(await refusal(`${HEADER}\n${row.repeat(10_001)}`)).toMatch(/more than 10,000 rows/);
    const ok = await parsePayoutCsv(`${HEADER}\n${row.repeat(10_000)}`, limits);
    expect(ok.count).toBe(10_000);
  });
});
