import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { requestStaleBalances } from "../balances/request-stale-balances";
import { drainCallbackSpool, spoolHoldsCallbacks } from "../callbacks/callback-spool";
import { pruneRefusedCallbacks } from "../callbacks/prune-refused-callbacks";
import {
  decideDueStkPayments,
  type FollowUp,
  followUpStkPayment,
  paymentsWithWaitingCallbacks,
  type QueriedHandful,
  queryDueStkPayments,
} from "../collections/follow-up-stk-payment";
import { toPaymentResource } from "../collections/payment-resource";
import type { DarajaClient } from "../daraja/client";
import type { PaymentsDeps } from "../deps";
import { getReusedDarajaClient } from "../get-daraja-client";
import { followUpPayout, PAYOUT_RESULT_WINDOW_MS } from "../payouts/follow-up-payout";
import { followUpOverdueReversals } from "../reversals/follow-up-overdue-reversals";
import { drainCallbackInbox } from "./drain-callback-inbox";

export interface ReconcileCounts {
  spoolDrained: number;
  /** Spooled callbacks that kept failing and were set aside this run (logged at error). */
  spoolSetAside: number;
  refusedPruned: number;
  queried: number;
  settled: number;
  timedOut: number;
  unsent: number;
  inboxProcessed: number;
  inboxDead: number;
  inboxRetry: number;
  /** True when the inbox backlog outlasted this run's budget: the caller runs a drain again at once. */
  inboxMore: boolean;
  /** Where the next drain goes on (drainCallbackInbox's cursor). */
  inboxCursor: string | null;
  /** Payouts without an outcome that were looked up with Transaction Status this run. */
  payoutsQueried: number;
  /** Payouts handed to a person after their last status query brought no answer. */
  payoutsToReview: number;
  /** The same for reversals (refunds) sent without an outcome. */
  reversalsQueried: number;
  reversalsToReview: number;
  /** Account Balance requests sent because the last one was over 15 minutes old. */
  balancesRequested: number;
}

const BATCH = 200;
/**
 * Due payments queried one after the other and then decided together in one transaction (their
 * row locks and the inbox re-check taken once for the handful).
 */
const DECISION_BATCH = 20;
/**
 * Handfuls followed up at once: at most this many STK Queries out together (each handful asks
 * one after the other) and this many connections held for decisions (the app's pool has 10).
 * Malipo has no per-merchant Daraja rate limit of its own; a throttled query (spike arrest) is
 * asked again by a later run, and its payment is not decided from it.
 */
export const SWEEP_CONCURRENCY = 4;
/** Payouts followed up per run: each may send one Transaction Status query. */
const PAYOUT_BATCH = 50;

/**
 * The safety net behind callbacks and follow-ups: spooled callbacks go to the inbox, inbox entries
 * still waiting are processed (the whole backlog, within `inboxBudgetMs`), pending STK attempts
 * past 30 s are queried (less often as they age), attempts whose initiation never got an answer
 * are flagged, payouts and reversals without an outcome are looked up with Transaction Status (a
 * bounded batch per run), the record of refused callbacks is kept bounded, and balances older than
 * 15 minutes are asked for again. Each run is recorded. Stored callbacks go first, and the
 * follow-ups never decide anything while one for the same payment still waits.
 */
