"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { afterPayoutApproved } from "@/lib/background";
import { asAppError, type FieldError } from "@/lib/errors";
import { approvePayout } from "@/lib/payments/payouts/approve-payout";
import { approvePayoutBatch } from "@/lib/payments/payouts/approve-payout-batch";
import { cancelPayout } from "@/lib/payments/payouts/cancel-payout";
import { MAX_PAYOUT_CSV_BYTES, type PayoutCsvProblem } from "@/lib/payments/payouts/payout-csv";
import { previewPayoutCsv } from "@/lib/payments/payouts/preview-payout-csv";
import { queuePayoutCsv } from "@/lib/payments/payouts/queue-payout-csv";
import { rejectPayout } from "@/lib/payments/payouts/reject-payout";
import { requestPayout } from "@/lib/payments/payouts/request-payout";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { requireTenant } from "@/lib/session";

const NO_PAYOUT = "No payout with this id.";

/** A refusal the person can act on; anything else is a bug and propagates (500, logged). */
function refused(error: unknown): string {
  const known = asAppError(error);
  if (known) return known.publicMessage;
  throw error;
}

/**
 * The one hand-off from an approval to submission (Inngest or this process, after the response):
 * only the approval that completed a payout passes its id, so two approvers never submit twice.
 */
function submitApproved(payoutIds: string[]): void {
  if (payoutIds.length > 0) afterPayoutApproved(payoutIds);
}

export type RequestState = { error: string | null; errors: FieldError[]; payoutId: string | null };

/** One payout from the "New payout" form; it waits for someone else to approve it. */
export async function requestPayoutAction(_prev: RequestState, form: FormData): Promise<RequestState> {
  const tenant = await requireTenant("payouts:request");
  const field = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" && value.trim() !== "" ? value : undefined;
  };
  const b2b = form.get("kind") === "b2b";
  try {
    const payout = await requestPayout(tenant.db, paymentsRuntime().deps, {
      merchantId: tenant.merchant.id,
      requester: { type: "user", ...tenant.actor },
      command: field("command"),
      amount: field("amount"),
      phone: b2b ? undefined : field("phone"),
      shortcode: b2b ? field("shortcode") : undefined,
      accountReference: b2b ? field("accountReference") : undefined,
      remarks: field("remarks"),
      occasion: field("occasion"),
    });
    revalidatePath("/payouts");
    return { error: null, errors: [], payoutId: payout.id };
  } catch (error) {
    const known = asAppError(error);
    if (!known) throw error;
    return { error: known.publicMessage, errors: known.details.errors ?? [], payoutId: null };
  }
}

export type CsvState = {
  error: string | null;
  /** Set after a preview: what confirming would queue. */
  preview: { count: number; total: number; rows: number; invalid: PayoutCsvProblem[] } | null;
  /** Set after queueing. */
  batchId: string | null;
  excluded: PayoutCsvProblem[];
};

const csvFormSchema = z.object({
  intent: z.enum(["preview", "queue"], { error: "Choose preview or queue." }),
  name: z.string().max(200).optional(),
});

/** Only the first bad rows travel back to the page: a 10,000-row mistake is not 10,000 lines. */
const SHOWN_PROBLEMS = 200;

/**
 * Upload → preview (count, total, bad rows; nothing stored) → the same file again with
 * intent=queue (one batch of the valid rows). The file is re-read on queue: a preview is advice.
 */
