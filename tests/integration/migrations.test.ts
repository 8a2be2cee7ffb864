import { describe, expect, it } from "vitest";
import { applyMigrations, readMigrations } from "@/scripts/lib/apply-migrations";
import { checkDrift } from "@/scripts/migrate";
import { testDatabaseUrl, testDb } from "./db";

describe("migrations", () => {
  it("match schema.prisma exactly (no drift), checked on this PostgreSQL", async () => {
    const result = await checkDrift({ databaseUrl: testDatabaseUrl() });
    expect(result.sql).toBe("");
    expect(result.drift).toBe(false);
  });

  it("are all applied, recorded the way Prisma records them, and re-applying is a no-op", async () => {
    const rows = await testDb().$queryRaw<
      { migration_name: string; checksum: string; applied_steps_count: number }[]
    >`
      SELECT migration_name, checksum, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`;
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(
      readMigrations().map((m) => [m.name, m.checksum, 1]),
    );
    expect(await applyMigrations({ databaseUrl: testDatabaseUrl() })).toEqual({ applied: [] });
  });
});
