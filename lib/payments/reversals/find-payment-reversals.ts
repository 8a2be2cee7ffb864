import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";
import type { ReversalWithApprovals } from "./get-reversal";

/** Every reversal of one of the merchant's payments, newest first, with decisions (the payment page). */
export async function findPaymentReversals(
  db: DbClient,
  options: { merchantId: string; paymentId: string },
): Promise<ReversalWithApprovals[]> {
  if (!isUuid(options.paymentId)) return [];
  return db.reversal.findMany({
    where: { merchantId: options.merchantId, paymentId: options.paymentId },
    include: { approvals: { orderBy: { createdAt: "asc" } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}
