import type { Reversal } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import { getDarajaClient } from "../get-daraja-client";
import { payoutResultUrls } from "../payouts/payout-result-urls";
import { claimForSubmission, judgeSendError } from "../payouts/send-once";

export type SubmitReversalOutcome =
  /** Daraja accepted it: the Result (or Transaction Status) settles it. */
  | { outcome: "submitted"; reversal: Reversal }
  /** Refused before it could have been carried out: final. */
  | { outcome: "failed"; reversal: Reversal }
  /** Sent, and whether M-Pesa took it is not known: never re-sent, Transaction Status decides. */
  | { outcome: "unknown"; reversal: Reversal }
  /** Certainly not processed (throttled, or no connection): back to approved, to be sent later. */
  | { outcome: "not_sent"; reversal: Reversal }
  /** Not approved, or already submitted once: nothing was sent. */
  | { outcome: "skipped"; status: string };

/**
 * Sends one approved reversal to Daraja, at most once in its life, by the payouts' rule: in a
 * committed transaction the reversal is locked, given an OriginatorConversationID and marked
 * submitted; only then is Daraja called, so a retry, a duplicate event or a crash after the call
 * never sends it again (Transaction Status resolves it: follow-up-reversal.ts). Daraja's Reversal
 * request takes no OriginatorConversationID (docs/daraja.md §13): the id stored first only marks
 * the claim and is replaced by the one Daraja answers with. Must not run inside a caller's
 * transaction: the claim has to be committed before the money moves.
 */
export async function submitReversal(
  db: DbClient,
  deps: PaymentsDeps,
  options: {
    reversalId: string;
    /** When given, the reversal must belong to this merchant. */
    merchantId?: string;
    /** Runs after Daraja accepted the request and before its answer is recorded (tests stand a crash in here). */
    afterSend?: () => void | Promise<void>;
  },
): Promise<SubmitReversalOutcome> {
  if (!("$transaction" in db)) throw new Error("submitReversal must commit its claim: pass the client");
  const now = deps.now?.() ?? new Date();
  const claim = await claimForSubmission(db, {
    table: "reversals",
    id: options.reversalId,
    merchantId: options.merchantId,
    now,
  });
  if (!claim.claimed) return { outcome: "skipped", status: claim.status };
  const reversal = await db.reversal.findUniqueOrThrow({ where: { id: options.reversalId } });
  const reload = () => db.reversal.findUniqueOrThrow({ where: { id: reversal.id } });
  /** Moves the claimed reversal on, only if nothing (a Result) settled it meanwhile. */
  const move = (data: Parameters<typeof db.reversal.updateMany>[0]["data"]) =>
    db.reversal.updateMany({ where: { id: reversal.id, status: "submitted" }, data });
  const fail = async (code: string, message: string): Promise<SubmitReversalOutcome> => {
    await move({
      status: "failed",
      resultCode: code,
      resultDesc: message,
      settledAt: deps.now?.() ?? new Date(),
    });
    return { outcome: "failed", reversal: await reload() };
  };

  let send: () => Promise<{ originatorConversationId: string | null; conversationId: string | null }>;
  try {
    const client = await getDarajaClient(db, deps, { merchantId: reversal.merchantId });
    if (client.config.environment !== reversal.environment)
      return fail(
        "malipo.environment_changed",
        `This reversal was requested in ${reversal.environment} but M-Pesa is now set to ${client.config.environment}: request it again.`,
      );
    const [merchant, payment] = await Promise.all([
      db.merchant.findUniqueOrThrow({
        where: { id: reversal.merchantId },
        select: { id: true, callbackSecret: true },
      }),
      db.payment.findUniqueOrThrow({
        where: { id: reversal.paymentId },
        select: { checkoutRequestId: true },
      }),
    ]);
    // ReceiverParty is the shortcode that received the money: the STK shortcode for an STK payment.
    const stkShortcode = payment.checkoutRequestId ? client.config.stk?.shortcode : undefined;
    send = () =>
      client.reversal({
        transactionId: reversal.originalReceipt,
        amount: reversal.amount,
        receiverParty: stkShortcode,
        remarks: reversal.reason,
        occasion: reversal.id,
        ...payoutResultUrls(deps.appUrl, "reversal", merchant),
      });
  } catch (error) {
    // Nothing was sent yet: credentials missing and the like.
    deps.log?.warn({ err: error, reversalId: reversal.id }, "reversal could not be prepared");
    return error instanceof DarajaError
      ? fail(error.errorCode, error.message)
      : fail("malipo.not_configured", "M-Pesa is not set up for reversals.");
  }

  let answer: Awaited<ReturnType<typeof send>>;
  try {
    answer = await send();
  } catch (error) {
    const { verdict, code, message, daraja } = judgeSendError(error, "reversal");
    if (verdict === "failed") return fail(code, message);
    if (verdict === "not_sent") {
      // Certainly not processed, so a later attempt may send it (with a new claim).
      await move({ status: "approved", originatorConversationId: null, submittedAt: null });
      return { outcome: "not_sent", reversal: await reload() };
    }
    if (!daraja) deps.log?.error({ err: error, reversalId: reversal.id }, "reversal outcome unknown");
    await move({
      status: "unknown",
      resultCode: code,
      resultDesc: "M-Pesa did not answer the request: Malipo is asking M-Pesa whether it was reversed.",
    });
    return { outcome: "unknown", reversal: await reload() };
  }

  // Outside the catch: a throw here leaves the reversal submitted with nothing recorded, as a crash would.
  await options.afterSend?.();
  const updated = await db.reversal.update({
    where: { id: reversal.id },
    data: {
      originatorConversationId: answer.originatorConversationId ?? reversal.originatorConversationId,
      conversationId: answer.conversationId,
    },
  });
  return { outcome: "submitted", reversal: updated };
}
