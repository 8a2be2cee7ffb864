import type { Payment } from "../../../prisma/generated/prisma/client";
import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { withStoredTrace } from "../../observability/tracing";
import { spoolHoldsCallbacks } from "../callbacks/callback-spool";
import {
  findWaitingCallbacks,
  MAX_INBOX_ATTEMPTS,
  settleWaitingCallbacks,
} from "../callbacks/settle-waiting-callbacks";
import type { DarajaClient } from "../daraja/client";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import { getDarajaClient } from "../get-daraja-client";
import { toPaymentResource } from "./payment-resource";
import { settleStkResult } from "./settle-stk-result";

/** After this long without a result a prompt is over: the payment becomes timed_out (never re-sent). */
export const STK_RESULT_WINDOW_MS = 3 * 60_000;

/** Seconds to wait for the callback before the first STK Query. */
export const FOLLOW_UP_FIRST_WAIT_SECONDS = 30;

/**
 * Seconds between later queries while the prompt is open (Daraja spike-arrests fast polling).
 * With the first wait they add up to just past the result window (200 s against 180 s), so the
 * last query closes it. Inngest's follow-up-stk function and the in-process fallback
 * (lib/background) both follow this schedule.
 */
export const FOLLOW_UP_BACK_OFF_SECONDS = [15, 20, 30, 45, 60];

export type FollowUp = "settled" | "still_pending" | "timed_out" | "not_pending";

/**
 * Asks M-Pesa where a pending STK attempt stands (STK Query) and settles it when there is an
 * answer. Past the result window with no answer, the payment is marked timed_out; a success that
 * arrives later is still applied (and flagged) by settlement. Continues the payment's trace.
 *
 * A stored callback always comes before a query: the ones waiting in the inbox for this payment
 * are processed first, and nothing is decided from a query while one waits (checked again under
 * the payment's row lock, the lock settlement takes) or while the spool in `spoolDir` holds
 * callbacks not moved to the inbox yet.
 */
export async function followUpStkPayment(
  db: DbClient,
  deps: PaymentsDeps,
  options: { paymentId: string; spoolDir?: string },
): Promise<FollowUp> {
  const now = deps.now?.() ?? new Date();
  const payment = await db.payment.findUnique({ where: { id: options.paymentId } });
  if (payment?.status !== "pending" || !payment.checkoutRequestId) return "not_pending";
  const checkoutRequestId = payment.checkoutRequestId;
  return withStoredTrace(
    payment.traceContext,
    "payment follow-up",
    { "malipo.payment_id": payment.id },
    async () => {
      const waiting = { merchantId: payment.merchantId, externalIds: [checkoutRequestId] };
      if (await settleWaitingCallbacks(db, { keyring: deps.keyring, ...waiting, now: deps.now })) {
        const after = await db.payment.findUnique({ where: { id: payment.id }, select: { status: true } });
        if (after?.status !== "pending") return "settled";
      }
      if (spoolWaits(options.spoolDir)) return "still_pending";
      await db.payment.update({
        where: { id: payment.id },
        data: { queryCount: { increment: 1 }, lastQueriedAt: now },
      });
      const client = await getDarajaClient(db, deps, { merchantId: payment.merchantId });
      return queryAndDecide(db, deps, {
        payment,
        checkoutRequestId,
        client,
        now,
        spoolDir: options.spoolDir,
      });
    },
  );
}

/**
 * The sweep's follow-up of a handful of due payments of one run (reconcile-payments.ts), read by
 * the caller with its batch. The caller has already looked for callbacks waiting for them (one
 * query for the batch), found none, and counted this query on each (one UPDATE for the batch).
 * Each is queried in turn (under its own trace); then all are decided in one transaction that
 * locks their rows and checks the inbox again for all of them: the same guard as a single
 * follow-up's, in a few statements for the handful instead of a few for each payment.
 */
