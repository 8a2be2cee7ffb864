// `npm run drill:duplicates [-- --n 10000] [--database-url <server url>]`: N STK payments through the
// simulator, each callback delivered 5 times at once → N settlements, none twice. Exits 1 on any
// payment left unpaid or settled twice, or any review item opened.
import { initiateStkPayment } from "../../lib/payments/collections/initiate-stk-payment";
import { drainCallbackInbox } from "../../lib/payments/reconciliation/drain-callback-inbox";
import { drillFlags, runOnOwnDatabase } from "./cli";
import { forEachLimit, pollUntil, settlementTally, startDrillWorld, verdict } from "./world";

export const COPIES = 5;

export async function runDuplicateCallbacksDrill(options: {
  databaseUrl: string;
  n: number;
}): Promise<{ ok: boolean; facts: Record<string, unknown> }> {
  const world = await startDrillWorld({ databaseUrl: options.databaseUrl });
  try {
    const { db, merchant } = world;
    // Every prompt is answered "paid" 300 ms after it goes out; each callback comes 5 times at once.
    await world.control("POST", "/sim/outcomes", { api: "stk", resultCode: 0, delayMs: 300 });
    await world.control("POST", "/sim/faults", { duplicates: COPIES - 1, concurrent: true });
    const started = performance.now();
    let refused = 0;
    await forEachLimit(options.n, 16, async (i) => {
      await initiateStkPayment(db, world.deps, {
        merchantId: merchant.id,
        amount: 10 + (i % 90),
        phone: `2547${String(10_000_000 + i).slice(-8)}`,
        reference: `DUP${i}`,
      }).catch(() => {
        refused += 1;
      });
    });
    const initiated = performance.now();
    const expected = options.n - refused;
    // Waits while payments keep settling; gives up after a minute in which none did.
    let progress = { paid: -1, at: Date.now() };
    await pollUntil(
      () => settlementTally(db, merchant.id),
      (t) => {
        if (t.paid !== progress.paid) progress = { paid: t.paid, at: Date.now() };
        return t.paid >= expected || Date.now() - progress.at > 60_000;
      },
      Number.POSITIVE_INFINITY,
    );
    await world.endpoint.idle();
    const settled = performance.now();
    // A callback can beat the initiation's answer (the payment is not known yet): the sweep retries
    // those, as the app's reconciliation does.
    const sweep = await drainCallbackInbox(db, { keyring: world.keyring });
    const tally = await settlementTally(db, merchant.id);
    const stored = await db.callbackInbox.count({ where: { merchantId: merchant.id, kind: "stk" } });
    const facts = {
      payments: options.n,
      initiationRefused: refused,
      callbacksAcknowledged: world.endpoint.acknowledged,
      callbacksStored: stored,
      paid: tally.paid,
      notPaid: tally.pending + tally.other,
      doubles: tally.doubles,
      reviewItems: tally.reviews,
      settledByLateSweep: sweep.processed,
      initiateSeconds: +((initiated - started) / 1000).toFixed(1),
      initiationsPerSecond: +(options.n / ((initiated - started) / 1000)).toFixed(1),
      settleSecondsAfterLastInitiation: +((settled - initiated) / 1000).toFixed(1),
      allSettledSeconds: +((settled - started) / 1000).toFixed(1),
    };
    const ok =
      refused === 0 &&
      tally.paid === options.n &&
      tally.doubles === 0 &&
      tally.reviews === 0 &&
      stored === options.n * COPIES;
    return { ok, facts };
  } finally {
    await world.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flags = drillFlags({ n: 10_000 });
  await runOnOwnDatabase("duplicates", flags, async (databaseUrl) => {
    const { ok, facts } = await runDuplicateCallbacksDrill({ databaseUrl, n: flags.n });
    return verdict("duplicates", ok, facts);
  });
}
