// `npm run drill:payouts [-- --payouts 1000] [--lost 0.2] [--timed-out 0.1] [--database-url <url>]`:
// payouts whose Results go missing still end exactly once. --payouts approved B2C payouts are sent
// (submitPayout) to the in-process Daraja simulator, which loses --lost of the Results (the money
// moved, nothing is delivered) and turns --timed-out of them into queue-timeout notices (the
// money moved). Then follow-up cycles run followUpPayout, the function Inngest's follow-up-payout
// and the in-process background call, on a clock moved past the Result window and each back-off,
// until nothing awaits a result. Passes when every payout is paid (by its Result or by Transaction
// Status), and the simulator received exactly one B2C request per OriginatorConversationID.
// tests/integration/drill-payouts.test.ts runs the same drill small.
import { parseArgs } from "node:util";
import type { Db } from "../../lib/db";
import type { PaymentsDeps } from "../../lib/payments/deps";
import { findStrandedPayouts } from "../../lib/payments/payouts/find-stranded-payouts";
import {
  FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS,
  followUpPayout,
  PAYOUT_RESULT_WINDOW_MS,
} from "../../lib/payments/payouts/follow-up-payout";
import { awaitsResult } from "../../lib/payments/payouts/record-payout-outcome";
import { submitPayout } from "../../lib/payments/payouts/submit-payout";
import { createPayout } from "../../tests/factories";
import { startCollectionsWorld } from "../../tests/support/collections";
import { isMain, withDrillDatabase } from "./lib/drill-database";

export interface PayoutsDrillReport {
  payouts: number;
  /** Final statuses, counted. */
  statuses: Record<string, number>;
  /** How each paid payout learnt it: its own Result, or Transaction Status. */
  paidBy: { result: number; status: number };
  /** B2C Results that never reached Malipo, and those that came as queue-timeout notices. */
  lostResults: number;
  timedOutResults: number;
  /** OriginatorConversationIDs the simulator received more than one B2C request for. */
  sentTwice: number;
  /** Payouts the simulator never received (should be none). */
  neverSent: number;
  cycles: number;
  statusQueries: number;
  ms: number;
  /** Every way the drill failed; empty when it passed. */
  failures: string[];
}

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

/** Waits until the callback inbox stops growing and holds nothing pending (callbacks are processed inline). */
async function quiet(db: Db, merchantId: string): Promise<void> {
  let last = -1;
  let still = 0;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const [count, pending] = await Promise.all([
      db.callbackInbox.count({ where: { merchantId } }),
      db.callbackInbox.count({ where: { merchantId, state: { in: ["pending", "failed"] } } }),
    ]);
    still = count === last && pending === 0 ? still + 1 : 0;
    last = count;
    if (still >= 4) return;
  }
  throw new Error("callbacks kept arriving for a minute");
}

