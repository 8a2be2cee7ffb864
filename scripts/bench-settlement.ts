// `npm run bench:settlement`: how fast do stored Daraja callbacks settle? Stores N STK success
// callbacks for N pending payments (every tenth one stored twice, as Daraja's duplicates are) and
// settles them three ways, each on its own fresh set:
//   1. the core in this process, as the callback queue runs it (lib/background/callback-queue.ts:
//      processInboxBatch, SETTLE_WORKERS batches at a time);
//   2. the core under the Inngest function's settings (inngest/functions/process-callback.ts:
//      batches of batchEvents.maxSize, `concurrency` runs at once), run through @inngest/test, so
//      Inngest's own scheduling and HTTP round trips are not in the figure;
//   3. the baseline: the same SQL statements issued directly with pg (unnamed statements, as
//      Prisma sends them, so PostgreSQL plans each for its values; the same batch claim, the same
//      transactions and the same number of batches at once).
// Each settlement writes its payment, an Event row, one webhook delivery per endpoint (two here)
// and fires the reconciliation-day trigger. Verifies exactly once: every payment paid once, one
// `payment.paid` event and two deliveries per payment, every callback processed. Exits non-zero if not.
//   DATABASE_URL (a database of your own: it adds rows), BENCH_SETTLEMENTS (20000)
import { randomBytes, randomUUID } from "node:crypto";
import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import pg from "pg";
import {
  makeProcessCallback,
  PROCESS_CALLBACK_BATCH,
  PROCESS_CALLBACK_CONCURRENCY,
} from "../inngest/functions/process-callback";
import { SETTLE_CONCURRENCY_PER_BATCH, SETTLE_WORKERS } from "../lib/background/callback-queue";
import { generateKeyringSpec, parseKeyring } from "../lib/crypto/keyring";
import { lookupHash } from "../lib/crypto/seal";
import { createDb } from "../lib/db";
import { INBOX_BATCH_SIZE, processInboxBatch } from "../lib/payments/callbacks/process-inbox-batch";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error("set DATABASE_URL to a database of your own (the benchmark adds rows)");
const total = Number(process.env.BENCH_SETTLEMENTS ?? 20_000);
const PHONE = "254700000000";
const keyring = parseKeyring(generateKeyringSpec("bench"));
const pool = new pg.Pool({ connectionString: databaseUrl, max: 12 });

function callbackBody(checkoutRequestId: string, receipt: string) {
  return JSON.stringify({
    Body: {
      stkCallback: {
        MerchantRequestID: "bench",
        CheckoutRequestID: checkoutRequestId,
        ResultCode: 0,
        ResultDesc: "The service request is processed successfully.",
        CallbackMetadata: {
          Item: [
            { Name: "Amount", Value: 10 },
            { Name: "MpesaReceiptNumber", Value: receipt },
            { Name: "Balance" },
            { Name: "TransactionDate", Value: 20261124101010 },
            { Name: "PhoneNumber", Value: Number(PHONE) },
          ],
        },
      },
    },
  });
}

