import { createHash } from "node:crypto";
import { z } from "zod";
import type { Reversal } from "../../../prisma/generated/prisma/client";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { formatKes } from "../../format";
import { isUuid } from "../../validation/id";
import { text } from "../../validation/text";
import { validateAmount } from "../money";
import { getPayoutPolicy } from "../payouts/get-payout-policy";
import {
  assertMayRequest,
  type PayoutRequester,
  requesterActor,
  sameRequestOrConflict,
} from "../payouts/request-payout";

/** Reversals that still count: anything but these means the payment is being (or was) reversed. */
export const ENDED_WITHOUT_REVERSAL = ["rejected", "cancelled", "failed"] as const;

/** The body of a reversal request (API and dashboard): the amount defaults to what was paid. */
export const reversalFieldsSchema = z.object(
  {
    amount: z.unknown().optional(),
    reason: text({ error: "reason: say why the money goes back (2-100 characters)." })
      .trim()
      .min(2, "Say why the money goes back (2-100 characters).")
      .max(100, "The reason can be at most 100 characters (M-Pesa's limit for Remarks)."),
  },
  { error: "The body must be a JSON object with a reason and an optional amount." },
);

export interface RequestReversalInput {
  merchantId: string;
  paymentId: string;
  /** Whole KES to send back; the payment's paid amount when absent. Never more than that. */
  amount?: unknown;
  /** Why, as the requester writes it (sent to M-Pesa as Remarks). */
  reason: unknown;
  actor: PayoutRequester;
  idempotencyKey?: string | null;
}

/**
 * Asks for (part of) a paid payment's money to go back to the payer; it waits for approval under
 * the merchant's payout policy (nothing is sent to M-Pesa here). Only a `paid` payment with a
 * receipt can be reversed, and at most one reversal per payment may be under way or done: the
 * payment row is locked while that is checked. With an idempotency key the same request returns
 * the same reversal and a different one is refused (409). Audited as `reversal.requested`.
 */
export async function requestReversal(db: DbClient, input: RequestReversalInput): Promise<Reversal> {
  assertMayRequest(input.actor, "reversals");
  const fields = reversalFieldsSchema.safeParse({ amount: input.amount, reason: input.reason });
  if (!fields.success) {
    const issue = fields.error.issues[0];
    throw new AppError("validation_failed", issue?.message ?? "Check the reversal.", {
      field: String(issue?.path[0] ?? "reason"),
    });
  }
  const { reason } = fields.data;
  const requestHash = createHash("sha256")
    .update(JSON.stringify([input.paymentId, fields.data.amount ?? null, reason]))
    .digest("hex");
  const { merchantId, idempotencyKey } = input;
  if (idempotencyKey) {
    const existing = await db.reversal.findUnique({
      where: { merchantId_idempotencyKey: { merchantId, idempotencyKey } },
    });
    if (existing) return sameRequestOrConflict(existing, requestHash);
  }
  try {
    return await inTransaction(db, async (tx) => {
      const payment = await lockPaidPayment(tx, { merchantId, paymentId: input.paymentId });
      const paid = payment.paidAmount ?? payment.amount;
      const amount = fields.data.amount === undefined ? paid : checkAmount(fields.data.amount, paid);
      const open = await tx.reversal.findFirst({
        where: { merchantId, paymentId: payment.id, status: { notIn: [...ENDED_WITHOUT_REVERSAL] } },
        select: { id: true, status: true },
      });
      if (open)
        throw new AppError(
          "conflict",
          `This payment already has a reversal (${open.status.replace("_", " ")}): only one per payment.`,
          { internal: `reversal ${open.id}` },
        );
      const [policy, merchant] = await Promise.all([
        getPayoutPolicy(tx, { merchantId }),
        tx.merchant.findUniqueOrThrow({ where: { id: merchantId }, select: { environment: true } }),
      ]);
      const { actor } = input;
      const reversal = await tx.reversal.create({
        data: {
          merchantId,
          paymentId: payment.id,
          originalReceipt: payment.receipt as string,
          amount,
          reason,
          environment: merchant.environment,
          requestedById: actor.type === "user" ? actor.id : null,
          requestedByApiKeyId: actor.type === "api_key" ? actor.id : null,
          requesterLabel: actor.label,
          approvalsRequired: policy.dualApprovalAbove !== null && amount > policy.dualApprovalAbove ? 2 : 1,
          idempotencyKey: idempotencyKey ?? null,
          requestHash,
        },
      });
      await appendAuditLog(tx, {
        merchantId,
        actor: requesterActor(actor),
        action: "reversal.requested",
        target: { type: "reversal", id: reversal.id },
        metadata: {
          paymentId: payment.id,
          originalReceipt: reversal.originalReceipt,
          amount,
          paidAmount: paid,
          reason,
          approvalsRequired: reversal.approvalsRequired,
          environment: reversal.environment,
        },
      });
      return reversal;
    });
  } catch (error) {
    // Two requests with one idempotency key raced: the loser answers with the winner's reversal.
    if (idempotencyKey && (error as { code?: string }).code === "P2002") return requestReversal(db, input);
    throw error;
  }
}

/** The merchant's payment, locked, if it can be reversed: paid, with M-Pesa's receipt. */
async function lockPaidPayment(tx: DbClient, options: { merchantId: string; paymentId: string }) {
  const [row] = isUuid(options.paymentId)
    ? await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM payments
        WHERE id = ${options.paymentId}::uuid AND merchant_id = ${options.merchantId}::uuid
        FOR UPDATE`
    : [];
  const payment = row ? await tx.payment.findUnique({ where: { id: row.id } }) : null;
  if (!payment) throw new AppError("not_found", "No payment with this id.");
  if (payment.status !== "paid")
    throw new AppError(
      "conflict",
      payment.status === "reversed"
        ? "This payment was already reversed."
        : `Only a paid payment can be reversed (this one is ${payment.status.replace("_", " ")}).`,
    );
  if (!payment.receipt)
    throw new AppError(
      "conflict",
      "This payment has no M-Pesa receipt yet, and M-Pesa reverses by receipt: wait until Malipo has found it.",
    );
  return payment;
}

/** A partial amount: whole shillings, at least 1, at most what was paid. */
function checkAmount(value: unknown, paid: number): number {
  const checked = validateAmount(value, Number.MAX_SAFE_INTEGER);
  if (!checked.ok) throw new AppError("validation_failed", checked.message, { field: "amount" });
  if (checked.amount > paid)
    throw new AppError("validation_failed", `A reversal can send back at most the ${formatKes(paid)} paid.`, {
      field: "amount",
    });
  return checked.amount;
}
