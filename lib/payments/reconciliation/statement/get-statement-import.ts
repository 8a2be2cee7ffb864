// One statement import and the review items it opened, for its page.
import type { ReviewKind, ReviewStatus } from "../../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../../db-types";

export interface StatementReviewItem {
  id: string;
  kind: ReviewKind;
  status: ReviewStatus;
  createdAt: Date;
  /** The receipt the item is about, when it names one. */
  receipt: string | null;
  paymentId: string | null;
  payoutId: string | null;
}

/** Items shown on an import's page; the count says how many there are in all. */
const SHOWN_ITEMS = 200;

/**
 * The import with `id` of this merchant (null when there is none), and the review items it opened:
 * those about its M-Pesa records, about paybill payments it recovered, and the not_in_mpesa items
 * opened while it ran (the comparison of its period is the only thing that opens those then).
 */
export async function getStatementImport(db: DbClient, options: { merchantId: string; id: string }) {
  const statementImport = await db.statementImport.findFirst({
    where: { id: options.id, merchantId: options.merchantId },
  });
  if (!statementImport) return null;
  const from = statementImport.createdAt;
  const to = statementImport.finishedAt ?? new Date();
  const items = await db.$queryRaw<
    {
      id: string;
      kind: ReviewKind;
      status: ReviewStatus;
      created_at: Date;
      receipt: string | null;
      payment_id: string | null;
      payout_id: string | null;
      total: bigint;
    }[]
  >`
    SELECT i.id, i.kind, i.status, i.created_at, coalesce(r.receipt, c.trans_id, i.actual ->> 'receipt') AS receipt,
           i.payment_id, i.payout_id, count(*) OVER () AS total
    FROM review_items i
    LEFT JOIN mpesa_records r ON r.id = i.mpesa_record_id
    LEFT JOIN c2b_transactions c ON c.id = i.c2b_transaction_id
    WHERE i.merchant_id = ${options.merchantId}::uuid
      AND i.created_at >= ${from} AND i.created_at <= ${to}
      AND (r.statement_import_id = ${statementImport.id}::uuid
           OR i.kind = 'not_in_mpesa'
           OR EXISTS (SELECT 1 FROM mpesa_records s
                      WHERE s.merchant_id = i.merchant_id AND s.receipt = c.trans_id
                        AND s.statement_import_id = ${statementImport.id}::uuid))
    ORDER BY i.created_at, i.id
    LIMIT ${SHOWN_ITEMS}`;
  return {
    statementImport,
    itemCount: Number(items[0]?.total ?? 0),
    items: items.map(
      (i): StatementReviewItem => ({
        id: i.id,
        kind: i.kind,
        status: i.status,
        createdAt: i.created_at,
        receipt: i.receipt,
        paymentId: i.payment_id,
        payoutId: i.payout_id,
      }),
    ),
  };
}
