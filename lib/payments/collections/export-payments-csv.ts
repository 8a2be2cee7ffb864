import { stringify } from "csv-stringify/sync";
import type { Prisma } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { olderThan } from "./find-payments";
import { explainStkResult } from "./stk-outcomes";

const COLUMNS = [
  "created_at",
  "status",
  "amount_kes",
  "reference",
  "phone",
  "mpesa_receipt",
  "result_code",
  "message",
  "settled_at",
  "id",
];
const BATCH = 1000;

/**
 * A cell a spreadsheet will not run as a formula: text starting with = + - @ (or a tab or carriage
 * return, which some spreadsheets skip before reading one) gets a leading apostrophe. Applied to
 * every column, since receipts and result codes come from callbacks anyone may try to forge.
 */
export function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/**
 * The filtered payments as CSV, produced batch by batch (keyset pages of 1,000) so an export of
 * a million rows streams in constant memory. csv-stringify does the quoting; every cell goes
 * through csvCell.
 */
export function exportPaymentsCsv(db: DbClient, where: Prisma.PaymentWhereInput): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: { createdAt: Date; id: string } | null = null;
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(stringify([COLUMNS])));
      }
      const c: { createdAt: Date; id: string } | null = cursor;
      const rows = await db.payment.findMany({
        where: c ? { AND: [where, olderThan(c)] } : where,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: BATCH,
      });
      if (rows.length > 0) {
        controller.enqueue(
          encoder.encode(
            stringify(
              rows.map((p) =>
                [
                  p.createdAt.toISOString(),
                  p.status,
                  p.amount,
                  p.reference,
                  p.phoneMasked,
                  p.receipt,
                  p.resultCode,
                  explainStkResult(p.resultCode),
                  p.settledAt?.toISOString(),
                  p.id,
                ].map(csvCell),
              ),
            ),
          ),
        );
      }
      const last = rows[rows.length - 1];
      if (rows.length < BATCH || !last) controller.close();
      else cursor = { createdAt: last.createdAt, id: last.id };
    },
  });
}
