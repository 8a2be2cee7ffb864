import type { CallbackInbox } from "../../../prisma/generated/prisma/client";
import type { Keyring } from "../../crypto/keyring";
import type { DbClient } from "../../db-types";
import { settleBalanceResult } from "../balances/settle-balance-result";
import { settleC2bConfirmation } from "../collections/settle-c2b-confirmation";
import { type StkResult, settleStkResult } from "../collections/settle-stk-result";
import { parseC2bNotification, parseResult, parseStkCallback, type StkCallback } from "../daraja/inbound";
import { markPayoutUnknown } from "../payouts/mark-payout-unknown";
import { settlePayoutResult } from "../payouts/settle-payout-result";
import { settlePayoutStatus } from "../payouts/settle-payout-status";
import { markReversalUnknown } from "../reversals/mark-reversal-unknown";
import { settleReversalResult } from "../reversals/settle-reversal-result";
import { settleReversalStatus } from "../reversals/settle-reversal-status";
import { openReviewItem } from "../review/open-review-item";
import { continueCallbackTrace } from "./continue-callback-trace";

/** How long a callback for a payment we do not know yet keeps being retried before review. */
export const UNKNOWN_CALLBACK_PATIENCE_MS = 10 * 60_000;

export type InboxOutcome = "processed" | "retry" | "dead" | "skipped";

/** True when any string in a parsed body holds NUL, which PostgreSQL text cannot store. */
function holdsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === "object")
    return Object.entries(value).some(([k, v]) => k.includes("\u0000") || holdsNul(v));
  return false;
}

export type InboxState = "processed" | "dead" | "pending" | "failed";
/** Writes where an entry ended up (processInboxBatch defers the common case to one statement). */
export type FinishInboxEntry = (
  entry: CallbackInbox,
  state: InboxState,
  lastError?: string | null,
) => Promise<unknown>;

/**
 * A `callback_inbox` row as a CallbackInbox (its fields' names and types), for the raw statements
 * below: on the settlement path Prisma's model queries cost about 2 ms of CPU more per batch of 75
 * than the same statements sent raw.
 */
const INBOX_COLUMNS = `id::text, merchant_id::text AS "merchantId", kind::text, body, source_ip AS "sourceIp",
  headers, external_id AS "externalId", state::text, attempts, last_error AS "lastError",
  received_at AS "receivedAt", processed_at AS "processedAt", body_escaped AS "bodyEscaped"`;

/** Claims entries still to process (one statement for any number): their attempts go up by one. */
export function claimInboxEntries(db: DbClient, inboxIds: readonly string[]): Promise<CallbackInbox[]> {
  if (inboxIds.length === 0) return Promise.resolve([]);
  return db.$queryRawUnsafe<CallbackInbox[]>(
    `UPDATE callback_inbox SET attempts = attempts + 1
     WHERE id = ANY($1::uuid[]) AND state IN ('pending', 'failed')
     RETURNING ${INBOX_COLUMNS}`,
    [...inboxIds],
  );
}

/** Marks entries processed (one statement for any number). */
export async function markInboxProcessed(
  db: DbClient,
  inboxIds: readonly string[],
  now: Date,
): Promise<void> {
  if (inboxIds.length === 0) return;
  await db.$executeRawUnsafe(
    `UPDATE callback_inbox SET state = 'processed', last_error = NULL, processed_at = $2
     WHERE id = ANY($1::uuid[])`,
    [...inboxIds],
    now,
  );
}

/** Stores an entry's state, one statement per entry. */
export function finishInboxEntry(db: DbClient, now: () => Date): FinishInboxEntry {
  return (entry, state, lastError = null) =>
    db.callbackInbox.update({
      where: { id: entry.id },
      data: { state, lastError, processedAt: state === "processed" || state === "dead" ? now() : null },
    });
}

/** The STK result a parsed callback reports. */
export function stkResultOf(cb: StkCallback, inboxId: string): StkResult {
  return {
    checkoutRequestId: cb.checkoutRequestId,
    resultCode: cb.resultCode,
    resultDesc: cb.resultDesc,
    amount: cb.amount,
    receipt: cb.receipt,
    phone: cb.phone,
    source: "callback",
    inboxId,
  };
}

