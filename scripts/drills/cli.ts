// Command-line plumbing shared by the drills: flags, and the PostgreSQL server a drill makes its own
// database on (--database-url <server url>, as the benchmarks take it, else DATABASE_URL, else a
// throwaway embedded PostgreSQL).
import { parseArgs } from "node:util";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "../lib/embedded-postgres";
import { createDrillDatabase, dropDrillDatabase } from "./world";

export function drillFlags(defaults: { n: number }) {
  const { values } = parseArgs({
    options: {
      n: { type: "string" },
      "database-url": { type: "string" },
      keep: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: false,
  });
  return {
    n: Number(values.n ?? defaults.n),
    pg: typeof values["database-url"] === "string" ? values["database-url"] : process.env.DATABASE_URL,
    keep: values.keep === true,
  };
}

/** Runs `drill` on a fresh database, drops it after (unless --keep), exits with the drill's code. */
export async function runOnOwnDatabase(
  name: string,
  flags: { pg?: string; keep: boolean },
  drill: (databaseUrl: string) => Promise<number>,
): Promise<never> {
  let embedded: EmbeddedPostgres | undefined;
  let code = 1;
  try {
    if (!flags.pg) embedded = await startEmbeddedPostgres({ persistent: false });
    const server = flags.pg ?? embedded?.url ?? "";
    const databaseUrl = await createDrillDatabase(server, name);
    try {
      code = await drill(databaseUrl);
    } finally {
      if (!flags.keep) await dropDrillDatabase(databaseUrl).catch(() => {});
    }
  } catch (error) {
    console.error(`drill ${name}: ERROR`, error);
    code = 1;
  } finally {
    await embedded?.stop();
  }
  process.exit(code);
}
