import { createHash } from "node:crypto";
import type { Payment } from "../../prisma/generated/prisma/client";
import { lookupHash, seal } from "../crypto/seal";
import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { maskPhone } from "../redact";
import { DarajaError } from "./daraja/errors";
import type { PaymentsDeps } from "./deps";
import { getDarajaClient } from "./get-daraja-client";
import { validateAmount } from "./money";
import { normalizeKenyanPhone } from "./phone";

export interface InitiateStkPaymentInput {
  merchantId: string;
  /** Whole KES. */
  amount: unknown;
  phone: string;
  reference: string;
  description?: string | null;
  checkoutSessionId?: string | null;
  idempotencyKey?: string | null;
}

export const phoneContext = (merchantId: string) => `payment-phone:${merchantId}`;

function fail(field: string, message: string): never {
  throw new AppError("validation_failed", message, { field });
}

/**
 * Starts an STK Push. The payment row exists before M-Pesa is called, so nothing M-Pesa does can
 * go unrecorded; "accepted" leaves it pending until a callback or a query settles it. With an
 * idempotency key, the same request returns the same payment and a different one is refused.
 */
export async function initiateStkPayment(
  db: DbClient,
  deps: PaymentsDeps,
  input: InitiateStkPaymentInput,
): Promise<Payment> {
  const phone = normalizeKenyanPhone(input.phone);
  if (!phone.ok) fail("phone", phone.message);
  const amount = validateAmount(input.amount, deps.maxAmount);
  if (!amount.ok) fail("amount", amount.message);
  const reference = input.reference.trim();
  if (reference.length < 1 || reference.length > 12)
    fail("reference", "The reference must be 1-12 characters: M-Pesa shows it to the customer.");
  const description = input.description?.trim() || null;

  const requestHash = createHash("sha256")
    .update(
      JSON.stringify([amount.amount, phone.msisdn, reference, description, input.checkoutSessionId ?? null]),
    )
    .digest("hex");
  if (input.idempotencyKey) {
    const existing = await db.payment.findUnique({
      where: {
        merchantId_idempotencyKey: { merchantId: input.merchantId, idempotencyKey: input.idempotencyKey },
      },
    });
    if (existing) {
      if (existing.requestHash !== requestHash) {
        throw new AppError("conflict", "This Idempotency-Key was already used with a different request.");
      }
      return existing;
    }
  }

  const client = await getDarajaClient(db, deps, { merchantId: input.merchantId });
  const merchant = await db.merchant.findUniqueOrThrow({
    where: { id: input.merchantId },
    select: { callbackSecret: true },
  });
  let payment: Payment;
  try {
    payment = await db.payment.create({
      data: {
        merchantId: input.merchantId,
        checkoutSessionId: input.checkoutSessionId ?? null,
        amount: amount.amount,
        phoneSealed: seal(deps.keyring, phone.msisdn, phoneContext(input.merchantId)),
        phoneHash: lookupHash(deps.keyring, phone.msisdn, "phone"),
        phoneMasked: maskPhone(phone.msisdn),
        reference,
        description,
        idempotencyKey: input.idempotencyKey ?? null,
        requestHash,
      },
    });
  } catch (error) {
    // Two requests with one idempotency key raced: the loser answers with the winner's payment.
    if (input.idempotencyKey && (error as { code?: string }).code === "P2002") {
      return initiateStkPayment(db, deps, input);
    }
    throw error;
  }

  const callbackUrl = `${deps.appUrl}/api/mpesa/stk/${input.merchantId}/${merchant.callbackSecret}`;
  try {
    const accepted = await client.stkPush({
      amount: amount.amount,
      phone: phone.msisdn,
      accountReference: reference,
      description: description ?? undefined,
      callbackUrl,
    });
    // A callback may already have been stored; only fill what is still empty.
    return await db.payment.update({
      where: { id: payment.id },
      data: { merchantRequestId: accepted.merchantRequestId, checkoutRequestId: accepted.checkoutRequestId },
    });
  } catch (error) {
    const darajaError = error instanceof DarajaError ? error : null;
    const unknownOutcome = darajaError?.mayHaveReachedMpesa ?? !darajaError;
    return db.payment.update({
      where: { id: payment.id },
      data: {
        status: unknownOutcome ? "needs_review" : "failed",
        resultCode: darajaError?.errorCode ?? "malipo.error",
        resultDesc: unknownOutcome
          ? "M-Pesa did not answer the request: the customer may still have been prompted."
          : (darajaError?.message ?? "The prompt could not be sent."),
        settledAt: new Date(),
      },
    });
  }
}
