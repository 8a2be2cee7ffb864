// Test factories: every field has a default, each returns what it created (STYLE.md §12).
import { randomBytes } from "node:crypto";
import type { DbClient } from "@/lib/db-types";
import { hashPassword } from "@/lib/security/password";
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