/** A merchant with two webhook endpoints, N pending payments and their stored callbacks (ids shuffled). */
async function prepare(label: string, count: number) {
  const merchantId = randomUUID();
  const run = `${label}-${randomBytes(3).toString("hex")}`;
  await pool.query(
    `INSERT INTO merchants (id, name, slug, environment, updated_at) VALUES ($1, $2, $2, 'simulator', now())`,
    [merchantId, `bench-${run}`],
  );
  for (const n of [1, 2])
    await pool.query(
      `INSERT INTO webhook_endpoints (id, merchant_id, url, event_types, secret_sealed, updated_at)
       VALUES (gen_random_uuid(), $1, $2, '{}', 'bench', now())`,
      [merchantId, `https://example.invalid/bench/${n}`],
    );
  const ids = Array.from({ length: count }, (_, i) => `ws_CO_${run}_${i}`);
  const receipts = ids.map(() => `B${randomBytes(6).toString("hex").toUpperCase().slice(0, 9)}`);
  await pool.query(
    `INSERT INTO payments (id, merchant_id, amount, phone_sealed, phone_hash, phone_masked, reference, status, checkout_request_id, updated_at)
     SELECT gen_random_uuid(), $1, 10, 'bench', $2, '2547•••••000', 'BENCH', 'pending', unnest($3::text[]), now()`,
    [merchantId, lookupHash(keyring, PHONE, "phone"), ids],
  );
  const bodies = ids.map((id, i) => callbackBody(id, receipts[i] ?? ""));
  const duplicated = bodies.filter((_, i) => i % 10 === 0);
  const all = [...bodies, ...duplicated];
  const inserted = await pool.query<{ id: string }>(
    `INSERT INTO callback_inbox (id, merchant_id, kind, body, external_id)
     SELECT gen_random_uuid(), $1, 'stk', b, (b::jsonb #>> '{Body,stkCallback,CheckoutRequestID}') FROM unnest($2::text[]) AS b
     RETURNING id`,
    [merchantId, all],
  );
  const inboxIds = inserted.rows.map((r) => r.id);
  for (let i = inboxIds.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [inboxIds[i], inboxIds[j]] = [inboxIds[j] as string, inboxIds[i] as string];
  }
  return { merchantId, inboxIds, callbacks: all.length };
}

/** Exactly once, checked in the database: returns the problems found. */
async function verify(merchantId: string, callbacks: number): Promise<string[]> {
  const q = async (sql: string) => Number((await pool.query<{ n: string }>(sql, [merchantId])).rows[0]?.n);
  const problems: string[] = [];
  const paid = await q("SELECT count(*) AS n FROM payments WHERE merchant_id = $1 AND status = 'paid'");
  const events = await q("SELECT count(*) AS n FROM events WHERE merchant_id = $1 AND type = 'payment.paid'");
  const distinct = await q(
    "SELECT count(DISTINCT object_id) AS n FROM events WHERE merchant_id = $1 AND type = 'payment.paid'",
  );
  const deliveries = await q("SELECT count(*) AS n FROM webhook_deliveries WHERE merchant_id = $1");
  const processed = await q(
    "SELECT count(*) AS n FROM callback_inbox WHERE merchant_id = $1 AND state = 'processed'",
  );
  const reviews = await q("SELECT count(*) AS n FROM review_items WHERE merchant_id = $1");
  if (paid !== total) problems.push(`${paid}/${total} payments paid`);
  if (events !== total || distinct !== total)
    problems.push(`${events} payment.paid events for ${distinct} payments`);
  if (deliveries !== 2 * total) problems.push(`${deliveries} webhook deliveries (expected ${2 * total})`);
  if (processed !== callbacks) problems.push(`${processed}/${callbacks} callbacks processed`);
  if (reviews !== 0) problems.push(`${reviews} review items`);
  return problems;
}

/** Runs `workers` loops, each taking the next `size` ids until none are left. */
async function inBatches(
  ids: string[],
  workers: number,
  size: number,
  run: (batch: string[]) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (;;) {
        const batch = ids.slice(next, next + size);
        next += size;
        if (batch.length === 0) return;
        await run(batch);
      }
    }),
  );
}

// The baseline: the statements processInboxBatch, settlePendingStkResults, recordEvents and
// settleStkResult issue for these callbacks, written once by hand
// (lib/payments/callbacks/process-inbox-batch.ts, lib/payments/collections/settle-pending-stk-results.ts,
// lib/events/record-event.ts, lib/payments/collections/find-spent-stk-results.ts): per batch, one
// claim, then one transaction settling every plain result together (UPDATE, event INSERT), finding
// the duplicates spent (one locking read) and marking all of them `processed`.
const V7 = (at: string) => `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
  PLACING substring(int8send((extract(epoch FROM ${at}) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid`;