export async function reconcilePayments(
  db: DbClient,
  deps: PaymentsDeps,
  options: {
    spoolDir: string;
    inboxBudgetMs?: number;
    inboxConcurrency?: number;
    /** Due payments followed up at once (SWEEP_CONCURRENCY unless given). */
    followUpConcurrency?: number;
  },
): Promise<ReconcileCounts> {
  const now = deps.now?.() ?? new Date();
  const run = await db.reconciliationRun.create({ data: { startedAt: now } });
  const counts: ReconcileCounts = {
    spoolDrained: 0,
    spoolSetAside: 0,
    refusedPruned: 0,
    queried: 0,
    settled: 0,
    timedOut: 0,
    unsent: 0,
    inboxProcessed: 0,
    inboxDead: 0,
    inboxRetry: 0,
    inboxMore: false,
    inboxCursor: null,
    payoutsQueried: 0,
    payoutsToReview: 0,
    reversalsQueried: 0,
    reversalsToReview: 0,
    balancesRequested: 0,
  };
  try {
    const spool = await drainCallbackSpool(db, options.spoolDir, { log: deps.log });
    counts.spoolDrained = spool.moved;
    counts.spoolSetAside = spool.setAside;
    counts.refusedPruned = await pruneRefusedCallbacks(db, { now });

    // Younger entries are left to the processing their arrival scheduled.
    const inbox = await drainCallbackInbox(db, {
      keyring: deps.keyring,
      now: () => now,
      minAgeMs: 10_000,
      budgetMs: options.inboxBudgetMs,
      concurrency: options.inboxConcurrency,
    });
    counts.inboxProcessed = inbox.processed;
    counts.inboxDead = inbox.dead;
    counts.inboxRetry = inbox.retry;
    counts.inboxMore = inbox.more;
    counts.inboxCursor = inbox.cursor;

    const due = await db.payment.findMany({
      where: {
        status: "pending",
        checkoutRequestId: { not: null },
        createdAt: { lt: new Date(now.getTime() - 30_000) },
        OR: [{ lastQueriedAt: null }, { lastQueriedAt: { lt: new Date(now.getTime() - 20_000) } }],
      },
      orderBy: { createdAt: "asc" },
      take: BATCH,
    });
    counts.queried = due.length;
    const tally = (result: FollowUp) => {
      if (result === "settled") counts.settled += 1;
      if (result === "timed_out") counts.timedOut += 1;
    };
    // One query finds the batch's payments with a stored callback waiting: they take the full
    // follow-up, which processes those callbacks first, one after the other.
    const held = await paymentsWithWaitingCallbacks(db, due);
    const clients = new Map<string, Promise<DarajaClient>>();
    const clientOf = (merchantId: string) => {
      let client = clients.get(merchantId);
      if (!client) {
        client = getReusedDarajaClient(db, deps, { merchantId }).then((reused) => reused.client);
        clients.set(merchantId, client);
      }
      return client;
    };
    for (const payment of due.filter((p) => held.has(p.id))) {
      tally(await followUpStkPayment(db, deps, { paymentId: payment.id, spoolDir: options.spoolDir }));
    }
    const free = due.filter((p) => !held.has(p.id));
    if (free.length > 0 && !spoolHoldsCallbacks(options.spoolDir)) {
      // The rest is counted as queried in one statement before anything is asked (as a single
      // follow-up does), which also drops those settled meanwhile.
      const counted = new Set(
        (
          await db.$queryRaw<{ id: string }[]>`
            UPDATE payments SET query_count = query_count + 1, last_queried_at = ${now}::timestamptz
            WHERE id = ANY(${free.map((p) => p.id)}::uuid[]) AND status = 'pending'
            RETURNING id::text`
        ).map((r) => r.id),
      );
      const queue = free.filter((p) => counted.has(p.id));
      for (const payment of queue) await clientOf(payment.merchantId); // a merchant without credentials stops the run here
      // Handfuls of DECISION_BATCH, SWEEP_CONCURRENCY at once. Each worker queries its next
      // handful while the previous one's decisions commit (at most one of each per worker, so at
      // most SWEEP_CONCURRENCY queries out and as many connections held). A worker that fails
      // empties the queue, so the others stop after the handful in hand (a handful queried is
      // still decided), and the run fails only once none is in flight.
      const worker = async () => {
        let deciding: Promise<void> = Promise.resolve();
        let failure: { error: unknown } | undefined;
        const fail = (error: unknown) => {
          failure ??= { error };
          queue.length = 0;
        };
        for (
          let handful = queue.splice(0, DECISION_BATCH);
          handful.length > 0;
          handful = queue.splice(0, DECISION_BATCH)
        ) {
          let queried: QueriedHandful;
          try {
            queried = await queryDueStkPayments(db, { payments: handful, clientOf });
          } catch (error) {
            fail(error);
            break;
          }
          await deciding;
          deciding = decideDueStkPayments(db, deps, { queried, now, spoolDir: options.spoolDir }).then(
            (results) => {
              for (const result of results) tally(result);
            },
            fail,
          );
        }
        await deciding;
        if (failure) throw failure.error;
      };
      const workers = Math.min(
        options.followUpConcurrency ?? SWEEP_CONCURRENCY,
        Math.ceil(queue.length / DECISION_BATCH),
      );
      const failed = (await Promise.allSettled(Array.from({ length: workers }, worker))).find(
        (r) => r.status === "rejected",
      );
      if (failed) throw failed.reason;
    }

    // The process died between saving the attempt and hearing back from Daraja: the prompt may
    // or may not have gone out, and without a CheckoutRequestID it cannot be queried.
    const unsent = await inTransaction(db, async (tx) => {
      const rows = await tx.payment.updateManyAndReturn({
        where: {
          status: "pending",
          checkoutRequestId: null,
          createdAt: { lt: new Date(now.getTime() - 120_000) },
        },
        data: {
          status: "needs_review",
          resultDesc: "Malipo stopped before M-Pesa answered the request.",
          settledAt: now,
        },
      });
      for (const row of rows) {
        await recordEvent(tx, {
          merchantId: row.merchantId,
          type: "payment.needs_review",
          objectId: row.id,
          data: toPaymentResource(row),
          now,
        });
      }
      return rows;
    });
    counts.unsent = unsent.length;

    // Payouts sent without an outcome: unknown ones, and submitted ones past the Result window.
    // followUpPayout applies the back-off and the last-query rule; it never sends a payout again.
    const overdue = await db.payout.findMany({
      where: {
        OR: [
          { status: "unknown" },
          { status: "submitted", submittedAt: { lt: new Date(now.getTime() - PAYOUT_RESULT_WINDOW_MS) } },
        ],
      },
      select: { id: true },
      orderBy: [{ lastQueriedAt: { sort: "asc", nulls: "first" } }, { submittedAt: "asc" }],
      take: PAYOUT_BATCH,
    });
    for (const { id } of overdue) {
      const result = await followUpPayout(db, deps, { payoutId: id });
      if (result === "queried") counts.payoutsQueried += 1;
      if (result === "gave_up") counts.payoutsToReview += 1;
    }
    const reversals = await followUpOverdueReversals(db, deps, { now });
    counts.reversalsQueried = reversals.queried;
    counts.reversalsToReview = reversals.toReview;

    counts.balancesRequested = await requestStaleBalances(db, deps, { now });
    await db.reconciliationRun.update({
      where: { id: run.id },
      data: { finishedAt: new Date(), counts: { ...counts } },
    });
    return counts;
  } catch (error) {
    await db.reconciliationRun.update({
      where: { id: run.id },
      data: { finishedAt: new Date(), counts: { ...counts }, error: (error as Error).message },
    });
    throw error;
  }
}
