import type { Payment } from "../../../prisma/generated/prisma/client";
import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent, recordEvents } from "../../events/record-event";
import { tracingActive, withStoredTrace } from "../../observability/tracing";
import { spoolHoldsCallbacks } from "../callbacks/callback-spool";
import {
  findWaitingCallbacks,
  MAX_INBOX_ATTEMPTS,
  settleWaitingCallbacks,
} from "../callbacks/settle-waiting-callbacks";
import type { DarajaClient } from "../daraja/client";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import {
  bufferedRecorder,
  type DarajaCallRow,
  getDarajaClient,
  writeDarajaCalls,
} from "../get-daraja-client";
import { PAYMENT_COLUMNS } from "./payment-columns";
import { toPaymentResource } from "./payment-resource";
import { type StkResult, settlePendingStkResults } from "./settle-pending-stk-results";
import { settleStkResult } from "./settle-stk-result";

/** After this long without a result a prompt is over: the payment becomes timed_out (never re-sent). */
export const STK_RESULT_WINDOW_MS = 3 * 60_000;
const TIMED_OUT_DESC = "No answer from M-Pesa within 3 minutes.";

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

/** A handful of due payments queried by queryDueStkPayments, waiting for decideDueStkPayments. */
export interface QueriedHandful {
  /** The handful as the caller gave it. */
  given: Payment[];
  /** Those still pending with a CheckoutRequestID: the ones queried. */
  payments: Payment[];
  /** Final answers, by payment id (none for a prompt still open, a throttled or failed query). */
  finals: Map<string, { resultCode: string; resultDesc: string }>;
  /** The queries' daraja_calls records, not written yet. */
  calls: DarajaCallRow[];
}

/**
 * The sweep's follow-up of a handful of due payments of one run (reconcile-payments.ts), read by
 * the caller with its batch, first step: asks M-Pesa where each payment stands (STK Query), one
 * after the other, each under its own trace. The caller has already looked for callbacks waiting
 * for them (one query for the batch), found none, and counted this query on each (one UPDATE for
 * the batch). The calls are reported at once (metrics, spans) but their daraja_calls records are
 * kept for decideDueStkPayments to write; if a query fails with anything but Daraja's error, they
 * are written before it is thrown.
 */
export async function queryDueStkPayments(
  db: DbClient,
  options: { payments: Payment[]; clientOf: (merchantId: string) => Promise<DarajaClient> },
): Promise<QueriedHandful> {
  const payments = options.payments.filter((p) => p.status === "pending" && p.checkoutRequestId);
  const finals = new Map<string, { resultCode: string; resultDesc: string }>();
  const calls: DarajaCallRow[] = [];
  try {
    for (const payment of payments) {
      const client = await options.clientOf(payment.merchantId);
      const checkoutRequestId = payment.checkoutRequestId ?? "";
      const record = bufferedRecorder(payment.merchantId, calls);
      await withStoredTrace(
        payment.traceContext,
        "payment follow-up",
        { "malipo.payment_id": payment.id },
        async () => {
          try {
            const answer = await client.stkQuery({ checkoutRequestId }, { record });
            if (answer.status === "final") finals.set(payment.id, answer);
          } catch (error) {
            if (!(error instanceof DarajaError)) throw error;
            // Throttled or unreachable: the window check decides; a later run asks again.
          }
        },
      );
    }
  } catch (error) {
    await keepCalls(db, calls);
    throw error;
  }
  return { given: options.payments, payments, finals, calls };
}

/**
 * Decides a queried handful in one transaction that locks their rows and checks the inbox again
 * for all of them: the same guard as a single follow-up's, in a few statements for the handful
 * instead of a few for each payment. The queries' daraja_calls records are written in that
 * transaction by one INSERT, so a decision never commits without the record of the call it came
 * from; when the transaction fails they are written on their own before each payment is decided
 * alone. With tracing off, the decisions are made together too: the answers that settle in one
 * UPDATE and one INSERT of their events (settlePendingStkResults), the time-outs in another two;
 * with tracing on, each payment is decided under its own trace, so its event carries the trace.
 */
