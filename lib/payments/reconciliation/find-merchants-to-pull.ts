import type { DbClient } from "../../db-types";

/** Merchants whose current M-Pesa environment has credentials: the ones a scheduled pull visits. */
export async function findMerchantsToPull(db: DbClient): Promise<{ merchantId: string }[]> {
  return db.$queryRaw<{ merchantId: string }[]>`
    SELECT m.id AS "merchantId" FROM merchants m
    JOIN mpesa_credentials c ON c.merchant_id = m.id AND c.environment = m.environment
    ORDER BY m.id`;
}
