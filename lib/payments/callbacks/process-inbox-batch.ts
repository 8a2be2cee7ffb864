import type { CallbackInbox } from "../../../prisma/generated/prisma/client";
import type { Keyring } from "../../crypto/keyring";
import type { DbClient } from "../../db-types";
import { inTransaction } from "../../db-types";
import { tracingActive } from "../../observability/tracing";
import { findSpentStkResults } from "../collections/find-spent-stk-results";
import { type PendingStkResult, settlePendingStkResults } from "../collections/settle-pending-stk-results";
import {
  claimInboxEntries,
  type FinishInboxEntry,
  finishInboxEntry,
  type InboxOutcome,
  markInboxProcessed,
  plainStkResult,
  processClaimedEntry,
} from "./process-inbox-entry";

/** At most this many entries are claimed in one statement. */
export const INBOX_BATCH_SIZE = 100;

export interface InboxBatchResult {
  /** Each claimed entry's outcome; an entry that threw is `failed` (stored as such). */
  outcomes: Map<string, InboxOutcome | "failed">;
  /** Entries not claimed: already processed, or not there. */
  skipped: number;
  /** Entries settled together in one transaction (settleTogether); the rest were processed one by one. */
  together: number;
  /** Why settling together failed, when it did (its entries were then processed one by one). */
  togetherError?: string;
}

/**
 * Processes many stored callbacks as processInboxEntry does one, with fewer round trips: one
 * statement claims them all, the plain STK results among them settle together (settleTogether),
 * and one statement marks every other plainly processed entry at the end. Exactly once still
 * rests on settlement (row lock, terminal-state check), not on the claim: an entry whose
 * settlement committed but whose `processed` mark was lost (crash) is claimed again later and
 * finds its payment already final. `concurrency` of the remaining entries settle at a time, each
 * in its own transaction. With tracing on, or `together: false`, every entry settles on its own,
 * so each settlement joins the trace that initiated its payment (continue-callback-trace.ts).
 */
export async function processInboxBatch(
  db: DbClient,
  options: {
    keyring: Keyring;
    inboxIds: readonly string[];
    concurrency?: number;
    now?: () => Date;
    together?: boolean;
  },
): Promise<InboxBatchResult> {
  const now = options.now ?? (() => new Date());
  const outcomes = new Map<string, InboxOutcome | "failed">();
  const result: InboxBatchResult = { outcomes, skipped: 0, together: 0 };
  const together = options.together ?? !tracingActive();
  for (let start = 0; start < options.inboxIds.length; start += INBOX_BATCH_SIZE) {
    const ids = options.inboxIds.slice(start, start + INBOX_BATCH_SIZE);
    const claimed = await claimInboxEntries(db, ids);
    result.skipped += ids.length - claimed.length;
    let entries = claimed;
    if (together) {
      const { settled, error } = await settleTogether(db, {
        keyring: options.keyring,
        entries: claimed,
        now,
      });
      for (const id of settled) outcomes.set(id, "processed");
      result.together += settled.size;
      if (error) result.togetherError = error;
      entries = claimed.filter((entry) => !settled.has(entry.id));
    }
    const processed: string[] = [];
    const writeOne = finishInboxEntry(db, now);
    const finish: FinishInboxEntry = (entry, state, lastError = null) => {
      if (state !== "processed" || lastError !== null) return writeOne(entry, state, lastError);
      processed.push(entry.id);
      return Promise.resolve();
    };
    let next = 0;
    const worker = async () => {
      for (let entry = entries[next++]; entry; entry = entries[next++]) {
        const outcome = await processClaimedEntry(db, { keyring: options.keyring, entry, now, finish }).catch(
          () => "failed" as const, // stored as failed by processClaimedEntry; retried by reconciliation
        );
        outcomes.set(entry.id, outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
    await markInboxProcessed(db, processed, now());
  }
  return result;
}

/**
 * The plain STK results among claimed entries (plainStkResult), settled in one transaction: one
 * UPDATE of their payments and one INSERT of their events and webhook deliveries
 * (settlePendingStkResults), one locking read that finds the results with nothing left to change
 * (findSpentStkResults: duplicates, failures for final payments), and one `processed` mark for
 * both, committed together. Returns the entries it processed; the others (payments unknown,
 * anything to review, a receipt to fill in) are left to processClaimedEntry. If the transaction
 * fails (say a receipt another transaction is writing at the same moment, or a deadlock between
 * two batches holding the same payments), nothing of it stays and every entry is processed one by
 * one instead.
 */
async function settleTogether(
  db: DbClient,
  options: { keyring: Keyring; entries: readonly CallbackInbox[]; now: () => Date },
): Promise<{ settled: Set<string>; error?: string }> {
  const results: PendingStkResult[] = [];
  for (const entry of options.entries) {
    const result = plainStkResult(entry);
    if (result && entry.merchantId) results.push({ key: entry.id, merchantId: entry.merchantId, result });
  }
  if (results.length < 2) return { settled: new Set() };
  try {
    const settled = await inTransaction(db, async (tx) => {
      const payments = await settlePendingStkResults(tx, { keyring: options.keyring, results });
      const spent = await findSpentStkResults(
        tx,
        results.filter((r) => !payments.has(r.key)),
      );
      const ids = [...payments.keys(), ...spent];
      await markInboxProcessed(tx, ids, options.now());
      return ids;
    });
    return { settled: new Set(settled) };
  } catch (error) {
    return { settled: new Set(), error: (error as Error).message.slice(0, 500) };
  }
}