export async function decideDueStkPayments(
  db: DbClient,
  deps: PaymentsDeps,
  options: { queried: QueriedHandful; now: Date; spoolDir?: string },
): Promise<FollowUp[]> {
  const { now } = options;
  const { payments, finals, calls } = options.queried;
  if (payments.length === 0) return options.queried.given.map(() => "not_pending");
  const spoolHolds = spoolWaits(options.spoolDir);
  const together = !tracingActive();
  const decide = (group: Payment[], records: DarajaCallRow[]) =>
    inTransaction(
      db,
      async (tx) => {
        await writeDarajaCalls(tx, records);
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
        const answered: { payment: Payment; final: { resultCode: string; resultDesc: string } }[] = [];
        const expired: Payment[] = [];
        for (const payment of group) {
          const final = finals.get(payment.id);
          if (!pending.has(payment.id)) outcomes.set(payment.id, "not_pending");
          else if (waiting.has(payment.id)) outcomes.set(payment.id, "still_pending");
          else if (final) answered.push({ payment, final });
          else if (now.getTime() - payment.createdAt.getTime() < STK_RESULT_WINDOW_MS || spoolHolds)
            outcomes.set(payment.id, "still_pending");
          else expired.push(payment);
        }
        if (together) {
          const settled = await settlePendingStkResults(tx, {
            keyring: deps.keyring,
            results: answered.map(({ payment, final }) => ({
              key: payment.id,
              merchantId: payment.merchantId,
              result: queryResult(payment, final),
            })),
          });
          for (const { payment, final } of answered) {
            // Left out of the common case (a checkout session's payment, say): the general path.
            outcomes.set(
              payment.id,
              settled.has(payment.id) ? "settled" : await settleFromQuery(tx, deps, payment, final),
            );
          }
          const timedOut = await timeOutAll(tx, expired, now);
          for (const payment of expired)
            outcomes.set(payment.id, timedOut.has(payment.id) ? "timed_out" : "not_pending");
          return outcomes;
        }
        for (const { payment, final } of answered) {
          outcomes.set(
            payment.id,
            await withStoredTrace(
              payment.traceContext,
              "payment decision",
              { "malipo.payment_id": payment.id },
              () => settleFromQuery(tx, deps, payment, final),
            ),
          );
        }
        for (const payment of expired) {
          outcomes.set(
            payment.id,
            await withStoredTrace(
              payment.traceContext,
              "payment decision",
              { "malipo.payment_id": payment.id },
              () => timeOut(tx, payment, now),
            ),
          );
        }
        return outcomes;
      },
      { timeout: 30_000 },
    );
  let decided: Map<string, FollowUp>;
  try {
    decided = await decide(payments, calls);
  } catch (error) {
    // The decisions rolled back, records included: the records are written on their own. Unless
    // none can be (then nothing is decided without them) or there was one payment, each is
    // decided alone, so one payment's failure does not hold the others back; the first failure
    // is still reported.
    const kept = await keepCalls(db, calls);
    if (payments.length <= 1 || !kept) throw error;
    decided = new Map();
    let failure: unknown;
    for (const payment of payments) {
      try {
        for (const [id, outcome] of await decide([payment], [])) decided.set(id, outcome);
      } catch (single) {
        failure ??= single;
      }
    }
    if (failure !== undefined) throw failure;
  }
  return options.queried.given.map((p) => decided.get(p.id) ?? "not_pending");
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

/**
 * Writes call records outside the decisions: all in one statement, else one by one, where a record
 * that cannot be stored even alone (a body PostgreSQL refuses, say) is dropped, as a single call's
 * recorder drops it (get-daraja-client.ts), so that one record cannot hold its handful's decisions
 * back for ever. False when records were there and none could be written (the database is away).
 */
async function keepCalls(db: DbClient, calls: readonly DarajaCallRow[]): Promise<boolean> {
  if (calls.length === 0) return true;
  try {
    await writeDarajaCalls(db, calls);
    return true;
  } catch {
    let written = 0;
    for (const row of calls) {
      await writeDarajaCalls(db, [row]).then(
        () => {
          written += 1;
        },
        () => {},
      );
    }
    return written > 0;
  }
}

/**
 * What an STK Query's final answer says, as a result to settle. A query confirms success but
 * carries no receipt or amount: the callback (or a Transaction Status lookup) fills those in;
 * amount checks treat it as the asked amount.
 */
function queryResult(payment: Payment, answer: { resultCode: string; resultDesc: string }): StkResult {
  return {
    checkoutRequestId: payment.checkoutRequestId ?? "",
    resultCode: answer.resultCode,
    resultDesc: answer.resultDesc,
    amount: answer.resultCode === "0" ? payment.amount : null,
    source: "query",
  };
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
    result: queryResult(payment, answer),
  });
  return "settled";
}

/** Marks a pending payment (its row locked by the caller) timed_out, with its event. */
async function timeOut(tx: DbClient, payment: Payment, now: Date): Promise<FollowUp> {
  const [timedOut] = await tx.payment.updateManyAndReturn({
    where: { id: payment.id, status: "pending" },
    data: { status: "timed_out", resultDesc: TIMED_OUT_DESC, settledAt: now },
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

/**
 * Marks pending payments (their rows locked by the caller) timed_out in one UPDATE and records
 * their events in one INSERT (recordEvents), as timeOut does one. Returns the ids it changed.
 */
async function timeOutAll(tx: DbClient, payments: readonly Payment[], now: Date): Promise<Set<string>> {
  if (payments.length === 0) return new Set();
  const rows = await tx.$queryRaw<Payment[]>`
    UPDATE payments SET status = 'timed_out', result_desc = ${TIMED_OUT_DESC},
      settled_at = ${now}::timestamptz, updated_at = ${new Date()}::timestamptz
    WHERE id = ANY(${payments.map((p) => p.id)}::uuid[]) AND status = 'pending'
    RETURNING ${PAYMENT_COLUMNS}`;
  await recordEvents(
    tx,
    rows.map((row) => ({
      merchantId: row.merchantId,
      type: "payment.timed_out" as const,
      objectId: row.id,
      data: toPaymentResource(row),
    })),
    { now },
  );
  return new Set(rows.map((row) => row.id));
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
