import type { Keyring } from "../../crypto/keyring";
import type { DbClient } from "../../db-types";
import { processInboxEntry } from "./process-inbox-entry";

/**
 * Attempts after which reconciliation stops retrying an inbox entry (reconcile-payments.ts); such an
 * entry no longer holds a decision back either, or one broken body would keep a payment open forever.
 */
export const MAX_INBOX_ATTEMPTS = 30;

/**
 * Stored callbacks of one merchant that name one of `externalIds` and are not processed yet. A
 * Transaction Status answer carries the status query's own ids, not the payout's: with
 * `statusAnswers`, waiting ones whose body mentions one of the ids count too.
 */
export function findWaitingCallbacks(
  db: DbClient,
  options: { merchantId: string; externalIds: string[]; statusAnswers?: boolean },
): Promise<{ id: string }[]> {
  const ids = options.externalIds.filter(Boolean);
  if (ids.length === 0) return Promise.resolve([]);
  const mentioned = options.statusAnswers
    ? [{ kind: "status_result" as const, OR: ids.map((id) => ({ body: { contains: id } })) }]
    : [];
  return db.callbackInbox.findMany({
    where: {
      merchantId: options.merchantId,
      OR: [{ externalId: { in: ids } }, ...mentioned],
      state: { in: ["pending", "failed"] },
      attempts: { lt: MAX_INBOX_ATTEMPTS },
    },
    select: { id: true },
    orderBy: { receivedAt: "asc" },
  });
}

/**
 * Processes the stored callbacks that name this payment, payout or reversal before anything decides
 * it from a query: M-Pesa's own answer, already received, comes first (issue 14: a sweep marked
 * payments timed_out while their success callbacks waited in the inbox). Returns how many were
 * processed; a failure is left for the inbox's own retries.
 */
export async function settleWaitingCallbacks(
  db: DbClient,
  options: {
    keyring: Keyring;
    merchantId: string;
    externalIds: string[];
    statusAnswers?: boolean;
    now?: () => Date;
  },
): Promise<number> {
  let processed = 0;
  for (const { id } of await findWaitingCallbacks(db, options)) {
    const outcome = await processInboxEntry(db, {
      keyring: options.keyring,
      inboxId: id,
      now: options.now,
    }).catch(() => "retry" as const);
    if (outcome === "processed") processed += 1;
  }
  return processed;
}
