// The Prisma client singleton for the Next.js app (one pool per process, kept across hot reloads).
import { PrismaPg } from "@prisma/adapter-pg";
import { Pool } from "pg";
import { PrismaClient } from "../prisma/generated/prisma/client";
import { getEnv } from "./env";
import { getLogger } from "./logger";
import { callbackStoreRows } from "./observability/metrics";
import { groupCallbackWrites, type RecordCallback } from "./payments/callbacks/group-callback-writes";

export type Db = PrismaClient;

/** A client for any database URL; tests and scripts use this with their own URL. */
export function createDb(databaseUrl: string, options: { max?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.max ?? 10 });
  return new PrismaClient({ adapter });
}

/**
 * A plain pg pool (the rate limiters use one). An idle connection that PostgreSQL closes (a
 * restart, a failover, an administrator) makes the pool emit `error`; with no listener Node treats
 * that as an uncaught exception and the whole server dies, callbacks in flight included. The
 * listener only logs: the pool drops the broken connection and opens a new one when next asked.
 * Every pg pool in the app is made here (tests/unit/pg-pools.test.ts). With `timeoutMs`, getting a
 * connection and each query give up after that long (the query's connection is then closed and
 * replaced), so a stalled server or a lost network path cannot hold the pool's connections forever.
 */
export function createPgPool(
  databaseUrl: string,
  options: { max: number; name: string; timeoutMs?: number },
): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max: options.max,
    application_name: options.name,
    ...(options.timeoutMs
      ? { connectionTimeoutMillis: options.timeoutMs, query_timeout: options.timeoutMs }
      : {}),
  });
  pool.on("error", (error) =>
    getLogger().warn(
      { err: error, pool: options.name },
      "an idle database connection closed; it is replaced",
    ),
  );
  return pool;
}

const globalForDb = globalThis as unknown as {
  malipoDb?: Db;
  malipoIngestDb?: Db;
  malipoIngestPool?: Pool;
  malipoCallbackWriter?: RecordCallback;
};

export function getDb(): Db {
  globalForDb.malipoDb ??= createDb(getEnv().DATABASE_URL);
  return globalForDb.malipoDb;
}

/**
 * How long the callback pool waits for a connection or a query: past the 3 s after which a waiting
 * callback is spooled (group-callback-writes.ts), it frees a connection a stalled database holds.
 */
const INGEST_TIMEOUT_MS = 5_000;

/**
 * Small pools of their own for inbound callbacks, so acknowledging Daraja never waits behind
 * settlement, reconciliation or dashboard queries holding the main pool: a plain pg pool for the
 * INSERTs that store callbacks (record-callback.ts: a third of Prisma's CPU for it), and a Prisma
 * client for the rest (the merchant lookup, which is cached, refusals, C2B validation).
 */
export function getIngestPool(): Pool {
  globalForDb.malipoIngestPool ??= createIngestPool(getEnv().DATABASE_URL, "malipo-ingest");
  return globalForDb.malipoIngestPool;
}

/** A pg pool sized and timed for storing callbacks (getIngestPool's; the drills' endpoint makes its own). */
export function createIngestPool(databaseUrl: string, name: string): Pool {
  return createPgPool(databaseUrl, { max: 5, name, timeoutMs: INGEST_TIMEOUT_MS });
}

/**
 * How the callback endpoint stores what arrives: group commit over the ingest pool, so a burst of
 * callbacks shares INSERTs and commits (group-callback-writes.ts). One per process (on globalThis:
 * the front server and Next's bundle load this module separately).
 */
export function getCallbackWriter(): RecordCallback {
  globalForDb.malipoCallbackWriter ??= groupCallbackWrites(getIngestPool(), {
    onGroup: (size) => callbackStoreRows.observe(size),
  });
  return globalForDb.malipoCallbackWriter;
}

export function getIngestDb(): Db {
  globalForDb.malipoIngestDb ??= createDb(getEnv().DATABASE_URL, { max: 3 });
  return globalForDb.malipoIngestDb;
}
