// `npm run bench:overview [-- --merchant <slug>] [--runs 30] [--warmup 5]`: the Overview at the
// volume `npm run seed:large` leaves (1,000,000 payments over 90 days), read from the per-day
// reconciliation rollup (getOverview) beside the query it replaced (every one of the 30 days
// counted live, kept here as the baseline), through the tenant-scoped client the page uses. Prints
// p50/p95/max of each, the ratio, and the parts of the rollup read, to show what limits it.
import { parseArgs } from "node:util";
import { PrismaPg } from "@prisma/adapter-pg";
import { createDb } from "../lib/db";
import type { DbClient } from "../lib/db-types";
import { getOverview } from "../lib/payments/collections/get-overview";
import { computeReconciliationDay } from "../lib/payments/reconciliation/compute-reconciliation-day";
import {
  addKenyanDays,
  kenyanDayBounds,
  todayInKenya,
} from "../lib/payments/reconciliation/reconciliation-figures";
import { refreshReconciliationDays } from "../lib/payments/reconciliation/refresh-reconciliation-days";
import { sumPaymentsOfDay } from "../lib/payments/reconciliation/sum-payments-of-day";
import { tenantDb } from "../lib/tenancy/tenant-db";
import { PrismaClient } from "../prisma/generated/prisma/client";
import { DEMO_MERCHANTS } from "../prisma/seed";
import { percentile } from "./lib/bench";
import { localConfig } from "./seed-large";

const { values } = parseArgs({
  options: {
    merchant: { type: "string", default: DEMO_MERCHANTS[0].slug },
    runs: { type: "string", default: "30" },
    warmup: { type: "string", default: "5" },
  },
});
const runs = Number(values.runs);
const warmup = Number(values.warmup);

const DAY_MS = 86_400_000;
const OFFSET_MS = 3 * 3_600_000;

