// Applies pending migrations and exits: the one-off step of a deployment (deploy/compose.yaml's
// `migrate` service). It needs only DATABASE_URL and the `pg` driver, so it runs in the production
// image, which leaves out the schema engine that `npm run db:migrate` (scripts/migrate.ts) loads.
// `npm start` applies migrations too; run this first so instances start against a ready schema.
import { applyMigrations } from "./lib/apply-migrations";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("[malipo] DATABASE_URL is required to apply migrations");
  process.exit(1);
}
try {
  const { applied } = await applyMigrations({ databaseUrl, log: (msg) => console.log(`[malipo] ${msg}`) });
  console.log(
    `[malipo] ${applied.length === 0 ? "schema up to date" : `applied ${applied.length} migration(s)`}`,
  );
} catch (error) {
  console.error(`[malipo] migrations failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