const SQL = {
  claim: `UPDATE callback_inbox SET attempts = attempts + 1 WHERE id = ANY($1::uuid[]) AND state IN ('pending', 'failed') RETURNING *`,
  settle: `UPDATE payments SET status = v.status::"PaymentStatus", result_code = v.result_code, result_desc = v.result_desc,
             receipt = v.receipt, receipt_source = v.receipt_source::"ReceiptSource", paid_amount = v.paid_amount,
             payer_phone_masked = v.payer_phone_masked, settled_at = $13::timestamptz, updated_at = $13::timestamptz
           FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
             $9::int[], $10::text[], $11::text[], $12::boolean[])
             AS v(key, checkout_request_id, merchant_id, status, result_code, result_desc, receipt, receipt_source,
               paid_amount, payer_phone_masked, phone_hash, success)
           WHERE payments.checkout_request_id = v.checkout_request_id AND payments.merchant_id = v.merchant_id
             AND payments.status = 'pending'
             AND (NOT v.success OR (payments.amount = v.paid_amount AND payments.checkout_session_id IS NULL
               AND (v.phone_hash IS NULL OR payments.phone_hash = v.phone_hash)
               AND (v.receipt IS NULL OR NOT EXISTS (SELECT 1 FROM payments taken WHERE taken.receipt = v.receipt))))
           RETURNING v.key, payments.*`,
  spent: `SELECT v.key, payments.status::text AS status, payments.receipt, payments.amount
          FROM unnest($1::text[], $2::text[], $3::uuid[]) AS v(key, checkout_request_id, merchant_id)
          JOIN payments ON payments.checkout_request_id = v.checkout_request_id AND payments.merchant_id = v.merchant_id
          ORDER BY payments.checkout_request_id, payments.merchant_id
          FOR UPDATE OF payments`,
  events: `WITH event AS (
            INSERT INTO events (id, merchant_id, type, object_id, data, created_at, trace_context)
            SELECT ${V7("$4::timestamptz")}, input.merchant_id, 'payment.paid', input.object_id, input.data::jsonb, $4::timestamptz, NULL
            FROM unnest($1::uuid[], $2::text[], $3::text[]) AS input(merchant_id, object_id, data)
            RETURNING id, merchant_id, type, object_id, data, created_at, trace_context
          ), deliveries AS (
            INSERT INTO webhook_deliveries (id, merchant_id, endpoint_id, event_id, state, next_attempt_at, created_at)
            SELECT ${V7("event.created_at")}, event.merchant_id, endpoint.id, event.id, 'pending', event.created_at, event.created_at
            FROM event JOIN webhook_endpoints endpoint ON endpoint.merchant_id = event.merchant_id
            WHERE endpoint.enabled AND (cardinality(endpoint.event_types) = 0 OR event.type = ANY(endpoint.event_types))
            ON CONFLICT (endpoint_id, event_id) DO NOTHING
          )
          SELECT * FROM event`,
  processed: `UPDATE callback_inbox SET state = 'processed', last_error = NULL, processed_at = now() WHERE id = ANY($1::uuid[])`,
};
const PHONE_HASH = lookupHash(keyring, PHONE, "phone");

interface BaselineEntry {
  id: string;
  merchant_id: string;
  checkoutRequestId: string;
  resultDesc: string;
  receipt: string;
  amount: number;
}

/** One UPDATE settling `entries` (the first for each payment) and one INSERT of their events. */
async function baselineSettle(client: pg.PoolClient, entries: BaselineEntry[]): Promise<string[]> {
  const now = new Date();
  const column = <T>(pick: (e: BaselineEntry) => T) => entries.map(pick);
  const settled = (
    await client.query({
      text: SQL.settle,
      values: [
        column((e) => e.id),
        column((e) => e.checkoutRequestId),
        column((e) => e.merchant_id),
        column(() => "paid"),
        column(() => "0"),
        column((e) => e.resultDesc),
        column((e) => e.receipt),
        column(() => "callback"),
        column((e) => e.amount),
        column(() => "2547•••••000"),
        column(() => PHONE_HASH),
        column(() => true),
        now,
      ],
    })
  ).rows as Record<string, unknown>[];
  if (settled.length > 0)
    await client.query({
      text: SQL.events,
      values: [
        settled.map((p) => p.merchant_id),
        settled.map((p) => p.id),
        settled.map(({ key: _key, ...p }) => JSON.stringify(p)),
        now,
      ],
    });
  return settled.map((p) => String(p.key));
}