/** The Overview's query before the rollup: 30 one-day index ranges counted on every read. */
async function liveOverview(db: DbClient, merchantId: string, now: Date) {
  const todayStart = new Date(Math.floor((now.getTime() + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS);
  const firstDayStart = new Date(todayStart.getTime() - 29 * DAY_MS);
  const rows = await db.$queryRaw<
    { day: string; collected: bigint | null; paid: bigint; settled: bigint; total: bigint }[]
  >`
    SELECT to_char(d.start AT TIME ZONE 'Africa/Nairobi', 'YYYY-MM-DD') AS day, a.*
    FROM generate_series(${firstDayStart}::timestamptz, ${todayStart}::timestamptz, interval '24 hours') AS d(start)
    CROSS JOIN LATERAL (
      SELECT sum(amount) FILTER (WHERE status = 'paid') AS collected,
             count(*) FILTER (WHERE status = 'paid') AS paid,
             count(*) FILTER (WHERE status <> 'pending') AS settled,
             count(*) AS total
      FROM payments
      WHERE merchant_id = ${merchantId}::uuid AND created_at >= d.start AND created_at < d.start + interval '24 hours'
    ) AS a`;
  const counts = await db.$queryRaw<{ pending: bigint; reviews: bigint }[]>`
    SELECT (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId}::uuid AND status = 'pending') AS pending,
           (SELECT count(*) FROM review_items WHERE merchant_id = ${merchantId}::uuid AND status = 'open') AS reviews`;
  return { rows, counts };
}

/** Warm-up runs, then timed runs; `before` runs untimed ahead of each (e.g. marking a day stale). */
async function time(run: () => Promise<unknown>, before?: () => Promise<unknown>) {
  for (let i = 0; i < warmup; i++) {
    await before?.();
    await run();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before?.();
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: times.at(-1) ?? 0 };
}

async function main() {
  const { databaseUrl } = localConfig();
  const db = createDb(databaseUrl, { max: 4 });
  const merchant = await db.merchant.findUnique({ where: { slug: values.merchant } });
  if (!merchant) throw new Error(`no merchant "${values.merchant}": run npm run seed:large first`);
  const merchantId = merchant.id;
  const tenant = tenantDb(db, merchantId);
  const now = new Date();
  const today = todayInKenya(now);
  const firstDay = addKenyanDays(today, -29);
  const [volume] = await db.$queryRaw<{ total: bigint; month: bigint; today: bigint }[]>`
    SELECT count(*) AS total,
           count(*) FILTER (WHERE created_at >= ${kenyanDayBounds(firstDay).start}) AS month,
           count(*) FILTER (WHERE created_at >= ${kenyanDayBounds(today).start}) AS today
    FROM payments WHERE merchant_id = ${merchantId}::uuid`;
  console.log(
    `${Number(volume?.total).toLocaleString("en")} payments for ${values.merchant}: ` +
      `${Number(volume?.month).toLocaleString("en")} in the Overview's 30 days, ${Number(volume?.today).toLocaleString("en")} today. ` +
      `${warmup} warm-up runs, then ${runs} timed runs each.\n`,
  );

  // The rollup from nothing: what the first read after deploy (or the nightly close) pays once.
  await db.reconciliationDay.deleteMany({ where: { merchantId } });
  let t = performance.now();
  await refreshReconciliationDays(tenant, { merchantId, from: firstDay, to: addKenyanDays(today, -1), now });
  const coldMs = performance.now() - t;
  t = performance.now();
  await computeReconciliationDay(tenant, { merchantId, day: addKenyanDays(today, -1) });
  const oneDayMs = performance.now() - t;

  const staleDay = addKenyanDays(today, -3);
  const markStale = () =>
    db.$executeRaw`UPDATE reconciliation_days SET stale = true WHERE merchant_id = ${merchantId}::uuid AND day = ${staleDay}::date`;
  const cases = [
    {
      name: "before: 30 days counted live (baseline)",
      ...(await time(() => liveOverview(tenant, merchantId, now))),
    },
    {
      name: "rollup: 29 stored days + today live",
      ...(await time(() => getOverview(tenant, { merchantId, now }))),
    },
    {
      name: "rollup, one past day stale (a late change)",
      ...(await time(() => getOverview(tenant, { merchantId, now }), markStale)),
    },
    {
      name: "  part: read 29 stored days (fresh)",
      ...(await time(() =>
        refreshReconciliationDays(tenant, { merchantId, from: firstDay, to: addKenyanDays(today, -1), now }),
      )),
    },
    {
      name: "  part: today counted live",
      ...(await time(() => sumPaymentsOfDay(tenant, { merchantId, ...kenyanDayBounds(today) }))),
    },
    {
      name: "  part: pending + open review counts",
      ...(await time(
        () => tenant.$queryRaw`
          SELECT (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId}::uuid AND status = 'pending') AS pending,
                 (SELECT count(*) FROM review_items WHERE merchant_id = ${merchantId}::uuid AND status = 'open') AS reviews`,
      )),
    },
  ];
  // PostgreSQL's execution time of the SELECTs behind the two reads, captured from a logging client.
  const queries: { query: string; params: string }[] = [];
  const logging = new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }),
    log: [{ emit: "event", level: "query" }],
  });
  logging.$on("query", (e) => queries.push({ query: e.query, params: e.params }));
  const loggingTenant = tenantDb(logging, merchantId);
  const sqlTime = async (run: (d: DbClient) => Promise<unknown>) => {
    await run(loggingTenant);
    queries.length = 0;
    await run(loggingTenant);
    let total = 0;
    for (const q of queries.filter((q) => /^\s*SELECT|^\s*\(SELECT/i.test(q.query))) {
      const plan = await db.$queryRawUnsafe<{ "QUERY PLAN": [{ "Execution Time": number }] }[]>(
        `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${q.query}`,
        ...(JSON.parse(q.params) as unknown[]),
      );
      total += plan[0]?.["QUERY PLAN"][0]["Execution Time"] ?? 0;
    }
    return { total, statements: queries.length };
  };
  const liveSql = await sqlTime((d) => liveOverview(d, merchantId, now));
  const rollupSql = await sqlTime((d) => getOverview(d, { merchantId, now }));
  await logging.$disconnect();

  const ms = (n: number) => `${n.toFixed(1)} ms`.padStart(10);
  const header = `${"Overview".padEnd(46)} ${"p50".padStart(10)} ${"p95".padStart(10)} ${"max".padStart(10)}`;
  console.log(header);
  console.log("-".repeat(header.length));
  for (const c of cases) console.log(`${c.name.padEnd(46)} ${ms(c.p50)} ${ms(c.p95)} ${ms(c.max)}`);
  const [live, rollup] = cases;
  if (live && rollup) console.log(`\np95 ratio, live / rollup: ${(live.p95 / rollup.p95).toFixed(1)}x`);
  console.log(
    `PostgreSQL execution (EXPLAIN ANALYZE): before ${liveSql.total.toFixed(1)} ms in ${liveSql.statements} statements, ` +
      `rollup ${rollupSql.total.toFixed(1)} ms in ${rollupSql.statements} (${(liveSql.total / rollupSql.total).toFixed(1)}x)`,
  );
  console.log(`rollup from nothing (29 days computed and stored): ${coldMs.toFixed(0)} ms`);
  console.log(
    `one reconciliation day computed (every figure, ~${Math.round(Number(volume?.month) / 30).toLocaleString("en")} payments): ${oneDayMs.toFixed(1)} ms`,
  );
  await db.$disconnect();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
