import type { Payout } from "../../../prisma/generated/prisma/client";
import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { currentTraceparent, withSpan } from "../../observability/tracing";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import { getReusedDarajaClient } from "../get-daraja-client";
import { toPayoutResource } from "./payout-resource";
import { payoutResultUrls } from "./payout-result-urls";
import { openRecipientPhone } from "./recipient-phone";
import { claimForSubmission, judgeSendError } from "./send-once";

export type SubmitOutcome =
  /** Daraja accepted it: the Result (or Transaction Status) settles it. */
  | { outcome: "submitted"; payout: Payout }
  /** Refused before it could have become a payment: final. */
  | { outcome: "failed"; payout: Payout }
  /** Sent, and whether M-Pesa took it is not known: never re-sent, Transaction Status decides. */
  | { outcome: "unknown"; payout: Payout }
  /** Certainly not processed (throttled, or no connection): back to approved, to be sent later. */
  | { outcome: "not_sent"; payout: Payout }
  /** Not approved, or already submitted once: nothing was sent. */
  | { outcome: "skipped"; status: string };

/**
 * Sends one approved payout to Daraja, at most once in its life. In a committed transaction the
 * payout is locked, given our OriginatorConversationID and marked submitted; only then is Daraja
 * called. A second call (a retry, a duplicate event, a restart) finds the id set and sends
 * nothing, so a crash between the call and recording its answer cannot pay twice: the payout stays
 * submitted and Transaction Status resolves it (follow-up-payout.ts). Must not run inside a
 * caller's transaction: the claim has to be committed before the money moves.
 *
 * Daraja's B2B request has no OriginatorConversationID (docs/daraja.md §10): for B2B the id we
 * store first only marks the claim, and is replaced by the OriginatorConversationID Daraja
 * answers with; results are matched on that and the ConversationID.
 *
 * Runs in its own span, stored on the claimed payout: its Result, status queries and webhooks
 * continue that trace (lib/observability/tracing.ts).
 */
export function submitPayout(
  db: DbClient,
  deps: PaymentsDeps,
  options: SubmitPayoutOptions,
): Promise<SubmitOutcome> {
  return withSpan("payout submit", { "malipo.payout_id": options.payoutId }, () =>
    submitOnce(db, deps, options),
  );
}

interface SubmitPayoutOptions {
  payoutId: string;
  /** When given, the payout must belong to this merchant. */
  merchantId?: string;
  /**
   * Runs after Daraja accepted the request and before its answer is recorded. Tests throw here
   * to stand in for a crash at the worst moment; nothing else should use it.
   */
  afterSend?: () => void | Promise<void>;
}