export async function runPayoutsDrill(
  db: Db,
  options: {
    payouts: number;
    lost: number;
    timedOut: number;
    /** Payouts submitted at once (default 8). */
    width?: number;
    log?: (line: string) => void;
  },
): Promise<PayoutsDrillReport> {
  const started = performance.now();
  const say = options.log ?? (() => {});
  const log = (line: string) => say(`${((performance.now() - started) / 1000).toFixed(1)} s  ${line}`);
  const world = await startCollectionsWorld(db);
  const failures: string[] = [];
  const problems: string[] = [];
  const note = (fields: object, message: string) => {
    const err = (fields as { err?: unknown }).err;
    problems.push(`${message}: ${err instanceof Error ? err.message : JSON.stringify(fields)}`);
  };
  world.deps.log = { warn: note, error: note };
  try {
    const merchantId = world.merchant.id;
    await world.control("POST", "/sim/faults", {
      b2cResultLoss: options.lost,
      b2cResultTimeout: options.timedOut,
    });
    const ids: string[] = [];
    for (let i = 0; i < options.payouts; i++) {
      const payout = await createPayout(db, {
        merchantId,
        keyring: world.deps.keyring,
        phone: `2547${String(11_000_000 + i).padStart(8, "0")}`,
        amount: 10 + ((i * 37) % 990),
      });
      ids.push(payout.id);
    }
    log(`${ids.length} approved payouts created; submitting`);
    const submitted: Record<string, number> = {};
    await inParallel(ids, options.width ?? 8, async (payoutId) => {
      const sent = await submitPayout(db, world.deps, { payoutId });
      submitted[sent.outcome] = (submitted[sent.outcome] ?? 0) + 1;
      if (sent.outcome === "unknown" || sent.outcome === "failed")
        note({ code: sent.payout.resultCode }, `submitPayout: ${sent.outcome}`);
    });
    log(`submitted: ${JSON.stringify(submitted)}`);
    await quiet(db, merchantId);

    // Follow-up cycles on a clock moved past the Result window, then past each back-off.
    let offsetMs = PAYOUT_RESULT_WINDOW_MS + 1_000;
    let cycles = 0;
    for (;;) {
      const all = await db.payout.findMany({ where: { merchantId } });
      const waiting = all.filter((p) => awaitsResult(p) && p.status !== "needs_review");
      const unsent = all.filter((p) => p.status === "approved").length;
      if (waiting.length + unsent === 0 || cycles >= FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS.length * 2) break;
      cycles += 1;
      const deps: PaymentsDeps = { ...world.deps, now: () => new Date(Date.now() + offsetMs) };
      const steps: Record<string, number> = {};
      // Reconciliation's pass over approved payouts that were never sent (e.g. not_sent above).
      const stranded = await findStrandedPayouts(db, { now: deps.now?.() });
      await inParallel(stranded, 8, async ({ payoutId }) => {
        const sent = await submitPayout(db, deps, { payoutId });
        steps[`resubmit:${sent.outcome}`] = (steps[`resubmit:${sent.outcome}`] ?? 0) + 1;
      });
      await inParallel(waiting, 8, async (p) => {
        const step = await followUpPayout(db, deps, { payoutId: p.id });
        steps[step] = (steps[step] ?? 0) + 1;
      });
      await quiet(db, merchantId);
      log(
        `cycle ${cycles} (clock +${Math.round(offsetMs / 1000)} s): ${waiting.length} awaiting → ${JSON.stringify(steps)}`,
      );
      offsetMs += 5 * 60_000; // past the longest back-off
    }

    const final = await db.payout.findMany({ where: { merchantId } });
    const statuses: Record<string, number> = {};
    for (const p of final) statuses[p.status] = (statuses[p.status] ?? 0) + 1;
    const paidBy = { result: 0, status: 0 };
    for (const p of final.filter((x) => x.status === "paid")) {
      const source = (p.resultParameters as { source?: string } | null)?.source;
      if (source === "status") paidBy.status += 1;
      else paidBy.result += 1;
    }
    const requests = world.sim.state.b2cRequests;
    const sentTwice = [...requests.values()].filter((n) => n > 1).length;
    const neverSent = final.filter(
      (p) => !p.originatorConversationId || !requests.has(p.originatorConversationId),
    ).length;
    // The simulator's own ledger: one B2C payment per payout, never two.
    const ledger = new Map<string, number>();
    for (const t of world.sim.state.transactions.values())
      if (t.kind === "b2c" && t.originatorConversationId)
        ledger.set(t.originatorConversationId, (ledger.get(t.originatorConversationId) ?? 0) + 1);
    const paidTwice = [...ledger.values()].filter((n) => n > 1).length;
    const statusQueries = final.reduce((sum, p) => sum + p.statusQueryCount, 0);
    // What reached Malipo for the B2C requests: Results and timeout notices; the rest were lost.
    const results = await db.callbackInbox.count({ where: { merchantId, kind: "b2c_result" } });
    const timedOutResults = await db.callbackInbox.count({ where: { merchantId, kind: "b2c_timeout" } });

    if (problems.length > 0)
      log(`the core logged ${problems.length}: ${[...new Set(problems)].slice(0, 5).join(" | ")}`);
    if (final.length !== options.payouts)
      failures.push(`${final.length} payouts stored, expected ${options.payouts}`);
    const notPaid = final.filter((p) => p.status !== "paid");
    if (notPaid.length > 0)
      failures.push(
        `${notPaid.length} payouts not paid: ${JSON.stringify(statuses)} (first: ${notPaid[0]?.id} ${notPaid[0]?.status} ${notPaid[0]?.resultDesc ?? ""})`,
      );
    if (sentTwice > 0) failures.push(`${sentTwice} OriginatorConversationIDs sent to Daraja more than once`);
    if (paidTwice > 0) failures.push(`${paidTwice} payouts paid twice by the simulator`);
    if (neverSent > 0) failures.push(`${neverSent} payouts never reached the simulator`);
    if (ledger.size !== statuses.paid)
      failures.push(
        `the simulator made ${ledger.size} B2C payments, Malipo records ${statuses.paid ?? 0} paid`,
      );
    return {
      payouts: final.length,
      statuses,
      paidBy,
      lostResults: final.length - neverSent - results - timedOutResults,
      timedOutResults,
      sentTwice,
      neverSent,
      cycles,
      statusQueries,
      ms: performance.now() - started,
      failures,
    };
  } finally {
    await world.close();
  }
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      "database-url": { type: "string" },
      payouts: { type: "string", default: "1000" },
      lost: { type: "string", default: "0.2" },
      "timed-out": { type: "string", default: "0.1" },
      width: { type: "string", default: "8" },
    },
  });
  const options = {
    payouts: Number(values.payouts),
    lost: Number(values.lost),
    timedOut: Number(values["timed-out"]),
    width: Number(values.width),
    log: (line: string) => console.log(`  ${line}`),
  };
  withDrillDatabase("payouts", values["database-url"] ?? process.env.DATABASE_URL, (db) =>
    runPayoutsDrill(db, options),
  ).then(
    (report) => {
      console.log(JSON.stringify(report, null, 2));
      console.log(
        `${report.payouts} payouts, ${report.lostResults} Results lost and ${report.timedOutResults} timed out: ${JSON.stringify(report.statuses)}, ${report.paidBy.result} paid by their Result and ${report.paidBy.status} by Transaction Status (${report.statusQueries} queries) in ${report.cycles} follow-up cycle(s); ${report.sentTwice} sent twice; ${(report.ms / 1000).toFixed(1)} s`,
      );
      console.log(report.failures.length === 0 ? "drill:payouts passed" : "drill:payouts FAILED");
      process.exit(report.failures.length === 0 ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
