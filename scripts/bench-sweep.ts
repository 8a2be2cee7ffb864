// `npm run bench:sweep [-- --database-url <url>] [--items 100000] [--concurrency 4]`: Malipo's own cost per overdue
// payment in the reconciliation sweep (lib/payments/reconciliation/reconcile-payments.ts), with
// Daraja's answer time taken out.
//  1. --items pending STK payments, all past the 30 s first wait and the 3-minute result window,
//     inserted in one INSERT … SELECT generate_series. The in-process simulator (zero delay) knows
//     80% of their CheckoutRequestIDs as paid, 10% as cancelled (1032); it has never heard of the
//     other 10%, so their query is refused and they end timed_out: every decision path the sweep has.
//  2. Baseline, in the same run: as many bare STK Query calls to the same simulator (one fetch each,
//     body and token ready-made), one after the other: what asking Daraja costs and nothing else.
//  3. reconcilePayments run again and again, as the scheduler would, until nothing is due, following
//     up --concurrency handfuls at a time (default SWEEP_CONCURRENCY); every HTTP call it makes to the
//     simulator is timed. Malipo's overhead per item = (sweep wall time − time with at least one of
//     those calls out) / items (with --concurrency 1: wall − time inside the calls). Every payment
//     must end decided (none left pending). SQL statements sent by the sweep are counted too, and
//     this process's CPU time per item is set against the baseline's per call (own CPU: a figure
//     that other work on the machine moves less than wall time; PostgreSQL's CPU is not in it).
// The database is a fresh `malipo_bench_sweep_<random>` on the server of --database-url or
// DATABASE_URL, else on postgres://postgres@127.0.0.1:5432, else on a throwaway embedded
// PostgreSQL; migrated first, dropped at the end. Bounded: gives up after 20 minutes.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { generateKeyringSpec, parseKeyring } from "../lib/crypto/keyring";
import { lookupHash, seal } from "../lib/crypto/seal";
import { simulatorCredentials, upsertMpesaCredential } from "../lib/merchants/mpesa-credentials";
import { phoneContext } from "../lib/payments/collections/initiate-stk-payment";
import { SANDBOX_STK_PASSKEY, SANDBOX_STK_SHORTCODE } from "../lib/payments/daraja/environments";
import type { PaymentsDeps } from "../lib/payments/deps";
import { reconcilePayments, SWEEP_CONCURRENCY } from "../lib/payments/reconciliation/reconcile-payments";
import { startSimulator } from "../lib/simulator/server";
import { PrismaClient } from "../prisma/generated/prisma/client";
import { applyMigrations } from "./lib/apply-migrations";
import { dropDatabase, pickServer, runBench } from "./lib/bench";
import { createDatabase } from "./lib/embedded-postgres";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    items: { type: "string", default: "100000" },
    budget: { type: "string", default: "2" },
    concurrency: { type: "string" },
  },
});
const ITEMS = Number(values.items);
const BUDGET_MS = Number(values.budget);
const CONCURRENCY = Number(values.concurrency ?? SWEEP_CONCURRENCY);
const GIVE_UP_MS = 20 * 60_000;

/** User plus system CPU time of a process.cpuUsage() difference, in ms. */
function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/** Daraja's timestamp: yyyyMMddHHmmss in Nairobi time. */
function darajaTimestamp(at = new Date()): string {
  return new Date(at.getTime() + 3 * 3_600_000).toISOString().replace(/\D/g, "").slice(0, 14);
}

