// Types every core function uses for its `db` parameter: the client, a tenant-scoped client or
// an open transaction (db comes first, so a caller can pass a transaction).
import type { Prisma } from "../prisma/generated/prisma/client";

export type DbClient = Prisma.TransactionClient;
type TransactionOptions = { timeout?: number; maxWait?: number };
type CanTransact = DbClient & {
  $transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>, options?: TransactionOptions): Promise<T>;
};

/** Work waiting for a transaction opened by inTransaction to commit (afterCommit). */
const committing = new WeakMap<object, (() => void)[]>();

/**
 * Runs `fn` in a transaction, or inside the caller's transaction when `db` already is one. What
 * `fn` hands to afterCommit runs once the outermost transaction has committed, never if it rolls
 * back.
 */
export async function inTransaction<T>(
  db: DbClient,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  if (!("$transaction" in db)) return fn(db);
  // Within a transaction this opened, Prisma nests: the work waits for the outermost commit.
  const enclosing = committing.get(db);
  const after = enclosing ?? [];
  const result = await (db as CanTransact).$transaction((tx) => {
    committing.set(tx, after);
    return fn(tx);
  }, options);
  if (!enclosing) for (const work of after.splice(0)) work();
  return result;
}

/**
 * Runs `work` once `db`'s transaction has committed, when `db` is a transaction opened by
 * inTransaction; at once otherwise (nothing to wait for). For what must only follow changes that
 * stay, such as metrics: a rolled-back transaction's work is dropped, so a batch that is undone
 * and then settled again one by one is reported once. `work` must not throw.
 */
export function afterCommit(db: DbClient, work: () => void): void {
  const waiting = committing.get(db);
  if (waiting) waiting.push(work);
  else work();
}

/**
 * A plain pg pool or client (lib/db.ts createPgPool), for the one statement where Prisma's own
 * cost per query matters: storing a callback on the acknowledgement's path (record-callback.ts).
 */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}
