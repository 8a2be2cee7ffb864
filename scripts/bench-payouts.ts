// `npm run bench:payouts [-- --database-url <url>] [--rows 10000] [--per-second 5] [--payouts 50]`:
// how fast Malipo takes a bulk payout file and how closely it keeps a merchant's send rate.
//  1. A payouts CSV of --rows rows (mostly B2C to 2547… phones, some B2B paybills), made in memory,
//     checked (parsePayoutCsv via previewPayoutCsv) and queued (queuePayoutCsv: checked again,
//     phones sealed, one INSERT, one audit row) into a real database; wall time and peak RSS/heap
//     next to csv-parse alone reading the same text and one plain multi-row INSERT through `pg`.
//  2. --payouts approved payouts of a merchant whose policy says submitPerSecond = --per-second,
//     sent through the in-process pacer and submitPayout to the in-process Daraja simulator: the
//     observed sends a second (from submittedAt) against the configured rate, then the same
//     number unthrottled for Malipo's own time per payout (submitPayout minus the HTTP to Daraja).
// The database is a fresh `malipo_bench_payouts_<random>` on the server of --database-url or
// DATABASE_URL, else on postgres://postgres@127.0.0.1:5432, else on a throwaway embedded
// PostgreSQL; it is migrated first and dropped at the end. Bounded: gives up after 5 minutes.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { parse } from "csv-parse";
import pg from "pg";
import { generateKeyringSpec, parseKeyring } from "../lib/crypto/keyring";
import { createDb } from "../lib/db";
import { simulatorCredentials, upsertMpesaCredential } from "../lib/merchants/mpesa-credentials";
import type { PaymentsDeps } from "../lib/payments/deps";
import { PAYOUT_CSV_COLUMNS } from "../lib/payments/payouts/payout-csv";
import { previewPayoutCsv } from "../lib/payments/payouts/preview-payout-csv";
import { queuePayoutCsv } from "../lib/payments/payouts/queue-payout-csv";
import { sealRecipientPhone } from "../lib/payments/payouts/recipient-phone";
import { createSubmitPacer } from "../lib/payments/payouts/submit-pacer";
import { submitPayout } from "../lib/payments/payouts/submit-payout";
import { startSimulator } from "../lib/simulator/server";
import { applyMigrations } from "./lib/apply-migrations";
import { dropDatabase, line, measure, pickServer, runBench } from "./lib/bench";
import { createDatabase } from "./lib/embedded-postgres";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    rows: { type: "string", default: "10000" },
    "per-second": { type: "string", default: "5" },
    payouts: { type: "string", default: "50" },
  },
});
const ROWS = Number(values.rows);
const PER_SECOND = Number(values["per-second"]);
const PAYOUTS = Number(values.payouts);
const GIVE_UP_MS = 5 * 60_000;

/** The upload: header, then B2C rows to 2547… phones and every 10th row a B2B paybill. */
function payoutsCsv(rows: number): string {
  const lines = [PAYOUT_CSV_COLUMNS.join(",")];
  for (let i = 0; i < rows; i++) {
    const amount = 50 + ((i * 37) % 4950);
    if (i % 10 === 9) lines.push(`BusinessPayBill,${amount},,888880,INV-${i},Supplier invoice ${i},`);
    else
      lines.push(
        `BusinessPayment,${amount},2547${String(10_000_000 + ((i * 7919) % 89_999_999)).padStart(8, "0")},,,Rider payout ${i},Week 48`,
      );
  }
  return `${lines.join("\n")}\n`;
}

