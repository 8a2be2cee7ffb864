// `npm run bench:webhooks [-- --database-url <url>] [--events 10000] [--slow-ms 300] [--callbacks-per-second 50]`:
// how fast Malipo fans events out to webhook endpoints, and what that does to callback
// acknowledgements in the same process.
//  1. --events events (payment.paid) recorded through recordEvent for a merchant with three webhook
//     endpoints, each a local receiver started here: one fast, one answering after --slow-ms, one
//     always answering 500. Then the in-process sweeps deliver them exactly as
//     lib/background/index.ts does without Inngest (runWebhookSweeps: each endpoint its own lane,
//     batch claims, the next sweep at once while work is due, the attempt counted in the metrics):
//     deliveries a second per receiver and the time until every event reached the fast one; the
//     failing receiver's attempts per delivery and the gap before a retry (scheduled, not hammered).
//  2. STK callbacks at a steady --callbacks-per-second through handleCallbackRequest (the core of
//     app/api/mpesa/[kind]/…, behind a local HTTP server, its own Prisma pool of 5 for callbacks):
//     acknowledgement p50/p95/p99 with deliveries idle (the baseline), then while the fan-out runs,
//     and the ratio. --fan-out-minutes stops the fan-out early (a quick run): the time for every
//     event to reach the fast receiver is then estimated from the rate so far, and says so. Settlement of those callbacks (after the acknowledgement) is not run here.
// The database is a fresh `malipo_bench_webhooks_<random>` on the server of --database-url or
// DATABASE_URL, else on postgres://postgres@127.0.0.1:5432, else on a throwaway embedded
// PostgreSQL; it is migrated first and dropped at the end. Bounded: gives up after --give-up-minutes.
// WEBHOOKS_ALLOW_PRIVATE_TARGETS is set here: the receivers are on 127.0.0.1.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { countWebhookAttempt } from "../lib/background/webhook-metrics";
import { generateKeyringSpec, parseKeyring } from "../lib/crypto/keyring";
import { createDb } from "../lib/db";
import { recordEvent } from "../lib/events/record-event";
import { handleCallbackRequest } from "../lib/payments/callbacks/handle-callback-request";
import { buildAllowlist } from "../lib/payments/callbacks/receive-callback";
import { CLAIM_BATCH_SIZE } from "../lib/webhooks/claim-due-deliveries";
import { createWebhookEndpoint } from "../lib/webhooks/create-webhook-endpoint";
import { WEBHOOK_CONCURRENCY_PER_ENDPOINT } from "../lib/webhooks/deliver-due-webhooks";
import { runWebhookSweeps, WEBHOOK_IDLE_SWEEP_MS } from "../lib/webhooks/run-webhook-sweeps";
import { EVENT_ID_HEADER } from "../lib/webhooks/webhook-signature";
import { applyMigrations } from "./lib/apply-migrations";
import { dropDatabase, pickServer, runBench } from "./lib/bench";
import { createDatabase } from "./lib/embedded-postgres";

const { values } = parseArgs({
  options: {
    "database-url": { type: "string" },
    events: { type: "string", default: "10000" },
    "slow-ms": { type: "string", default: "300" },
    "callbacks-per-second": { type: "string", default: "50" },
    "baseline-seconds": { type: "string", default: "15" },
    "fan-out-minutes": { type: "string", default: "30" },
    "give-up-minutes": { type: "string", default: "35" },
  },
});
const EVENTS = Number(values.events);
const SLOW_MS = Number(values["slow-ms"]);
const CALLBACKS_PER_SECOND = Number(values["callbacks-per-second"]);
const BASELINE_SECONDS = Number(values["baseline-seconds"]);
const FAN_OUT_MS = Number(values["fan-out-minutes"]) * 60_000;
const GIVE_UP_MS = Number(values["give-up-minutes"]) * 60_000;

process.env.WEBHOOKS_ALLOW_PRIVATE_TARGETS = "1";

