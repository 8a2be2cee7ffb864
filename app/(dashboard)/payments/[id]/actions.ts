"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { afterReversalApproved } from "@/lib/background";
import { AppError, asAppError } from "@/lib/errors";
import { revealPaymentPhone } from "@/lib/payments/collections/reveal-payment-phone";
import { approveReversal } from "@/lib/payments/reversals/approve-reversal";
import { cancelReversal } from "@/lib/payments/reversals/cancel-reversal";
import { rejectReversal } from "@/lib/payments/reversals/reject-reversal";
import { requestReversal } from "@/lib/payments/reversals/request-reversal";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { requireTenant } from "@/lib/session";

/** The payer's full number for roles that need it; audited in the core. */
export async function revealPhoneAction(
  paymentId: unknown,
): Promise<{ phone: string | null; error: string | null }> {
  const tenant = await requireTenant("phones:view_full");
  const id = z.uuid().safeParse(paymentId);
  if (!id.success) return { phone: null, error: "No such payment." };
  try {
    const phone = await revealPaymentPhone(tenant.db, paymentsRuntime().deps.keyring, {
      merchantId: tenant.merchant.id,
      paymentId: id.data,
      actor: tenant.actor,
    });
    return { phone, error: null };
  } catch (error) {
    if (error instanceof AppError) return { phone: null, error: error.publicMessage };
    throw error;
  }
}

export type ReversalActionResult = { error: string | null; field?: string | null };

const NO_REVERSAL = "No reversal with this id.";

/** A refusal the person can act on; anything else is a bug and propagates (500, logged). */
function refused(error: unknown): ReversalActionResult {
  const known = asAppError(error);
  if (!known) throw error;
  return { error: known.publicMessage, field: known.details.field ?? null };
}

/** "Refund (reversal)" on a paid payment: it waits for someone else's approval. */
export async function requestReversalAction(
  paymentId: unknown,
  fields: { amount?: unknown; reason?: unknown },
): Promise<ReversalActionResult> {
  const tenant = await requireTenant("payouts:request");
  const id = z.uuid().safeParse(paymentId);
  if (!id.success) return { error: "No such payment." };
  const amount = typeof fields.amount === "string" && fields.amount.trim() === "" ? undefined : fields.amount;
  try {
    await requestReversal(tenant.db, {
      merchantId: tenant.merchant.id,
      paymentId: id.data,
      amount,
      reason: fields.reason,
      actor: { type: "user", ...tenant.actor },
    });
  } catch (error) {
    return refused(error);
  }
  revalidatePath(`/payments/${id.data}`);
  return { error: null };
}

/** Approves a reversal; the approval that completes it hands it to submission (once). */
export async function approveReversalAction(
  reversalId: unknown,
  note?: unknown,
): Promise<ReversalActionResult> {
  const tenant = await requireTenant("payouts:approve");
  const id = z.uuid().safeParse(reversalId);
  if (!id.success) return { error: NO_REVERSAL };
  try {
    const { reversal, readyToSubmit } = await approveReversal(tenant.db, {
      merchantId: tenant.merchant.id,
      reversalId: id.data,
      actor: tenant.actor,
      note,
    });
    if (readyToSubmit) afterReversalApproved(reversal);
    revalidatePath(`/payments/${reversal.paymentId}`);
  } catch (error) {
    return refused(error);
  }
  return { error: null };
}

/** Rejects a reversal; the note is required and shown to the requester. */
export async function rejectReversalAction(
  reversalId: unknown,
  note: unknown,
): Promise<ReversalActionResult> {
  const tenant = await requireTenant("payouts:approve");
  const id = z.uuid().safeParse(reversalId);
  if (!id.success) return { error: NO_REVERSAL };
  try {
    const reversal = await rejectReversal(tenant.db, {
      merchantId: tenant.merchant.id,
      reversalId: id.data,
      actor: tenant.actor,
      note,
    });
    revalidatePath(`/payments/${reversal.paymentId}`);
  } catch (error) {
    return refused(error);
  }
  return { error: null };
}

/** Withdraws a reversal before it is sent: the core lets its requester, an admin or an owner. */
export async function cancelReversalAction(reversalId: unknown): Promise<ReversalActionResult> {
  const tenant = await requireTenant("payments:view");
  const id = z.uuid().safeParse(reversalId);
  if (!id.success) return { error: NO_REVERSAL };
  try {
    const reversal = await cancelReversal(tenant.db, {
      merchantId: tenant.merchant.id,
      reversalId: id.data,
      actor: tenant.actor,
    });
    revalidatePath(`/payments/${reversal.paymentId}`);
  } catch (error) {
    return refused(error);
  }
  return { error: null };
}
