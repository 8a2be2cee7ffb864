// Test factories: every field has a default, each returns what it created.
import { randomBytes } from "node:crypto";
import type { DbClient } from "@/lib/db-types";
import { generateApiKey } from "@/lib/security/api-keys";
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

/** An active API key row; `key` is the secret a client would send. */
export async function createApiKey(db: DbClient, options: { merchantId: string; name?: string }) {
  const material = generateApiKey("simulator");
  const apiKey = await db.apiKey.create({
    data: {
      merchantId: options.merchantId,
      name: options.name ?? `Key ${unique()}`,
      prefix: material.prefix,
      hash: material.hash,
    },
  });
  return { apiKey, key: material.key };
}
