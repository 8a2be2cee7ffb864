// `npm run bench:callbacks`: how fast does a running Malipo acknowledge Daraja callbacks?
// Sends real-shaped STK callbacks (for real pending payments it creates, so each one is stored,
// acknowledged and then settled) and reports acknowledgement latency and throughput, next to a
// minimal Node + pg server doing one INSERT per request on the same machine, in the same run.
//   BENCH_URL (default http://localhost:3000), DATABASE_URL (default: the embedded dev database),
//   BENCH_REQUESTS (3000), BENCH_CONCURRENCY (50)
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";

const appUrl = (process.env.BENCH_URL ?? "http://localhost:3000").replace(/\/$/, "");
const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:54329/malipo";
const total = Number(process.env.BENCH_REQUESTS ?? 3000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 50);

function callback(checkoutRequestId: string, amount: number, i: number) {
  return JSON.stringify({
    Body: {
      stkCallback: {
        MerchantRequestID: `bench-${i}`,
        CheckoutRequestID: checkoutRequestId,
        ResultCode: 0,
        ResultDesc: "The service request is processed successfully.",
        CallbackMetadata: {
          Item: [
            { Name: "Amount", Value: amount },
            {
              Name: "MpesaReceiptNumber",
              Value: `B${randomBytes(5).toString("hex").toUpperCase().slice(0, 9)}`,
            },
            { Name: "Balance" },
            { Name: "TransactionDate", Value: 20261124101010 },
            { Name: "PhoneNumber", Value: 254700000000 },
          ],
        },
      },
    },
  });
}

async function load(url: (i: number) => string, body: (i: number) => string) {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
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
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { p50: pick(0.5), p99: pick(0.99), rps: total / seconds, failures };
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

  // Real pending payments for the callbacks to settle.
  const run = randomBytes(4).toString("hex");
  const ids = Array.from({ length: total }, (_, i) => `ws_CO_bench_${run}_${i}`);
  await db.query(
    `INSERT INTO payments (id, merchant_id, amount, phone_sealed, phone_hash, phone_masked, reference, status, checkout_request_id, updated_at)
     SELECT gen_random_uuid(), $1, 10, 'bench', 'bench', '2547•••••000', 'BENCH', 'pending', unnest($2::text[]), now()`,
    [merchant.id, ids],
  );

  // The baseline: the least a Node server can do to store a callback.
  await db.query(
    "CREATE TABLE IF NOT EXISTS bench_baseline (id bigserial PRIMARY KEY, body text NOT NULL, received_at timestamptz DEFAULT now())",
  );
  const baseline = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", async () => {
      await db.query("INSERT INTO bench_baseline (body) VALUES ($1)", [raw]);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"ResultCode":0,"ResultDesc":"Accepted"}');
    });
  });
  await new Promise<void>((r) => baseline.listen(0, "127.0.0.1", () => r()));
  const baselineUrl = `http://127.0.0.1:${(baseline.address() as AddressInfo).port}/`;

  const body = (i: number) => callback(ids[i] ?? "", 10, i);
  await load(() => baselineUrl, body); // warm-up of the baseline's pool
  const base = await load(() => baselineUrl, body);
  const malipo = await load(() => `${appUrl}/api/mpesa/stk/${merchant.id}/${merchant.callback_secret}`, body);
  baseline.close();

  await new Promise((r) => setTimeout(r, 3000));
  const settled = (
    await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM payments WHERE checkout_request_id = ANY($1) AND status = 'paid'",
      [ids],
    )
  ).rows[0]?.n;
  await db.query("DROP TABLE bench_baseline");
  await db.end();

  const row = (name: string, r: Awaited<ReturnType<typeof load>>) =>
    `${name.padEnd(28)} p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(7)} ms   ${r.rps.toFixed(0).padStart(6)} req/s   failures ${r.failures}`;
  console.log(`\n${total} STK callbacks, ${concurrency} at a time, against ${appUrl}`);
  console.log(row("Malipo callback route", malipo));
  console.log(row("baseline Node + pg INSERT", base));
  console.log(
    `ratio (Malipo / baseline): p50 ×${(malipo.p50 / base.p50).toFixed(2)}, p99 ×${(malipo.p99 / base.p99).toFixed(2)}, throughput ×${(malipo.rps / base.rps).toFixed(2)}`,
  );
  console.log(
    `payments settled by those callbacks within 3 s of the last acknowledgement: ${settled}/${total}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
