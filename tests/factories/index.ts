// Test factories: every field has a default, each returns what it created.
import { randomBytes } from "node:crypto";
import type { Keyring } from "@/lib/crypto/keyring";
import type { DbClient } from "@/lib/db-types";
import { sealRecipientPhone } from "@/lib/payments/payouts/recipient-phone";
import { generateApiKey } from "@/lib/security/api-keys";
import { API_SCOPE_NAMES, type ApiScope } from "@/lib/security/api-scopes";
import { hashPassword } from "@/lib/security/password";
import type { Prisma } from "@/prisma/generated/prisma/client";
import type { MpesaEnvironment, Role } from "@/prisma/generated/prisma/enums";

const unique = () => randomBytes(4).toString("hex");

export const TEST_PASSWORD = "correct horse battery staple";
let cachedHash: Promise<string> | undefined;

export function createMerchant(
  db: DbClient,
  overrides: { name?: string; slug?: string; environment?: MpesaEnvironment } = {},
) {
  const id = unique();
  return db.merchant.create({
    data: {
      name: overrides.name ?? `Merchant ${id}`,
      slug: overrides.slug ?? `merchant-${id}`,
      environment: overrides.environment ?? "simulator",
    },
  });
}

export async function createUser(
  db: DbClient,
  overrides: { email?: string; name?: string; password?: string; disabledAt?: Date } = {},
) {
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const passwordHash = overrides.password ? await hashPassword(overrides.password) : await cachedHash;
  const id = unique();
  return db.user.create({
    data: {
      email: overrides.email ?? `user-${id}@example.com`,
      name: overrides.name ?? `User ${id}`,
      passwordHash,
      disabledAt: overrides.disabledAt ?? null,
    },
  });
}

/** A user who is a member of `merchantId` with `role` (a new merchant when none is given). */
export async function createMember(db: DbClient, options: { role?: Role; merchantId?: string } = {}) {
  const merchantId = options.merchantId ?? (await createMerchant(db)).id;
  const user = await createUser(db);
  const membership = await db.membership.create({
    data: { userId: user.id, merchantId, role: options.role ?? "owner" },
  });
  return { user, membership, merchantId };
}

/** A payment row as the core would leave it (pending unless told); the phone is not really sealed. */
export function createPayment(
  db: DbClient,
  options: { merchantId: string } & Partial<Prisma.PaymentUncheckedCreateInput>,
) {
  const id = unique();
  return db.payment.create({
    data: {
      amount: 100,
      phoneSealed: "not-sealed",
      phoneHash: `hash-${id}`,
      phoneMasked: "2547•••••000",
      reference: `REF-${id}`.slice(0, 12),
      ...options,
    },
  });
}

/** An open checkout link expiring in an hour. */
export function createCheckoutSession(
  db: DbClient,
  options: { merchantId: string } & Partial<Prisma.CheckoutSessionUncheckedCreateInput>,
) {
  return db.checkoutSession.create({
    data: {
      amount: 100,
      reference: `LINK-${unique()}`,
      expiresAt: new Date(Date.now() + 3_600_000),
      ...options,
    },
  });
}

/** A stored callback (a dead STK callback unless told). */
export function createInboxEntry(
  db: DbClient,
  options: { merchantId: string | null } & Partial<Prisma.CallbackInboxUncheckedCreateInput>,
) {
  const checkoutRequestId = `ws_CO_${unique()}`;
  return db.callbackInbox.create({
    data: {
      kind: "stk",
      state: "dead",
      externalId: checkoutRequestId,
      body: JSON.stringify({
        Body: {
          stkCallback: {
            MerchantRequestID: "m",
            CheckoutRequestID: checkoutRequestId,
            ResultCode: 1032,
            ResultDesc: "Request cancelled by user",
          },
        },
      }),
      lastError: "no payment with this CheckoutRequestID",
      ...options,
    },
  });
}

/** An open review item (an amount mismatch unless told). */
export function createReviewItem(
  db: DbClient,
  options: { merchantId: string | null } & Partial<Prisma.ReviewItemUncheckedCreateInput>,
) {
  return db.reviewItem.create({
    data: { kind: "amount_mismatch", expected: { amount: 100 }, actual: { amount: 99 }, ...options },
  });
}

/** An active API key row with every scope unless `scopes` says otherwise; `key` is the secret a client would send. */
export async function createApiKey(
  db: DbClient,
  options: { merchantId: string; name?: string; scopes?: readonly ApiScope[] },
) {
  const material = generateApiKey("simulator");
  const apiKey = await db.apiKey.create({
    data: {
      merchantId: options.merchantId,
      name: options.name ?? `Key ${unique()}`,
      prefix: material.prefix,
      hash: material.hash,
      scopes: [...(options.scopes ?? API_SCOPE_NAMES)],
    },
  });
  return { apiKey, key: material.key };
}

