// `npm run drill:dropped [-- --n 10000] [--share 0.3] [--database-url <server url>]`: the simulator drops
// 30% of STK callbacks; every payment must be settled within two cycles: the follow-up each
// payment gets (an STK Query) and then a reconciliation run. Exits 1 on any payment left unsettled
// or settled twice.
import { parseArgs } from "node:util";
import { followUpStkPayment } from "../../lib/payments/collections/follow-up-stk-payment";
import { initiateStkPayment } from "../../lib/payments/collections/initiate-stk-payment";
import { reconcilePayments } from "../../lib/payments/reconciliation/reconcile-payments";
import { drillFlags, runOnOwnDatabase } from "./cli";
import { forEachLimit, pollUntil, settlementTally, startDrillWorld, verdict } from "./world";

export async function runDroppedCallbacksDrill(options: {
  databaseUrl: string;
  n: number;
  dropShare?: number;
}): Promise<{ ok: boolean; facts: Record<string, unknown> }> {
  const dropShare = options.dropShare ?? 0.3;
  const world = await startDrillWorld({ databaseUrl: options.databaseUrl });
  try {
    const { db, merchant } = world;
    await world.control("POST", "/sim/outcomes", { api: "stk", resultCode: 0, delayMs: 300 });
    await world.control("POST", "/sim/faults", { dropShare });
    let refused = 0;
    const ids: string[] = [];
    await forEachLimit(options.n, 16, async (i) => {
      const payment = await initiateStkPayment(db, world.deps, {
        merchantId: merchant.id,
        amount: 10 + (i % 90),
        phone: `2547${String(20_000_000 + i).slice(-8)}`,
        reference: `DRP${i}`,
      }).catch(() => null);
      if (payment) ids.push(payment.id);
      else refused += 1;
    });
    // Wait for the delivered callbacks to settle (the dropped ones never come).
    let last = -1;
    await pollUntil(
      async () => {
        const t = await settlementTally(db, merchant.id);
        const stable = t.paid === last;
        last = t.paid;
        await new Promise((r) => setTimeout(r, 900));
        return { ...t, stable };
      },
      (t) => t.stable && t.paid > 0,
      60_000 + options.n * 10,
    );
    await world.endpoint.idle();
    const byCallback = (await settlementTally(db, merchant.id)).paid;
    // Cycle 1: the follow-up every payment gets 30 s after its prompt (lib/background, Inngest).
    const cycle1Started = performance.now();
    const pending = await db.payment.findMany({
      where: { merchantId: merchant.id, status: "pending" },
      select: { id: true },
    });
    let byFollowUp = 0;
    await forEachLimit(pending.length, 8, async (i) => {
      const id = pending[i]?.id;
      if (!id) return;
      const result = await followUpStkPayment(db, world.deps, { paymentId: id, spoolDir: world.spoolDir });
      if (result === "settled") byFollowUp += 1;
    });
    const cycle1Seconds = (performance.now() - cycle1Started) / 1000;
    // Cycle 2: a reconciliation run, as if a minute had passed (the sweep looks at attempts past 30 s).
    const later = { ...world.deps, now: () => new Date(Date.now() + 60_000) };
    const run = await reconcilePayments(db, later, { spoolDir: world.spoolDir });
    const tally = await settlementTally(db, merchant.id);
    const facts = {
      payments: options.n,
      dropShare,
      initiationRefused: refused,
      paidByCallback: byCallback,
      callbacksDropped: options.n - byCallback,
      paidByFollowUp: byFollowUp,
      paidByReconciliation: run.settled + run.inboxProcessed,
      paid: tally.paid,
      notPaid: tally.pending + tally.other,
      doubles: tally.doubles,
      followUpSeconds: +cycle1Seconds.toFixed(1),
    };
    const ok = refused === 0 && tally.paid === options.n && tally.doubles === 0 && ids.length === options.n;
    return { ok, facts };
  } finally {
    await world.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flags = drillFlags({ n: 10_000 });
  const { values } = parseArgs({ options: { share: { type: "string" } }, strict: false });
  await runOnOwnDatabase("dropped", flags, async (databaseUrl) => {
    const { ok, facts } = await runDroppedCallbacksDrill({
      databaseUrl,
      n: flags.n,
      dropShare: values.share === undefined ? undefined : Number(values.share),
    });
    return verdict("dropped", ok, facts);
  });
}