/**
 * An STK callback's result when it can be settled without looking at anything else first: a
 * parseable body without NUL characters, for a known merchant. Null for anything else, which
 * processClaimedEntry handles (review, retry, or the other kinds' settlements).
 */
export function plainStkResult(entry: CallbackInbox): StkResult | null {
  if (entry.kind !== "stk" || !entry.merchantId || entry.bodyEscaped) return null;
  let body: unknown;
  try {
    body = JSON.parse(entry.body);
  } catch {
    return null;
  }
  if (holdsNul(body)) return null;
  const parsed = parseStkCallback(body);
  return parsed.ok ? stkResultOf(parsed.value, entry.id) : null;
}

/**
 * Processes one stored callback. Safe to run many times and concurrently: the entry is claimed
 * only while pending or failed, and settlement itself is exactly-once (the payment's row lock and
 * terminal-state check). A callback whose payment is not known yet (it can beat the initiation
 * response) stays pending to be retried.
 */
export async function processInboxEntry(
  db: DbClient,
  options: { keyring: Keyring; inboxId: string; now?: () => Date },
): Promise<InboxOutcome> {
  const now = options.now ?? (() => new Date());
  const [entry] = await claimInboxEntries(db, [options.inboxId]);
  if (!entry) return "skipped";
  return processClaimedEntry(db, { keyring: options.keyring, entry, now, finish: finishInboxEntry(db, now) });
}

/** Processes an entry claimed by claimInboxEntries: settles it, or sends it to review or retry. */
export async function processClaimedEntry(
  db: DbClient,
  options: { keyring: Keyring; entry: CallbackInbox; now: () => Date; finish: FinishInboxEntry },
): Promise<InboxOutcome> {
  const { entry, now } = options;
  const finish = (state: InboxState, lastError: string | null = null) =>
    options.finish(entry, state, lastError);
  /** Unusable as sent: a person looks at it (review), it is never retried. */
  const malformed = async (error: string): Promise<"dead"> => {
    await openReviewItem(db, {
      merchantId: entry.merchantId,
      kind: "malformed_callback",
      inboxId: entry.id,
      actual: { error },
    });
    await finish("dead", `malformed: ${error}`);
    return "dead";
  };

  let body: unknown;
  try {
    body = JSON.parse(entry.body);
  } catch {
    body = undefined;
  }
  if (entry.kind === "c2b_validation") {
    await finish("processed"); // answered synchronously; kept for the record
    return "processed";
  }
  // NUL bytes (stored escaped, record-callback.ts) or JSON-escaped ones: not what Daraja sends,
  // and nothing with them can be stored, so a person looks at it instead of settlement.
  if (entry.bodyEscaped || holdsNul(body)) return malformed("the body holds NUL characters");
  if (entry.kind === "c2b_confirmation") {
    const notification = parseC2bNotification(body);
    if (!notification.ok || !entry.merchantId)
      return malformed(notification.ok ? "no merchant" : notification.error);
    await settleC2bConfirmation(db, {
      merchantId: entry.merchantId,
      notification: notification.value,
      inboxId: entry.id,
    });
    await finish("processed");
    return "processed";
  }
  if (entry.kind === "balance_result" || entry.kind === "balance_timeout") {
    const parsed = parseResult(body);
    if (!parsed.ok) return malformed(parsed.error);
    const settled = await settleBalanceResult(db, {
      merchantId: entry.merchantId,
      result: parsed.value,
      timeout: entry.kind === "balance_timeout",
      now: now(),
    });
    // A Result can beat the request's row (its ids come back with Daraja's answer): retry it for a
    // while, then keep it for the record. A balance moves no money, so it never needs a person.
    if (settled !== "unknown_request") return finish("processed").then(() => "processed" as const);
    if (now().getTime() - entry.receivedAt.getTime() > UNKNOWN_CALLBACK_PATIENCE_MS)
      return finish("processed", "matches no balance request").then(() => "processed" as const);
    await finish("pending", "no balance request with these conversation ids yet");
    return "retry";
  }
  if (entry.kind === "other") {
    await finish("pending", "no processor for other callbacks");
    return "retry";
  }
  // Settlement joins the trace that initiated the payment or payout (continue-callback-trace.ts).
  if (entry.kind !== "stk")
    return continueCallbackTrace(db, { entry, body }, () =>
      processPayoutEntry(db, { entry, body, now, finish, malformed }),
    );
  const parsed = parseStkCallback(body);
  if (!parsed.ok) return malformed(parsed.error);
  try {
    const cb = parsed.value;
    const settled = await continueCallbackTrace(db, { entry, body }, () =>
      settleStkResult(db, {
        keyring: options.keyring,
        merchantId: entry.merchantId,
        result: stkResultOf(cb, entry.id),
      }),
    );
    if (settled.outcome !== "unknown_payment") {
      await finish("processed");
      return "processed";
    }
    if (now().getTime() - entry.receivedAt.getTime() > UNKNOWN_CALLBACK_PATIENCE_MS) {
      await openReviewItem(db, {
        merchantId: entry.merchantId,
        kind: "unknown_callback",
        inboxId: entry.id,
        actual: { checkoutRequestId: cb.checkoutRequestId, resultCode: cb.resultCode, amount: cb.amount },
      });
      await finish("dead", "no payment with this CheckoutRequestID");
      return "dead";
    }
    await finish("pending", "no payment with this CheckoutRequestID yet");
    return "retry";
  } catch (error) {
    await finish("failed", (error as Error).message.slice(0, 500));
    throw error;
  }
}

