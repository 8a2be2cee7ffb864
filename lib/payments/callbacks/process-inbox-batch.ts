import type { Keyring } from "../../crypto/keyring";
import type { DbClient } from "../../db-types";
import {
  claimInboxEntries,
  type FinishInboxEntry,
  finishInboxEntry,
  type InboxOutcome,
  processClaimedEntry,
} from "./process-inbox-entry";

/** At most this many entries are claimed in one statement. */
export const INBOX_BATCH_SIZE = 100;

export interface InboxBatchResult {
  /** Each claimed entry's outcome; an entry that threw is `failed` (stored as such). */
  outcomes: Map<string, InboxOutcome | "failed">;
  /** Entries not claimed: already processed, or not there. */
  skipped: number;
}

/**
 * Processes many stored callbacks as processInboxEntry does one, with fewer round trips: one
 * statement claims them all and one marks every plainly processed entry at the end. Exactly once
 * still rests on settlement (row lock, terminal-state check), not on the claim: an entry whose
 * settlement committed but whose `processed` mark was lost (crash) is claimed again later and
 * finds its payment already final. `concurrency` entries settle at a time, each in its own
 * transaction.
 */
export async function processInboxBatch(
  db: DbClient,
  options: { keyring: Keyring; inboxIds: readonly string[]; concurrency?: number; now?: () => Date },
): Promise<InboxBatchResult> {
  const now = options.now ?? (() => new Date());
  const outcomes = new Map<string, InboxOutcome | "failed">();
  let skipped = 0;
  for (let start = 0; start < options.inboxIds.length; start += INBOX_BATCH_SIZE) {
    const ids = options.inboxIds.slice(start, start + INBOX_BATCH_SIZE);
    const entries = await claimInboxEntries(db, ids);
    skipped += ids.length - entries.length;
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
    if (processed.length > 0)
      await db.callbackInbox.updateMany({
        where: { id: { in: processed } },
        data: { state: "processed", lastError: null, processedAt: now() },
      });
  }
  return { outcomes, skipped };
}