async function main() {
  if (!Number.isInteger(ITEMS) || ITEMS < 1) throw new Error("--items must be a positive whole number");
  const { serverUrl, embedded, source } = await pickServer(
    values["database-url"] ?? process.env.DATABASE_URL,
  );
  const dbName = `malipo_bench_sweep_${randomBytes(4).toString("hex")}`;
  const databaseUrl = await createDatabase(serverUrl, dbName);
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // Every statement the app's client sends (BEGIN and COMMIT included) is counted, to report
  // statements per item.
  const db = new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: 4 }),
    log: [{ emit: "event", level: "query" }],
  });
  // Prisma logs COMMIT and ROLLBACK but not the BEGIN before them: one is added for each.
  let statements = 0;
  let statementMs = 0;
  db.$on("query", (event) => {
    statements += /^(COMMIT|ROLLBACK)/.test(event.query) ? 2 : 1;
    statementMs += event.duration;
  });
  const spoolDir = mkdtempSync(join(tmpdir(), "malipo-bench-sweep-"));
  const sim = await startSimulator({ autoAnswerMs: 0 });
  try {
    await applyMigrations({ databaseUrl });
    const version = (await sql.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]
      ?.v;
    console.log(
      `database ${dbName} on ${source} (PostgreSQL ${version}), migrated; Node ${process.version}; ` +
        `${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)} at the start`,
    );

    // ---- 1. The overdue payments and what the simulator knows of them ----
    const keyring = parseKeyring(generateKeyringSpec("bench"));
    const merchant = await db.merchant.create({
      data: { name: "Bench sweep", slug: `bench-sweep-${dbName.slice(-8)}`, environment: "simulator" },
    });
    await upsertMpesaCredential(db, keyring, merchant.id, {
      ...simulatorCredentials(sim.certificatePem),
      environment: "simulator",
    });
    const msisdn = "254708374149";
    const t0 = performance.now();
    await sql.query(
      `INSERT INTO payments (id, merchant_id, amount, phone_sealed, phone_hash, phone_masked, reference,
                             status, merchant_request_id, checkout_request_id, created_at, updated_at)
       SELECT gen_random_uuid(), $1::uuid, 10 + g % 1000, $2, $3, $4, 'SWEEP-' || g, 'pending',
              'bench-' || g, 'ws_CO_bench_' || g,
              now() - interval '10 minutes' + g * interval '1 millisecond', now()
       FROM generate_series(1, $5::int) AS g`,
      [
        merchant.id,
        seal(keyring, msisdn, phoneContext(merchant.id)),
        lookupHash(keyring, msisdn, "phone"),
        "2547•••••149",
        ITEMS,
      ],
    );
    await sql.query("VACUUM (ANALYZE) payments");
    const outcomes = { paid: 0, cancelled: 0, unknown: 0 };
    for (let g = 1; g <= ITEMS; g++) {
      const kind = g % 10 === 0 ? "unknown" : g % 10 === 9 ? "cancelled" : "paid";
      outcomes[kind] += 1;
      if (kind === "unknown") continue;
      const checkoutRequestId = `ws_CO_bench_${g}`;
      sim.state.prompts.set(checkoutRequestId, {
        checkoutRequestId,
        merchantRequestId: `bench-${g}`,
        msisdn,
        amount: 10 + (g % 1000),
        shortcode: SANDBOX_STK_SHORTCODE,
        partyB: SANDBOX_STK_SHORTCODE,
        accountReference: `SWEEP-${g}`,
        description: "Bench",
        callbackUrl: "http://127.0.0.1:9/unused",
        createdAt: new Date(Date.now() - 600_000),
        state: "done",
        resultCode: kind === "paid" ? "0" : "1032",
        resultDesc:
          kind === "paid" ? "The service request is processed successfully." : "Request cancelled by user.",
      });
    }
    console.log(
      `\n${ITEMS.toLocaleString("en")} overdue pending payments inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
        `(the simulator answers ${outcomes.paid.toLocaleString("en")} paid, ${outcomes.cancelled.toLocaleString("en")} cancelled, ` +
        `and refuses ${outcomes.unknown.toLocaleString("en")} it never saw: they time out)`,
    );

    // ---- 2. Baseline: bare STK Query calls ----
    const tokenRes = await fetch(`${sim.url}/oauth/v1/generate?grant_type=client_credentials`, {
      headers: { Authorization: `Basic ${Buffer.from("simulator-key:simulator-secret").toString("base64")}` },
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const bareQuery = async (g: number) => {
      const timestamp = darajaTimestamp();
      const res = await fetch(`${sim.url}/mpesa/stkpushquery/v1/query`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify({
          BusinessShortCode: SANDBOX_STK_SHORTCODE,
          Password: Buffer.from(`${SANDBOX_STK_SHORTCODE}${SANDBOX_STK_PASSKEY}${timestamp}`).toString(
            "base64",
          ),
          Timestamp: timestamp,
          CheckoutRequestID: `ws_CO_bench_${g}`,
        }),
      });
      await res.arrayBuffer();
    };
    for (let g = 1; g <= 500; g++) await bareQuery(g); // warm-up: JIT and the keep-alive connection
    const b0 = performance.now();
    const bareCpu0 = process.cpuUsage();
    for (let g = 1; g <= ITEMS; g++) await bareQuery(g);
    const bareMs = performance.now() - b0;
    const bareCpu = cpuMs(process.cpuUsage(bareCpu0));

    // ---- 3. The sweep ----
    // darajaMs: time inside HTTP calls, summed; inFlightMs: time with at least one call out
    // (the same when items go one at a time).
    let darajaMs = 0;
    let darajaCalls = 0;
    let inFlight = 0;
    let inFlightSince = 0;
    let inFlightMs = 0;
    const timedFetch: typeof fetch = async (input, init) => {
      const t = performance.now();
      if (inFlight++ === 0) inFlightSince = t;
      try {
        return await fetch(input, init);
      } finally {
        const end = performance.now();
        darajaMs += end - t;
        darajaCalls += 1;
        if (--inFlight === 0) inFlightMs += end - inFlightSince;
      }
    };
    const deps: PaymentsDeps = {
      keyring,
      darajaBaseUrl: () => sim.url,
      appUrl: "http://127.0.0.1:9",
      promptLimiter: { consume: async () => null },
      fetch: timedFetch,
    };
    const totals = { runs: 0, queried: 0, settled: 0, timedOut: 0 };
    const statementsBefore = statements;
    const statementMsBefore = statementMs;
    const s0 = performance.now();
    const sweepCpu0 = process.cpuUsage();
    const loadAtStart = loadavg()[0] ?? 0;
    for (;;) {
      const counts = await reconcilePayments(db, deps, { spoolDir, followUpConcurrency: CONCURRENCY });
      totals.runs += 1;
      totals.queried += counts.queried;
      totals.settled += counts.settled;
      totals.timedOut += counts.timedOut;
      if (counts.queried === 0) break;
      if (totals.runs % 50 === 0)
        console.log(
          `  ${totals.queried.toLocaleString("en")} queried after ${totals.runs} runs (${((performance.now() - s0) / 1000).toFixed(0)} s)`,
        );
    }
    const sweepMs = performance.now() - s0;
    const sweepCpu = cpuMs(process.cpuUsage(sweepCpu0));
    const sweepStatements = statements - statementsBefore;
    const sweepStatementMs = statementMs - statementMsBefore;
    const left = (
      await sql.query<{ status: string; n: string }>(
        "SELECT status::text AS status, count(*) AS n FROM payments WHERE merchant_id = $1 GROUP BY 1 ORDER BY 1",
        [merchant.id],
      )
    ).rows;
    const pending = Number(left.find((r) => r.status === "pending")?.n ?? 0);

    const perItem = (ms: number) => ms / ITEMS;
    const ownPerItem = perItem(sweepMs - inFlightMs);
    console.log(
      `\nbaseline: ${ITEMS.toLocaleString("en")} bare STK Query calls to the simulator, one after the other`,
    );
    console.log(`  ${(bareMs / 1000).toFixed(1)} s, ${perItem(bareMs).toFixed(3)} ms a call`);
    console.log(
      `\nsweep: reconcilePayments × ${totals.runs} runs, ${totals.queried.toLocaleString("en")} queried, ` +
        `${totals.settled.toLocaleString("en")} settled, ${totals.timedOut.toLocaleString("en")} timed out; ` +
        `now ${left.map((r) => `${r.status} ${Number(r.n).toLocaleString("en")}`).join(", ")}`,
    );
    console.log(
      `  ${(sweepMs / 1000).toFixed(1)} s wall, ${perItem(sweepMs).toFixed(3)} ms an item; ` +
        `${(darajaMs / 1000).toFixed(1)} s inside ${darajaCalls.toLocaleString("en")} HTTP calls to the simulator ` +
        `(${CONCURRENCY} handfuls at a time), ${(inFlightMs / 1000).toFixed(1)} s of the wall with at least one out`,
    );
    console.log(
      `  ${sweepStatements.toLocaleString("en")} SQL statements (BEGIN/COMMIT included), ` +
        `${(sweepStatements / ITEMS).toFixed(1)} an item; ${perItem(sweepStatementMs).toFixed(3)} ms an item ` +
        "waiting for them as Prisma times them (summed over connections)",
    );
    console.log(
      `  Malipo's own overhead (wall time with no HTTP call out): ${ownPerItem.toFixed(3)} ms an item ` +
        `(budget ${BUDGET_MS} ms; ${(ownPerItem / perItem(bareMs)).toFixed(1)}× a bare query); ` +
        `whole item ${(perItem(sweepMs) / perItem(bareMs)).toFixed(1)}× a bare query`,
    );
    console.log(
      `  CPU of this process (Malipo, its Prisma and HTTP client, and the in-process simulator): ` +
        `${perItem(sweepCpu).toFixed(3)} ms an item in the sweep against ${perItem(bareCpu).toFixed(3)} ms a bare ` +
        `query; the difference, ${perItem(sweepCpu - bareCpu).toFixed(3)} ms an item, is Malipo's own CPU ` +
        "(less sensitive to other work on the machine than the wall time; PostgreSQL's CPU not included)",
    );
    console.log(
      `  load average ${loadAtStart.toFixed(1)} at the sweep's start, ${loadavg()[0]?.toFixed(1)} at its end (${cpus().length} cores, shared with PostgreSQL)`,
    );
    console.log(
      "\nWhat limits it: per run, one read of up to 200 due payments, one inbox query for all of them " +
        "and one UPDATE counting their queries; per merchant, one client (credentials and token read " +
        "once); per handful of 20, one transaction that writes the queries' daraja_calls records (one " +
        "INSERT), locks the payments, checks the inbox again, settles the answered ones (one UPDATE, one " +
        "INSERT of their events) and times out the expired ones (the same two), while the worker " +
        `queries its next handful; ${CONCURRENCY} handfuls at a time (reconcile-payments.ts, ` +
        "follow-up-stk-payment.ts). Per item what is left is Node's work: the HTTP client (undici), " +
        "JSON, redaction and zod on each call, and Prisma's and pg's share of each handful's " +
        "statements, on the same 2 cores as PostgreSQL and the simulator (shared with other work on " +
        "this machine).",
    );
    if (pending > 0) throw new Error(`${pending} payments still pending after the sweep`);
    if (ownPerItem > BUDGET_MS) {
      console.error(`\nover budget: ${ownPerItem.toFixed(3)} ms > ${BUDGET_MS} ms an item`);
      process.exitCode = 1;
    }
  } finally {
    await sim.close();
    rmSync(spoolDir, { recursive: true, force: true });
    await db.$disconnect();
    await sql.end();
    await dropDatabase(serverUrl, dbName);
    await embedded?.stop();
  }
}

runBench("bench:sweep", GIVE_UP_MS, async () => {
  await main();
  if (process.exitCode) process.exit(process.exitCode);
});
