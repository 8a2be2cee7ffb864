// A fortnight of believable history for the first demo merchant, so a fresh `npm run dev` shows
// a living dashboard: settled payments, a paybill payment waiting to be matched, and a callback
// whose processing died (replaying it fills in the receipt its payment still lacks).
import type { Keyring } from "../lib/crypto/keyring";
import { lookupHash, seal } from "../lib/crypto/seal";
import type { DbClient } from "../lib/db-types";
import { phoneContext } from "../lib/payments/collections/initiate-stk-payment";
import { maskPhone } from "../lib/redact";
import type { PaymentStatus } from "./generated/prisma/enums";

const PHONES = ["254712345678", "254722000111", "254733444555", "254701234567", "254798765432"];
const PAID = { status: "paid", code: "0", desc: "The service request is processed successfully." } as const;
/** About three in four attempts are paid, as on a healthy till. */
const OUTCOMES: readonly { status: PaymentStatus; code: string; desc: string }[] = [
  ...Array<typeof PAID>(9).fill(PAID),
  { status: "cancelled", code: "1032", desc: "Request cancelled by user" },
  { status: "failed", code: "1", desc: "The balance is insufficient for the transaction." },
  { status: "timed_out", code: "1037", desc: "DS timeout user cannot be reached" },
];
const AMOUNTS = [50, 120, 250, 480, 1000, 1250, 2500, 3800] as const;

/** Deterministic, so two fresh machines show the same demo. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

export async function seedDemoHistory(
  db: DbClient,
  options: { merchantId: string; keyring: Keyring; now?: Date },
): Promise<void> {
  const now = options.now ?? new Date();
  const next = random(2026);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const phone = (msisdn: string) => ({
    phoneSealed: seal(options.keyring, msisdn, phoneContext(options.merchantId)),
    phoneHash: lookupHash(options.keyring, msisdn, "phone"),
    phoneMasked: maskPhone(msisdn),
  });
  const rows = Array.from({ length: 48 }, (_, i) => {
    const outcome = pick(OUTCOMES);
    const createdAt = new Date(now.getTime() - (1 + Math.floor(next() * 14 * 24 * 60)) * 60_000);
    const amount = pick(AMOUNTS);
    const paid = outcome.status === "paid";
    const msisdn = PHONES[i % PHONES.length] ?? "254712345678";
    return {
      merchantId: options.merchantId,
      amount,
      ...phone(msisdn),
      reference: `DEMO-${String(1001 + i)}`,
      description: "Demo order",
      status: outcome.status,
      checkoutRequestId: `ws_CO_DEMO${String(1001 + i).padStart(8, "0")}`,
      merchantRequestId: `demo-${1001 + i}`,
      receipt: paid ? `TL${String(1001 + i).padStart(4, "0")}DEMO` : null,
      resultCode: outcome.code,
      resultDesc: outcome.desc,
      paidAmount: paid ? amount : null,
      payerPhoneMasked: paid ? maskPhone(msisdn) : null,
      settledAt: new Date(createdAt.getTime() + 20_000),
      createdAt,
    };
  });
  await db.payment.createMany({ data: rows });

  // Settled by a status query (no receipt yet); its callback died. Replaying it fills the receipt.
  const lateMsisdn = "254712345678";
  const late = await db.payment.create({
    data: {
      merchantId: options.merchantId,
      amount: 1500,
      ...phone(lateMsisdn),
      reference: "DEMO-REPLAY",
      description: "Paid; its callback died and can be replayed",
      status: "paid",
      checkoutRequestId: "ws_CO_DEMOREPLAY01",
      merchantRequestId: "demo-replay",
      resultCode: "0",
      resultDesc: "The service request has been accepted successfully",
      paidAmount: 1500,
      queryCount: 1,
      settledAt: new Date(now.getTime() - 50 * 60_000),
      createdAt: new Date(now.getTime() - 52 * 60_000),
    },
  });
  await db.callbackInbox.create({
    data: {
      merchantId: options.merchantId,
      kind: "stk",
      externalId: late.checkoutRequestId,
      state: "dead",
      attempts: 5,
      lastError: "database unavailable (demo): gave up after 5 attempts",
      sourceIp: "196.201.214.200",
      receivedAt: new Date(now.getTime() - 51 * 60_000),
      processedAt: new Date(now.getTime() - 40 * 60_000),
      body: JSON.stringify({
        Body: {
          stkCallback: {
            MerchantRequestID: "demo-replay",
            CheckoutRequestID: late.checkoutRequestId,
            ResultCode: 0,
            ResultDesc: "The service request is processed successfully.",
            CallbackMetadata: {
              Item: [
                { Name: "Amount", Value: 1500 },
                { Name: "MpesaReceiptNumber", Value: "TLREPLAY01" },
                { Name: "TransactionDate", Value: 20261201101010 },
                { Name: "PhoneNumber", Value: Number(lateMsisdn) },
              ],
            },
          },
        },
      }),
    },
  });

  // Paybill money for an account number no checkout has: waits in Mismatches to be matched.
  const c2b = await db.c2bTransaction.create({
    data: {
      merchantId: options.merchantId,
      transId: "TLDEMOC2B1",
      shortcode: "600000",
      amount: 2200,
      amountRaw: "2200.00",
      billRefNumber: "INV-2207",
      payer: maskPhone("254722000111"),
      payerKind: "msisdn",
      transTime: "20261201093000",
      createdAt: new Date(now.getTime() - 3 * 3_600_000),
    },
  });
  await db.reviewItem.create({
    data: {
      merchantId: options.merchantId,
      kind: "unmatched_c2b",
      c2bTransactionId: c2b.id,
      expected: { reference: "an open checkout" },
      actual: { amount: 2200, reference: "INV-2207", transId: "TLDEMOC2B1" },
      createdAt: c2b.createdAt,
    },
  });
  await db.checkoutSession.create({
    data: {
      merchantId: options.merchantId,
      amount: 2200,
      reference: "INV-2201",
      description: "Invoice 2201 (the customer typed 2207 at the paybill)",
      status: "expired",
      expiresAt: new Date(now.getTime() - 2 * 3_600_000),
      createdAt: new Date(now.getTime() - 26 * 3_600_000),
    },
  });
}
