// Tokens shared between app instances through PostgreSQL: sealed at rest, and refreshed under a
// transaction-scoped advisory lock so one instance calls OAuth while the others wait and reuse.

import type { Keyring } from "../../crypto/keyring";
import { open, seal } from "../../crypto/seal";
import type { DbClient } from "../../db-types";
import { inTransaction } from "../../db-types";
import type { StoredToken, TokenStore } from "./token";

const context = (key: string) => `daraja-token:${key}`;

/**
 * Refreshes waiting in this process, per key: only one of them at a time holds a pooled
 * connection in a transaction waiting on the advisory lock. Otherwise more concurrent refreshes
 * than the pool has connections took every connection, and the one holding the lock could not
 * get another to record its OAuth call: all stalled until the transaction timeout
 * (tests/integration/token-refresh-pool.test.ts).
 */
const queued = new Map<string, Promise<unknown>>();

function oneAtATime<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queued.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => {});
  queued.set(key, tail);
  void tail.then(() => {
    if (queued.get(key) === tail) queued.delete(key);
  });
  return run;
}

function access(db: DbClient, keyring: Keyring) {
  return {
    async read(key: string): Promise<StoredToken | null> {
      const row = await db.darajaToken.findUnique({ where: { key } });
      if (!row) return null;
      try {
        return { token: open(keyring, row.tokenSealed, context(key)), expiresAt: row.expiresAt };
      } catch {
        return null; // sealed with a retired key: fetch a new token
      }
    },
    async write(key: string, token: StoredToken): Promise<void> {
      const data = { tokenSealed: seal(keyring, token.token, context(key)), expiresAt: token.expiresAt };
      await db.darajaToken.upsert({ where: { key }, create: { key, ...data }, update: data });
    },
  };
}

export function dbTokenStore(db: DbClient, keyring: Keyring): TokenStore {
  const { read, write } = access(db, keyring);
  return {
    read,
    write,
    lock(key, fn) {
      return oneAtATime(key, () =>
        inTransaction(
          db,
          async (tx) => {
            await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${context(key)}, 0))`;
            return fn(access(tx, keyring));
          },
          { timeout: 45_000, maxWait: 45_000 },
        ),
      ); // covers an OAuth call with its own 30 s timeout
    },
    async forget(key, token) {
      const current = await read(key);
      if (current?.token === token)
        await db.darajaToken.deleteMany({ where: { key, expiresAt: current.expiresAt } });
    },
  };
}
