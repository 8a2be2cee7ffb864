// A throwaway, migrated database for one drill run: created on --database-url / DATABASE_URL's
// server, else PostgreSQL on 127.0.0.1:5432, else an embedded PostgreSQL; dropped afterwards.
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { createDb, type Db } from "../../../lib/db";
import { applyMigrations } from "../../lib/apply-migrations";
import { dropDatabase, pickServer } from "../../lib/bench";
import { createDatabase } from "../../lib/embedded-postgres";

/** Runs `fn` with a fresh database named `malipo_drill_<name>_<random>`, then drops it. */
export async function withDrillDatabase<T>(
  name: string,
  serverUrlGiven: string | undefined,
  fn: (db: Db, databaseUrl: string) => Promise<T>,
): Promise<T> {
  const { serverUrl, embedded, source } = await pickServer(serverUrlGiven);
  const dbName = `malipo_drill_${name}_${randomBytes(4).toString("hex")}`;
  const databaseUrl = await createDatabase(serverUrl, dbName);
  await applyMigrations({ databaseUrl });
  console.log(`database ${dbName} on ${source}, migrated; Node ${process.version}`);
  const db = createDb(databaseUrl, { max: 8 });
  try {
    return await fn(db, databaseUrl);
  } finally {
    await db.$disconnect();
    await dropDatabase(serverUrl, dbName);
    await embedded?.stop();
  }
}

/** True when this module is the script node was started with (not imported by a test). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return !!entry && metaUrl === pathToFileURL(entry).href;
}
