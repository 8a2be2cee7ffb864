// `npm run drill:outage [-- --n 3000] [--outage 10]`: PostgreSQL (an embedded instance of this
// drill's own, never a shared server) is stopped for 10 s while success callbacks arrive for
// pending payments whose STK Query finds nothing. The sweep keeps running throughout, and every
// payment whose callback was acknowledged is followed up as if its result window were over. Every
// callback must be acknowledged, the ones that found the database down spooled, all settled once
// it is back, and no payment decided timed_out while its callback waited. Exits 1 otherwise.
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { followUpStkPayment } from "../../lib/payments/collections/follow-up-stk-payment";
import { reconcilePayments } from "../../lib/payments/reconciliation/reconcile-payments";
import { startEmbeddedPostgres } from "../lib/embedded-postgres";
import {
  createDrillDatabase,
  createPendingPayments,
  forEachLimit,
  postStkCallback,
  settlementTally,
  startDrillWorld,
  stkSuccessBody,
  verdict,
} from "./world";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDatabaseOutageDrill(options: {
  n: number;
  outageSeconds?: number;
  /** How long the callbacks keep arriving, in seconds (the outage sits in the middle). */
  burstSeconds?: number;
  port?: number;
}): Promise<{ ok: boolean; facts: Record<string, unknown> }> {
  // A pooled connection PostgreSQL cuts while it is checked out can emit an 'error' event nobody
  // listens to (pg's Client, 57P01 admin_shutdown): counted here instead of ending the drill.
  let connectionErrors = 0;
  const onUncaught = (error: Error & { code?: string }) => {
    if (error.code !== "57P01" && error.code !== "57P03") throw error;
    connectionErrors += 1;
  };
  process.on("uncaughtException", onUncaught);
  const outageMs = (options.outageSeconds ?? 10) * 1000;
  const burstMs = Math.max((options.burstSeconds ?? 20) * 1000, outageMs + 4000);
  const dataDir = join(tmpdir(), `malipo-drill-pg-${randomBytes(4).toString("hex")}`, "data");
  let pg = await startEmbeddedPostgres({ persistent: true, dataDir, port: options.port });
  const port = pg.port; // the same one after the restart: the pool reconnects to it
  const world = await startDrillWorld({
    databaseUrl: await createDrillDatabase(pg.url, "outage"),
    poolMax: 10,
  });
  let stopSweeps = false;
  try {
    const { db, merchant } = world;
    const payments = await createPendingPayments(db, {
      merchantId: merchant.id,
      n: options.n,
      keyring: world.deps.keyring,
    });
    const deps = world.deps;
    // Each payment is followed up from the moment its callback is acknowledged, as if its result
    // window were over (the clock 5 minutes on): a follow-up that decided from the query (which
    // finds nothing) would time it out although its callback is stored and waiting. Payments whose
    // callback has not come yet are left alone: timing those out would be right.
    const acknowledgedIds: string[] = [];
    const overdue = { ...deps, now: () => new Date(Date.now() + 5 * 60_000) };
    const followUps = (async () => {
      while (!stopSweeps) {
        const pending = await db.payment
          .findMany({
            where: { id: { in: [...acknowledgedIds] }, status: "pending" },
            select: { id: true },
            take: 500,
          })
          .catch(() => []);
        await forEachLimit(pending.length, 4, async (i) => {
          const id = pending[i]?.id;
          if (id)
            await followUpStkPayment(db, overdue, { paymentId: id, spoolDir: world.spoolDir }).catch(
              () => {},
            );
        });
        await sleep(500);
      }
    })();
    const sweeps = (async () => {
      while (!stopSweeps) {
        await reconcilePayments(db, deps, { spoolDir: world.spoolDir, inboxBudgetMs: 5_000 }).catch(() => {});
        await sleep(1_000);
      }
    })();

    // The burst: callbacks evenly over burstMs, the database down from a quarter of the way in.
    const started = Date.now();
    let acknowledged = 0;
    const outage = (async () => {
      await sleep(burstMs / 4);
      await pg.stop();
      const stoppedAt = Date.now();
      await sleep(outageMs);
      pg = await startEmbeddedPostgres({ persistent: true, dataDir, port });
      return (Date.now() - stoppedAt) / 1000;
    })();
    await forEachLimit(options.n, 20, async (i) => {
      const p = payments[i];
      if (!p) return;
      const due = started + (burstMs * i) / options.n;
      if (due > Date.now()) await sleep(due - Date.now());
      if (
        await postStkCallback(world.endpoint.url, merchant, stkSuccessBody(p.checkoutRequestId, p.amount, i))
      ) {
        acknowledged += 1;
        acknowledgedIds.push(p.id);
      }
    });
    const outageSeconds = await outage;
    const burstEnded = Date.now();
    // Wait for everything to settle (the sweeps keep running), then stop them.
    let tally = await settlementTally(db, merchant.id);
    const deadline = Date.now() + 60_000 + options.n * 20;
    while (tally.pending > 0 && Date.now() < deadline) {
      await sleep(500);
      tally = await settlementTally(db, merchant.id).catch(() => tally);
    }
    const settledSeconds = (Date.now() - burstEnded) / 1000;
    stopSweeps = true;
    await Promise.all([followUps, sweeps]);
    await world.endpoint.idle();
    tally = await settlementTally(db, merchant.id);
    const runs = await db.reconciliationRun.findMany({ select: { counts: true } });
    const spoolDrained = runs.reduce(
      (sum, r) => sum + Number((r.counts as { spoolDrained?: number } | null)?.spoolDrained ?? 0),
      0,
    );
    const facts = {
      payments: options.n,
      databaseDownSeconds: +outageSeconds.toFixed(1),
      acknowledged,
      spooledThenMovedToInbox: spoolDrained,
      paid: tally.paid,
      notPaid: tally.pending + tally.other,
      timedOutWhileCallbackWaited: tally.timed_out,
      lateSuccessReviewItems: tally.late,
      reviewItems: tally.reviews,
      doubles: tally.doubles,
      secondsFromLastCallbackToAllSettled: +settledSeconds.toFixed(1),
      unhandledConnectionErrors: connectionErrors,
    };
    const ok =
      acknowledged === options.n &&
      tally.paid === options.n &&
      tally.timed_out === 0 &&
      tally.late === 0 &&
      tally.reviews === 0 &&
      tally.doubles === 0 &&
      spoolDrained > 0;
    return { ok, facts };
  } finally {
    process.off("uncaughtException", onUncaught);
    stopSweeps = true;
    await world.close().catch(() => {});
    await pg.stop().catch(() => {});
    rmSync(dirname(dataDir), { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      n: { type: "string" },
      outage: { type: "string" },
      burst: { type: "string" },
      port: { type: "string" },
    },
    strict: false,
  });
  let code = 1;
  try {
    const { ok, facts } = await runDatabaseOutageDrill({
      n: Number(values.n ?? 3_000),
      outageSeconds: values.outage === undefined ? undefined : Number(values.outage),
      burstSeconds: values.burst === undefined ? undefined : Number(values.burst),
      port: Number(values.port ?? 4501),
    });
    code = verdict("outage", ok, facts);
  } catch (error) {
    console.error("drill outage: ERROR", error);
  }
  process.exit(code);
}
