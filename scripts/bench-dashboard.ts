// `npm run bench:dashboard [-- --merchant <slug>] [--runs 20] [--budget 100]`: times the server-side
// work of the dashboard's Payments page (first page, a deep keyset page, filtered pages) and its
// Overview, through the same core functions and tenant-scoped client the pages use, against a
// database filled by `npm run seed:large`. Prints p50/p95/max per query and the PostgreSQL
// execution time of the SQL behind each (EXPLAIN ANALYZE); exits 1 when a p95 exceeds the budget.
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { open } from "../lib/crypto/seal";
import { createDb } from "../lib/db";
import type { DbClient } from "../lib/db-types";
import { findPayments } from "../lib/payments/collections/find-payments";
import { getOverview } from "../lib/payments/collections/get-overview";
import { phoneContext } from "../lib/payments/collections/initiate-stk-payment";
import { type PaymentFilters, paymentWhere } from "../lib/payments/collections/payment-filters";
import { tenantDb } from "../lib/tenancy/tenant-db";
import { PrismaClient } from "../prisma/generated/prisma/client";
import { DEMO_MERCHANTS } from "../prisma/seed";
import { percentile } from "./lib/bench";
import { localConfig } from "./seed-large";

const { values } = parseArgs({
  options: {
    merchant: { type: "string", default: DEMO_MERCHANTS[0].slug },
    runs: { type: "string", default: "20" },
    warmup: { type: "string", default: "5" },
    budget: { type: "string", default: "100" },
  },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);
const budgetMs = Number(values.budget);
const PAGE = 50; // what the Payments page and its live list ask for

type Case = { name: string; run: (db: DbClient) => Promise<unknown> };

/** Kenyan calendar day `daysAgo` days before now, as the filter form sends it. */
const kenyanDay = (daysAgo: number) =>
  new Date(Date.now() + 3 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);

async function main() {
  const { databaseUrl, keyring } = localConfig();
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const merchant = (
    await sql.query<{ id: string }>("SELECT id FROM merchants WHERE slug = $1", [values.merchant])
  ).rows[0];
  if (!merchant) throw new Error(`no merchant "${values.merchant}": run npm run seed:large first`);
  const merchantId = merchant.id;
  const total = Number(
    (
      await sql.query<{ n: string }>("SELECT count(*) AS n FROM payments WHERE merchant_id = $1", [
        merchantId,
      ])
    ).rows[0]?.n,
  );

  // Real values to search for: one older payment's phone (opened with the app's key), reference, receipt.
  const sample = (
    await sql.query<{ phone_sealed: string; reference: string; receipt: string }>(
      `SELECT phone_sealed, reference, receipt FROM payments
       WHERE merchant_id = $1 AND receipt IS NOT NULL AND created_at < now() - interval '45 days'
       ORDER BY created_at DESC LIMIT 1`,
      [merchantId],
    )
  ).rows[0];
  if (!sample) throw new Error("no settled payments older than 45 days: run npm run seed:large first");
  const frequent = (
    await sql.query<{ phone_sealed: string; reference: string }>(
      `SELECT (SELECT min(phone_sealed) FROM payments p WHERE p.merchant_id = $1 AND p.phone_hash = top.phone_hash) AS phone_sealed,
              (SELECT reference FROM payments WHERE merchant_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS reference
       FROM (SELECT phone_hash FROM payments WHERE merchant_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS top`,
      [merchantId],
    )
  ).rows[0];
  if (!frequent) throw new Error("no payments");
  const phone = open(keyring, sample.phone_sealed, phoneContext(merchantId));
  const frequentPhone = open(keyring, frequent.phone_sealed, phoneContext(merchantId));

  const db = createDb(databaseUrl);
  const tenant = tenantDb(db, merchantId);
  const list = (filters: PaymentFilters, cursor?: string) => (d: DbClient) =>
    findPayments(d, { merchantId, where: paymentWhere(merchantId, filters, keyring), limit: PAGE, cursor });

  /** The cursor of page `n` (1-based) under these filters, found by following nextCursor. */
  async function cursorOfPage(filters: PaymentFilters, n: number): Promise<string> {
    let cursor: string | undefined;
    for (let page = 1; page < n; page++) {
      const result = await list(filters, cursor)(tenant);
      if (!result.nextCursor) throw new Error(`only ${page} pages under ${JSON.stringify(filters)}`);
      cursor = result.nextCursor;
    }
    if (!cursor) throw new Error("page 1 has no cursor");
    return cursor;
  }

  const lastWeek = { from: kenyanDay(6), to: kenyanDay(0) };
  const sixWeeksAgo = { from: kenyanDay(48), to: kenyanDay(42) };
  const cases: Case[] = [
    { name: "list: first page", run: list({}) },
    { name: "list: page 51 (keyset)", run: list({}, await cursorOfPage({}, 51)) },
    { name: "list: page 501 (keyset)", run: list({}, await cursorOfPage({}, 501)) },
    { name: "status=failed", run: list({ status: "failed" }) },
    { name: "status=needs_review", run: list({ status: "needs_review" }) },
    {
      name: "status=paid, page 51",
      run: list({ status: "paid" }, await cursorOfPage({ status: "paid" }, 51)),
    },
    { name: `dates ${sixWeeksAgo.from}..${sixWeeksAgo.to}`, run: list(sixWeeksAgo) },
    { name: "amount 1,000-1,500", run: list({ minAmount: 1000, maxAmount: 1500 }) },
    { name: "amount exactly 2,350", run: list({ minAmount: 2350, maxAmount: 2350 }) },
    { name: "amount 19,990-20,000 (rare)", run: list({ minAmount: 19_990, maxAmount: 20_000 }) },
    { name: "phone", run: list({ phone }) },
    { name: "phone (most frequent payer)", run: list({ phone: frequentPhone }) },
    { name: "phone (no payments)", run: list({ phone: "0799000001" }) },
    { name: "reference", run: list({ reference: sample.reference }) },
    { name: `reference ${frequent.reference} (most common)`, run: list({ reference: frequent.reference }) },
    { name: "receipt", run: list({ receipt: sample.receipt }) },
    {
      name: "paid + last 7 days + amount>=5,000",
      run: list({ status: "paid", ...lastWeek, minAmount: 5000 }),
    },
    { name: "phone + status=paid", run: list({ phone, status: "paid" }) },
    {
      name: "timed_out + 6 weeks ago + amount 100-200",
      run: list({ status: "timed_out", ...sixWeeksAgo, minAmount: 100, maxAmount: 200 }),
    },
    { name: "overview", run: (d) => getOverview(d, { merchantId }) },
  ];

  // The SQL behind each case, captured from a logging client, for EXPLAIN ANALYZE.
  const queries: { query: string; params: string }[] = [];
  const logging = new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }),
    log: [{ emit: "event", level: "query" }],
  });
  logging.$on("query", (e) => queries.push({ query: e.query, params: e.params }));
  const loggingTenant = tenantDb(logging, merchantId);

  console.log(
    `${total.toLocaleString("en")} payments for ${values.merchant}; ${warmup} warm-up runs, then ${runs} timed runs per query\n`,
  );
  const header = `${"query".padEnd(42)} ${"p50".padStart(8)} ${"p95".padStart(8)} ${"max".padStart(8)}   SQL execution (EXPLAIN ANALYZE)`;
  console.log(header);
  console.log("-".repeat(header.length + 10));
  let failed = 0;
  for (const c of cases) {
    for (let i = 0; i < warmup; i++) await c.run(tenant);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await c.run(tenant);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const p95 = percentile(times, 0.95);
    if (p95 > budgetMs) failed += 1;

    queries.length = 0;
    await c.run(loggingTenant);
    const plans: string[] = [];
    for (const q of queries.filter((q) => /^\s*SELECT/i.test(q.query))) {
      const params = JSON.parse(q.params) as unknown[];
      const { rows } = await sql.query<{ "QUERY PLAN": [{ "Execution Time": number; Plan: PlanNode }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) ${q.query}`,
        params,
      );
      const plan = rows[0]?.["QUERY PLAN"][0];
      if (plan) plans.push(`${plan["Execution Time"].toFixed(1)} ms ${summarisePlan(plan.Plan)}`);
    }
    const ms = (n: number) => `${n.toFixed(1)}ms`.padStart(8);
    console.log(
      `${c.name.padEnd(42)} ${ms(percentile(times, 0.5))} ${ms(p95)} ${ms(times.at(-1) ?? 0)}${p95 > budgetMs ? " !" : "  "} ${plans.join("; ")}`,
    );
  }
  console.log(
    failed
      ? `\n${failed} quer${failed === 1 ? "y" : "ies"} over the ${budgetMs} ms p95 budget`
      : `\nevery p95 within ${budgetMs} ms`,
  );
  await Promise.all([db.$disconnect(), logging.$disconnect(), sql.end()]);
  return failed ? 1 : 0;
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

/** The plan's scans (type and index) and the buffers it touched, in one short line. */
function summarisePlan(plan: PlanNode): string {
  const scans: string[] = [];
  const walk = (node: PlanNode) => {
    if (/Scan/.test(node["Node Type"]))
      scans.push(node["Index Name"] ? `${node["Node Type"]} ${node["Index Name"]}` : node["Node Type"]);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  const blocks = (plan["Shared Hit Blocks"] ?? 0) + (plan["Shared Read Blocks"] ?? 0);
  return `[${[...new Set(scans)].join(", ")}; ${blocks} buffers]`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      `bench:dashboard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exit(1);
  },
);
