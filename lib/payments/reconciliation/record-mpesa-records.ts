import { Prisma } from "../../../prisma/generated/prisma/client";
import type { MpesaEnvironment } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import { kenyanDayOf } from "../../kenyan-days";
import { maskPhonesInText } from "../../redact";

/** One line of M-Pesa's own record (a Pull Transactions row or a statement line), as parsed. */
export interface MpesaRecordLine {
  /** M-Pesa's transaction id (the receipt). */
  receipt: string;
  /** principal: the money itself; charge: M-Pesa's fee on the same receipt. */
  entry: "principal" | "charge";
  direction: "in" | "out";
  /** Cents, always positive: `direction` says which way it moved. */
  amountCents: bigint;
  balanceCents?: bigint | null;
  completedAt: Date;
  /** Payer or recipient as the source shows it; full phone numbers are masked before storage. */
  otherParty?: string | null;
  accountReference?: string | null;
  details?: string | null;
  transactionType?: string | null;
  transactionStatus?: string | null;
  linkedReceipt?: string | null;
}

/** Lines per call: one multi-row INSERT each, so a statement of 100,000 lines is 100 statements. */
export const MAX_RECORD_BATCH = 1_000;

/**
 * Stores lines of M-Pesa's record, idempotent on (merchant, receipt, entry). A line already stored
 * from the other source gains that source in `confirmedBy` (and any balance or details it lacked);
 * recording the same line from the same source again changes nothing. Returns the ids of new rows
 * (what the caller should match) and how many lines were already known.
 */
export async function recordMpesaRecords(
  db: DbClient,
  options: {
    merchantId: string;
    environment: MpesaEnvironment;
    source: "pull" | "statement";
    statementImportId?: string;
    lines: MpesaRecordLine[];
  },
): Promise<{ insertedIds: string[]; duplicates: number }> {
  if (options.lines.length > MAX_RECORD_BATCH) {
    throw new Error(`recordMpesaRecords takes at most ${MAX_RECORD_BATCH} lines per call`);
  }
  // One INSERT … ON CONFLICT DO UPDATE cannot touch the same row twice: drop repeats first.
  const unique = new Map<string, MpesaRecordLine>();
  for (const line of options.lines) {
    const key = `${line.receipt}\u0000${line.entry}`;
    if (!unique.has(key)) unique.set(key, line);
  }
  if (unique.size === 0) return { insertedIds: [], duplicates: options.lines.length };

  const source = options.source;
  const rows = [...unique.values()].map(
    (line) => Prisma.sql`(
      gen_random_uuid(), ${options.merchantId}::uuid, ${options.environment}::"MpesaEnvironment",
      ${line.receipt}, ${line.entry}, ${source}::"MpesaRecordSource",
      ARRAY[${source}::"MpesaRecordSource"], ${line.direction}::"MoneyDirection",
      ${line.amountCents}, ${line.balanceCents ?? null}::bigint, ${line.completedAt}::timestamptz,
      ${kenyanDayOf(line.completedAt)}::date, ${line.otherParty ? maskPhonesInText(line.otherParty) : null},
      ${line.accountReference ?? null}, ${line.details ?? null}, ${line.transactionType ?? null},
      ${line.transactionStatus ?? null}, ${line.linkedReceipt ?? null},
      ${options.statementImportId ?? null}::uuid
    )`,
  );
  const written = await db.$queryRaw<{ id: string; inserted: boolean }[]>`
    INSERT INTO mpesa_records (
      id, merchant_id, environment, receipt, entry, source, confirmed_by, direction, amount_cents,
      balance_cents, completed_at, day, other_party, account_reference, details, transaction_type,
      transaction_status, linked_receipt, statement_import_id
    )
    VALUES ${Prisma.join(rows)}
    ON CONFLICT (merchant_id, receipt, entry) DO UPDATE SET
      confirmed_by = array_append(coalesce(mpesa_records.confirmed_by, '{}'), EXCLUDED.source),
      balance_cents = coalesce(mpesa_records.balance_cents, EXCLUDED.balance_cents),
      details = coalesce(mpesa_records.details, EXCLUDED.details),
      linked_receipt = coalesce(mpesa_records.linked_receipt, EXCLUDED.linked_receipt),
      statement_import_id = coalesce(mpesa_records.statement_import_id, EXCLUDED.statement_import_id)
    WHERE NOT (EXCLUDED.source = ANY (coalesce(mpesa_records.confirmed_by, '{}')))
    RETURNING id, (xmax = 0) AS inserted`;
  const insertedIds = written.filter((row) => row.inserted).map((row) => row.id);
  return { insertedIds, duplicates: options.lines.length - insertedIds.length };
}