export async function followUpDueStkPayments(
  db: DbClient,
  deps: PaymentsDeps,
  options: {
    payments: Payment[];
    clientOf: (merchantId: string) => Promise<DarajaClient>;
    now: Date;
    spoolDir?: string;
  },
): Promise<FollowUp[]> {
  const { now } = options;
  const payments = options.payments.filter((p) => p.status === "pending" && p.checkoutRequestId);
  const finals = new Map<string, { resultCode: string; resultDesc: string }>();
  for (const payment of payments) {
    const client = await options.clientOf(payment.merchantId);
    const checkoutRequestId = payment.checkoutRequestId ?? "";
    await withStoredTrace(
      payment.traceContext,
      "payment follow-up",
      { "malipo.payment_id": payment.id },
      async () => {
        try {
          const answer = await client.stkQuery({ checkoutRequestId });
          if (answer.status === "final") finals.set(payment.id, answer);
        } catch (error) {
          if (!(error instanceof DarajaError)) throw error;
          // Throttled or unreachable: the window check below; a later run asks again.
        }
      },
    );
  }
  const spoolHolds = spoolWaits(options.spoolDir);
  const decide = (group: Payment[]) =>
    inTransaction(
      db,
      async (tx) => {
        const ids = group.map((p) => p.id);
        // In id order, so two sweeps locking overlapping handfuls cannot deadlock.
        const locked = await tx.$queryRaw<{ id: string; status: string }[]>`
        SELECT id::text AS id, status::text AS status FROM payments
        WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
        const pending = new Set(locked.filter((r) => r.status === "pending").map((r) => r.id));
        // A callback stored before the locks is seen here; one stored after them came later than
        // these decisions and is applied by settlement as a late result.
        const waiting = await paymentsWithWaitingCallbacks(
          tx,
          group.filter((p) => pending.has(p.id)),
        );
        const outcomes = new Map<string, FollowUp>();
        for (const payment of group) {
          const final = finals.get(payment.id);
          let outcome: FollowUp;
          if (!pending.has(payment.id)) outcome = "not_pending";
          else if (waiting.has(payment.id)) outcome = "still_pending";
          else if (final) {
            outcome = await withStoredTrace(
              payment.traceContext,
              "payment decision",
              { "malipo.payment_id": payment.id },
              () => settleFromQuery(tx, deps, payment, final),
            );
          } else if (now.getTime() - payment.createdAt.getTime() < STK_RESULT_WINDOW_MS || spoolHolds) {
            outcome = "still_pending";
          } else {
            outcome = await withStoredTrace(
              payment.traceContext,
              "payment decision",
              { "malipo.payment_id": payment.id },
              () => timeOut(tx, payment, now),
            );
          }
          outcomes.set(payment.id, outcome);
        }
        return outcomes;
      },
      { timeout: 30_000 },
    );
  let decided: Map<string, FollowUp>;
  try {
    decided = await decide(payments);
  } catch (error) {
    if (payments.length <= 1) throw error;
    // One payment's decision failed and rolled back its group: decide each alone, so the others
    // are not held back by it; the first failure is still reported.
    decided = new Map();
    let failure: unknown;
    for (const payment of payments) {
      try {
        for (const [id, outcome] of await decide([payment])) decided.set(id, outcome);
      } catch (single) {
        failure ??= single;
      }
    }
    if (failure !== undefined) throw failure;
  }
  return options.payments.map((p) => decided.get(p.id) ?? "not_pending");
}

/**
 * Of these payments, the ids of those with a stored callback still waiting (the test of
 * findWaitingCallbacks in settle-waiting-callbacks.ts, for many payments in one query).
 */
export async function paymentsWithWaitingCallbacks(
  db: DbClient,
  payments: { id: string; merchantId: string; checkoutRequestId: string | null }[],
): Promise<Set<string>> {
  const byCheckout = new Map<string, { id: string; merchantId: string }>();
  for (const p of payments) if (p.checkoutRequestId) byCheckout.set(p.checkoutRequestId, p);
  if (byCheckout.size === 0) return new Set();
  const waiting = await db.callbackInbox.findMany({
    where: {
      externalId: { in: [...byCheckout.keys()] },
      state: { in: ["pending", "failed"] },
      attempts: { lt: MAX_INBOX_ATTEMPTS },
    },
    select: { merchantId: true, externalId: true },
  });
  const held = new Set<string>();
  for (const entry of waiting) {
    const payment = entry.externalId ? byCheckout.get(entry.externalId) : undefined;
    if (payment && payment.merchantId === entry.merchantId) held.add(payment.id);
  }
  return held;
}

/** Settles a pending payment (its row locked by the caller) from an STK Query's final answer. */
async function settleFromQuery(
  tx: DbClient,
  deps: PaymentsDeps,
  payment: Payment,
  answer: { resultCode: string; resultDesc: string },
): Promise<FollowUp> {
  await settleStkResult(tx, {
    keyring: deps.keyring,
    merchantId: payment.merchantId,
    // A query confirms success but carries no receipt or amount: the callback (or a
    // Transaction Status lookup) fills those in; amount checks treat it as the asked amount.
    result: {
      checkoutRequestId: payment.checkoutRequestId ?? "",
      resultCode: answer.resultCode,
      resultDesc: answer.resultDesc,
      amount: answer.resultCode === "0" ? payment.amount : null,
      source: "query",
    },
  });
  return "settled";
}

/** Marks a pending payment (its row locked by the caller) timed_out, with its event. */
async function timeOut(tx: DbClient, payment: Payment, now: Date): Promise<FollowUp> {
  const [timedOut] = await tx.payment.updateManyAndReturn({
    where: { id: payment.id, status: "pending" },
    data: { status: "timed_out", resultDesc: "No answer from M-Pesa within 3 minutes.", settledAt: now },
  });
  if (!timedOut) return "not_pending";
  await recordEvent(tx, {
    merchantId: timedOut.merchantId,
    type: "payment.timed_out",
    objectId: timedOut.id,
    data: toPaymentResource(timedOut),
    now,
  });
  return "timed_out";
}

function spoolWaits(spoolDir: string | undefined): boolean {
  return spoolDir !== undefined && spoolHoldsCallbacks(spoolDir);
}

async function queryAndDecide(
  db: DbClient,
  deps: PaymentsDeps,
  options: {
    payment: Payment;
    checkoutRequestId: string;
    client: DarajaClient;
    now: Date;
    spoolDir?: string;
  },
): Promise<FollowUp> {
  const { payment, checkoutRequestId, client, now, spoolDir } = options;
  const waiting = { merchantId: payment.merchantId, externalIds: [checkoutRequestId] };
  /**
   * Decides in one transaction holding the payment's row lock, unless a callback for it waits: one
   * stored before the lock is seen here, one stored after it came later than this decision and is
   * applied by settlement as a late result.
   */
  const decide = (fn: (tx: DbClient) => Promise<FollowUp>) =>
    inTransaction(db, async (tx): Promise<FollowUp> => {
      const [locked] = await tx.$queryRaw<{ status: string }[]>`
        SELECT status::text AS status FROM payments WHERE id = ${payment.id}::uuid FOR UPDATE`;
      if (locked?.status !== "pending") return "not_pending";
      if ((await findWaitingCallbacks(tx, waiting)).length > 0) return "still_pending";
      return fn(tx);
    });
  try {
    const answer = await client.stkQuery({ checkoutRequestId });
    if (answer.status === "final") {
      return await decide((tx) => settleFromQuery(tx, deps, payment, answer));
    }
  } catch (error) {
    if (!(error instanceof DarajaError)) throw error;
    // Throttled or unreachable: fall through to the window check; the next follow-up asks again.
  }
  if (now.getTime() - payment.createdAt.getTime() < STK_RESULT_WINDOW_MS) return "still_pending";
  if (spoolWaits(spoolDir)) return "still_pending";
  return decide((tx) => timeOut(tx, payment, now));
}
