// Two app instances against one PostgreSQL (deploy/compose.yaml runs two). Starting two
// production servers needs a fresh `next build` (minutes on this machine, and .next is shared
// with other work), so each "instance" here is what one owns: its own Prisma client and its own
// pg pools. What must be shared goes through the database, and that is what these check:
// migrations started by both at once (as two real processes), rate limits, the Daraja token,
// sign-in delays and the audit chain.
import { spawn } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { appendAuditLog } from "@/lib/audit/append-audit-log";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { createDb, type Db } from "@/lib/db";
import { createDarajaClient } from "@/lib/payments/daraja/client";
import { dbTokenStore } from "@/lib/payments/daraja/db-token-store";
import { createLimiter } from "@/lib/security/rate-limit";
import {
  reserveSignInAttempt,
  type SignInThrottlePolicy,
  signInThrottleKeys,
} from "@/lib/security/sign-in-throttle";
import { readMigrations } from "@/scripts/lib/apply-migrations";
import { createDatabase } from "@/scripts/lib/embedded-postgres";
import { createMerchant } from "../factories";
import { startDarajaWorld } from "../support/daraja";
import { testDatabaseUrl } from "./db";

const root = join(import.meta.dirname, "..", "..");

/** One instance's connections: a Prisma client and the separate pool its limiters use. */
interface Instance {
  db: Db;
  pool: pg.Pool;
}

describe("two app instances sharing one PostgreSQL", () => {
  const instances: Instance[] = [];
  const [a, b] = [0, 1].map(() => {
    const instance = {
      db: createDb(testDatabaseUrl(), { max: 3 }),
      pool: new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 }),
    };
    instances.push(instance);
    return instance;
  }) as [Instance, Instance];
  afterAll(async () => {
    for (const i of instances) await Promise.all([i.db.$disconnect(), i.pool.end()]);
  });

  it("apply migrations once when both instances' migrate steps start together on an empty database", async () => {
    const server = new URL(testDatabaseUrl());
    server.pathname = "/postgres";
    const fresh = await createDatabase(server.toString(), `malipo_two_${process.pid}_${Date.now()}`);
    const runs = await Promise.all([migrateProcess(fresh), migrateProcess(fresh), migrateProcess(fresh)]);
    for (const run of runs) expect(run.code, run.output).toBe(0);
    // One process applied everything; the others waited on the lock and found nothing to do.
    const expected = readMigrations().length;
    const appliedCounts = runs.map((r) => Number(/applied (\d+) migration/.exec(r.output)?.[1] ?? 0)).sort();
    expect(appliedCounts).toEqual([0, 0, expected]);
    const client = new pg.Client({ connectionString: fresh });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string; distinct_names: string }>(
        `SELECT count(*) AS n, count(DISTINCT migration_name) AS distinct_names FROM _prisma_migrations
          WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      );
      expect(rows[0]).toEqual({ n: String(expected), distinct_names: String(expected) });
    } finally {
      await client.end();
      await dropDatabase(server.toString(), fresh);
    }
  }, 60_000);

  it("count rate limits together: a key's allowance is spent across both instances", async () => {
    const options = { name: `two-instances:${Date.now()}`, points: 5, durationSeconds: 60 };
    const onA = createLimiter(a.pool, options);
    const onB = createLimiter(b.pool, options);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? onA : onB).consume("api-key-1")),
    );
    expect(results.filter((r) => r === null)).toHaveLength(5);
    expect(await onB.blockedFor("api-key-1")).toBeGreaterThan(0);
    expect(await onA.consume("api-key-2")).toBeNull(); // other keys are untouched
  });

  it("share one Daraja token: both instances' calls cost a single OAuth request", async () => {
    const world = await startDarajaWorld();
    try {
      const keyring = parseKeyring(generateKeyringSpec("t1"));
      const clients = [a, b].map((i) =>
        createDarajaClient(world.client.config, {
          tokenStore: dbTokenStore(i.db, keyring),
          tokenKey: "two:simulator",
        }),
      );
      const urls = { resultUrl: world.receiver.url("/r"), timeoutUrl: world.receiver.url("/t") };
      await Promise.all(clients.flatMap((c) => Array.from({ length: 6 }, () => c.accountBalance(urls))));
      expect(world.sim.state.stats.oauthCalls).toBe(1);
    } finally {
      await world.close();
    }
  });

  it("share sign-in delays: guesses spread over both instances are slowed as one", async () => {
    const rule = { freeFailures: 3, firstDelaySeconds: 60, maxDelaySeconds: 600 };
    const policy: SignInThrottlePolicy = {
      emailAndIp: rule,
      ip: { ...rule, freeFailures: 1000 },
      email: { ...rule, freeFailures: 1000 },
      device: rule,
      forgetAfterSeconds: 3600,
    };
    const keys = signInThrottleKeys({ email: "owner@example.com", ip: "203.0.113.9" });
    const now = new Date();
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => reserveSignInAttempt((i % 2 ? b : a).db, { keys, policy, now })),
    );
    // Three free failures and the one that starts the first delay; every other guess waits.
    expect(attempts.filter((r) => r.ok)).toHaveLength(rule.freeFailures + 1);
    expect(attempts.filter((r) => !r.ok)).toHaveLength(10 - (rule.freeFailures + 1));
  });

  it("keep one unbroken audit chain when both append to the same merchant at once", async () => {
    const merchant = await createMerchant(a.db);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendAuditLog((i % 2 ? b : a).db, {
          merchantId: merchant.id,
          actor: { type: "system" },
          action: `test.${i}`,
        }),
      ),
    );
    expect(await verifyAuditChain(a.db, { chain: merchant.id })).toMatchObject({ ok: true, rows: 20 });
  });
});

/** The compose file's migrate step as its own process (scripts/migrate-deploy.ts). */
function migrateProcess(databaseUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      join(root, "node_modules", ".bin", "tsx"),
      [join(root, "scripts", "migrate-deploy.ts")],
      {
        cwd: root,
        env: { PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: databaseUrl },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("exit", (code) => resolve({ code, output }));
  });
}

async function dropDatabase(serverUrl: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