/**
 * A payout row as requesting and approval would leave it: a B2C BusinessPayment of KES 100 to
 * 254700000000, approved, in the simulator environment unless told. With `keyring` the phone is
 * sealed as the payouts core seals it (submission can open it); without, it is a placeholder.
 * B2B payouts (`kind: "b2b"`) get a paybill, an account reference and no phone.
 */
export function createPayout(
  db: DbClient,
  options: {
    merchantId: string;
    keyring?: Keyring;
    phone?: string;
  } & Partial<Prisma.PayoutUncheckedCreateInput>,
) {
  const { keyring, phone = "254700000000", ...overrides } = options;
  const id = unique();
  const b2b = overrides.kind === "b2b";
  const recipient = b2b
    ? { recipientPhoneSealed: null, recipientPhoneHash: null, recipientPhoneMasked: null }
    : keyring
      ? sealRecipientPhone(keyring, options.merchantId, phone)
      : {
          recipientPhoneSealed: "not-sealed",
          recipientPhoneHash: `hash-${id}`,
          recipientPhoneMasked: "2547•••••000",
        };
  return db.payout.create({
    data: {
      kind: "b2c",
      command: b2b ? "BusinessPayBill" : "BusinessPayment",
      amount: 100,
      ...recipient,
      recipientShortcode: b2b ? "600111" : null,
      accountReference: b2b ? `ACC-${id}` : null,
      remarks: `Payout ${id}`,
      occasion: null,
      status: "approved",
      environment: "simulator",
      requesterLabel: `Requester ${id}`,
      approvalsRequired: 1,
      approvedAt: new Date(),
      ...overrides,
    },
  });
}

/** A payout batch of `count` pending KES 500 B2C payouts (3 unless told), returned with them. */
export async function createPayoutBatch(
  db: DbClient,
  options: { merchantId: string; count?: number; amount?: number } & Partial<
    Omit<Prisma.PayoutBatchUncheckedCreateInput, "count" | "total">
  >,
) {
  const { count = 3, amount = 500, ...rest } = options;
  const batch = await db.payoutBatch.create({
    data: {
      name: `Batch ${unique()}`,
      count,
      total: count * amount,
      requestedById: null,
      requestedByApiKeyId: null,
      requesterLabel: `requester-${unique()}@example.com`,
      ...rest,
    },
  });
  const payouts = [];
  for (let row = 1; row <= count; row++) {
    payouts.push(
      await createPayout(db, {
        merchantId: options.merchantId,
        batchId: batch.id,
        batchRow: row,
        amount,
        status: "pending_approval",
        approvedAt: null,
        requestedById: batch.requestedById,
        requestedByApiKeyId: batch.requestedByApiKeyId,
        requesterLabel: batch.requesterLabel,
      }),
    );
  }
  return { batch, payouts };
}

/** A saved payout policy (the schema's defaults unless told). */
export function createPayoutPolicy(
  db: DbClient,
  options: { merchantId: string } & Partial<Prisma.PayoutPolicyUncheckedCreateInput>,
) {
  return db.payoutPolicy.create({
    data: {
      approverRoles: ["owner", "admin", "approver"],
      dualApprovalAbove: null,
      maxPerPayout: 150_000,
      dailyCeiling: null,
      submitPerSecond: 2,
      ...options,
    },
  });
}

/** An answered Account Balance: KES 100,000.00 available in the utility account unless told. */
export function createAccountBalance(
  db: DbClient,
  options: { merchantId: string } & Partial<Prisma.AccountBalanceUncheckedCreateInput>,
) {
  return db.accountBalance.create({
    data: {
      environment: "simulator",
      shortcode: "600000",
      originatorConversationId: `balance-${unique()}`,
      conversationId: `AG_${unique()}`,
      utilityAvailableCents: 10_000_000n,
      workingAvailableCents: 0n,
      accounts: [],
      resultCode: "0",
      resultDesc: "The service request is processed successfully.",
      requestedAt: new Date(),
      answeredAt: new Date(),
      ...options,
    },
  });
}

/** M-Pesa settings naming `shortcode` (organisation and STK), with placeholder secrets nothing opens. */
export function createMpesaCredential(
  db: DbClient,
  options: { merchantId: string; shortcode: string; environment?: MpesaEnvironment },
) {
  return db.mpesaCredential.create({
    data: {
      merchantId: options.merchantId,
      environment: options.environment ?? "simulator",
      consumerKeySealed: "not-sealed",
      consumerSecretSealed: "not-sealed",
      stkShortcode: options.shortcode,
      passkeySealed: "not-sealed",
      shortcode: options.shortcode,
    },
  });
}
