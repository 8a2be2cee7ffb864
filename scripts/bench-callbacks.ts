// `npm run bench:callbacks`: how fast does a running Malipo acknowledge Daraja callbacks, and how
// fast are they settled meanwhile? Sends real-shaped STK success callbacks (for real pending
// payments it creates, so each one is stored, acknowledged and then settled while the load goes
// on) at each connection count, and reports acknowledgement latency and throughput next to a
// minimal Node + pg server doing one INSERT per request on the same machine, in the same run; then
// the settlements per second and how long after the last acknowledgement everything was settled.
// Before each measurement both servers are warmed up with as many callbacks of their own.
//   BENCH_URL (default http://localhost:3000), DATABASE_URL (default: the embedded dev database),
//   BENCH_ROUNDS (1: how many times to measure both servers at each connection count, the order
//   alternating, with the median ratio printed),
//   BENCH_REQUESTS (3000 per connection count), BENCH_CONNECTIONS (50,200), BENCH_SETTLE_TIMEOUT_S (120),
//   MALIPO_ENCRYPTION_KEYS (the server's: payer phones then match; without it every callback names
//   another payer and goes to review, which the output shows), BENCH_SERVER_PID (the Malipo server's
//   process, for its CPU per callback; the bare server runs as a child process and is always read)

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { parseKeyring } from "../lib/crypto/keyring";
import { lookupHash } from "../lib/crypto/seal";
import { stkSuccessCallback } from "../lib/simulator/stk";
import { processCpuMs } from "./lib/bench";

const appUrl = (process.env.BENCH_URL ?? "http://localhost:3000").replace(/\/$/, "");
const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:54329/malipo";
const total = Number(process.env.BENCH_REQUESTS ?? 3000);
/** Measurements per connection count, alternating which server goes first; the median is printed. */
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const connectionCounts = (process.env.BENCH_CONNECTIONS ?? process.env.BENCH_CONCURRENCY ?? "50,200")
  .split(",")
  .map(Number);
const PHONE = "254700000000";
/** Goals from issue 14: throughput ≥ 0.8× the bare server's, p99 ≤ 3× its p99. */
const GOAL_THROUGHPUT = 0.8;
const GOAL_P99 = 3;
/** How long to wait for the last settlements after the last acknowledgement. */
const SETTLE_TIMEOUT_MS = Number(process.env.BENCH_SETTLE_TIMEOUT_S ?? 120) * 1000;

function callback(checkoutRequestId: string, amount: number, i: number) {
  return JSON.stringify(
    stkSuccessCallback({
      merchantRequestId: `bench-${i}`,
      checkoutRequestId,
      amount,
      receipt: `B${randomBytes(5).toString("hex").toUpperCase().slice(0, 9)}`,
      phone: 254700000000,
      transactionDate: 20261124101010,
    }),
  );
}

type Load = Awaited<ReturnType<typeof load>>;

