// One merchant with a bit of everything the dashboard shows (payments of each kind, a checkout
// link, a dead callback, a Daraja call, an API key, a review item, an audit entry), and every
// string that identifies it, so a test can prove none of them reaches another merchant's user.
import { appendAuditLog } from "@/lib/audit/append-audit-log";
import type { Keyring } from "@/lib/crypto/keyring";
import { lookupHash, seal } from "@/lib/crypto/seal";
import type { DbClient } from "@/lib/db-types";
import { phoneContext } from "@/lib/payments/collections/initiate-stk-payment";
import { maskPhone } from "@/lib/redact";
import {
  createApiKey,
  createCheckoutSession,
  createInboxEntry,
  createMember,
  createMerchant,
  createPayment,
  createReviewItem,
} from "../factories";

const stkBody = (checkoutRequestId: string, resultCode: number, phone?: string) =>
  JSON.stringify({
    Body: {
      stkCallback: {
        MerchantRequestID: `mr-${checkoutRequestId}`,
        CheckoutRequestID: checkoutRequestId,
        ResultCode: resultCode,
        ResultDesc: resultCode === 0 ? "The service request is processed successfully." : "Cancelled",
        ...(phone
          ? {
              CallbackMetadata: {
                Item: [
                  { Name: "Amount", Value: 1 },
                  { Name: "PhoneNumber", Value: Number(phone) },
                ],
              },
            }
          : {}),
      },
    },
  });

/**
 * `tag` (upper case, at most 6 letters) makes every reference and id readable and distinct;
 * `paidToday` is the whole KES collected today, for the overview's totals.
 */
export async function createTenantWorld(
  db: DbClient,
  options: { keyring: Keyring; tag: string; phone: string; paidToday: number },
) {
  const { tag, keyring, phone } = options;
  const merchant = await createMerchant(db, { name: `${tag} Traders`, slug: tag.toLowerCase() });
  const { user: owner } = await createMember(db, { merchantId: merchant.id, role: "owner" });
  const sealedPhone = {
    phoneSealed: seal(keyring, phone, phoneContext(merchant.id)),
    phoneHash: lookupHash(keyring, phone, "phone"),
    phoneMasked: maskPhone(phone),
  };
  const pending = await createPayment(db, {
    merchantId: merchant.id,
    ...sealedPhone,
    reference: `${tag}-PEND`,
    checkoutRequestId: `ws_CO_${tag}_PEND`,
  });
  const paid = await createPayment(db, {
    merchantId: merchant.id,
    ...sealedPhone,
    amount: options.paidToday,
    paidAmount: options.paidToday,
    status: "paid",
    reference: `${tag}-PAID`,
    receipt: `${tag}RCPT01`,
    checkoutRequestId: `ws_CO_${tag}_PAID`,
    settledAt: new Date(),
  });
  const held = await createPayment(db, {
    merchantId: merchant.id,
    ...sealedPhone,
    amount: 500,
    paidAmount: 499,
    status: "needs_review",
    reference: `${tag}-HELD`,
    checkoutRequestId: `ws_CO_${tag}_HELD`,
  });
  const review = await createReviewItem(db, {
    merchantId: merchant.id,
    paymentId: held.id,
    expected: { amount: 500 },
    actual: { amount: 499, note: `${tag}-REVIEW-NOTE` },
  });
  const link = await createCheckoutSession(db, {
    merchantId: merchant.id,
    reference: `${tag}-LINK`,
    description: `${tag} link description`,
  });
  const settledCallback = await createInboxEntry(db, {
    merchantId: merchant.id,
    state: "processed",
    externalId: paid.checkoutRequestId,
    body: stkBody(`ws_CO_${tag}_PAID`, 0, phone),
    lastError: null,
  });
  const deadCallback = await createInboxEntry(db, {
    merchantId: merchant.id,
    externalId: `ws_CO_${tag}_DEAD`,
    body: stkBody(`ws_CO_${tag}_DEAD`, 1032),
    sourceIp: "196.201.214.200",
  });
  const darajaCall = await db.darajaCall.create({
    data: {
      merchantId: merchant.id,
      method: "POST",
      path: "/mpesa/stkpush/v1/processrequest",
      status: 200,
      latencyMs: 123,
      externalId: pending.checkoutRequestId,
      requestBody: {},
      responseBody: {},
      startedAt: new Date(),
    },
  });
  const { apiKey } = await createApiKey(db, { merchantId: merchant.id, name: `${tag} shop key` });
  const audit = await appendAuditLog(db, {
    merchantId: merchant.id,
    actor: { type: "user", id: owner.id, label: owner.email },
    action: "apikey.created",
    target: { type: "api_key", id: apiKey.id },
  });

  return {
    merchant,
    owner,
    phone,
    payments: { pending, paid, held },
    review,
    link,
    callbacks: { settled: settledCallback, dead: deadCallback },
    darajaCall,
    apiKey,
    audit,
    /** Every string of this merchant's that another merchant's user must never see. */
    markers: [
      merchant.id,
      merchant.name,
      merchant.slug,
      merchant.callbackSecret,
      owner.id,
      owner.email,
      owner.name,
      phone,
      maskPhone(phone),
      ...[pending, paid, held].flatMap((p) => [p.id, p.reference, p.checkoutRequestId ?? p.id]),
      `${tag}RCPT01`,
      review.id,
      `${tag}-REVIEW-NOTE`,
      link.id,
      link.reference,
      `${tag} link description`,
      settledCallback.id,
      deadCallback.id,
      `ws_CO_${tag}_DEAD`,
      darajaCall.id,
      apiKey.id,
      apiKey.prefix,
      apiKey.name,
    ],
  };
}

export type TenantWorld = Awaited<ReturnType<typeof createTenantWorld>>;

/** The markers of `world` found in `text` (expect it to equal [] for another merchant's view). */
export function leaked(world: TenantWorld, text: string): string[] {
  return world.markers.filter((marker) => text.includes(marker));
}
