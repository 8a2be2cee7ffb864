import type { Prisma } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { keysetCsvStream } from "../csv";
import { olderThan } from "./find-payments";
import { paymentMessage } from "./payment-resource";

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

/** Only what the columns need: a page of 1,000 rows then allocates a third of a full row's fields. */
const EXPORTED = {
  id: true,
  createdAt: true,
  status: true,
  amount: true,
  reference: true,
  phoneMasked: true,
  receipt: true,
  resultCode: true,
  resultDesc: true,
  settledAt: true,
} satisfies Prisma.PaymentSelect;

/** Re-exported: the payments export is where callers first found it. */
export { csvCell } from "../csv";

/** The filtered payments as CSV, newest first, streamed in keyset pages (lib/payments/csv.ts). */
export function exportPaymentsCsv(db: DbClient, where: Prisma.PaymentWhereInput): ReadableStream<Uint8Array> {
  return keysetCsvStream({
    header: COLUMNS,
    page: (after, take) =>
      db.payment.findMany({
        where: after ? { AND: [where, olderThan(after)] } : where,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take,
        select: EXPORTED,
      }),
    cells: (p) => [
      p.createdAt.toISOString(),
      p.status,
      p.amount,
      p.reference,
      p.phoneMasked,
      p.receipt,
      p.resultCode,
      paymentMessage(p),
      p.settledAt?.toISOString(),
      p.id,
    ],
  });
}
