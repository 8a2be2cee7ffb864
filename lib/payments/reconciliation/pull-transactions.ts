import { z } from "zod";
import { type AuditEntry, appendAuditLog } from "../../audit/append-audit-log";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import { DarajaError } from "../daraja/errors";
import type { PaymentsDeps } from "../deps";
import { getDarajaClient } from "../get-daraja-client";
import { findMissingAtMpesa, type MissingAtMpesaCounts } from "./compare-window";
import { matchMpesaRecords } from "./match-mpesa-records";
import { MAX_RECORD_BATCH, type MpesaRecordLine, recordMpesaRecords } from "./record-mpesa-records";

/** Daraja keeps about 48 hours of transactions for pulling. */
export const PULL_RETENTION_MS = 48 * 3_600_000;
/** A scheduled pull starts this far before the last one ended, so rows M-Pesa lists late are not missed. */
export const PULL_OVERLAP_MS = 15 * 60_000;
/**
 * Payments settled this recently may not be listed yet: the check for money M-Pesa does not show
 * stops this long before the window's end (the next pull overlaps and checks them).
 */
const SETTLE_GRACE_MS = 5 * 60_000;
/** A guard against a Daraja that ignores OffSetValue and repeats the first page forever. */
const MAX_PAGES = 2_000;
const MATCH_BATCH = 500;

export type PullDeps = PaymentsDeps & { db: DbClient };

/** An on-demand window as the API and the dashboard send it (ISO 8601 instants); both optional. */
export const pullWindowSchema = z
  .object({
    from: z.iso.datetime({ offset: true }).pipe(z.coerce.date()).optional(),
    to: z.iso.datetime({ offset: true }).pipe(z.coerce.date()).optional(),
  })
  .refine((w) => !w.from || !w.to || w.from < w.to, { message: "`to` must be after `from`.", path: ["to"] });

export interface PullCounts {
  windowStart: string;
  windowEnd: string;
  pages: number;
  rows: number;
  newRecords: number;
  duplicates: number;
  matched: number;
  recovered: number;
  receiptsCompleted: number;
  opened: Record<string, number>;
  missingAtMpesa: MissingAtMpesaCounts;
}

/**
 * Reads M-Pesa's own record of the merchant's shortcode for a window with Pull Transactions
 * (registering the shortcode first when it never was), stores it (idempotent on the receipt),
 * matches every unmatched record of the window, and opens not_in_mpesa items for money Malipo shows
 * in the window that M-Pesa does not. Without `from`/`to` it is the scheduled pull: from where the
 * last one ended (less an overlap) to now, and it moves that mark forward. Each run is recorded.
 */
