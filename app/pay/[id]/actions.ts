"use server";

import { headers } from "next/headers";
import { afterStkInitiated } from "@/lib/background";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getLogger } from "@/lib/logger";
import { payCheckoutSession } from "@/lib/payments/collections/pay-checkout-session";
import { normalizeKenyanPhone } from "@/lib/payments/phone";
import { paymentsRuntime } from "@/lib/payments-runtime";

export type PayState = { error: string | null; field?: "phone" };

/** "Pay with M-Pesa" on a hosted checkout: validates and sends the prompt (the core limits the phone). */
export async function payAction(sessionId: string, phone: string): Promise<PayState> {
  const normalized = normalizeKenyanPhone(String(phone ?? ""));
  if (!normalized.ok) return { error: normalized.message, field: "phone" };
  try {
    const payment = await payCheckoutSession(getDb(), paymentsRuntime().deps, {
      sessionId,
      phone: normalized.msisdn,
    });
    if (payment.status === "pending") afterStkInitiated(payment.id);
    return { error: null };
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage };
    getLogger().error(
      { err: error, requestId: (await headers()).get("x-request-id") },
      "checkout payment failed",
    );
    return { error: "Something went wrong on our side. Please try again." };
  }
}