export async function payoutCsvAction(_prev: CsvState, form: FormData): Promise<CsvState> {
  const tenant = await requireTenant("payouts:request");
  const empty: CsvState = { error: null, preview: null, batchId: null, excluded: [] };
  const input = csvFormSchema.safeParse({
    intent: form.get("intent"),
    name: form.get("name") ?? undefined,
  });
  if (!input.success)
    return { ...empty, error: input.error.issues[0]?.message ?? "Choose preview or queue." };
  const file = form.get("file");
  if (!(file instanceof Blob) || file.size === 0) return { ...empty, error: "Choose a CSV file to upload." };
  if (file.size > MAX_PAYOUT_CSV_BYTES)
    return { ...empty, error: "The file is over 2 MB: split it into smaller batches." };
  const csv = await file.text();
  const deps = paymentsRuntime().deps;
  try {
    if (input.data.intent === "preview") {
      const parsed = await previewPayoutCsv(tenant.db, deps, { merchantId: tenant.merchant.id, csv });
      return {
        ...empty,
        preview: {
          count: parsed.count,
          total: parsed.total,
          rows: parsed.rows,
          invalid: parsed.invalid.slice(0, SHOWN_PROBLEMS),
        },
      };
    }
    const fallbackName = file instanceof File && file.name ? file.name.slice(0, 100) : "CSV upload";
    const { batch, excluded } = await queuePayoutCsv(tenant.db, deps, {
      merchantId: tenant.merchant.id,
      requester: { type: "user", ...tenant.actor },
      name: input.data.name?.trim() || fallbackName,
      csv,
    });
    revalidatePath("/payouts");
    return { ...empty, batchId: batch.id, excluded: excluded.slice(0, SHOWN_PROBLEMS) };
  } catch (error) {
    return { ...empty, error: refused(error) };
  }
}

export type DecisionResult = { error: string | null };

/** Approves one payout; the approval that completes it hands it to submission. */
export async function approvePayoutAction(payoutId: unknown): Promise<DecisionResult> {
  const tenant = await requireTenant("payouts:approve");
  const id = z.uuid().safeParse(payoutId);
  if (!id.success) return { error: NO_PAYOUT };
  try {
    const { readyToSubmit } = await approvePayout(tenant.db, {
      merchantId: tenant.merchant.id,
      payoutId: id.data,
      approver: tenant.actor,
    });
    if (readyToSubmit) submitApproved([id.data]);
  } catch (error) {
    return { error: refused(error) };
  }
  revalidatePath("/payouts", "layout");
  return { error: null };
}

/** Rejects one payout; the note is required and shown to the requester. */
export async function rejectPayoutAction(payoutId: unknown, note: unknown): Promise<DecisionResult> {
  const tenant = await requireTenant("payouts:approve");
  const id = z.uuid().safeParse(payoutId);
  if (!id.success) return { error: NO_PAYOUT };
  try {
    await rejectPayout(tenant.db, {
      merchantId: tenant.merchant.id,
      payoutId: id.data,
      approver: tenant.actor,
      note,
    });
  } catch (error) {
    return { error: refused(error) };
  }
  revalidatePath("/payouts", "layout");
  return { error: null };
}

/** Withdraws a payout before it is sent: the core lets only its requester or an owner. */
export async function cancelPayoutAction(payoutId: unknown, note?: unknown): Promise<DecisionResult> {
  const tenant = await requireTenant("payouts:request");
  const id = z.uuid().safeParse(payoutId);
  if (!id.success) return { error: NO_PAYOUT };
  try {
    await cancelPayout(tenant.db, {
      merchantId: tenant.merchant.id,
      payoutId: id.data,
      actor: tenant.actor,
      note,
    });
  } catch (error) {
    return { error: refused(error) };
  }
  revalidatePath("/payouts", "layout");
  return { error: null };
}

/** Approves every payout of a batch still waiting for this approver. */
export async function approveBatchAction(
  batchId: unknown,
): Promise<DecisionResult & { ready: number; waiting: number }> {
  const tenant = await requireTenant("payouts:approve");
  const id = z.uuid().safeParse(batchId);
  if (!id.success) return { error: "No payout batch with this id.", ready: 0, waiting: 0 };
  try {
    const result = await approvePayoutBatch(tenant.db, {
      merchantId: tenant.merchant.id,
      batchId: id.data,
      approver: tenant.actor,
    });
    submitApproved(result.readyToSubmit);
    revalidatePath("/payouts", "layout");
    return { error: null, ready: result.readyToSubmit.length, waiting: result.awaitingSecondApproval.length };
  } catch (error) {
    return { error: refused(error), ready: 0, waiting: 0 };
  }
}