export async function pullTransactions(
  deps: PullDeps,
  options: {
    merchantId: string;
    from?: Date;
    to?: Date;
    /** Who asked for an on-demand pull (audited); the schedule passes none. */
    actor?: AuditEntry["actor"];
  },
): Promise<PullCounts> {
  const { db } = deps;
  const now = deps.now?.() ?? new Date();
  const merchant = await db.merchant.findUniqueOrThrow({
    where: { id: options.merchantId },
    select: { environment: true, callbackSecret: true },
  });
  const credential = await db.mpesaCredential.findUnique({
    where: { merchantId_environment: { merchantId: options.merchantId, environment: merchant.environment } },
  });
  if (!credential) {
    throw new AppError(
      "bad_request",
      "M-Pesa is not set up for this merchant yet: add its credentials in Settings.",
    );
  }
  const scheduled = options.from === undefined && options.to === undefined;
  const oldest = new Date(now.getTime() - PULL_RETENTION_MS);
  const to = options.to && options.to < now ? options.to : now;
  const from = scheduled
    ? new Date(Math.max(oldest.getTime(), (credential.pulledUntil?.getTime() ?? 0) - PULL_OVERLAP_MS))
    : (options.from ?? oldest);
  if (from >= to)
    throw new AppError("validation_failed", "The window must end after it starts.", { field: "to" });
  if (from.getTime() < oldest.getTime() - 60_000) {
    throw new AppError(
      "validation_failed",
      "Pull Transactions reaches back 48 hours only: import an M-Pesa statement for older days.",
      { field: "from" },
    );
  }

  const client = await getDarajaClient(db, deps, { merchantId: options.merchantId });
  // C2B money arrives at the organisation shortcode, STK money at the Lipa na M-Pesa shortcode:
  // usually one number, sometimes two, and each is pulled (and registered) on its own.
  const shortcodes = [...new Set([credential.shortcode, credential.stkShortcode])];
  const register = (shortcode: string) =>
    client.pullRegister({
      shortcode,
      callbackUrl: `${deps.appUrl}/api/hooks/pull-notice/${options.merchantId}/${merchant.callbackSecret}`,
    });
  if (!credential.pullRegisteredAt) {
    for (const shortcode of shortcodes) await register(shortcode).catch(unavailable);
    await db.mpesaCredential.update({ where: { id: credential.id }, data: { pullRegisteredAt: new Date() } });
  }

  const run = await db.reconciliationRun.create({
    data: { kind: "pull", merchantId: options.merchantId, windowStart: from, windowEnd: to, startedAt: now },
  });
  const counts: PullCounts = {
    windowStart: from.toISOString(),
    windowEnd: to.toISOString(),
    pages: 0,
    rows: 0,
    newRecords: 0,
    duplicates: 0,
    matched: 0,
    recovered: 0,
    receiptsCompleted: 0,
    opened: {},
    missingAtMpesa: { payments: 0, c2bTransactions: 0, payouts: 0, reversals: 0 },
  };
  async function pullPages(page: (offset: number) => ReturnType<typeof client.pullTransactions>) {
    const seen = new Set<string>();
    for (let offset = 0, pages = 0; pages < MAX_PAGES; pages += 1) {
      const rows = await page(offset);
      counts.pages += 1;
      const fresh = rows.filter((row) => !seen.has(row.receipt));
      if (fresh.length === 0) break;
      for (const row of fresh) seen.add(row.receipt);
      counts.rows += fresh.length;
      const lines = fresh.map(
        (row): MpesaRecordLine => ({
          receipt: row.receipt,
          entry: "principal",
          direction: "in",
          amountCents: row.amountCents,
          completedAt: row.completedAt,
          otherParty: row.msisdn,
          accountReference: row.billReference,
          transactionType: row.transactionType,
          transactionStatus: "Completed",
        }),
      );
      for (let i = 0; i < lines.length; i += MAX_RECORD_BATCH) {
        const stored = await recordMpesaRecords(db, {
          merchantId: options.merchantId,
          environment: merchant.environment,
          source: "pull",
          lines: lines.slice(i, i + MAX_RECORD_BATCH),
        });
        counts.newRecords += stored.insertedIds.length;
        counts.duplicates += stored.duplicates;
      }
      offset += rows.length;
    }
  }

  try {
    for (const shortcode of shortcodes) {
      let reregistered = false;
      const page = async (offset: number) => {
        try {
          return await client.pullTransactions({ shortcode, from, to, offset });
        } catch (error) {
          // Registration can lapse at M-Pesa (or the simulator restarted): register again, once.
          if (reregistered || !(error instanceof DarajaError) || !/not registered/i.test(error.message))
            throw error;
          reregistered = true;
          await register(shortcode);
          return client.pullTransactions({ shortcode, from, to, offset });
        }
      };
      await pullPages(page);
    }

    // Every record of the window still unmatched: the new ones, and older ones whose Malipo side
    // may have arrived since (a late callback).
    let after: string | undefined;
    for (;;) {
      const batch = await db.mpesaRecord.findMany({
        where: {
          merchantId: options.merchantId,
          completedAt: { gte: from, lte: to },
          paymentId: null,
          c2bTransactionId: null,
          payoutId: null,
          reversalId: null,
          ...(after ? { id: { gt: after } } : {}),
        },
        select: { id: true },
        orderBy: { id: "asc" },
        take: MATCH_BATCH,
      });
      if (batch.length === 0) break;
      after = batch[batch.length - 1]?.id;
      const matched = await matchMpesaRecords(deps, {
        merchantId: options.merchantId,
        recordIds: batch.map((r) => r.id),
      });
      counts.matched += matched.matched;
      counts.recovered += matched.recovered;
      counts.receiptsCompleted += matched.receiptsCompleted;
      for (const [kind, n] of Object.entries(matched.opened))
        counts.opened[kind] = (counts.opened[kind] ?? 0) + n;
    }

    const compareTo = new Date(Math.min(to.getTime(), now.getTime() - SETTLE_GRACE_MS));
    if (compareTo > from) {
      counts.missingAtMpesa = await findMissingAtMpesa(deps, {
        merchantId: options.merchantId,
        from,
        to: compareTo,
        directions: ["in"],
      });
    }
    if (scheduled) {
      await db.mpesaCredential.update({ where: { id: credential.id }, data: { pulledUntil: to } });
    }
    if (options.actor) {
      await appendAuditLog(db, {
        merchantId: options.merchantId,
        actor: options.actor,
        action: "reconciliation.pulled",
        target: { type: "reconciliation_run", id: run.id },
        metadata: { ...asJson(counts) },
      });
    }
    await db.reconciliationRun.update({
      where: { id: run.id },
      data: { finishedAt: new Date(), counts: asJson(counts) },
    });
    return counts;
  } catch (error) {
    await db.reconciliationRun.update({
      where: { id: run.id },
      data: { finishedAt: new Date(), counts: asJson(counts), error: (error as Error).message },
    });
    return unavailable(error);
  }
}

/** The counts as a JSON object for the run record (interfaces lack the index signature Prisma wants). */
function asJson(counts: PullCounts): { [key: string]: string | number | { [key: string]: number } } {
  return { ...counts, missingAtMpesa: { ...counts.missingAtMpesa } };
}

/** M-Pesa refused or did not answer: said in words a merchant and an API client can act on. */
function unavailable(error: unknown): never {
  if (!(error instanceof DarajaError)) throw error;
  throw new AppError("unavailable", `M-Pesa did not complete Pull Transactions: ${error.message}`, {
    internal: `${error.errorCode}: ${error.message}`,
  });
}