async function submitOnce(
  db: DbClient,
  deps: PaymentsDeps,
  options: SubmitPayoutOptions,
): Promise<SubmitOutcome> {
  if (!("$transaction" in db)) throw new Error("submitPayout must commit its claim: pass the client");
  const now = deps.now?.() ?? new Date();
  const claim = await claimForSubmission(db, {
    table: "payouts",
    id: options.payoutId,
    merchantId: options.merchantId,
    now,
  });
  if (!claim.claimed) return { outcome: "skipped", status: claim.status };
  // Before the money moves, so that even a Result beating Daraja's answer continues this trace;
  // the write returns the row, so it costs no extra statement.
  const traceContext = currentTraceparent();
  const payout = traceContext
    ? await db.payout.update({ where: { id: options.payoutId }, data: { traceContext } })
    : await db.payout.findUniqueOrThrow({ where: { id: options.payoutId } });
  const originatorConversationId = payout.originatorConversationId as string;

  /** Ends an attempt that never reached M-Pesa as failed; a result can no longer come. */
  const fail = async (code: string, message: string): Promise<SubmitOutcome> => {
    await inTransaction(db, async (tx) => {
      const [failed] = await tx.payout.updateManyAndReturn({
        where: { id: payout.id, status: "submitted" },
        data: {
          status: "failed",
          resultCode: code,
          resultDesc: message,
          settledAt: deps.now?.() ?? new Date(),
        },
      });
      if (failed) {
        await recordEvent(tx, {
          merchantId: failed.merchantId,
          type: "payout.failed",
          objectId: failed.id,
          data: toPayoutResource(failed),
        });
      }
    });
    return { outcome: "failed", payout: await db.payout.findUniqueOrThrow({ where: { id: payout.id } }) };
  };

  let send: () => Promise<{ originatorConversationId: string | null; conversationId: string | null }>;
  try {
    // Reused across a batch's sends (credentials checked, not re-read and re-opened, each time).
    const { client, merchant } = await getReusedDarajaClient(db, deps, { merchantId: payout.merchantId });
    if (client.config.environment !== payout.environment) {
      return fail(
        "malipo.environment_changed",
        `This payout was requested in ${payout.environment} but M-Pesa is now set to ${client.config.environment}: request it again.`,
      );
    }
    if (payout.kind === "b2c") {
      if (!payout.recipientPhoneSealed)
        return fail("malipo.no_recipient", "The payout has no recipient phone.");
      const phone = openRecipientPhone(deps.keyring, payout.merchantId, payout.recipientPhoneSealed);
      const urls = payoutResultUrls(deps.appUrl, "b2c", merchant);
      send = () =>
        client.b2cPayment({
          originatorConversationId,
          amount: payout.amount,
          phone,
          commandId: payout.command as "BusinessPayment" | "SalaryPayment" | "PromotionPayment",
          remarks: payout.remarks,
          occasion: payout.occasion ?? undefined,
          ...urls,
        });
    } else {
      if (!payout.recipientShortcode)
        return fail("malipo.no_recipient", "The payout has no receiving paybill or till.");
      const urls = payoutResultUrls(deps.appUrl, "b2b", merchant);
      send = () =>
        client.b2bPayment({
          commandId: payout.command as "BusinessPayBill" | "BusinessBuyGoods",
          amount: payout.amount,
          partyB: payout.recipientShortcode as string,
          accountReference: payout.accountReference ?? undefined,
          remarks: payout.remarks,
          ...urls,
        });
    }
  } catch (error) {
    // Nothing was sent yet: credentials missing, the phone cannot be opened, and the like.
    const message = error instanceof DarajaError ? error.message : "M-Pesa is not set up for payouts.";
    deps.log?.warn({ err: error, payoutId: payout.id }, "payout could not be prepared");
    return fail(error instanceof DarajaError ? error.errorCode : "malipo.not_configured", message);
  }

  let answer: Awaited<ReturnType<typeof send>>;
  try {
    answer = await send();
  } catch (error) {
    const { verdict, code, message, daraja } = judgeSendError(error, "payout");
    if (verdict === "failed") return fail(code, message);
    if (verdict === "not_sent") {
      // Certainly not processed, so it may be sent again (with a new id) by a later attempt.
      await db.payout.updateMany({
        where: { id: payout.id, status: "submitted" },
        data: { status: "approved", originatorConversationId: null, submittedAt: null },
      });
      return { outcome: "not_sent", payout: await db.payout.findUniqueOrThrow({ where: { id: payout.id } }) };
    }
    if (!daraja) deps.log?.error({ err: error, payoutId: payout.id }, "payout outcome unknown");
    await db.payout.updateMany({
      where: { id: payout.id, status: "submitted" },
      data: {
        status: "unknown",
        resultCode: code,
        resultDesc: "M-Pesa did not answer the request: Malipo is asking M-Pesa whether it was paid.",
      },
    });
    return { outcome: "unknown", payout: await db.payout.findUniqueOrThrow({ where: { id: payout.id } }) };
  }

  // Outside the catch: a throw here leaves the payout submitted with nothing recorded, as a crash would.
  await options.afterSend?.();
  // A B2C result may already have settled the payout (matched on our id): only add the ids.
  const updated = await db.payout.update({
    where: { id: payout.id },
    data:
      payout.kind === "b2b"
        ? {
            originatorConversationId: answer.originatorConversationId ?? originatorConversationId,
            conversationId: answer.conversationId,
          }
        : { conversationId: answer.conversationId },
  });
  return { outcome: "submitted", payout: updated };
}
