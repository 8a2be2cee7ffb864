"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { appendAuditLog } from "@/lib/audit/append-audit-log";
import { AppError } from "@/lib/errors";
import { cancelCheckoutSession } from "@/lib/payments/collections/cancel-checkout-session";
import {
  createCheckoutSession,
  createCheckoutSessionSchema,
} from "@/lib/payments/collections/create-checkout-session";
import { requireTenant } from "@/lib/session";

export type CreateLinkState = { error: string | null; id: string | null };

export async function createLinkAction(_prev: CreateLinkState, form: FormData): Promise<CreateLinkState> {
  const tenant = await requireTenant("checkout:manage");
  const input = createCheckoutSessionSchema.safeParse({
    amount: Number(form.get("amount")),
    reference: String(form.get("reference") ?? ""),
    description: String(form.get("description") ?? "") || undefined,
    expiresInMinutes: Number(form.get("expiresInMinutes") ?? 60),
  });
  if (!input.success) {
    const issue = input.error.issues[0];
    return { error: `${issue?.path.join(".") ?? "input"}: ${issue?.message ?? "invalid"}`, id: null };
  }
  const session = await createCheckoutSession(tenant.db, { merchantId: tenant.merchant.id, ...input.data });
  await appendAuditLog(tenant.db, {
    merchantId: tenant.merchant.id,
    actor: { type: "user", ...tenant.actor },
    action: "checkout.created",
    target: { type: "checkout_session", id: session.id },
    metadata: { amount: session.amount, reference: session.reference },
  });
  revalidatePath("/checkout-links");
  return { error: null, id: session.id };
}

export async function cancelLinkAction(sessionId: unknown): Promise<{ error: string | null }> {
  const tenant = await requireTenant("checkout:manage");
  const id = z.uuid().safeParse(sessionId);
  if (!id.success) return { error: "No such checkout link." };
  try {
    await cancelCheckoutSession(tenant.db, {
      merchantId: tenant.merchant.id,
      sessionId: id.data,
      actor: tenant.actor,
    });
    revalidatePath("/checkout-links");
    return { error: null };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage };
    throw error;
  }
}
