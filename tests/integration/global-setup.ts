// Integration tests run against a real PostgreSQL: TEST_DATABASE_URL when set (a server the
// run may create databases on), otherwise an embedded PostgreSQL this run starts and stops.
// Either way the tests get a brand-new database with every migration applied.
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../scripts/lib/apply-migrations";
import {
  createDatabase,
  type EmbeddedPostgres,
  startEmbeddedPostgres,
} from "../../scripts/lib/embedded-postgres";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

let server: EmbeddedPostgres | undefined;

export default async function setup(project: TestProject) {
  let serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    server = await startEmbeddedPostgres({ persistent: false });
    serverUrl = server.url;
  }
  const databaseUrl = await createDatabase(serverUrl, `malipo_test_${randomBytes(4).toString("hex")}`);
  await applyMigrations({ databaseUrl });
  project.provide("databaseUrl", databaseUrl);
  return async () => {
    await server?.stop();
  };
}
