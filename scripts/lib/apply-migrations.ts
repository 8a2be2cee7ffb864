// Applies prisma/migrations with nothing but `pg`: fast enough to run at every start-up, safe
// when several processes start at once (advisory lock), and it records `_prisma_migrations`
// rows exactly as Prisma does, so `prisma migrate deploy/status` elsewhere agree with it.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

export const MIGRATIONS_DIR = join(import.meta.dirname, "..", "..", "prisma", "migrations");

/** Prisma Migrate's own lock key, so this also waits for (and blocks) a real `prisma migrate`. */
const PRISMA_MIGRATE_LOCK = 72707369;

/** Prisma's DDL for its bookkeeping table (sql-schema-connector, PostgreSQL flavour). */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = "MigrationError";
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Prisma accepts a checksum taken with either line ending: git may have converted the file. */
function matchesChecksum(sql: string, checksum: string): boolean {
  return [sql, sql.replaceAll("\r\n", "\n"), sql.replaceAll("\n", "\r\n")].some(
    (s) => sha256(s) === checksum,
  );
}

/** The migration folders in the order Prisma applies them. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const file = join(dir, name, "migration.sql");
      if (!existsSync(file)) throw new MigrationError(`${file} is missing`);
      const sql = readFileSync(file, "utf8");
      return { name, sql, checksum: sha256(sql) };
    });
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export async function applyMigrations(options: {
  databaseUrl: string;
  migrationsDir?: string;
  log?: (msg: string) => void;
}): Promise<{ applied: string[] }> {
  const migrations = readMigrations(options.migrationsDir);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const { rows: locked } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [
      PRISMA_MIGRATE_LOCK,
    ]);
    if (!locked[0]?.ok) {
      options.log?.("waiting for another migration run to finish");
      await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
    }
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<MigrationRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
    );
    const done = new Map<string, string>();
    for (const row of rows) {
      if (row.rolled_back_at) continue;
      if (!row.finished_at) {
        throw new MigrationError(
          `migration ${row.migration_name} failed earlier and was never finished: repair the database by hand, ` +
            `then mark it (\`npx prisma migrate resolve --rolled-back ${row.migration_name}\`, or offline ` +
            `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${row.migration_name}')`,
        );
      }
      done.set(row.migration_name, row.checksum);
    }

    const applied: string[] = [];
    for (const migration of migrations) {
      const recorded = done.get(migration.name);
      if (recorded !== undefined) {
        if (!matchesChecksum(migration.sql, recorded)) {
          throw new MigrationError(
            `migration ${migration.name} was edited after it was applied (checksum differs): ` +
              "restore it and put the change in a new migration",
          );
        }
        continue;
      }
      await applyOne(client, migration);
      applied.push(migration.name);
      options.log?.(`applied ${migration.name}`);
    }
    return { applied };
  } finally {
    // Closing the session releases the advisory lock too; unlocking first just frees it sooner.
    await client.query("SELECT pg_advisory_unlock_all()").catch(() => {});
    await client.end();
  }
}

/**
 * One migration and its row in a single transaction: a failure leaves no trace, so fixing the file
 * and running again is enough. The row reads as Prisma writes it: started, one step, finished.
 */
async function applyOne(client: pg.Client, migration: Migration): Promise<void> {
  const id = randomUUID();
  await client.query("BEGIN");
  try {
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), 0)`,
      [id, migration.checksum, migration.name],
    );
    await client.query(migration.sql);
    await client.query(
      `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${migration.name} failed and was rolled back: ${reason}`);
  }
}