/**
 * Payout Results (B2C, B2B), reversal Results, their queue timeouts and Transaction Status
 * answers. A Result or timeout for a payout or reversal not matched yet (B2B's ids are recorded only once Daraja's synchronous
 * answer is back, and a Result can beat it) is retried like an early STK callback. A status
 * answer that names no payout of ours (M-Pesa found nothing, so it carries no ids) settles
 * nothing and is kept for the record: the payout's follow-up asks again or hands it to a person.
 */
async function processPayoutEntry(
  db: DbClient,
  options: {
    entry: CallbackInbox;
    body: unknown;
    now: () => Date;
    finish: (
      state: "processed" | "dead" | "pending" | "failed",
      lastError?: string | null,
    ) => Promise<unknown>;
    malformed: (error: string) => Promise<"dead">;
  },
): Promise<InboxOutcome> {
  const { entry, finish } = options;
  const parsed = parseResult(options.body);
  if (!parsed.ok) return options.malformed(parsed.error);
  const result = parsed.value;
  try {
    if (entry.kind === "status_timeout") {
      await finish("processed", "the status query timed out: the follow-up asks again");
      return "processed";
    }
    const settling = { merchantId: entry.merchantId, result, inboxId: entry.id, now: options.now() };
    if (entry.kind === "status_result") {
      // One status URL serves payouts and reversals: the answer names at most one of them.
      const payout = await settlePayoutStatus(db, settling);
      const settled = payout.outcome === "unknown_payout" ? await settleReversalStatus(db, settling) : payout;
      const note =
        settled.outcome === "unknown_reversal"
          ? "matches no payout or reversal"
          : settled.outcome === "unresolved"
            ? `left unresolved: M-Pesa answered ${result.resultCode} ${result.resultDesc}`.slice(0, 500)
            : null;
      await finish("processed", note);
      return "processed";
    }
    const notice = { merchantId: entry.merchantId, notice: result };
    const settled =
      entry.kind === "reversal_result"
        ? await settleReversalResult(db, settling)
        : entry.kind === "reversal_timeout"
          ? await markReversalUnknown(db, notice)
          : entry.kind === "b2c_timeout" || entry.kind === "b2b_timeout"
            ? await markPayoutUnknown(db, notice)
            : await settlePayoutResult(db, settling);
    if (settled.outcome !== "unknown_payout" && settled.outcome !== "unknown_reversal") {
      await finish("processed");
      return "processed";
    }
    if (options.now().getTime() - entry.receivedAt.getTime() > UNKNOWN_CALLBACK_PATIENCE_MS) {
      await openReviewItem(db, {
        merchantId: entry.merchantId,
        kind: "unknown_callback",
        inboxId: entry.id,
        actual: {
          originatorConversationId: result.originatorConversationId,
          conversationId: result.conversationId,
          resultCode: result.resultCode,
        },
      });
      await finish("dead", "no payout or reversal with these conversation ids");
      return "dead";
    }
    await finish("pending", "no payout or reversal with these conversation ids yet");
    return "retry";
  } catch (error) {
    await finish("failed", (error as Error).message.slice(0, 500));
    throw error;
  }
}
