// `npm run dev` and `npm start` (with --prod): one launcher that makes a fresh clone run with
// nothing configured. With DATABASE_URL unset it starts an embedded PostgreSQL (data in .malipo/),
// applies migrations, seeds demo data, then starts the app's server (scripts/serve.ts: Next in
// development or production mode) and prints the URL, the demo logins and the API key. With
// DATABASE_URL set it uses that database.
import { type ChildProcess, spawn } from "node:child_process";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import nextEnv from "@next/env";
import { parseKeyring } from "../lib/crypto/keyring";
import { createDb } from "../lib/db";
import { EnvError, parseEnv } from "../lib/env";
import type { Simulator } from "../lib/simulator/server";
import { DEMO_USERS, linkDemoInitiator, seedDemo } from "../prisma/seed";
import { applyMigrations } from "./lib/apply-migrations";
import { createDatabase, type EmbeddedPostgres, startEmbeddedPostgres } from "./lib/embedded-postgres";
import { loadLocalState } from "./lib/local-state";
import { startSimulatorIfNeeded } from "./lib/simulator-default";

const root = join(import.meta.dirname, "..");
const { values: flags } = parseArgs({
  options: {
    prod: { type: "boolean", default: false },
    /** Throwaway database on a free port, removed on exit (end-to-end tests). */
    ephemeral: { type: "boolean", default: false },
  },
});

const started = performance.now();
const say = (msg: string) => console.log(`\x1b[32m[malipo]\x1b[0m ${msg}`);

async function main(): Promise<void> {
  nextEnv.loadEnvConfig(root, !flags.prod, { info: () => {}, error: console.error });
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  const embedded = !env.DATABASE_URL;
  let pg: EmbeddedPostgres | undefined;

  if (embedded || !flags.prod) {
    const local = loadLocalState(join(root, ".malipo", "local.json"));
    env.AUTH_SECRET ||= local.authSecret;
    env.MALIPO_ENCRYPTION_KEYS ||= local.encryptionKeys;
    env.DEMO_PASSWORD ||= local.demoPassword;
    env.DEMO_API_KEY ||= local.demoApiKey;
  }

  if (embedded) {
    const port = flags.ephemeral ? 0 : Number(env.MALIPO_PG_PORT || 54329);
    pg = await startEmbeddedPostgres({
      persistent: !flags.ephemeral,
      dataDir: flags.ephemeral ? undefined : join(root, ".malipo", "pg", "data"),
      port,
      portHint: "MALIPO_PG_PORT",
      log: say,
    });
    stopOnSignals(() => pg?.stop());
    env.DATABASE_URL = await createDatabase(pg.url, "malipo");
    say(`embedded PostgreSQL on port ${pg.port} (data: ${relativeOrAbsolute(pg.dataDir)})`);
  }

  const config = parseEnv({ ...env, NODE_ENV: flags.prod ? "production" : "development" });
  const { applied } = await applyMigrations({ databaseUrl: config.DATABASE_URL });
  if (applied.length > 0) say(`applied ${applied.length} migration(s): ${applied.join(", ")}`);

  const seedWanted = embedded || env.MALIPO_SEED_DEMO === "1";
  const db = createDb(config.DATABASE_URL, { max: 2 });
  let sim: Simulator | null = null;
  try {
    if (seedWanted && env.DEMO_PASSWORD && env.DEMO_API_KEY) {
      const { created } = await seedDemo(db, {
        password: env.DEMO_PASSWORD,
        apiKey: env.DEMO_API_KEY,
        keyring: parseKeyring(config.MALIPO_ENCRYPTION_KEYS),
      });
      if (created) say("demo data created");
    }
    sim = await startSimulatorIfNeeded(db, env, say);
    if (sim && seedWanted) {
      await linkDemoInitiator(db, {
        keyring: parseKeyring(config.MALIPO_ENCRYPTION_KEYS),
        certificatePem: sim.certificatePem,
      });
    }
  } finally {
    await db.$disconnect();
  }
  if (sim) {
    stopOnSignals(() => sim?.close());
    env.MPESA_SIM_PORT = String(sim.port);
  }

  // Next runs behind the front server (scripts/serve.ts), the one place that knows client IPs.
  const next = spawn(join(root, "node_modules", ".bin", "tsx"), [join(root, "scripts", "serve.ts")], {
    cwd: root,
    env: { ...env, NODE_ENV: config.NODE_ENV, PORT: String(config.PORT) },
    stdio: "inherit",
  });
  stopOnSignals(() => stopChild(next));
  next.on("exit", async (code, signal) => {
    await sim?.close();
    await pg?.stop();
    process.exit(code ?? (signal ? 1 : 0));
  });

  const url = `http://localhost:${config.PORT}`;
  if (await waitForHealthy(`${url}/api/health`, next)) {
    printBanner({ url, seeded: seedWanted, password: env.DEMO_PASSWORD, apiKey: env.DEMO_API_KEY, pg, sim });
  }
}

function printBanner(o: {
  url: string;
  seeded: boolean;
  password?: string;
  apiKey?: string;
  pg?: EmbeddedPostgres;
  sim: Simulator | null;
}) {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const lines = [`Malipo is ready in ${seconds}s → ${o.url}`];
  if (o.seeded && o.password) {
    lines.push("", "Demo sign-in (local data only):");
    for (const user of DEMO_USERS) {
      const roles = Object.entries(user.roles)
        .map(([m, r]) => `${r} of ${m}`)
        .join(", ");
      lines.push(`  ${user.email.padEnd(24)} ${o.password}   (${roles})`);
    }
    if (o.apiKey) lines.push("", `Demo API key: ${o.apiKey}`);
  }
  if (o.sim) {
    lines.push("", `Daraja simulator: ${o.sim.url}   virtual phone: http://localhost:${o.sim.port}/phone`);
    lines.push("Send a test prompt: npm run stk -- --phone 0712345678 --amount 10");
  }
  if (o.pg) lines.push(`Database: ${o.pg.url.replace(/\/postgres$/, "/malipo")}`);
  const width = Math.max(...lines.map((l) => l.length)) + 2;
  console.log(`\n┌${"─".repeat(width)}┐`);
  for (const line of lines) console.log(`│ ${line.padEnd(width - 1)}│`);
  console.log(`└${"─".repeat(width)}┘\n`);
}

async function waitForHealthy(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
let stopping = false;
function stopOnSignals(cleanup: () => Promise<void> | void) {
  if (cleanups.length === 0) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      // `on`, not `once`: a signal sent to the whole process group arrives twice (directly and
      // relayed by tsx), and a second one with no handler would kill us mid-cleanup, orphaning
      // the embedded PostgreSQL.
      process.on(signal, async () => {
        if (stopping) return;
        stopping = true;
        for (const fn of [...cleanups].reverse()) await fn();
        process.exit(0);
      });
    }
  }
  cleanups.push(cleanup);
}

function relativeOrAbsolute(path: string): string {
  const rel = relative(root, path);
  return rel.startsWith("..") ? path : rel;
}

main().catch(async (error: unknown) => {
  for (const fn of [...cleanups].reverse()) await fn();
  const message = error instanceof EnvError || error instanceof Error ? error.message : String(error);
  console.error(`\n\x1b[31m[malipo] could not start:\x1b[0m ${message}\n`);
  process.exit(1);
});