async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}

async function baselineBatch(batch: string[]) {
  const client = await pool.connect();
  try {
    const claimed = (await client.query({ text: SQL.claim, values: [batch] })).rows;
    const entries: BaselineEntry[] = claimed.map((row: { id: string; merchant_id: string; body: string }) => {
      const cb = (JSON.parse(row.body) as { Body: { stkCallback: Record<string, unknown> } }).Body
        .stkCallback;
      const items = (cb.CallbackMetadata as { Item: { Name: string; Value?: unknown }[] }).Item;
      const item = (name: string) => items.find((i) => i.Name === name)?.Value;
      return {
        id: row.id,
        merchant_id: row.merchant_id,
        checkoutRequestId: String(cb.CheckoutRequestID),
        resultDesc: String(cb.ResultDesc),
        receipt: String(item("MpesaReceiptNumber")),
        amount: Number(item("Amount")),
      };
    });
    const first = new Map<string, BaselineEntry>();
    for (const e of entries) if (!first.has(e.checkoutRequestId)) first.set(e.checkoutRequestId, e);
    await inTransaction(client, async () => {
      const settled = new Set(await baselineSettle(client, [...first.values()]));
      const rest = entries.filter((e) => !settled.has(e.id));
      // The duplicates: one locking read finds their payments already paid.
      const spent = (
        await client.query({
          text: SQL.spent,
          values: [
            rest.map((e) => e.id),
            rest.map((e) => e.checkoutRequestId),
            rest.map((e) => e.merchant_id),
          ],
        })
      ).rows.filter((row: { status: string }) => row.status === "paid");
      if (spent.length !== rest.length)
        throw new Error("the baseline expects every duplicate to find its payment paid");
      await client.query({
        text: SQL.processed,
        values: [[...settled, ...spent.map((row: { key: string }) => row.key)]],
      });
    });
  } finally {
    client.release();
  }
}

async function measure(label: string, settle: (ids: string[]) => Promise<void>, count = total) {
  const set = await prepare(label, count);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await settle(set.inboxIds);
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  /** This process's CPU per settlement (PostgreSQL's not included): steadier than the rate on a busy machine. */
  const cpuMs = (used.user + used.system) / 1000 / count;
  const problems = await verify(set.merchantId, set.callbacks);
  return { label, seconds, rate: total / seconds, cpuMs, problems, callbacks: set.callbacks };
}

