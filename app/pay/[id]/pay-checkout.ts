// "Pay with M-Pesa" on a hosted checkout: the form's fields checked, then the same core call as
// the REST API (payCheckoutSession → initiateStkPayment, which limits prompts per phone and keeps
// one prompt per checkout in flight). Called by app/pay/[id]/route.ts with the posted form.
import { z } from "zod";
import { afterStkInitiated } from "@/lib/background";
import { getDb } from "@/lib/db";
import { AppError, type ErrorCode } from "@/lib/errors";
import { getLogger } from "@/lib/logger";
import { payCheckoutSession } from "@/lib/payments/collections/pay-checkout-session";
import { normalizeKenyanPhone } from "@/lib/payments/phone";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { text } from "@/lib/validation/text";

export const checkoutFormSchema = z.object({
  phone: text({ error: "Enter a phone number." })
    .max(40, "That is not a valid Kenyan mobile number.")
    .transform((value, ctx) => {
      const phone = normalizeKenyanPhone(value);
      if (phone.ok) return phone.msisdn;
      ctx.issues.push({ code: "custom", message: phone.message, input: value });
      return z.NEVER;
    }),
});

export type PayResult =
  | { ok: true }
  | { ok: false; code: ErrorCode; message: string; field?: "phone"; retryAfterSeconds?: number };

/** Sends the prompt for checkout `sessionId` to the phone in `form`; refusals come back as text to show. */
export async function payCheckout(
  sessionId: string,
  form: unknown,
  context: { requestId?: string | null } = {},
): Promise<PayResult> {
  const parsed = checkoutFormSchema.safeParse(form);
  if (!parsed.success) {
    const message = parsed.error.issues[0]?.message ?? "Enter a phone number.";
    return { ok: false, code: "validation_failed", message, field: "phone" };
  }
  try {
    const payment = await payCheckoutSession(getDb(), paymentsRuntime().deps, {
      sessionId,
      phone: parsed.data.phone,
    });
    if (payment.status === "pending") afterStkInitiated(payment.id);
    return { ok: true };
  } catch (error) {
    if (error instanceof AppError) {
      return {
        ok: false,
        code: error.code,
        message: error.publicMessage,
        retryAfterSeconds: error.details.retryAfterSeconds,
        ...(error.details.field === "phone" ? { field: "phone" as const } : {}),
      };
    }
    getLogger().error({ err: error, requestId: context.requestId }, "checkout payment failed");
    return { ok: false, code: "internal", message: "Something went wrong on our side. Please try again." };
  }
}
