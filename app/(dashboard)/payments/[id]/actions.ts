"use server";

import { z } from "zod";
import { AppError } from "@/lib/errors";
import { revealPaymentPhone } from "@/lib/payments/collections/reveal-payment-phone";
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
