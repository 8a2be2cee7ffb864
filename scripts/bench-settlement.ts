// `npm run bench:settlement`: how fast do stored Daraja callbacks settle? Stores N STK success
// callbacks for N pending payments (every tenth one stored twice, as Daraja's duplicates are) and
// settles them three ways, each on its own fresh set:
//   1. the core in this process, as the callback queue runs it (lib/background/callback-queue.ts:
//      processInboxBatch, SETTLE_WORKERS batches at a time);
//   2. the core under the Inngest function's settings (inngest/functions/process-callback.ts:
//      batches of batchEvents.maxSize, `concurrency` runs at once), run through @inngest/test, so
//      Inngest's own scheduling and HTTP round trips are not in the figure;
//   3. the baseline: the same SQL statements issued directly with pg (prepared statements, the
//      same batch claim and `processed` mark, the same transactions and concurrency).
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

// The baseline: the statements settleStkResult, recordEvent and processInboxBatch issue for a
// plain success (lib/payments/collections/settle-stk-result.ts: settleIfPending, then the general
// path's lock and read for a duplicate; lib/events/record-event.ts), written once by hand and prepared.
const V7 = (at: string) => `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
  PLACING substring(int8send((extract(epoch FROM ${at}) * 1000)::bigint) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid`;
const SQL = {
  claim: `UPDATE callback_inbox SET attempts = attempts + 1 WHERE id = ANY($1::uuid[]) AND state IN ('pending', 'failed') RETURNING *`,
  settle: `UPDATE payments SET status = 'paid', result_code = $3, result_desc = $4, receipt = $5, receipt_source = 'callback',
             paid_amount = $6::int, payer_phone_masked = $7, settled_at = $8::timestamptz, updated_at = $8::timestamptz
           WHERE checkout_request_id = $1 AND merchant_id = $2::uuid AND status = 'pending'
             AND amount = $6::int AND checkout_session_id IS NULL AND phone_hash = $9::text
             AND NOT EXISTS (SELECT 1 FROM payments taken WHERE taken.receipt = $5::text)
           RETURNING *`,
  lock: "SELECT id FROM payments WHERE checkout_request_id = $1 AND merchant_id = $2::uuid FOR UPDATE",
  payment: "SELECT * FROM payments WHERE id = $1::uuid",
  event: `WITH event AS (
            INSERT INTO events (id, merchant_id, type, object_id, data, created_at, trace_context)
            VALUES (${V7("$4::timestamptz")}, $1::uuid, 'payment.paid', $2, $3::jsonb, $4::timestamptz, NULL)
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

async function baselineSettle(client: pg.PoolClient, entry: { body: string; merchant_id: string }) {
  const cb = (JSON.parse(entry.body) as { Body: { stkCallback: Record<string, unknown> } }).Body.stkCallback;
  const items = (cb.CallbackMetadata as { Item: { Name: string; Value?: unknown }[] }).Item;
  const item = (name: string) => items.find((i) => i.Name === name)?.Value;
  const receipt = String(item("MpesaReceiptNumber"));
  const q = (name: keyof typeof SQL, values: unknown[]) => client.query({ name, text: SQL[name], values });
  await client.query("BEGIN");
  try {
    const now = new Date();
    const settled = (
      await q("settle", [
        cb.CheckoutRequestID,
        entry.merchant_id,
        "0",
        cb.ResultDesc,
        receipt,
        item("Amount"),
        "2547•••••000",
        now,
        PHONE_HASH,
      ])
    ).rows[0] as Record<string, unknown> | undefined;
    if (settled) {
      await q("event", [entry.merchant_id, settled.id, JSON.stringify(settled), now]);
    } else {
      // A duplicate: the general path locks and reads the payment, finds it final, and stops.
      const locked = (await q("lock", [cb.CheckoutRequestID, entry.merchant_id])).rows[0] as { id: string };
      await q("payment", [locked.id]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}

async function baselineBatch(batch: string[]) {
  const client = await pool.connect();
  try {
    const entries = (await client.query({ name: "claim", text: SQL.claim, values: [batch] })).rows;
    // The same concurrency per batch as the core: SETTLE_CONCURRENCY_PER_BATCH connections.
    const extra = await Promise.all(
      Array.from({ length: SETTLE_CONCURRENCY_PER_BATCH - 1 }, () => pool.connect()),
    );
    try {
      let next = 0;
      await Promise.all(
        [client, ...extra].map(async (c) => {
          for (let e = entries[next++]; e; e = entries[next++]) await baselineSettle(c, e);
        }),
      );
    } finally {
      for (const c of extra) c.release();
    }
    await client.query({ name: "processed", text: SQL.processed, values: [batch] });
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
  // Warm-up (Prisma's query plans, pg's prepared statements), not measured.
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
    "limit: this machine's CPU, shared by this process (Prisma's query building and pg's protocol) and PostgreSQL (each settlement is one transaction of 4 statements, BEGIN, UPDATE, INSERT, COMMIT, plus the reconciliation-day trigger; a duplicate is BEGIN, UPDATE, 2 SELECTs, COMMIT)\n",
  );
  if (results.some((r) => r.problems.length > 0)) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
