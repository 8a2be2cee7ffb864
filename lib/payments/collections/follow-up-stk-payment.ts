import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import { getDarajaClient } from "../get-daraja-client";
import { toPaymentResource } from "./payment-resource";
import { settleStkResult } from "./settle-stk-result";

/** After this long without a result a prompt is over: the payment becomes timed_out (never re-sent). */
export const STK_RESULT_WINDOW_MS = 3 * 60_000;

/** Seconds to wait for the callback before the first STK Query. */
export const FOLLOW_UP_FIRST_WAIT_SECONDS = 30;

/**
 * Seconds between later queries while the prompt is open (Daraja spike-arrests fast polling).
 * With the first wait they add up to just past the result window (200 s against 180 s), so the
 * last query closes it. Inngest's follow-up-stk function and the in-process fallback
 * (lib/background) both follow this schedule.
 */
export const FOLLOW_UP_BACK_OFF_SECONDS = [15, 20, 30, 45, 60];

export type FollowUp = "settled" | "still_pending" | "timed_out" | "not_pending";

/**
 * Asks M-Pesa where a pending STK attempt stands (STK Query) and settles it when there is an
 * answer. Past the result window with no answer, the payment is marked timed_out; a success that
 * arrives later is still applied (and flagged) by settlement.
 */
export async function followUpStkPayment(
  db: DbClient,
  deps: PaymentsDeps,
  options: { paymentId: string },
): Promise<FollowUp> {
  const now = deps.now?.() ?? new Date();
  const payment = await db.payment.findUnique({ where: { id: options.paymentId } });
  if (payment?.status !== "pending" || !payment.checkoutRequestId) return "not_pending";
  const checkoutRequestId = payment.checkoutRequestId;
  await db.payment.update({
    where: { id: payment.id },
    data: { queryCount: { increment: 1 }, lastQueriedAt: now },
  });
  try {
    const client = await getDarajaClient(db, deps, { merchantId: payment.merchantId });
    const answer = await client.stkQuery({ checkoutRequestId });
    if (answer.status === "final") {
      await settleStkResult(db, {
        keyring: deps.keyring,
        merchantId: payment.merchantId,
        // A query confirms success but carries no receipt or amount: the callback (or a
        // Transaction Status lookup) fills those in; amount checks treat it as the asked amount.
        result: {
          checkoutRequestId,
          resultCode: answer.resultCode,
          resultDesc: answer.resultDesc,
          amount: answer.resultCode === "0" ? payment.amount : null,
          source: "query",
        },
      });
      return "settled";
    }
  } catch (error) {
    if (!(error instanceof DarajaError)) throw error;
    // Throttled or unreachable: fall through to the window check; the next follow-up asks again.
  }
  if (now.getTime() - payment.createdAt.getTime() < STK_RESULT_WINDOW_MS) return "still_pending";
  return inTransaction(db, async (tx) => {
    const [timedOut] = await tx.payment.updateManyAndReturn({
      where: { id: payment.id, status: "pending" },
      data: { status: "timed_out", resultDesc: "No answer from M-Pesa within 3 minutes.", settledAt: now },
    });
    if (!timedOut) return "not_pending";
    await recordEvent(tx, {
      merchantId: timedOut.merchantId,
      type: "payment.timed_out",
      objectId: timedOut.id,
      data: toPaymentResource(timedOut),
      now,
    });
    return "timed_out";
  });
}
