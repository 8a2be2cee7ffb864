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

/**
 * A plain pg pool or client (lib/db.ts createPgPool), for the one statement where Prisma's own
 * cost per query matters: storing a callback on the acknowledgement's path (record-callback.ts).
 */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}
