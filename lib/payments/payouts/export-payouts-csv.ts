import type { Prisma } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { olderThan } from "../collections/find-payments";
import { keysetCsvStream } from "../csv";
import { payoutMessage } from "./payout-resource";

const COLUMNS = [
  "created_at",
  "status",
  "kind",
  "command",
  "amount_kes",
  "recipient",
  "account_reference",
  "recipient_name",
  "remarks",
  "requested_by",
  "approvals_required",
  "receipt",
  "result_code",
  "message",
  "batch_id",
  "batch_row",
  "completed_at",
  "id",
];

/**
 * The payouts matching `where` as a streamed CSV, newest first. Phones are the masked copies;
 * remarks and recipient names come from people and from M-Pesa, so every cell is formula-neutral.
 */
export function exportPayoutsCsv(db: DbClient, where: Prisma.PayoutWhereInput): ReadableStream<Uint8Array> {
  return keysetCsvStream({
    header: COLUMNS,
    page: (after, take) =>
      db.payout.findMany({
        where: after ? { AND: [where, olderThan(after)] } : where,
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take,
      }),
    cells: (p) => [
      p.createdAt.toISOString(),
      p.status,
      p.kind,
      p.command,
      p.amount,
      p.recipientPhoneMasked ?? p.recipientShortcode,
      p.accountReference,
      p.recipientName,
      p.remarks,
      p.requesterLabel,
      p.approvalsRequired,
      p.receipt,
      p.resultCode,
      payoutMessage(p),
      p.batchId,
      p.batchRow,
      p.completedAt?.toISOString(),
      p.id,
    ],
  });
}
