import type { Payment } from "../../../prisma/generated/prisma/client";
import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { withStoredTrace } from "../../observability/tracing";
import { spoolHoldsCallbacks } from "../callbacks/callback-spool";
import { findWaitingCallbacks, settleWaitingCallbacks } from "../callbacks/settle-waiting-callbacks";
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
 * arrives later is still applied (and flagged) by settlement. Continues the payment's trace.
 *
 * A stored callback always comes before a query: the ones waiting in the inbox for this payment
 * are processed first, and nothing is decided from a query while one waits (checked again under
 * the payment's row lock, the lock settlement takes) or while the spool in `spoolDir` holds
 * callbacks not moved to the inbox yet.
 */
export async function followUpStkPayment(
  db: DbClient,
  deps: PaymentsDeps,
  options: { paymentId: string; spoolDir?: string },
): Promise<FollowUp> {
  const now = deps.now?.() ?? new Date();
  const payment = await db.payment.findUnique({ where: { id: options.paymentId } });
  if (payment?.status !== "pending" || !payment.checkoutRequestId) return "not_pending";
  const checkoutRequestId = payment.checkoutRequestId;
  return withStoredTrace(payment.traceContext, "payment follow-up", { "malipo.payment_id": payment.id }, () =>
    queryAndSettle(db, deps, { payment, checkoutRequestId, now, spoolDir: options.spoolDir }),
  );
}

async function queryAndSettle(
  db: DbClient,
  deps: PaymentsDeps,
  options: { payment: Payment; checkoutRequestId: string; now: Date; spoolDir?: string },
): Promise<FollowUp> {
  const { payment, checkoutRequestId, now, spoolDir } = options;
  const waiting = { merchantId: payment.merchantId, externalIds: [checkoutRequestId] };
  if (await settleWaitingCallbacks(db, { keyring: deps.keyring, ...waiting, now: deps.now })) {
    const after = await db.payment.findUnique({ where: { id: payment.id }, select: { status: true } });
    if (after?.status !== "pending") return "settled";
  }
  /**
   * Decides in one transaction holding the payment's row lock, unless a callback for it waits: one
   * stored before the lock is seen here, one stored after it came later than this decision and is
   * applied by settlement as a late result.
   */
  const decide = (fn: (tx: DbClient) => Promise<FollowUp>) =>
    inTransaction(db, async (tx): Promise<FollowUp> => {
      const [locked] = await tx.$queryRaw<{ status: string }[]>`
        SELECT status::text AS status FROM payments WHERE id = ${payment.id}::uuid FOR UPDATE`;
      if (locked?.status !== "pending") return "not_pending";
      if ((await findWaitingCallbacks(tx, waiting)).length > 0) return "still_pending";
      return fn(tx);
    });
  const spoolWaits = () => spoolDir !== undefined && spoolHoldsCallbacks(spoolDir);
  if (spoolWaits()) return "still_pending";
  await db.payment.update({
    where: { id: payment.id },
    data: { queryCount: { increment: 1 }, lastQueriedAt: now },
  });
  try {
    const client = await getDarajaClient(db, deps, { merchantId: payment.merchantId });
    const answer = await client.stkQuery({ checkoutRequestId });
    if (answer.status === "final") {
      return await decide(async (tx) => {
        await settleStkResult(tx, {
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
      });
    }
  } catch (error) {
    if (!(error instanceof DarajaError)) throw error;
    // Throttled or unreachable: fall through to the window check; the next follow-up asks again.
  }
  if (now.getTime() - payment.createdAt.getTime() < STK_RESULT_WINDOW_MS) return "still_pending";
  if (spoolWaits()) return "still_pending";
  return decide(async (tx) => {
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