async function main() {
  const { serverUrl, embedded, source } = await pickServer(
    values["database-url"] ?? process.env.DATABASE_URL,
  );
  const dbName = `malipo_bench_payouts_${randomBytes(4).toString("hex")}`;
  const databaseUrl = await createDatabase(serverUrl, dbName);
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const db = createDb(databaseUrl, { max: 4 });
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    await applyMigrations({ databaseUrl });
    const version = (await sql.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]
      ?.v;
    console.log(`database ${dbName} on ${source} (PostgreSQL ${version}), migrated; Node ${process.version}`);

    const keyring = parseKeyring(generateKeyringSpec("bench"));
    const user = await db.user.create({
      data: { email: `bench-${dbName}@example.com`, name: "Bench owner", passwordHash: "not-a-hash" },
    });
    const requester = { type: "user" as const, id: user.id, label: user.email, role: "owner" as const };

    // ---- 1. The CSV: check, queue, and the baselines ----
    const csvMerchant = await db.merchant.create({
      data: { name: "Bench CSV", slug: `bench-csv-${dbName.slice(-8)}`, environment: "simulator" },
    });
    const csv = payoutsCsv(ROWS);
    console.log(
      `\n1. a ${ROWS.toLocaleString("en")}-row payouts CSV (${(Buffer.byteLength(csv) / 1024).toFixed(0)} KB; 90% B2C, 10% B2B paybill)`,
    );
    const payoutsDeps = { keyring };

    // The same options as parsePayoutCsv's, the same streaming read, the records kept.
    const csvParseAlone = async () => {
      const parser = parse({ bom: true, trim: true, skip_empty_lines: true, columns: true });
      parser.end(csv);
      const records: unknown[] = [];
      for await (const record of parser) records.push(record);
      return records.length;
    };
    const check = () => previewPayoutCsv(db, payoutsDeps, { merchantId: csvMerchant.id, csv });
    // One untimed pass of each first: the JIT warms up, as on a server that has read files before.
    await csvParseAlone();
    await check();
    const baseParse = await measure(csvParseAlone);
    const malipoParse = await measure(check);
    if (malipoParse.result.count !== ROWS || baseParse.result !== ROWS)
      throw new Error(
        `expected ${ROWS} valid rows, got ${malipoParse.result.count} (${malipoParse.result.invalid[0]?.message})`,
      );

    // Baseline insert: the same rows into the same table, one multi-row VALUES with 6 parameters
    // a row (amounts and row numbers are ours, written inline), no sealing, no audit, no batch.
    const rows = csv.trimEnd().split("\n").slice(1);
    const baseInsert = await measure(async () => {
      const params: unknown[] = [];
      const tuples = rows.map((text, i) => {
        const [command, amount, phone, shortcode, reference, remarks] = text.split(",");
        const b2b = command === "BusinessPayBill";
        params.push(
          b2b ? "b2b" : "b2c",
          command,
          phone || null,
          shortcode || null,
          reference || null,
          remarks,
        );
        const p = params.length - 5;
        return `(gen_random_uuid(), '${csvMerchant.id}', ${i + 2}, $${p}::"PayoutKind", $${p + 1}::"PayoutCommand", ${Number(amount)}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, 'simulator', 'bench', 1, now())`;
      });
      await sql.query(
        `INSERT INTO payouts (id, merchant_id, batch_row, kind, command, amount, recipient_phone_sealed,
           recipient_shortcode, account_reference, remarks, environment, requester_label, approvals_required, updated_at)
         VALUES ${tuples.join(",")}`,
        params,
      );
    });
    const malipoQueue = await measure(() =>
      queuePayoutCsv(db, payoutsDeps, { merchantId: csvMerchant.id, requester, name: "Bench batch", csv }),
    );
    const stored = Number(
      (
        await sql.query<{ n: string }>("SELECT count(*) AS n FROM payouts WHERE batch_id = $1", [
          malipoQueue.result.batch.id,
        ])
      ).rows[0]?.n,
    );
    if (stored !== ROWS) throw new Error(`queued ${stored} payouts, expected ${ROWS}`);

    console.log(line("baseline: csv-parse alone (no checks)", baseParse));
    console.log(line("Malipo: parse + check (previewPayoutCsv)", malipoParse));
    console.log(`  → ${(malipoParse.ms / baseParse.ms).toFixed(1)}× the baseline's time`);
    console.log(line("baseline: one multi-row INSERT through pg", baseInsert));
    console.log(line("Malipo: queue (queuePayoutCsv, all of it)", malipoQueue));
    console.log(`  → ${(malipoQueue.ms / baseInsert.ms).toFixed(1)}× the baseline's time`);
    // Where the rest goes: the core checks every row twice more (queuePayoutCsv re-reads the file,
    // requestPayoutBatch re-checks each row) and seals each phone; what remains is the INSERT.
    const phones = malipoParse.result.valid.flatMap((r) => (r.draft.phone ? [r.draft.phone] : []));
    let t = performance.now();
    for (const phone of phones) sealRecipientPhone(keyring, csvMerchant.id, phone);
    const sealMs = performance.now() - t;
    t = performance.now();
    await check();
    const checkAgainMs = performance.now() - t;
    console.log(
      `  of the queue: ~${checkAgainMs.toFixed(0)} ms reading and checking the file again, ${sealMs.toFixed(0)} ms sealing ${phones.length.toLocaleString("en")} phones (AES-256-GCM + HMAC), ~${(malipoQueue.ms - checkAgainMs - sealMs).toFixed(0)} ms the rest (requestPayoutBatch's own row check, the unnest INSERT, the audit row, commit)`,
    );
    console.log(
      `  ${stored.toLocaleString("en")} payouts stored in batch ${malipoQueue.result.batch.id.slice(0, 8)}…, pending approval`,
    );

    // ---- 2. Submission at the policy's pace ----
    const sink = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end('{"ResultCode":0}'));
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
    cleanups.push(() => new Promise((r) => sink.close(() => r(undefined))));
    const sim = await startSimulator({ autoAnswerMs: 20 });
    cleanups.push(() => sim.close());

    const merchant = await db.merchant.create({
      data: { name: "Bench payouts", slug: `bench-pay-${dbName.slice(-8)}`, environment: "simulator" },
    });
    await upsertMpesaCredential(db, keyring, merchant.id, {
      ...simulatorCredentials(sim.certificatePem),
      environment: "simulator",
    });
    await db.payoutPolicy.create({
      data: {
        merchantId: merchant.id,
        approverRoles: ["owner", "admin", "approver"],
        maxPerPayout: 150_000,
        submitPerSecond: PER_SECOND,
      },
    });

    // Every HTTP call to Daraja timed, credited to the payout being sent (one at a time per merchant).
    let darajaMs = 0;
    const timedFetch: typeof fetch = async (input, init) => {
      const t = performance.now();
      try {
        return await fetch(input, init);
      } finally {
        darajaMs += performance.now() - t;
      }
    };
    const deps: PaymentsDeps = {
      keyring,
      darajaBaseUrl: () => sim.url,
      appUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
      promptLimiter: { consume: async () => null },
      fetch: timedFetch,
    };

    /** `count` approved B2C payouts as approval leaves them (the tests' createPayout shape). */
    const approvedPayouts = async (count: number) => {
      const payouts = [];
      for (let i = 0; i < count; i++)
        payouts.push(
          await db.payout.create({
            data: {
              merchantId: merchant.id,
              kind: "b2c",
              command: "BusinessPayment",
              amount: 100 + i,
              ...sealRecipientPhone(keyring, merchant.id, `2547${String(20_000_000 + i * 13)}`),
              remarks: `Bench payout ${i}`,
              status: "approved",
              environment: "simulator",
              requesterLabel: requester.label,
              approvalsRequired: 1,
              approvedAt: new Date(),
            },
          }),
        );
      return payouts;
    };

    /** Sends them through a fresh pacer at `perSecond`, as lib/background does without Inngest. */
    const send = async (payouts: { id: string }[], perSecond: number) => {
      const pacer = createSubmitPacer();
      const inside: number[] = [];
      const daraja: number[] = [];
      const started = performance.now();
      const outcomes = await Promise.all(
        payouts.map((p) =>
          pacer.schedule(merchant.id, perSecond, async () => {
            darajaMs = 0;
            const t = performance.now();
            const result = await submitPayout(db, deps, { payoutId: p.id, merchantId: merchant.id });
            inside.push(performance.now() - t);
            daraja.push(darajaMs);
            return result.outcome;
          }),
        ),
      );
      const wallMs = performance.now() - started;
      const notSubmitted = outcomes.filter((o) => o !== "submitted").length;
      if (notSubmitted) throw new Error(`${notSubmitted} payouts were not submitted: ${outcomes.join(",")}`);
      const times = (
        await db.payout.findMany({
          where: { id: { in: payouts.map((p) => p.id) } },
          select: { submittedAt: true },
        })
      )
        .map((p) => p.submittedAt?.getTime() ?? 0)
        .sort((a, b) => a - b);
      const spanS = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
      // Most in any one-second window: what a per-second throttle on Daraja's side would see.
      let busiest = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while ((times[i] ?? 0) - (times[j] ?? 0) >= 1000) j++;
        busiest = Math.max(busiest, i - j + 1);
      }
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      const own = inside.map((ms, i) => ms - (daraja[i] ?? 0));
      return {
        wallMs,
        rate: spanS > 0 ? (times.length - 1) / spanS : Number.POSITIVE_INFINITY,
        busiest,
        insideMedian: median(inside),
        darajaMedian: median(daraja),
        ownMedian: median(own),
        ownMean: sum(own) / own.length,
      };
    };

    // One payout first: the OAuth token is fetched and stored once, as on any running server.
    await send(await approvedPayouts(1), 1000);
    const paced = await send(await approvedPayouts(PAYOUTS), PER_SECOND);
    const free = await send(await approvedPayouts(PAYOUTS), 1000);

    console.log(
      `\n2. ${PAYOUTS} approved B2C payouts through the in-process pacer and submitPayout to the in-process simulator`,
    );
    console.log(`  configured (baseline): submitPerSecond = ${PER_SECOND}`);
    console.log(
      `  observed: ${paced.rate.toFixed(2)} sends/s from submittedAt (first to last), at most ${paced.busiest} in any 1 s window; ${(paced.wallMs / 1000).toFixed(1)} s in all`,
    );
    console.log(`  → ${(paced.rate / PER_SECOND).toFixed(3)}× the configured rate`);
    console.log(
      `  per payout at that pace: ${paced.insideMedian.toFixed(1)} ms inside submitPayout (median), of which ${paced.darajaMedian.toFixed(1)} ms HTTP to the simulator`,
    );
    console.log(
      `  unthrottled (submitPerSecond 1000): ${free.rate.toFixed(0)} sends/s, ${(free.wallMs / PAYOUTS).toFixed(1)} ms wall per payout, ${free.insideMedian.toFixed(1)} ms inside submitPayout (median) − ${free.darajaMedian.toFixed(1)} ms HTTP to the simulator = ${free.ownMedian.toFixed(1)} ms Malipo's own (mean ${free.ownMean.toFixed(1)} ms)`,
    );

    console.log(
      `\nWhat limits these figures: 1. the check is zod + libphonenumber per row on one core, and csv-parse's streaming itself; queueing adds AES-GCM sealing and an HMAC per phone plus one INSERT of arrays through Prisma's driver adapter (the baseline skips the sealing and binds plain parameters). 2. the rate is the policy's own (the pacer starts one send every 1000/N ms); without it one merchant's sends are serial, each one a committed claim transaction, credential decryption, RSA-encrypting the initiator password and the HTTP call, with Node and PostgreSQL sharing this ${cpus().length}-core machine.`,
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await db.$disconnect();
    await sql.end();
    await dropDatabase(serverUrl, dbName);
    await embedded?.stop();
  }
}

runBench("bench:payouts", GIVE_UP_MS, main);
