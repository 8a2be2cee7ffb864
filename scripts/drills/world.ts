// What every drill (scripts/drills/*.ts) stands on: a real PostgreSQL database with every
// migration applied, the project's Daraja simulator, a merchant with simulator credentials, and a
// callback endpoint that does what the app's does (lib/http/mpesa-callback.ts): store and answer
// through handleCallbackRequest (spooling when the database is down), then process what was stored
// after the answer in batches, as the app's in-process queue does. Drills check the outcome in the
// database, never in memory.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SETTLE_CONCURRENCY_PER_BATCH, SETTLE_WORKERS } from "../../lib/background/callback-queue";
import { generateKeyringSpec, type Keyring, parseKeyring } from "../../lib/crypto/keyring";
import { lookupHash } from "../../lib/crypto/seal";
import { createDb, createIngestPool, type Db } from "../../lib/db";
import { simulatorCredentials, upsertMpesaCredential } from "../../lib/merchants/mpesa-credentials";
import { groupCallbackWrites } from "../../lib/payments/callbacks/group-callback-writes";
import { handleCallbackRequest } from "../../lib/payments/callbacks/handle-callback-request";
import { INBOX_BATCH_SIZE, processInboxBatch } from "../../lib/payments/callbacks/process-inbox-batch";
import { buildAllowlist } from "../../lib/payments/callbacks/receive-callback";
import type { PaymentsDeps } from "../../lib/payments/deps";
import { maskPhone } from "../../lib/redact";
import { type Simulator, startSimulator } from "../../lib/simulator/server";
import { stkSuccessCallback } from "../../lib/simulator/stk";
import { applyMigrations } from "../lib/apply-migrations";
import { dropDatabase } from "../lib/bench";
import { createDatabase } from "../lib/embedded-postgres";

export const DRILL_SOURCE_IP = "196.201.214.200";

/** A fresh database named `malipo_drill_<name>_<random>` on `serverUrl`, migrated. */
export async function createDrillDatabase(serverUrl: string, name: string): Promise<string> {
  const databaseUrl = await createDatabase(
    serverUrl,
    `malipo_drill_${name}_${randomBytes(3).toString("hex")}`,
  );
  await applyMigrations({ databaseUrl });
  return databaseUrl;
}

/** Drops a database createDrillDatabase made (connections are closed first). */
export async function dropDrillDatabase(databaseUrl: string): Promise<void> {
  const server = new URL(databaseUrl);
  const name = server.pathname.slice(1);
  server.pathname = "/postgres";
  await dropDatabase(server.toString(), name);
}

/**
 * Stored callbacks waiting to be processed, as the app's in-process hand-off takes them
 * (lib/background/callback-queue.ts): `workers` batches at a time, each taking the ids waiting by
 * then (at most INBOX_BATCH_SIZE). Before, each entry was processed on its own, 4 at a time: the
 * copies of one callback waited on each other's row lock and settlement fell ever further behind
 * (109 s after the last of 2,000 prompts in the duplicates drill; 0.3 s in batches).
 */
export function batchingQueue(
  processBatch: (inboxIds: string[]) => Promise<unknown>,
  options: { workers: number },
) {
  const waiting: string[] = [];
  let workers = 0;
  const idle: (() => void)[] = [];
  const work = async () => {
    try {
      for (let ids = waiting.splice(0, INBOX_BATCH_SIZE); ids.length > 0; ) {
        await processBatch(ids).catch(() => {}); // left pending: the drills' sweeps retry it
        ids = waiting.splice(0, INBOX_BATCH_SIZE);
      }
    } finally {
      workers -= 1;
      if (workers === 0 && waiting.length === 0) for (const done of idle.splice(0)) done();
    }
  };
  const add = (inboxId: string) => {
    waiting.push(inboxId);
    if (workers < options.workers) {
      workers += 1;
      setImmediate(() => void work());
    }
  };
  const drained = () =>
    workers === 0 && waiting.length === 0 ? Promise.resolve() : new Promise<void>((r) => idle.push(r));
  return { add, drained };
}

