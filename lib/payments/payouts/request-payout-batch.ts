import { createHash } from "node:crypto";
import type { PayoutBatch } from "../../../prisma/generated/prisma/client";
import { appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError, type FieldError } from "../../errors";
import { text } from "../../validation/text";
import { checkPayoutFields, type PayoutDraft } from "./payout-input";
import {
  assertMayRequest,
  type PayoutRequester,
  type PayoutsDeps,
  payoutRequestContext,
  payoutRequestHash,
  payoutRowData,
  requesterActor,
  sameRequestOrConflict,
} from "./request-payout";

/** The most rows one batch may hold (a CSV upload or one API call). */
export const MAX_BATCH_ROWS = 10_000;

const batchNameSchema = text({ error: "Name the batch (1-100 characters)." })
  .trim()
  .min(1, "Name the batch (1-100 characters).")
  .max(100, "Name the batch (1-100 characters).");

export interface RequestPayoutBatchInput {
  merchantId: string;
  requester: PayoutRequester;
  name: unknown;
  /** Each checked with checkPayoutFields (a non-object row is refused as such). */
  payouts: unknown[];
  /**
   * Row numbers to store (e.g. the CSV's line numbers); by default a row's position from 1.
   * Same length as `payouts`.
   */
  rowNumbers?: number[];
  idempotencyKey?: string | null;
}

/**
 * Requests many payouts at once, all waiting for approval. All or nothing: if any row is refused,
 * nothing is stored and the error lists every bad row with its index (from 0) and field, so a
 * caller can fix them all at once (the CSV upload drops bad rows before calling this). Idempotent
 * like requestPayout. Audited once for the batch, with its count and total.
 */
export async function requestPayoutBatch(
  db: DbClient,
  deps: PayoutsDeps,
  input: RequestPayoutBatchInput,
): Promise<PayoutBatch> {
  assertMayRequest(input.requester);
  const name = batchNameSchema.safeParse(input.name);
  if (!name.success)
    throw new AppError("validation_failed", `name: ${name.error.issues[0]?.message}`, { field: "name" });
  if (input.payouts.length === 0 || input.payouts.length > MAX_BATCH_ROWS)
    throw new AppError(
      "validation_failed",
      `A batch holds 1 to ${MAX_BATCH_ROWS.toLocaleString("en-KE")} payouts.`,
      {
        field: "payouts",
      },
    );

  const context = await payoutRequestContext(db, deps, input.merchantId);
  const drafts: PayoutDraft[] = [];
  const errors: FieldError[] = [];
  input.payouts.forEach((fields, index) => {
    const checked = checkPayoutFields(fields, { maxAmount: context.maxAmount });
    if (checked.ok) drafts.push(checked.draft);
    else for (const error of checked.errors) errors.push({ index, ...error });
  });
  if (errors.length > 0) {
    const badRows = new Set(errors.map((e) => e.index)).size;
    throw new AppError(
      "validation_failed",
      `${badRows} of ${input.payouts.length} payouts ${badRows === 1 ? "is" : "are"} not valid: nothing was requested. The first: payouts[${errors[0]?.index}].${errors[0]?.field}: ${errors[0]?.message}`,
      { field: `payouts.${errors[0]?.index}.${errors[0]?.field}`, errors },
    );
  }

  const requestHash = createHash("sha256")
    .update(JSON.stringify([name.data, drafts.map(payoutRequestHash), input.rowNumbers ?? null]))
    .digest("hex");
  if (input.idempotencyKey) {
    const existing = await db.payoutBatch.findUnique({
      where: {
        merchantId_idempotencyKey: { merchantId: input.merchantId, idempotencyKey: input.idempotencyKey },
      },
    });
    if (existing) return sameRequestOrConflict(existing, requestHash);
  }

  const total = drafts.reduce((sum, d) => sum + d.amount, 0);
  try {
    return await inTransaction(
      db,
      async (tx) => {
        const batch = await tx.payoutBatch.create({
          data: {
            merchantId: input.merchantId,
            name: name.data,
            count: drafts.length,
            total,
            requestedById: input.requester.type === "user" ? input.requester.id : null,
            requestedByApiKeyId: input.requester.type === "api_key" ? input.requester.id : null,
            requesterLabel: input.requester.label,
            idempotencyKey: input.idempotencyKey ?? null,
            requestHash,
          },
        });
        const rows = drafts.map((draft, index) => ({
          ...payoutRowData(deps, {
            ...context,
            merchantId: input.merchantId,
            draft,
            requester: input.requester,
          }),
          batchRow: input.rowNumbers?.[index] ?? index + 1,
        }));
        await insertBatchPayouts(tx, batch.id, rows);
        await appendAuditLog(tx, {
          merchantId: input.merchantId,
          actor: requesterActor(input.requester),
          action: "payout_batch.requested",
          target: { type: "payout_batch", id: batch.id },
          metadata: {
            name: batch.name,
            count: batch.count,
            total: batch.total,
            needingTwoApprovals: rows.filter((r) => r.approvalsRequired === 2).length,
            environment: context.environment,
          },
        });
        return batch;
      },
      { timeout: 120_000, maxWait: 10_000 },
    );
  } catch (error) {
    if (input.idempotencyKey && (error as { code?: string }).code === "P2002")
      return requestPayoutBatch(db, deps, input);
    throw error;
  }
}

type BatchRow = ReturnType<typeof payoutRowData> & { batchRow: number };

/**
 * One INSERT of every row, its columns passed as arrays: Prisma's createMany took about 11 s for
 * 10,000 rows where this takes well under one. Rows in one batch share merchant, environment and
 * requester; ids are v4 (no uuidv7() before PostgreSQL 18), ordered within a batch by batch_row.
 */
async function insertBatchPayouts(tx: DbClient, batchId: string, rows: BatchRow[]): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const column = <K extends keyof BatchRow>(key: K) => rows.map((r) => r[key]);
  await tx.$executeRaw`
    INSERT INTO payouts (
      id, merchant_id, batch_id, batch_row, kind, command, amount,
      recipient_phone_sealed, recipient_phone_hash, recipient_phone_masked,
      recipient_shortcode, account_reference, remarks, occasion, environment,
      requested_by_id, requested_by_api_key_id, requester_label, approvals_required, updated_at
    )
    SELECT
      gen_random_uuid(), ${first.merchantId}::uuid, ${batchId}::uuid, r.batch_row, r.kind::"PayoutKind",
      r.command::"PayoutCommand", r.amount, r.sealed, r.hash, r.masked, r.shortcode, r.account_reference,
      r.remarks, r.occasion, ${first.environment}::"MpesaEnvironment", ${first.requestedById}::uuid,
      ${first.requestedByApiKeyId}::uuid, ${first.requesterLabel}, r.approvals_required, now()
    FROM unnest(
      ${column("batchRow")}::int[], ${column("kind")}::text[], ${column("command")}::text[],
      ${column("amount")}::int[], ${column("recipientPhoneSealed")}::text[],
      ${column("recipientPhoneHash")}::text[], ${column("recipientPhoneMasked")}::text[],
      ${column("recipientShortcode")}::text[], ${column("accountReference")}::text[],
      ${column("remarks")}::text[], ${column("occasion")}::text[], ${column("approvalsRequired")}::int[]
    ) AS r(batch_row, kind, command, amount, sealed, hash, masked, shortcode, account_reference,
           remarks, occasion, approvals_required)`;
}