async function main() {
  const connections = SETTLE_WORKERS * SETTLE_CONCURRENCY_PER_BATCH;
  const db = createDb(databaseUrl as string, { max: connections + 2 });
  const inngestDb = createDb(databaseUrl as string, {
    max: PROCESS_CALLBACK_CONCURRENCY * 4 + 2,
  });
  const inngest = new Inngest({ id: "malipo-bench", isDev: true });
  const fn = makeProcessCallback(inngest, () => ({
    db: inngestDb,
    deps: {
      keyring,
      darajaBaseUrl: () => "http://127.0.0.1:9",
      appUrl: "http://localhost",
      promptLimiter: { consume: async () => null },
    },
    spoolDir: "/tmp/malipo-bench-spool",
  }));
  // Warm-up (module loading, connections, PostgreSQL's caches), not measured.
  await measure(
    "warm-up",
    (ids) =>
      inBatches(ids, SETTLE_WORKERS, INBOX_BATCH_SIZE, async (batch) => {
        await processInboxBatch(db, { keyring, inboxIds: batch, concurrency: SETTLE_CONCURRENCY_PER_BATCH });
        await baselineBatch(batch);
      }),
    500,
  );

  const results = [];
  results.push(
    await measure("baseline: the same SQL through pg", (ids) =>
      inBatches(ids, SETTLE_WORKERS, INBOX_BATCH_SIZE, baselineBatch),
    ),
  );
  results.push(
    await measure("core, in-process queue", (ids) =>
      inBatches(ids, SETTLE_WORKERS, INBOX_BATCH_SIZE, async (batch) => {
        await processInboxBatch(db, { keyring, inboxIds: batch, concurrency: SETTLE_CONCURRENCY_PER_BATCH });
      }),
    ),
  );
  results.push(
    await measure("core, Inngest function settings", (ids) =>
      inBatches(ids, PROCESS_CALLBACK_CONCURRENCY, PROCESS_CALLBACK_BATCH.maxSize, async (batch) => {
        const t = new InngestTestEngine({ function: fn });
        const { error } = await t.execute({
          events: batch.map((inboxId) => ({ name: "malipo/callback.received", data: { inboxId } })) as [
            { name: string; data: { inboxId: string } },
          ],
        });
        if (error) throw error;
      }),
    ),
  );
  // What @inngest/test itself costs per event: the same batches through a function whose step does
  // nothing, so the Inngest figure can be read without the harness (Inngest's server is not here).
  const empty = inngest.createFunction(
    {
      id: "bench-empty",
      batchEvents: PROCESS_CALLBACK_BATCH,
      triggers: [{ event: "malipo/callback.received" }],
    },
    async ({ events, step }) => step.run("process", async () => events.length),
  );
  const harnessCpu = process.cpuUsage();
  for (let start = 0; start < total; start += PROCESS_CALLBACK_BATCH.maxSize) {
    const events = Array.from(
      { length: Math.min(PROCESS_CALLBACK_BATCH.maxSize, total - start) },
      (_, i) => ({
        name: "malipo/callback.received",
        data: { inboxId: `${start + i}` },
      }),
    );
    await new InngestTestEngine({ function: empty }).execute({ events: events as [(typeof events)[number]] });
  }
  const harness = process.cpuUsage(harnessCpu);
  const harnessMs = (harness.user + harness.system) / 1000 / total;
  await db.$disconnect();
  await inngestDb.$disconnect();
  await pool.end();

  const base = results[0];
  console.log(
    `\n${total} STK success callbacks (+${total / 10} duplicates), each settlement writing its payment, an event and 2 webhook deliveries`,
  );
  console.log(
    `in-process: ${SETTLE_WORKERS} batches of ${INBOX_BATCH_SIZE} at a time, ${SETTLE_CONCURRENCY_PER_BATCH} settlements in flight each; Inngest: batchEvents ${PROCESS_CALLBACK_BATCH.maxSize}, concurrency ${PROCESS_CALLBACK_CONCURRENCY}`,
  );
  for (const r of results)
    console.log(
      `${r.label.padEnd(36)} ${r.rate.toFixed(0).padStart(6)} settlements/s  (${r.seconds.toFixed(1)} s, ${r.cpuMs.toFixed(2)} ms CPU each in this process)  ratio ×${(r.rate / (base?.rate ?? 1)).toFixed(2)}  exactly once: ${r.problems.length === 0 ? "yes" : r.problems.join("; ")}`,
    );
  console.log(
    `@inngest/test's own CPU, the same batches through an empty function: ${harnessMs.toFixed(2)} ms per callback, included in the Inngest line above (a real Inngest server runs the function over HTTP instead)`,
  );
  console.log(
    "limit: this machine's CPU, shared by this process (parsing, Prisma's query building and pg's protocol) and PostgreSQL (a batch settles in one transaction of 6 statements, BEGIN, UPDATE, INSERT, SELECT … FOR UPDATE, processed mark, COMMIT, plus the reconciliation-day trigger per row; duplicates are found spent by one locking SELECT in the same transaction)\n",
  );
  if (results.some((r) => r.problems.length > 0)) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