export interface CallbackEndpoint {
  url: string;
  /** Callbacks answered 200 (stored in the inbox or the spool). */
  acknowledged: number;
  /** Processing handed off after the answer, still running or queued. */
  idle: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * The callback endpoint: answers through handleCallbackRequest, storing as the app does (group
 * commit over a pg pool of its own, lib/db.ts getCallbackWriter), then (unless `process` is false)
 * hands the stored entry to a batchingQueue after the answer, as the app does (`concurrency`
 * settlements in flight per batch, the app's SETTLE_CONCURRENCY_PER_BATCH unless given).
 */
export async function startCallbackEndpoint(options: {
  db: () => Db;
  databaseUrl: string;
  keyring: Keyring;
  spoolDir: string;
  port?: number;
  process?: boolean;
  concurrency?: number;
}): Promise<CallbackEndpoint> {
  const queue = batchingQueue(
    (inboxIds) =>
      processInboxBatch(options.db(), {
        keyring: options.keyring,
        inboxIds,
        concurrency: options.concurrency ?? SETTLE_CONCURRENCY_PER_BATCH,
      }),
    { workers: SETTLE_WORKERS },
  );
  const allowlist = buildAllowlist([DRILL_SOURCE_IP]);
  const ingest = createIngestPool(options.databaseUrl, "drill-ingest");
  const record = groupCallbackWrites(ingest);
  const endpoint = { url: "", acknowledged: 0 } as CallbackEndpoint;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const [, , , path = "", merchantId = "", secret = ""] = (req.url ?? "").split("/"); // /api/mpesa/…
      try {
        const result = await handleCallbackRequest(options.db(), {
          path,
          merchantId,
          secret,
          body: Buffer.concat(chunks).toString("utf8"),
          sourceIp: DRILL_SOURCE_IP,
          headers: {},
          allowlist,
          spoolDir: options.spoolDir,
          record,
        });
        res.writeHead(result.status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(result.body));
        if (result.status === 200) endpoint.acknowledged += 1;
        const inboxId = result.inboxId;
        if (inboxId && options.process !== false) queue.add(inboxId);
      } catch {
        res.writeHead(500);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", () => resolve()));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.idle = () => queue.drained();
  endpoint.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => void ingest.end().then(resolve, resolve));
    });
  return endpoint;
}

export interface DrillWorld {
  db: Db;
  sim: Simulator;
  keyring: Keyring;
  deps: PaymentsDeps;
  merchant: { id: string; callbackSecret: string };
  endpoint: CallbackEndpoint;
  spoolDir: string;
  /** POST to the simulator's control API (/sim/…). */
  control: (method: string, path: string, body?: unknown) => Promise<unknown>;
  close: () => Promise<void>;
}

