import type { DbClient } from "../../db-types";
import { parseC2bNotification } from "../daraja/inbound";

export type C2bValidationAnswer = { ResultCode: string; ResultDesc: string };

export const C2B_ACCEPT: C2bValidationAnswer = { ResultCode: "0", ResultDesc: "Accepted" };

/**
 * Daraja asks before taking a customer's paybill money: accept when the account number is an
 * open checkout of this merchant and the amount matches; otherwise reject with the right code.
 */
export async function validateC2bPayment(
  db: DbClient,
  options: { merchantId: string; body: unknown; now?: Date },
): Promise<C2bValidationAnswer> {
  const parsed = parseC2bNotification(options.body);
  if (!parsed.ok) return { ResultCode: "C2B00016", ResultDesc: "Rejected: unreadable request" };
  const { billRefNumber, amount } = parsed.value;
  const session = billRefNumber
    ? await db.checkoutSession.findFirst({
        where: {
          merchantId: options.merchantId,
          reference: billRefNumber,
          status: "open",
          expiresAt: { gt: options.now ?? new Date() },
        },
        orderBy: { createdAt: "desc" },
      })
    : null;
  if (!session) return { ResultCode: "C2B00012", ResultDesc: "Rejected: unknown account number" };
  if (amount !== session.amount)
    return { ResultCode: "C2B00013", ResultDesc: `Rejected: the amount due is KES ${session.amount}` };
  return C2B_ACCEPT;
}
