import type { PaymentStatus } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import type { PendingStkResult } from "./settle-pending-stk-results";
import { stkResultIsSpent } from "./stk-outcomes";

/**
 * The results among `results` that cannot change their payment any more (stkResultIsSpent): a
 * duplicate of a callback already settled, a failure for a final payment. One statement locks
 * every named payment (in one order, so two batches wait rather than deadlock) and reads it, as
 * settleStkResult's general path does for one; call it inside the transaction that records the
 * results as processed, so none of these payments can change in between. Returns their keys.
 */
export async function findSpentStkResults(
  tx: DbClient,
  results: readonly PendingStkResult[],
): Promise<Set<string>> {
  const spent = new Set<string>();
  if (results.length === 0) return spent;
  const payments = await tx.$queryRaw<
    { key: string; status: PaymentStatus; receipt: string | null; amount: number }[]
  >`
    SELECT v.key, payments.status::text AS status, payments.receipt, payments.amount
    FROM unnest(${results.map((r) => r.key)}::text[], ${results.map((r) => r.result.checkoutRequestId)}::text[],
      ${results.map((r) => r.merchantId)}::uuid[]) AS v(key, checkout_request_id, merchant_id)
    JOIN payments ON payments.checkout_request_id = v.checkout_request_id AND payments.merchant_id = v.merchant_id
    ORDER BY payments.checkout_request_id, payments.merchant_id
    FOR UPDATE OF payments`;
  const byKey = new Map(results.map((r) => [r.key, r.result]));
  for (const payment of payments) {
    const result = byKey.get(payment.key);
    if (result && stkResultIsSpent(payment, result)) spent.add(payment.key);
  }
  return spent;
}
