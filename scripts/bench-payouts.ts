// `npm run bench:payouts [-- --database-url <url>] [--rows 10000] [--per-second 50]`:
// how fast Malipo takes a bulk payout file and how closely it keeps a merchant's send rate.
//  1. A payouts CSV of --rows rows (mostly B2C to 2547… phones, some B2B paybills), made in memory,
//     checked (parsePayoutCsv via previewPayoutCsv) and queued (queuePayoutCsv: checked again,
//     phones sealed, one INSERT, one audit row) into a real database; wall time and peak RSS/heap
//     next to csv-parse alone reading the same text and one plain multi-row INSERT through `pg`.
//  2. The same file queued for a merchant whose policy says submitPerSecond = --per-second,
//     approved as one batch by a second person (approvePayoutBatch), then every payout sent as
//     lib/background sends them (findPayoutsToSubmit, the in-process pacer, submitPayout) to the
//     in-process Daraja simulator: the achieved rate and the starts in each whole second against
//     the configured rate, next to the same pacer with empty tasks (the baseline: Node's timers),
//     and Malipo's own time per payout (submitPayout minus its HTTP time to the simulator). Before
//     that, --sample payouts sent one after another without the pacer: Malipo's time and SQL
//     statements per payout with nothing else running.
// The database is a fresh `malipo_bench_payouts_<random>` on the server of --database-url or
// DATABASE_URL, else on postgres://postgres@127.0.0.1:5432, else on a throwaway embedded
// PostgreSQL; it is migrated first and dropped at the end. Bounded: gives up after 5 minutes plus
// six times the paced send's expected length.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import { parse } from "csv-parse";
import pg from "pg";
import { generateKeyringSpec, type Keyring, parseKeyring } from "../lib/crypto/keyring";
import type { DbClient } from "../lib/db-types";
import { simulatorCredentials, upsertMpesaCredential } from "../lib/merchants/mpesa-credentials";
import type { PaymentsDeps } from "../lib/payments/deps";
import { approvePayoutBatch } from "../lib/payments/payouts/approve-payout-batch";
import { findPayoutsToSubmit } from "../lib/payments/payouts/find-payouts-to-submit";
import { PAYOUT_CSV_COLUMNS } from "../lib/payments/payouts/payout-csv";
import { previewPayoutCsv } from "../lib/payments/payouts/preview-payout-csv";
import { queuePayoutCsv } from "../lib/payments/payouts/queue-payout-csv";
import { sealRecipientPhone } from "../lib/payments/payouts/recipient-phone";
import { createSubmitPacer, maxInFlight } from "../lib/payments/payouts/submit-pacer";
import { submitPayout } from "../lib/payments/payouts/submit-payout";
import { startSimulator } from "../lib/simulator/server";
import { PrismaClient } from "../prisma/generated/prisma/client";
import { applyMigrations } from "./lib/apply-migrations";
import { dropDatabase, line, measure, percentile, pickServer, runBench } from "./lib/bench";
import { createDatabase } from "./lib/embedded-postgres";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    rows: { type: "string", default: "10000" },
    "per-second": { type: "string", default: "50" },
    sample: { type: "string", default: "300" },
  },
});
const ROWS = Number(values.rows);
const PER_SECOND = Number(values["per-second"]);
const SAMPLE = Number(values.sample);
/** The app's pool size (lib/db.ts createDb's default). */
const POOL_MAX = 10;
/** Long enough for --rows at --per-second, plus the rest. */
const GIVE_UP_MS = 5 * 60_000 + (ROWS / PER_SECOND) * 6000;

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

