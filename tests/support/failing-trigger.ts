// A failure part-way through a batch, made by PostgreSQL itself: a trigger that raises on the rows
// matching a condition, for as long as `work` runs (tests of what a batch does when one row fails).
import type { Db } from "@/lib/db";

export async function withFailingTrigger<T>(
  db: Db,
  options: {
    /** A name unique to the test (the trigger and its function are named after it). */
    name: string;
    table: string;
    event: "INSERT" | "UPDATE";
    /** The condition on NEW under which the row is refused, as SQL. */
    when: string;
    message: string;
  },
  work: () => Promise<T>,
): Promise<T> {
  const { name, table } = options;
  await db.$executeRawUnsafe(`
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger AS $$
    BEGIN
      IF ${options.when} THEN RAISE EXCEPTION '${options.message}'; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`);
  await db.$executeRawUnsafe(
    `CREATE TRIGGER ${name} BEFORE ${options.event} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`,
  );
  try {
    return await work();
  } finally {
    await db.$executeRawUnsafe(`DROP TRIGGER ${name} ON ${table}`);
  }
}
