// Types every core function uses for its `db` parameter: the client, a tenant-scoped client or
// an open transaction (db comes first, so a caller can pass a transaction).
import type { Prisma } from "../prisma/generated/prisma/client";

export type DbClient = Prisma.TransactionClient;
type TransactionOptions = { timeout?: number; maxWait?: number };
type CanTransact = DbClient & {
  $transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>, options?: TransactionOptions): Promise<T>;
};

/** Runs `fn` in a transaction, or inside the caller's transaction when `db` already is one. */
export function inTransaction<T>(
  db: DbClient,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  return "$transaction" in db ? (db as CanTransact).$transaction(fn, options) : fn(db);
}