/** The bare server: one INSERT per request, then the acknowledgement; prints its port. */
const BARE_SERVER = `
import { createServer } from "node:http";
import pg from "pg";
const db = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 });
const server = createServer((req, res) => {
  let raw = "";
  req.on("data", (c) => { raw += c; });
  req.on("end", async () => {
    await db.query("INSERT INTO bench_baseline (body) VALUES ($1)", [raw]);
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end('{"ResultCode":0,"ResultDesc":"Accepted"}');
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

/** A process's CPU time so far in ms (processCpuMs); 0 where unreadable. */
const cpuMs = (pid: number | undefined): number => processCpuMs(pid) ?? 0;

/** The whole machine's busy CPU time so far (every core, every process) in ms, from /proc/stat. */
function machineCpuMs(): number {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/) ?? [];
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return (
      (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / 100
    );
  } catch {
    return 0;
  }
}

async function load(concurrency: number, url: (i: number) => string, body: (i: number) => string) {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  let lastAck = started;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t = performance.now();
        const res = await fetch(url(i), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: body(i),
        }).catch(() => null);
        if (!res?.ok) failures += 1;
        await res?.arrayBuffer();
        lastAck = performance.now();
        latencies.push(lastAck - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { p50: pick(0.5), p99: pick(0.99), rps: total / seconds, failures, started, lastAck };
}

/** Waits until none of these payments is pending (or the timeout passes). */
async function callbacksSettled(db: pg.Pool, ids: string[], timeoutMs: number): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const { rows } = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM payments WHERE checkout_request_id = ANY($1) AND status = 'pending'",
      [ids],
    );
    if (Number(rows[0]?.n) === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main() {
  const db = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const merchant = (
    await db.query<{ id: string; callback_secret: string }>(
      `SELECT m.id, m.callback_secret FROM merchants m JOIN mpesa_credentials c ON c.merchant_id = m.id
       WHERE m.environment = 'simulator' ORDER BY m.created_at LIMIT 1`,
    )
  ).rows[0];
  if (!merchant)
    throw new Error("no simulator merchant found: start the app once with `npm run dev` to seed one");
  const keys = process.env.MALIPO_ENCRYPTION_KEYS;
  const phoneHash = keys ? lookupHash(parseKeyring(keys), PHONE, "phone") : "bench";

  // The baseline: the least a Node server can do to store a callback.
  await db.query(
    "CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, body text NOT NULL, received_at timestamptz DEFAULT now())",
  );
  // The bare server runs in a process of its own, so its CPU per request can be read apart from
  // the load generator's (as Malipo's is, given BENCH_SERVER_PID).
  const baseline = spawn(process.execPath, ["--input-type=module", "-e", BARE_SERVER], {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const baselinePort = await new Promise<number>((resolve, reject) => {
    baseline.once("exit", (code) => reject(new Error(`the bare server exited (${code})`)));
    baseline.stdout.once("data", (chunk: Buffer) => resolve(Number(String(chunk).trim())));
  });
  const baselineUrl = `http://127.0.0.1:${baselinePort}/`;
  const callbackUrl = `${appUrl}/api/mpesa/stk/${merchant.id}/${merchant.callback_secret}`;
  const serverPid = Number(process.env.BENCH_SERVER_PID ?? 0);

  const lines: string[] = [];
  // Real pending payments for the callbacks to settle.
  const pending = async (count: number) => {
    const run = randomBytes(4).toString("hex");
    const ids = Array.from({ length: count }, (_, i) => `ws_CO_bench_${run}_${i}`);
    await db.query(
      `INSERT INTO payments (id, merchant_id, amount, phone_sealed, phone_hash, phone_masked, reference, status, checkout_request_id, updated_at)
       SELECT gen_random_uuid(), $1, 10, 'bench', $2, '2547•••••000', 'BENCH', 'pending', unnest($3::text[]), now()`,
      [merchant.id, phoneHash, ids],
    );
    return ids;
  };
  for (const concurrency of connectionCounts) {
    // Both servers are warmed up at this connection count first: the baseline's pool, and
    // Malipo's code paths (compiled by V8 on first use) with callbacks for payments of their own.
    const warmUp = await pending(total);
    await load(
      concurrency,
      () => callbackUrl,
      (i) => callback(warmUp[i] ?? "", 10, i),
    );
    await load(
      concurrency,
      () => baselineUrl,
      (i) => callback(warmUp[i] ?? "", 10, i),
    );
    await callbacksSettled(db, warmUp, SETTLE_TIMEOUT_MS);
    const ratios: { throughput: number; p99: number; ok: boolean }[] = [];
    for (let round = 1; round <= rounds; round++) {
      const ids = await pending(total);
      const body = (i: number) => callback(ids[i] ?? "", 10, i);
      const measureBase = async () => {
        const baseCpu = cpuMs(baseline.pid);
        const baseMachine = machineCpuMs();
        const result = await load(concurrency, () => baselineUrl, body);
        return {
          result,
          cpuEach: (cpuMs(baseline.pid) - baseCpu) / total,
          machineEach: (machineCpuMs() - baseMachine) / total,
        };
      };
      /** How many of this round's payments a query counts (`$1`: their checkout request ids). */
      const countOf = async (sql: string) => Number((await db.query<{ n: string }>(sql, [ids])).rows[0]?.n);
      // Settlement is watched while the callbacks arrive and until all are settled.
      const settledCount = () =>
        countOf(
          "SELECT count(*) AS n FROM payments WHERE checkout_request_id = ANY($1) AND status <> 'pending'",
        );
      const measureMalipo = async () => {
        const malipoCpu = cpuMs(serverPid);
        const malipoMachine = machineCpuMs();
        const result = await load(concurrency, () => callbackUrl, body);
        const settledAtLastAck = await settledCount();
        await callbacksSettled(db, ids, SETTLE_TIMEOUT_MS);
        const allSettledAt = performance.now();
        const settled = await settledCount();
        return {
          result,
          settledAtLastAck,
          settled,
          allSettledAt,
          cpuEach: (cpuMs(serverPid) - malipoCpu) / total,
          // Everything the machine spent per callback (servers, load generator, PostgreSQL; for
          // Malipo until the last settlement): with every core busy, throughput is about cores ÷ this.
          machineEach: (machineCpuMs() - malipoMachine) / total,
        };
      };
      // Odd rounds measure the bare server first, even rounds Malipo first: drift cancels out.
      const baseFirst = round % 2 === 1;
      const earlyBase = baseFirst ? await measureBase() : undefined;
      const measuredMalipo = await measureMalipo();
      const measuredBase = earlyBase ?? (await measureBase());
      const base = measuredBase.result;
      const malipo = measuredMalipo.result;
      const { settledAtLastAck, settled, allSettledAt } = measuredMalipo;
      const reviews = await countOf(
        "SELECT count(*) AS n FROM review_items r JOIN payments p ON p.id = r.payment_id WHERE p.checkout_request_id = ANY($1)",
      );
      const afterLastAck = (allSettledAt - malipo.lastAck) / 1000;
      const paid = await countOf(
        "SELECT count(*) AS n FROM payments WHERE checkout_request_id = ANY($1) AND status = 'paid'",
      );

      const row = (name: string, r: Load) =>
        `  ${name.padEnd(28)} p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(7)} ms   ${r.rps.toFixed(0).padStart(6)} req/s   failures ${r.failures}`;
      const throughput = malipo.rps / base.rps;
      const p99 = malipo.p99 / base.p99;
      const ok = throughput >= GOAL_THROUGHPUT && p99 <= GOAL_P99 && malipo.failures === 0;
      ratios.push({ throughput, p99, ok });
      lines.push(
        `${total} STK callbacks, ${concurrency} connections${rounds > 1 ? `, round ${round} of ${rounds} (${baseFirst ? "bare server first" : "Malipo first"})` : ""}, against ${callbackUrl.replace(/\/[^/]+$/, "/…")}`,
        row("Malipo callback route", malipo),
        row("baseline Node + pg INSERT", base),
        `  ratio (Malipo / baseline): throughput ×${throughput.toFixed(2)} (goal ≥ ${GOAL_THROUGHPUT}), p99 ×${p99.toFixed(2)} (goal ≤ ${GOAL_P99}), p50 ×${(malipo.p50 / base.p50).toFixed(2)}: ${ok ? "goal met" : "goal NOT met"}`,
        `  settlement alongside: ${settledAtLastAck}/${total} settled by the last acknowledgement, ${settled}/${total} after ${afterLastAck.toFixed(1)} s more (${paid} paid, ${reviews} review items); ${(settled / ((allSettledAt - malipo.started) / 1000)).toFixed(0)} settlements/s from the first callback to the last settlement`,
        serverPid
          ? `  CPU per callback: Malipo's server ${measuredMalipo.cpuEach.toFixed(2)} ms (acknowledgement and settlement), the bare server ${measuredBase.cpuEach.toFixed(2)} ms (INSERT only): ×${(measuredMalipo.cpuEach / measuredBase.cpuEach).toFixed(2)}`
          : `  CPU per callback: the bare server ${measuredBase.cpuEach.toFixed(2)} ms (set BENCH_SERVER_PID to Malipo's server process for its figure)`,
        `  machine CPU per callback (every process: load generator, server, PostgreSQL): Malipo ${measuredMalipo.machineEach.toFixed(2)} ms, bare ${measuredBase.machineEach.toFixed(2)} ms: ×${(measuredMalipo.machineEach / measuredBase.machineEach).toFixed(2)}`,
      );
    }
    if (rounds > 1) {
      const median = (values: number[]) => {
        const sorted = values.toSorted((x, y) => x - y);
        const mid = Math.floor(sorted.length / 2);
        return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
      };
      lines.push(
        `${concurrency} connections over ${rounds} rounds: median throughput ×${median(ratios.map((r) => r.throughput)).toFixed(2)}, median p99 ×${median(ratios.map((r) => r.p99)).toFixed(2)}; goal met in ${ratios.filter((r) => r.ok).length} of ${rounds} rounds`,
      );
    }
  }
  baseline.kill();
  await db.query("DROP TABLE bench_baseline");
  await db.end();
  console.log(`\n${lines.join("\n")}`);
  console.log(
    "limit: one machine's CPU shared by the load generator, the bare server, Malipo and PostgreSQL; Malipo's server also settles what it acknowledges (batches gathered while answering), while the bare server only INSERTs\n",
  );
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
