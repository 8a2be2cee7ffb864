// The Prisma client singleton for the Next.js app (one pool per process, kept across hot reloads).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../prisma/generated/prisma/client";
import { getEnv } from "./env";

export type Db = PrismaClient;

/** A client for any database URL; tests and scripts use this with their own URL. */
export function createDb(databaseUrl: string, options: { max?: number } = {}): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.max ?? 10 });
  return new PrismaClient({ adapter });
}

const globalForDb = globalThis as unknown as { malipoDb?: Db; malipoIngestDb?: Db };

export function getDb(): Db {
  globalForDb.malipoDb ??= createDb(getEnv().DATABASE_URL);
  return globalForDb.malipoDb;
}

/**
 * A separate small pool for storing inbound callbacks, so acknowledging Daraja never waits
 * behind settlement, reconciliation or dashboard queries holding the main pool.
 */
export function getIngestDb(): Db {
  globalForDb.malipoIngestDb ??= createDb(getEnv().DATABASE_URL, { max: 5 });
  return globalForDb.malipoIngestDb;
}
