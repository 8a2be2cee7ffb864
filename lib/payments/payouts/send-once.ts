// What sending money out exactly once needs, for payouts and reversals alike: the committed claim
// before the Daraja call, and what an error from that call means.
import { randomUUID } from "node:crypto";
import { Prisma } from "../../../prisma/generated/prisma/client";
import { type DbClient, inTransaction } from "../../db-types";
import { DarajaError } from "../daraja/errors";
import { refusalMessage } from "./payout-outcomes";

/**
 * Synchronous refusals M-Pesa answers before anything is processed despite their 5xx status:
 * 500.001.1001 is Daraja's "merchant does not exist" / "wrong credentials" (docs/daraja.md §1.2).
 */
const REFUSED_BEFORE_PROCESSING = new Set(["500.001.1001"]);

/** What a DarajaError from a money-moving call means: final failure, unknown outcome, or not sent. */
export function classifySendError(error: DarajaError): "failed" | "unknown" | "not_sent" {
  if (error.kind === "throttled") return "not_sent";
  if (error.kind === "network") return error.mayHaveReachedMpesa ? "unknown" : "not_sent";
  if (error.kind === "validation" || error.kind === "auth") return "failed";
  // An answer we cannot read came from a server that had the request.
  if (error.kind === "protocol") return "unknown";
  // "Duplicate OriginatorConversationID" means M-Pesa already has this request.
  if (error.errorCode === "500.002.1001") return "unknown";
  if ((error.httpStatus ?? 0) >= 500 && !REFUSED_BEFORE_PROCESSING.has(error.errorCode)) return "unknown";
  return "failed";
}

/**
 * Any error thrown by the call, judged: anything but a DarajaError came after the request was on
 * its way, so it counts as arrived (unknown). `message` is what a failure says.
 */
export function judgeSendError(
  error: unknown,
  subject: "payout" | "reversal",
): { verdict: "failed" | "unknown" | "not_sent"; code: string; message: string; daraja: boolean } {
  const darajaError = error instanceof DarajaError ? error : null;
  const code = darajaError?.errorCode ?? "malipo.error";
  return {
    verdict: darajaError ? classifySendError(darajaError) : "unknown",
    code,
    message:
      darajaError?.kind === "rejected"
        ? refusalMessage(code, darajaError.message)
        : (darajaError?.message ?? `The ${subject} could not be sent.`),
    daraja: darajaError !== null,
  };
}

/**
 * Claims an approved payout or reversal for its one submission, in a committed transaction: the
 * row is locked and, only if it is approved and carries no OriginatorConversationID yet, gets one
 * (ours) and becomes submitted. Any other state, or another merchant's row, is "skipped" with the
 * status found (or not_found): whoever comes second sends nothing.
 */
export async function claimForSubmission(
  db: DbClient,
  options: { table: "payouts" | "reversals"; id: string; merchantId?: string; now: Date },
): Promise<{ claimed: true } | { claimed: false; status: string }> {
  const table = Prisma.raw(options.table);
  const merchantId = options.merchantId ?? null;
  return inTransaction(db, async (tx) => {
    const [row] = await tx.$queryRaw<{ status: string; originator_conversation_id: string | null }[]>`
      SELECT status::text, originator_conversation_id FROM ${table}
      WHERE id = ${options.id}::uuid AND (${merchantId}::uuid IS NULL OR merchant_id = ${merchantId}::uuid)
      FOR UPDATE`;
    if (!row) return { claimed: false, status: "not_found" } as const;
    if (row.status !== "approved" || row.originator_conversation_id)
      return { claimed: false, status: row.status } as const;
    await tx.$executeRaw`
      UPDATE ${table}
      SET status = 'submitted', originator_conversation_id = ${randomUUID()},
          submitted_at = ${options.now}, updated_at = now()
      WHERE id = ${options.id}::uuid`;
    return { claimed: true } as const;
  });
}
