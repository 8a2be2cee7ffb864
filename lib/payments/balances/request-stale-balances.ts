import type { DbClient } from "../../db-types";
import type { PaymentsDeps } from "../deps";
import { requestAccountBalance } from "./request-account-balance";

/** How old the last balance request may be before the schedule asks again. */
export const BALANCE_MAX_AGE_MS = 15 * 60_000;

/**
 * The schedule's part: asks for the balance of every merchant whose current environment has
 * initiator credentials and whose last request (answered or not) is older than `maxAgeMs`, so a
 * merchant M-Pesa does not answer is not asked every run. Returns how many were asked.
 */
export async function requestStaleBalances(
  db: DbClient,
  deps: PaymentsDeps,
  options: { now?: Date; maxAgeMs?: number } = {},
): Promise<number> {
  const now = options.now ?? deps.now?.() ?? new Date();
  const since = new Date(now.getTime() - (options.maxAgeMs ?? BALANCE_MAX_AGE_MS));
  const merchants = await db.merchant.findMany({
    select: {
      id: true,
      environment: true,
      mpesaCredentials: {
        where: {
          initiatorName: { not: null },
          initiatorPasswordSealed: { not: null },
          certificatePem: { not: null },
        },
        select: { environment: true },
      },
    },
  });
  let asked = 0;
  for (const merchant of merchants) {
    if (!merchant.mpesaCredentials.some((c) => c.environment === merchant.environment)) continue;
    const recent = await db.accountBalance.findFirst({
      where: { merchantId: merchant.id, environment: merchant.environment, requestedAt: { gte: since } },
      select: { id: true },
    });
    if (recent) continue;
    try {
      await requestAccountBalance(db, { ...deps, now: () => now }, { merchantId: merchant.id });
      asked += 1;
    } catch (error) {
      deps.log?.warn({ err: error, merchantId: merchant.id }, "scheduled balance request failed");
    }
  }
  return asked;
}
