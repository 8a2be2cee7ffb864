// The statement imports of a merchant, newest first, for the statements page.
import type { DbClient } from "../../../db-types";

/**
 * One page of a merchant's statement imports, newest first, `take` at a time (50 unless told)
 * after the one with id `before` (ids are time-ordered uuid v7s). The summary holds what each
 * import opened, by kind.
 */
export function findStatementImports(
  db: DbClient,
  options: { merchantId: string; before?: string; take?: number },
) {
  return db.statementImport.findMany({
    where: { merchantId: options.merchantId, ...(options.before ? { id: { lt: options.before } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: options.take ?? 50,
  });
}
