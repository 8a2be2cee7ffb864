import type { MpesaEnvironment } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";

export interface LatestBalance {
  environment: string;
  /** The newest successful answer, or null when M-Pesa has not told us a balance yet. */
  balance: {
    utilityAvailableCents: number | null;
    workingAvailableCents: number | null;
    /** When the figures were true (M-Pesa's time when it sent one). */
    asOf: Date;
  } | null;
  /** The newest request, answered or not: a refresh in flight, or the last failure. */
  lastRequest: {
    requestedAt: Date;
    answeredAt: Date | null;
    ok: boolean | null;
    resultDesc: string | null;
  } | null;
}

const cents = (value: bigint | null) => (value === null ? null : Number(value));

/**
 * The merchant's last known M-Pesa balances in its current environment, with their time.
 * `environment`: the merchant's current one when the caller has just read it (a signed-in
 * request has), which saves reading the merchant again.
 */
export async function getLatestBalance(
  db: DbClient,
  options: { merchantId: string; environment?: MpesaEnvironment },
): Promise<LatestBalance | null> {
  const environment =
    options.environment ??
    (await db.merchant.findUnique({ where: { id: options.merchantId }, select: { environment: true } }))
      ?.environment;
  if (!environment) return null;
  const where = { merchantId: options.merchantId, environment };
  const [answered, last] = await Promise.all([
    db.accountBalance.findFirst({
      where: { ...where, resultCode: "0", answeredAt: { not: null } },
      orderBy: { answeredAt: "desc" },
    }),
    db.accountBalance.findFirst({ where, orderBy: { requestedAt: "desc" } }),
  ]);
  return {
    environment,
    balance: answered?.answeredAt
      ? {
          utilityAvailableCents: cents(answered.utilityAvailableCents),
          workingAvailableCents: cents(answered.workingAvailableCents),
          asOf: answered.answeredAt,
        }
      : null,
    lastRequest: last
      ? {
          requestedAt: last.requestedAt,
          answeredAt: last.answeredAt,
          ok: last.answeredAt ? last.resultCode === "0" : null,
          resultDesc: last.resultDesc,
        }
      : null,
  };
}
