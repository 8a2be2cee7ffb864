// The test database for integration tests, and a cleaner that empties every table.
import { afterAll, inject } from "vitest";
import { createDb, type Db } from "@/lib/db";

let db: Db | undefined;

export function testDb(): Db {
  if (!db) {
    db = createDb(inject("databaseUrl"), { max: 5 });
    afterAll(async () => {
      await db?.$disconnect();
      db = undefined;
    });
  }
  return db;
}

export function testDatabaseUrl(): string {
  return inject("databaseUrl");
}

/** TRUNCATE (not DELETE): the audit log's append-only trigger rightly refuses deletes. */
export async function truncateAll(client: Db): Promise<void> {
  const tables = await client.$queryRaw<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`;
  if (tables.length === 0) return;
  const list = tables.map((t) => `"public"."${t.tablename}"`).join(", ");
  await client.$executeRawUnsafe(`TRUNCATE ${list} RESTART IDENTITY CASCADE`);
}
