import { inTransaction } from "../../db-types";
import type { MpesaRecordDeps } from "./match-mpesa-records";

export interface MissingAtMpesaCounts {
  payments: number;
  c2bTransactions: number;
  payouts: number;
  reversals: number;
}

const EXPECTED = JSON.stringify({ inMpesa: "a line with this receipt in M-Pesa's record" });

/**
 * The other direction of a check: money Malipo shows as moved inside a window that M-Pesa's record
 * fully covers (a pulled window, a statement's period) with no M-Pesa record of its receipt. Each
 * becomes a not_in_mpesa review item, once (an item already opened, resolved or dismissed is left
 * alone). Incoming: paid payments with a receipt, reversed since or not (by settlement time), and
 * paybill payments; outgoing: paid payouts and applied reversals (by completion time). Checks of one
 * merchant run one at a time (paybill payments have no unique review key to lean on).
 */
export async function findMissingAtMpesa(
  deps: Pick<MpesaRecordDeps, "db">,
  options: { merchantId: string; from: Date; to: Date; directions: ("in" | "out")[] },
): Promise<MissingAtMpesaCounts> {
  const { db } = deps;
  const { merchantId, from, to } = options;
  const counts: MissingAtMpesaCounts = { payments: 0, c2bTransactions: 0, payouts: 0, reversals: 0 };
  if (options.directions.includes("in")) {
    counts.payments = await db.$executeRaw`
      INSERT INTO review_items (id, merchant_id, kind, payment_id, expected, actual)
      SELECT gen_random_uuid(), p.merchant_id, 'not_in_mpesa', p.id, ${EXPECTED}::jsonb,
             jsonb_build_object('receipt', p.receipt, 'amount', coalesce(p.paid_amount, p.amount),
                                'completedAt', p.settled_at)
      FROM payments p
      WHERE p.merchant_id = ${merchantId}::uuid AND p.status IN ('paid', 'reversed') AND p.receipt IS NOT NULL
        AND p.settled_at >= ${from} AND p.settled_at < ${to}
        AND NOT EXISTS (SELECT 1 FROM mpesa_records r WHERE r.merchant_id = p.merchant_id AND r.receipt = p.receipt)
      ON CONFLICT (kind, payment_id) DO NOTHING`;
    // No unique key covers (kind, c2b_transaction_id): a per-merchant lock keeps two checks at once
    // (a pull and a statement import) from both opening an item for the same paybill payment.
    counts.c2bTransactions = await inTransaction(
      db,
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`not-in-mpesa:${merchantId}`}, 0))`;
        return tx.$executeRaw`
      INSERT INTO review_items (id, merchant_id, kind, c2b_transaction_id, expected, actual)
      SELECT gen_random_uuid(), c.merchant_id, 'not_in_mpesa', c.id, ${EXPECTED}::jsonb,
             jsonb_build_object('receipt', c.trans_id, 'amount', c.amount_raw, 'completedAt', c.created_at)
      FROM c2b_transactions c
      WHERE c.merchant_id = ${merchantId}::uuid AND c.created_at >= ${from} AND c.created_at < ${to}
        AND NOT EXISTS (SELECT 1 FROM mpesa_records r WHERE r.merchant_id = c.merchant_id AND r.receipt = c.trans_id)
        AND NOT EXISTS (SELECT 1 FROM review_items i WHERE i.kind = 'not_in_mpesa' AND i.c2b_transaction_id = c.id)`;
      },
      { timeout: 60_000 },
    );
  }
  if (options.directions.includes("out")) {
    counts.payouts = await db.$executeRaw`
      INSERT INTO review_items (id, merchant_id, kind, payout_id, expected, actual)
      SELECT gen_random_uuid(), p.merchant_id, 'not_in_mpesa', p.id, ${EXPECTED}::jsonb,
             jsonb_build_object('receipt', p.receipt, 'amount', p.amount,
                                'completedAt', coalesce(p.completed_at, p.settled_at))
      FROM payouts p
      WHERE p.merchant_id = ${merchantId}::uuid AND p.status = 'paid' AND p.receipt IS NOT NULL
        AND coalesce(p.completed_at, p.settled_at) >= ${from} AND coalesce(p.completed_at, p.settled_at) < ${to}
        AND NOT EXISTS (SELECT 1 FROM mpesa_records r WHERE r.merchant_id = p.merchant_id AND r.receipt = p.receipt)
      ON CONFLICT (kind, payout_id) DO NOTHING`;
    counts.reversals = await db.$executeRaw`
      INSERT INTO review_items (id, merchant_id, kind, reversal_id, payment_id, expected, actual)
      SELECT gen_random_uuid(), v.merchant_id, 'not_in_mpesa', v.id, NULL, ${EXPECTED}::jsonb,
             jsonb_build_object('receipt', v.receipt, 'amount', v.amount,
                                'completedAt', coalesce(v.completed_at, v.settled_at))
      FROM reversals v
      WHERE v.merchant_id = ${merchantId}::uuid AND v.status = 'reversed' AND v.receipt IS NOT NULL
        AND coalesce(v.completed_at, v.settled_at) >= ${from} AND coalesce(v.completed_at, v.settled_at) < ${to}
        AND NOT EXISTS (SELECT 1 FROM mpesa_records r WHERE r.merchant_id = v.merchant_id AND r.receipt = v.receipt)
      ON CONFLICT (kind, reversal_id) DO NOTHING`;
  }
  return counts;
}