/** Simulator, merchant and callback endpoint on an existing (migrated) database. */
export async function startDrillWorld(options: {
  databaseUrl: string;
  poolMax?: number;
  processConcurrency?: number;
  port?: number;
}): Promise<DrillWorld> {
  const db = createDb(options.databaseUrl, { max: options.poolMax ?? 10 });
  const sim = await startSimulator({ autoAnswerMs: 0, promptTimeoutMs: 600_000 });
  const keyring = parseKeyring(generateKeyringSpec("drill"));
  const spoolDir = join(tmpdir(), `malipo-drill-spool-${randomBytes(4).toString("hex")}`);
  const endpoint = await startCallbackEndpoint({
    db: () => db,
    databaseUrl: options.databaseUrl,
    keyring,
    spoolDir,
    port: options.port,
    concurrency: options.processConcurrency,
  });
  const merchant = await db.merchant.create({
    data: {
      name: "Drill merchant",
      slug: `drill-${randomBytes(4).toString("hex")}`,
      environment: "simulator",
    },
  });
  await upsertMpesaCredential(db, keyring, merchant.id, {
    ...simulatorCredentials(sim.certificatePem),
    environment: "simulator",
  });
  const deps: PaymentsDeps = {
    keyring,
    darajaBaseUrl: () => sim.url,
    appUrl: endpoint.url,
    promptLimiter: { consume: async () => null },
  };
  const control = async (method: string, path: string, body?: unknown) =>
    (
      await fetch(`${sim.url}${path}`, {
        method,
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json();
  return {
    db,
    sim,
    keyring,
    deps,
    merchant,
    endpoint,
    spoolDir,
    control,
    async close() {
      await endpoint.close();
      await sim.close();
      await db.$disconnect();
      rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}

/** Runs `task(i)` for i in 0..n-1, `concurrency` at a time. */
export async function forEachLimit(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      for (let i = next++; i < n; i = next++) await task(i);
    }),
  );
}

/** Polls `fn` until `ok` or `timeoutMs`; returns the last value either way. */
export async function pollUntil<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * What the database says about a set of payments: how many are paid, how many ended otherwise, the
 * review items opened (a drill's callbacks all add up, so any is a finding), and the doubles (a payment settled as paid more than once: more than one payment.paid event).
 */
export async function settlementTally(db: Db, merchantId: string) {
  const [row] = await db.$queryRaw<
    {
      paid: number;
      pending: number;
      timed_out: number;
      other: number;
      late: number;
      reviews: number;
      doubles: number;
    }[]
  >`
    SELECT
      (SELECT count(*)::int FROM payments WHERE merchant_id = ${merchantId}::uuid AND status = 'paid') AS paid,
      (SELECT count(*)::int FROM payments WHERE merchant_id = ${merchantId}::uuid AND status = 'pending') AS pending,
      (SELECT count(*)::int FROM events WHERE merchant_id = ${merchantId}::uuid AND type = 'payment.timed_out') AS timed_out,
      (SELECT count(*)::int FROM payments WHERE merchant_id = ${merchantId}::uuid
         AND status NOT IN ('paid', 'pending')) AS other,
      (SELECT count(*)::int FROM review_items WHERE merchant_id = ${merchantId}::uuid AND kind = 'late_success') AS late,
      (SELECT count(*)::int FROM review_items WHERE merchant_id = ${merchantId}::uuid) AS reviews,
      (SELECT count(*)::int FROM (
         SELECT object_id FROM events WHERE merchant_id = ${merchantId}::uuid AND type = 'payment.paid'
         GROUP BY object_id HAVING count(*) > 1) d) AS doubles`;
  return row ?? { paid: 0, pending: 0, timed_out: 0, other: 0, late: 0, reviews: 0, doubles: 0 };
}

/** Prints one line per fact and returns the process exit code: 0 when `ok`. */
export function verdict(name: string, ok: boolean, facts: Record<string, unknown>): number {
  console.log(`drill ${name}: ${ok ? "PASS" : "FAIL"}`);
  for (const [key, value] of Object.entries(facts)) console.log(`  ${key}: ${JSON.stringify(value)}`);
  return ok ? 0 : 1;
}

/** The payer of drill payment `index`: the phone its prompt went to and its callback names. */
export function drillPayerPhone(index: number): number {
  return 254700000000 + index;
}

/** A success callback as Daraja sends it for an STK payment (receipt unique per index). */
export function stkSuccessBody(checkoutRequestId: string, amount: number, index: number): string {
  return JSON.stringify(
    stkSuccessCallback({
      merchantRequestId: `drill-${index}`,
      checkoutRequestId,
      amount,
      receipt: `DRL${index.toString(36).toUpperCase().padStart(7, "0")}`,
      phone: drillPayerPhone(index),
      transactionDate: 20261203101010,
    }),
  );
}

/**
 * `n` pending STK payments as if their prompts had gone out (CheckoutRequestIDs the simulator has
 * never seen, so an STK Query for them finds nothing), inserted in bulk. Payment i was asked of
 * drillPayerPhone(offset + i), the payer stkSuccessBody(…, offset + i) names, so its callback adds
 * up (no payer_mismatch review) as a real one does.
 */
export async function createPendingPayments(
  db: Db,
  options: { merchantId: string; n: number; keyring: Keyring; offset?: number; createdAt?: Date },
): Promise<{ id: string; checkoutRequestId: string; amount: number }[]> {
  const tag = randomBytes(4).toString("hex");
  const rows = Array.from({ length: options.n }, (_, i) => ({
    merchantId: options.merchantId,
    checkoutRequestId: `ws_CO_drill_${tag}_${i}`,
    amount: 10 + (i % 90),
    phoneSealed: "not-sealed",
    phoneHash: lookupHash(options.keyring, String(drillPayerPhone((options.offset ?? 0) + i)), "phone"),
    phoneMasked: maskPhone(String(drillPayerPhone((options.offset ?? 0) + i))),
    reference: `D${i}`.slice(0, 12),
    createdAt: options.createdAt ?? new Date(),
  }));
  for (let i = 0; i < rows.length; i += 5_000)
    await db.payment.createMany({ data: rows.slice(i, i + 5_000) });
  const created = await db.payment.findMany({
    where: { merchantId: options.merchantId, checkoutRequestId: { startsWith: `ws_CO_drill_${tag}_` } },
    select: { id: true, checkoutRequestId: true, amount: true },
  });
  const byId = new Map(created.map((p) => [p.checkoutRequestId, p]));
  return rows.map((r) => {
    const p = byId.get(r.checkoutRequestId);
    if (!p) throw new Error("a drill payment was not created");
    return { id: p.id, checkoutRequestId: r.checkoutRequestId, amount: p.amount };
  });
}

/** POSTs one STK callback to an endpoint; true when it was acknowledged (200). */
export async function postStkCallback(
  baseUrl: string,
  merchant: { id: string; callbackSecret: string },
  body: string,
): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/api/mpesa/stk/${merchant.id}/${merchant.callbackSecret}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
