import { createHash } from "node:crypto";
import type { Payment } from "../../../prisma/generated/prisma/client";
import { lookupHash, seal } from "../../crypto/seal";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { recordEvent } from "../../events/record-event";
import { currentTraceparent } from "../../observability/tracing";
import { maskPhone } from "../../redact";
import { unsafeText } from "../../validation/text";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import { getReusedDarajaClient } from "../get-daraja-client";
import { validateAmount } from "../money";
import { normalizeKenyanPhone } from "../phone";
import { toPaymentResource } from "./payment-resource";

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
 * A prompt counts against the phone's limit only once it is about to be sent: input refused as
 * invalid and idempotent replays never touch the limit (both hosted checkout and API come here).
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
  for (const [field, value] of [
    ["reference", reference],
    ["description", description ?? ""],
  ] as const) {
    const reason = unsafeText(value);
    if (reason) fail(field, `${field}: ${reason}`);
  }
  const phoneHash = lookupHash(deps.keyring, phone.msisdn, "phone");

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

  // One statement reads the callback secret and checks the credentials: a merchant's client (its
  // decrypted credentials and token) is reused between prompts, as between payouts.
  const { client, merchant } = await getReusedDarajaClient(db, deps, { merchantId: input.merchantId });
  let payment: Payment;
  try {
    // The row and the prompt's count commit together: a prompt refused by the limit leaves no
    // row, and a row lost to an idempotency race (P2002) or a busy checkout counts no prompt.
    payment = await inTransaction(db, async (tx) => {
      if (input.checkoutSessionId)
        await lockCheckoutForAttempt(tx, input.merchantId, input.checkoutSessionId);
      const created = await tx.payment.create({
        data: {
          merchantId: input.merchantId,
          checkoutSessionId: input.checkoutSessionId ?? null,
          amount: amount.amount,
          phoneSealed: seal(deps.keyring, phone.msisdn, phoneContext(input.merchantId)),
          phoneHash,
          phoneMasked: maskPhone(phone.msisdn),
          reference,
          description,
          idempotencyKey: input.idempotencyKey ?? null,
          requestHash,
          // The callback, queries and webhooks continue this request's trace (null when not traced).
          traceContext: currentTraceparent(),
        },
      });
      // Keyed on the phone's lookup hash, never the number, and shared by every merchant: a
      // customer's phone gets at most deps.promptLimiter's prompts a minute in all.
      const wait = await deps.promptLimiter.consume(phoneHash);
      if (wait) {
        throw new AppError("rate_limited", `Too many prompts to this phone. Try again in ${wait} seconds.`, {
          retryAfterSeconds: wait,
          field: "phone",
        });
      }
      return created;
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
    return inTransaction(db, async (tx) => {
      const settled = await tx.payment.update({
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
      await recordEvent(tx, {
        merchantId: settled.merchantId,
        type: unknownOutcome ? "payment.needs_review" : "payment.failed",
        objectId: settled.id,
        data: toPaymentResource(settled),
      });
      return settled;
    });
  }
}

/**
 * At most one prompt in flight per checkout: the checkout's row is locked until the new payment
 * row commits, so of two quick submits the second sees the first's pending attempt and is refused
 * (without the lock both would see none and both would prompt).
 */
async function lockCheckoutForAttempt(tx: DbClient, merchantId: string, checkoutSessionId: string) {
  const [session] = await tx.$queryRaw<{ status: string }[]>`
    SELECT status::text FROM checkout_sessions
    WHERE id = ${checkoutSessionId}::uuid AND merchant_id = ${merchantId}::uuid
    FOR UPDATE`;
  if (!session) throw new AppError("not_found", "This payment link does not exist.");
  if (session.status !== "open") throw new AppError("conflict", "This payment link is no longer open.");
  const pending = await tx.payment.findFirst({
    where: { checkoutSessionId, status: "pending" },
    select: { id: true },
  });
  if (pending) {
    throw new AppError(
      "conflict",
      "A prompt was already sent. Check your phone, or wait a minute and try again.",
    );
  }
}
