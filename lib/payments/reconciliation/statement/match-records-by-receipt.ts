// The fast path of matching a statement: lines whose receipt Malipo knows with the same amount,
// tied in one statement per batch instead of one transaction per line.
import type { DbClient } from "../../../db-types";

/**
 * Ties new M-Pesa records to what Malipo holds under the same receipt when nothing is in doubt:
 * the same lookups, in the same order, as matchMpesaRecords (incoming: payment, then paybill
 * payment; outgoing: payout, then reversal; a charge line: any of them) and only where the amount
 * agrees (a charge line: always). Open not_in_mpesa items about what got matched are resolved, as
 * matchMpesaRecords does. Records it leaves (an amount that differs, an unknown receipt) are for
 * matchMpesaRecords, which opens the review items; the ids it tied are returned. For a statement
 * that mostly agrees with Malipo this turns 1,000 short transactions into two statements.
 */
export async function matchRecordsByReceipt(
  db: DbClient,
  options: { merchantId: string; recordIds: string[]; now?: Date },
): Promise<string[]> {
  if (options.recordIds.length === 0) return [];
  const now = options.now ?? new Date();
  const tied = await db.$queryRaw<
    {
      id: string;
      payment_id: string | null;
      c2b_id: string | null;
      payout_id: string | null;
      reversal_id: string | null;
    }[]
  >`
    WITH found AS (
      SELECT r.id, r.entry, r.amount_cents,
             p.id AS payment_id, coalesce(p.paid_amount, p.amount) AS payment_amount,
             c.id AS c2b_id, c.amount AS c2b_amount,
             o.id AS payout_id, o.amount AS payout_amount,
             v.id AS reversal_id, v.amount AS reversal_amount
      FROM mpesa_records r
      LEFT JOIN payments p ON (r.direction = 'in' OR r.entry = 'charge')
        AND p.merchant_id = r.merchant_id AND p.receipt = r.receipt
      LEFT JOIN c2b_transactions c ON (r.direction = 'in' OR r.entry = 'charge')
        AND c.merchant_id = r.merchant_id AND c.trans_id = r.receipt
      LEFT JOIN payouts o ON (r.direction = 'out' OR r.entry = 'charge')
        AND o.merchant_id = r.merchant_id AND o.receipt = r.receipt
      LEFT JOIN reversals v ON (r.direction = 'out' OR r.entry = 'charge')
        AND v.merchant_id = r.merchant_id AND v.receipt = r.receipt
      WHERE r.id = ANY (${options.recordIds}::uuid[]) AND r.merchant_id = ${options.merchantId}::uuid
        AND r.payment_id IS NULL AND r.c2b_transaction_id IS NULL AND r.payout_id IS NULL AND r.reversal_id IS NULL
    ),
    chosen AS (
      -- The first thing found, in matchMpesaRecords' order, and whether its amount agrees.
      SELECT id,
             CASE WHEN payment_id IS NOT NULL THEN payment_id END AS payment_id,
             CASE WHEN payment_id IS NULL AND c2b_id IS NOT NULL THEN c2b_id END AS c2b_id,
             CASE WHEN payment_id IS NULL AND c2b_id IS NULL AND payout_id IS NOT NULL THEN payout_id END AS payout_id,
             CASE WHEN payment_id IS NULL AND c2b_id IS NULL AND payout_id IS NULL THEN reversal_id END AS reversal_id,
             entry = 'charge' OR amount_cents = 100 * CASE
               WHEN payment_id IS NOT NULL THEN payment_amount
               WHEN c2b_id IS NOT NULL THEN c2b_amount
               WHEN payout_id IS NOT NULL THEN payout_amount
               ELSE reversal_amount END::bigint AS agrees
      FROM found
    )
    UPDATE mpesa_records r
    SET payment_id = chosen.payment_id, c2b_transaction_id = chosen.c2b_id, payout_id = chosen.payout_id,
        reversal_id = chosen.reversal_id, matched_at = ${now}
    FROM chosen
    WHERE r.id = chosen.id AND chosen.agrees
      AND coalesce(chosen.payment_id, chosen.c2b_id, chosen.payout_id, chosen.reversal_id) IS NOT NULL
      -- Re-checked on the row as it is when its lock is ours: a pull may have matched it meanwhile.
      AND r.payment_id IS NULL AND r.c2b_transaction_id IS NULL AND r.payout_id IS NULL AND r.reversal_id IS NULL
    RETURNING r.id, r.payment_id, r.c2b_transaction_id AS c2b_id, r.payout_id, r.reversal_id`;
  if (tied.length === 0) return [];
  const ids = (key: "payment_id" | "c2b_id" | "payout_id" | "reversal_id") =>
    tied.flatMap((t) => (t[key] ? [t[key]] : []));
  // An earlier check found this money missing at M-Pesa; the statement shows it after all.
  await db.$executeRaw`
    UPDATE review_items
    SET status = 'resolved', resolved_at = ${now}, note = 'Matched to Malipo on a later check.'
    WHERE merchant_id = ${options.merchantId}::uuid AND status = 'open' AND kind = 'not_in_mpesa'
      AND (payment_id = ANY (${ids("payment_id")}::uuid[]) OR c2b_transaction_id = ANY (${ids("c2b_id")}::uuid[])
           OR payout_id = ANY (${ids("payout_id")}::uuid[]) OR reversal_id = ANY (${ids("reversal_id")}::uuid[]))`;
  return tied.map((t) => t.id);
}