/** `count` approved B2C payouts as approval leaves them (the tests' createPayout shape). */
async function approvedPayouts(
  db: DbClient,
  keyring: Keyring,
  merchantId: string,
  label: string,
  count: number,
) {
  const payouts = [];
  for (let i = 0; i < count; i++)
    payouts.push(
      await db.payout.create({
        data: {
          merchantId,
          kind: "b2c",
          command: "BusinessPayment",
          amount: 100 + i,
          ...sealRecipientPhone(keyring, merchantId, `2547${String(20_000_000 + i * 13)}`),
          remarks: `Bench payout ${i}`,
          status: "approved",
          environment: "simulator",
          requesterLabel: label,
          approvalsRequired: 1,
          approvedAt: new Date(),
        },
      }),
    );
  return payouts;
}

/**
 * How closely start times (ms, any clock) keep `perSecond`: the rate from first to last, the starts
 * in each whole second counted from the first (the last, partial second left out), the largest
 * deviation of one of those from `perSecond`, and the most in any sliding 1 s window.
 */
export function paceOf(times: number[], perSecond: number) {
  const sorted = [...times].sort((a, b) => a - b);
  const first = sorted[0] ?? 0;
  const last = sorted.at(-1) ?? 0;
  const fullSeconds = Math.floor((last - first) / 1000);
  const bins = new Array<number>(fullSeconds).fill(0);
  for (const t of sorted) {
    const bin = Math.floor((t - first) / 1000);
    if (bin < fullSeconds) bins[bin] = (bins[bin] ?? 0) + 1;
  }
  let busiest = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= 1000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  return {
    rate: last > first ? ((sorted.length - 1) * 1000) / (last - first) : Number.POSITIVE_INFINITY,
    fullSeconds,
    minPerSecond: bins.length ? Math.min(...bins) : 0,
    maxPerSecond: bins.length ? Math.max(...bins) : 0,
    maxDeviation: bins.reduce((m, n) => Math.max(m, Math.abs(n - perSecond)), 0),
    busiest,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const quantile = (xs: number[], q: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    q,
  );
/** p50 / p99 in ms. */
const stat = (xs: number[]) =>
  `p50 ${quantile(xs, 0.5).toFixed(1)} / p99 ${quantile(xs, 0.99).toFixed(1)} ms`;

async function main() {
  const { serverUrl, embedded, source } = await pickServer(
    values["database-url"] ?? process.env.DATABASE_URL,
  );
  const dbName = `malipo_bench_payouts_${randomBytes(4).toString("hex")}`;
  const databaseUrl = await createDatabase(serverUrl, dbName);
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // The app's Prisma client over a pool whose connections count every statement they run
  // (BEGIN and COMMIT included).
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_MAX });
  let statements = 0;
  pool.on("error", () => {}); // an idle connection closed by the drop at the end
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
      statements += 1;
      return query(...args);
    };
  });
  const db = new PrismaClient({ adapter: new PrismaPg(pool) });
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
    const sim = await startSimulator({ autoAnswerMs: 20, defaultOrgUtilityCents: 1_000_000_000_000 });
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

    // Every HTTP call to Daraja timed, credited to the payout whose send made it (sends overlap).
    const sending = new AsyncLocalStorage<{ httpMs: number }>();
    const timedFetch: typeof fetch = async (input, init) => {
      const t = performance.now();
      try {
        return await fetch(input, init);
      } finally {
        const current = sending.getStore();
        if (current) current.httpMs += performance.now() - t;
      }
    };
    const deps: PaymentsDeps = {
      keyring,
      darajaBaseUrl: () => sim.url,
      appUrl: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
      promptLimiter: { consume: async () => null },
      fetch: timedFetch,
    };

    // The OAuth token is fetched and stored once, as on any running server: one payout first.
    const [warm] = await approvedPayouts(db, keyring, merchant.id, requester.label, 1);
    if (warm) await submitPayout(db, deps, { payoutId: warm.id, merchantId: merchant.id });

    /** Sends one payout, timed: its time inside submitPayout and the HTTP part of it. */
    const timedSend = (payoutId: string) =>
      sending.run({ httpMs: 0 }, async () => {
        const t = performance.now();
        const result = await submitPayout(db, deps, { payoutId, merchantId: merchant.id });
        const timing = sending.getStore() ?? { httpMs: 0 };
        return { result, insideMs: performance.now() - t, httpMs: timing.httpMs };
      });

    // Malipo's cost per payout with nothing else running: SAMPLE sends one after another.
    const sample = await approvedPayouts(db, keyring, merchant.id, requester.label, SAMPLE);
    const alone: { insideMs: number; httpMs: number }[] = [];
    const statementsBefore = statements;
    for (const p of sample) alone.push(await timedSend(p.id));
    const statementsPerPayout = (statements - statementsBefore) / Math.max(1, sample.length);

    // The same file queued for the paying merchant, then approved by a second person, as a whole.
    const approverUser = await db.user.create({
      data: { email: `approver-${dbName}@example.com`, name: "Bench approver", passwordHash: "not-a-hash" },
    });
    const queued = await queuePayoutCsv(db, payoutsDeps, {
      merchantId: merchant.id,
      requester,
      name: "Bench batch (paid)",
      csv,
    });
    const approval = await measure(() =>
      approvePayoutBatch(db, {
        merchantId: merchant.id,
        batchId: queued.batch.id,
        approver: { id: approverUser.id, label: approverUser.email, role: "approver" },
      }),
    );
    const ready = approval.result.readyToSubmit;
    if (ready.length !== ROWS) throw new Error(`${ready.length} of ${ROWS} payouts approved`);
    const toSubmit = await findPayoutsToSubmit(db, { payoutIds: ready });
    const pace = toSubmit[0]?.submitPerSecond ?? 0;
    if (pace !== PER_SECOND) throw new Error(`the policy's pace reads ${pace}, expected ${PER_SECOND}`);

    // Baseline, same run: the pacer alone at the same pace with empty tasks (what Node's timers give).
    const BARE_TICKS = Math.min(ROWS, PER_SECOND * 10);
    const barePacer = createSubmitPacer();
    const bareStarts: number[] = [];
    await Promise.all(
      Array.from({ length: BARE_TICKS }, () =>
        barePacer.schedule("bare", PER_SECOND, async () => {
          bareStarts.push(performance.now());
        }),
      ),
    );
    const bare = paceOf(bareStarts, PER_SECOND);

    // Malipo: each approved payout through the pacer and submitPayout, as lib/background sends them.
    const pacer = createSubmitPacer();
    const starts: number[] = [];
    const inside: number[] = [];
    const daraja: number[] = [];
    const outcomes = new Map<string, number>();
    let running = 0;
    let mostRunning = 0;
    const pacedStatementsBefore = statements;
    const sendStarted = performance.now();
    await Promise.all(
      toSubmit.map((p) =>
        pacer.schedule(p.merchantId, p.submitPerSecond, async () => {
          starts.push(performance.now());
          running += 1;
          mostRunning = Math.max(mostRunning, running);
          const { result, insideMs, httpMs } = await timedSend(p.id);
          running -= 1;
          inside.push(insideMs);
          daraja.push(httpMs);
          outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
        }),
      ),
    );
    const sendMs = performance.now() - sendStarted;
    const pacedStatements = (statements - pacedStatementsBefore) / Math.max(1, toSubmit.length);
    const paced = paceOf(starts, PER_SECOND);
    const submittedAt = (
      await db.payout.findMany({ where: { id: { in: ready } }, select: { submittedAt: true } })
    ).flatMap((p) => (p.submittedAt ? [p.submittedAt.getTime()] : []));
    const storedPace = paceOf(submittedAt, PER_SECOND);
    const own = inside.map((ms, i) => ms - (daraja[i] ?? 0));
    const ownAlone = alone.map((x) => x.insideMs - x.httpMs);
    const gapMs = 1000 / PER_SECOND;

    console.log(
      `\n2. the same ${ROWS.toLocaleString("en")}-row file queued for a paying merchant (policy: submitPerSecond = ${PER_SECOND}), approved as a batch by a second person, then sent through the in-process pacer and submitPayout to the in-process simulator`,
    );
    console.log(line("approvePayoutBatch (all rows, one transaction)", approval));
    console.log(
      `  alone: ${alone.length} payouts sent one after another, no pacer: ${stat(alone.map((x) => x.insideMs))} inside submitPayout, of which ${stat(alone.map((x) => x.httpMs))} HTTP to the simulator; Malipo's own ${stat(ownAlone)} (mean ${mean(ownAlone).toFixed(1)} ms), ${statementsPerPayout.toFixed(1)} SQL statements a payout (BEGIN/COMMIT and the daraja_calls record included)`,
    );
    console.log(
      `  baseline: the pacer alone, ${BARE_TICKS.toLocaleString("en")} empty tasks at ${PER_SECOND}/s: ${bare.rate.toFixed(2)}/s (${(bare.rate / PER_SECOND).toFixed(3)}×), seconds holding ${bare.minPerSecond}-${bare.maxPerSecond} starts, max deviation ${bare.maxDeviation} a second, at most ${bare.busiest} in any 1 s window`,
    );
    console.log(
      `  Malipo: ${starts.length.toLocaleString("en")} sends in ${(sendMs / 1000).toFixed(1)} s (${[...outcomes].map(([o, n]) => `${n.toLocaleString("en")} ${o}`).join(", ")})`,
    );
    console.log(
      `    achieved ${paced.rate.toFixed(2)} sends/s from first to last start → ${(paced.rate / PER_SECOND).toFixed(3)}× the configured ${PER_SECOND}/s; ${paced.fullSeconds} whole seconds holding ${paced.minPerSecond}-${paced.maxPerSecond} starts: max deviation ${paced.maxDeviation} a second (${((paced.maxDeviation / PER_SECOND) * 100).toFixed(0)}%); at most ${paced.busiest} in any 1 s window; ${(paced.rate / bare.rate).toFixed(3)}× the baseline's rate`,
    );
    console.log(
      `    as stored (submittedAt, the database's clock): ${storedPace.rate.toFixed(2)}/s, at most ${storedPace.busiest} in any 1 s window, max deviation ${storedPace.maxDeviation} a second`,
    );
    console.log(
      `    per payout: ${stat(inside)} inside submitPayout, of which ${stat(daraja)} HTTP to the simulator; Malipo's own ${stat(own)} (mean ${mean(own).toFixed(1)} ms); ${pacedStatements.toFixed(1)} SQL statements a payout; ${inside.filter((ms) => ms > gapMs).length.toLocaleString("en")} sends took longer than the ${gapMs.toFixed(0)} ms gap; at most ${mostRunning} in flight (cap ${maxInFlight(PER_SECOND)}, pool ${POOL_MAX} connections)`,
    );
    console.log(
      `\nWhat limits these figures: 1. the check is zod + libphonenumber per row on one core, and csv-parse's streaming itself; queueing adds AES-GCM sealing and an HMAC per phone plus one INSERT of arrays through Prisma's driver adapter (the baseline skips the sealing and binds plain parameters). 2. the pacer starts sends on a fixed grid 1000/N ms apart, never more than N in any 1 s window, with up to N in flight per merchant, so a send (the committed claim transaction, one statement checking the reused Daraja client's credentials, RSA-encrypting the initiator password, the HTTP call with its daraja_calls record, recording the answer) may take up to about a second before the rate drops; what is left is timer lateness (the baseline) and, when Node and PostgreSQL cannot keep up on this ${cpus().length}-core machine (load average ${loadavg()[0]?.toFixed(1)} at the end), sends piling up to the in-flight cap.`,
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await db.$disconnect();
    await pool.end();
    await sql.end();
    await dropDatabase(serverUrl, dbName);
    await embedded?.stop();
  }
}

runBench("bench:payouts", GIVE_UP_MS, main);