/** A local webhook receiver answering `status` after `delayMs`; remembers when each event id first arrived. */
async function receiver(status: number, delayMs: number) {
  const firstSeen = new Map<string, number>();
  const hits: { eventId: string; at: number }[] = [];
  const load = { inFlight: 0, most: 0 };
  const server: Server = createServer((req: IncomingMessage, res) => {
    load.inFlight += 1;
    load.most = Math.max(load.most, load.inFlight);
    res.on("finish", () => {
      load.inFlight -= 1;
    });
    req.resume();
    req.on("end", () => {
      const eventId = String(req.headers[EVENT_ID_HEADER.toLowerCase()] ?? "");
      const at = performance.now();
      hits.push({ eventId, at });
      if (!firstSeen.has(eventId)) firstSeen.set(eventId, at);
      setTimeout(() => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(status < 300 ? '{"ok":true}' : '{"error":"bench receiver always fails"}');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, firstSeen, hits, load, close: () => new Promise((resolve) => server.close(resolve)) };
}

function stkCallback(i: number): string {
  return JSON.stringify({
    Body: {
      stkCallback: {
        MerchantRequestID: `bench-${i}`,
        CheckoutRequestID: `ws_CO_bench_${randomBytes(6).toString("hex")}`,
        ResultCode: 0,
        ResultDesc: "The service request is processed successfully.",
        CallbackMetadata: {
          Item: [
            { Name: "Amount", Value: 10 },
            { Name: "MpesaReceiptNumber", Value: randomBytes(5).toString("hex").toUpperCase().slice(0, 10) },
            { Name: "TransactionDate", Value: 20261124101010 },
            { Name: "PhoneNumber", Value: 254700000000 },
          ],
        },
      },
    },
  });
}

/** Callbacks at a steady rate (open loop: a slow answer does not slow the sender) until `until()`. */
async function callbackStream(url: string, until: () => boolean, minSeconds = 0) {
  const latencies: number[] = [];
  let failures = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const gap = 1000 / CALLBACKS_PER_SECOND;
  while (!until() || performance.now() - started < minSeconds * 1000) {
    const due = started + sent * gap;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const i = sent++;
    const t = performance.now();
    const request = fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stkCallback(i),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) failures += 1;
      })
      .catch(() => {
        failures += 1;
      })
      .finally(() => {
        latencies.push(performance.now() - t);
        inFlight.delete(request);
      });
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { count: latencies.length, p50: pick(0.5), p95: pick(0.95), p99: pick(0.99), failures };
}

async function main() {
  const { serverUrl, embedded, source } = await pickServer(
    values["database-url"] ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL,
  );
  const dbName = `malipo_bench_webhooks_${randomBytes(4).toString("hex")}`;
  const databaseUrl = await createDatabase(serverUrl, dbName);
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    await applyMigrations({ databaseUrl });
    const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    cleanups.push(() => sql.end());
    const version = (await sql.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]
      ?.v;
    console.log(
      `database ${dbName} on ${source} (PostgreSQL ${version}), migrated; Node ${process.version}, ${cpus().length} cores, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    // A pool for background work like getDb (10) and one of 5 for callbacks (the app stores them through getIngestPool).
    const db = createDb(databaseUrl, { max: 10 });
    const ingestDb = createDb(databaseUrl, { max: 5 });
    cleanups.push(
      () => db.$disconnect(),
      () => ingestDb.$disconnect(),
    );
    const keyring = parseKeyring(generateKeyringSpec("bench"));
    const production = process.env.NODE_ENV === "production" && !process.env.WEBHOOKS_ALLOW_PRIVATE_TARGETS;
    const deps = { keyring, production };

    const merchant = await db.merchant.create({
      data: { name: "Bench webhooks", slug: `bench-hooks-${dbName.slice(-8)}`, environment: "simulator" },
    });
    const fast = await receiver(200, 0);
    const slow = await receiver(200, SLOW_MS);
    const failing = await receiver(500, 0);
    cleanups.push(fast.close, slow.close, failing.close);
    for (const [name, r] of [
      ["fast", fast],
      ["slow", slow],
      ["failing", failing],
    ] as const) {
      await createWebhookEndpoint(db, {
        keyring,
        production,
        merchantId: merchant.id,
        actor: { type: "system", label: "bench" },
        input: { url: r.url, description: `bench ${name}`, eventTypes: [] },
      });
    }

    // The callback route's core behind a local HTTP server.
    const allowlist = buildAllowlist([]);
    const spoolDir = join(tmpdir(), `${dbName}-spool`);
    const callbacks = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", async () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const [, , , path = "", merchantId = "", secret = ""] = (req.url ?? "").split("/");
        const result = await handleCallbackRequest(ingestDb, {
          path,
          merchantId,
          secret,
          body,
          sourceIp: "127.0.0.1",
          headers: { "content-type": "application/json" },
          allowlist,
          spoolDir,
        });
        res.writeHead(result.status, { "content-type": "application/json" });
        res.end(JSON.stringify(result.body));
      });
    });
    await new Promise<void>((resolve) => callbacks.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => callbacks.close(resolve)));
    const callbackUrl = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}/api/mpesa/stk/${merchant.id}/${merchant.callbackSecret}`;

    // 1. The events, recorded as settlement records them (one transaction each, four at a time).
    const recordStarted = performance.now();
    let nextEvent = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (nextEvent < EVENTS) {
          const i = nextEvent++;
          await db.$transaction((tx) =>
            recordEvent(tx, {
              merchantId: merchant.id,
              type: "payment.paid",
              objectId: null,
              data: { id: `bench-${i}`, object: "payment", amount: 10, status: "paid", reference: `B${i}` },
            }),
          );
        }
      }),
    );
    const recordSeconds = (performance.now() - recordStarted) / 1000;
    const owed = Number(
      (await sql.query<{ n: string }>("SELECT count(*) AS n FROM webhook_deliveries")).rows[0]?.n ?? 0,
    );
    console.log(
      `recorded ${EVENTS} events (${owed} deliveries owed) in ${recordSeconds.toFixed(1)} s (${(EVENTS / recordSeconds).toFixed(0)} events/s)`,
    );

    // 2. Baseline: callbacks with deliveries idle.
    await callbackStream(callbackUrl, () => true, 2); // warm-up (pool, merchant cache)
    const baseline = await callbackStream(callbackUrl, () => true, BASELINE_SECONDS);

    // 3. The fan-out, by the in-process sweeps exactly as lib/background/index.ts runs them, with
    // callbacks arriving throughout.
    let sweeps = 0;
    let attempted = 0;
    const fanOutStarted = performance.now();
    const cpuAtStart = process.cpuUsage();
    const sweeper = runWebhookSweeps(() => ({ db, deps }), {
      onAttempt: countWebhookAttempt,
      onSweep: (counts) => {
        sweeps += 1;
        attempted += counts.attempted;
      },
      onError: (error) => console.error("sweep failed", error),
      keepAlive: true,
    });
    cleanups.push(() => sweeper.stop());
    const progress = setInterval(() => {
      const s = ((performance.now() - fanOutStarted) / 1000).toFixed(0);
      console.log(
        `  ${s.padStart(4)} s: fast ${fast.firstSeen.size}, slow ${slow.firstSeen.size}, failing ${failing.firstSeen.size} (${failing.hits.length} requests); most in flight at once: ${fast.load.most}, ${slow.load.most}, ${failing.load.most}`,
      );
    }, 30_000);
    cleanups.push(async () => clearInterval(progress));
    const allFast = () => fast.firstSeen.size >= EVENTS || performance.now() - fanOutStarted > FAN_OUT_MS;
    const during = await callbackStream(callbackUrl, allFast);
    const fanOutSeconds = (performance.now() - fanOutStarted) / 1000;
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuShare = (cpu.user + cpu.system) / 1e6 / fanOutSeconds;
    // What each receiver had when the fan-out ended (the slow one's backlog is not waited for).
    const slowSeen = slow.firstSeen.size;
    const failingHits = [...failing.hits];
    clearInterval(progress);
    await sweeper.stop();

    // Delivery rate to the fast receiver from its first arrival to its last.
    const fastTimes = [...fast.firstSeen.values()].sort((a, b) => a - b);
    const firstFast = fastTimes[0] ?? fanOutStarted;
    const lastFast = fastTimes[fastTimes.length - 1] ?? fanOutStarted;
    const fastRate = fastTimes.length / Math.max(0.001, (lastFast - firstFast) / 1000);
    // The failing receiver: requests per event and the shortest gap between two tries of one event.
    const perEvent = new Map<string, number[]>();
    for (const hit of failingHits) perEvent.set(hit.eventId, [...(perEvent.get(hit.eventId) ?? []), hit.at]);
    let maxTries = 0;
    let minGap = Number.POSITIVE_INFINITY;
    for (const times of perEvent.values()) {
      maxTries = Math.max(maxTries, times.length);
      for (let k = 1; k < times.length; k++) minGap = Math.min(minGap, (times[k] ?? 0) - (times[k - 1] ?? 0));
    }
    const states = (
      await sql.query<{ url: string; state: string; n: string }>(
        `SELECT e.url, d.state, count(*) AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
         GROUP BY e.url, d.state ORDER BY e.url, d.state`,
      )
    ).rows;

    const row = (name: string, r: Awaited<ReturnType<typeof callbackStream>>) =>
      `  ${name.padEnd(34)} p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(7)} ms   p99 ${r.p99.toFixed(1).padStart(7)} ms   (${r.count} callbacks, ${r.failures} failed)`;
    console.log(
      `\n${EVENTS} events × 3 endpoints, delivered by the in-process sweeps (each endpoint its own lane of ${WEBHOOK_CONCURRENCY_PER_ENDPOINT}, batch claims, the next sweep at once while work is due, ${WEBHOOK_IDLE_SWEEP_MS / 1000} s when idle)`,
    );
    const complete = fast.firstSeen.size >= EVENTS;
    console.log(
      complete
        ? `  fast receiver: all ${EVENTS} events after ${((lastFast - fanOutStarted) / 1000).toFixed(1)} s; ${fastRate.toFixed(1)} deliveries/s from its first to its last`
        : `  fast receiver: ${fast.firstSeen.size}/${EVENTS} events when the fan-out was stopped after ${fanOutSeconds.toFixed(0)} s; ${fastRate.toFixed(1)} deliveries/s, so all ${EVENTS} after about ${((firstFast - fanOutStarted) / 1000 + EVENTS / fastRate).toFixed(0)} s (estimated)`,
    );
    const slowRate = slowSeen / fanOutSeconds;
    console.log(
      `  slow receiver (${SLOW_MS} ms an answer): ${slowSeen}/${EVENTS} events in the same ${fanOutSeconds.toFixed(0)} s, ${slowRate.toFixed(1)} deliveries/s (its lane's ceiling ${((WEBHOOK_CONCURRENCY_PER_ENDPOINT * 1000) / SLOW_MS).toFixed(1)}/s), so all ${EVENTS} after about ${(EVENTS / Math.max(0.001, slowRate)).toFixed(0)} s`,
    );
    console.log(
      `  failing receiver (500): ${failingHits.length} requests (${(failingHits.length / fanOutSeconds).toFixed(1)} attempts/s) for ${perEvent.size} events, at most ${maxTries} per event, shortest gap between two tries of one event ${Number.isFinite(minGap) ? `${(minGap / 1000).toFixed(1)} s` : "— (no retry yet)"}`,
    );
    console.log(
      `  most requests in flight at once: fast ${fast.load.most}, slow ${slow.load.most}, failing ${failing.load.most} (the lane's limit is ${WEBHOOK_CONCURRENCY_PER_ENDPOINT})`,
    );
    console.log(
      `  ${sweeps} sweeps, ${attempted} attempts, ${(attempted / fanOutSeconds).toFixed(1)} attempts/s overall`,
    );
    const nameOf = new Map([
      [fast.url, "fast"],
      [slow.url, "slow"],
      [failing.url, "failing"],
    ]);
    console.log(
      `  deliveries when the fan-out ended: ${states.map((s) => `${nameOf.get(s.url)} ${s.state} ${s.n}`).join(", ")}`,
    );
    console.log(`\nSTK callback acknowledgements, ${CALLBACKS_PER_SECOND}/s, through handleCallbackRequest`);
    console.log(row("deliveries idle (baseline)", baseline));
    console.log(row("while the fan-out runs", during));
    console.log(
      `  ratio (during / idle): p50 ×${(during.p50 / baseline.p50).toFixed(2)}, p95 ×${(during.p95 / baseline.p95).toFixed(2)}, p99 ×${(during.p99 / baseline.p99).toFixed(2)}`,
    );
    console.log(
      `\nWhat limits these figures: each endpoint has its own lane of ${WEBHOOK_CONCURRENCY_PER_ENDPOINT} attempts in flight, so the fast receiver's rate is ${WEBHOOK_CONCURRENCY_PER_ENDPOINT} ÷ the time of one attempt (here about ${((WEBHOOK_CONCURRENCY_PER_ENDPOINT * 1000) / fastRate).toFixed(0)} ms), and that time is almost all this process's CPU and the database, not HTTP (the receiver answers at once on a kept-alive connection): per batch of ${CLAIM_BATCH_SIZE} a claim and three reads, per attempt signing and one statement (the attempt and the delivery's outcome), on the background pool of 10 shared with the other lanes. This process (sweeps, receivers and the callback stream) used ${(cpuShare * 100).toFixed(0)}% of one core during the fan-out, on a ${cpus().length}-core machine at load ${loadavg()[0]?.toFixed(2)} (other work included): well below a core means it waited for the CPU or PostgreSQL, not for its own work; near a core means Node's single thread is the limit, and the same thread acknowledging callbacks is why their latency rises. The slow receiver is held at ${WEBHOOK_CONCURRENCY_PER_ENDPOINT} × 1000 / ${SLOW_MS} ms by design and costs the others nothing but CPU; the failing one gets one attempt per event and then its back-off (1 min, 5, 30 …), not hammered. Inngest keys the same limit on the endpoint (concurrency key event.data.endpointId); it is not run here.`,
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    await dropDatabase(serverUrl, dbName);
    await embedded?.stop();
  }
}

runBench("bench:webhooks", GIVE_UP_MS, main);
