import { createHash } from "node:crypto";
import type { Payout, Prisma } from "../../../prisma/generated/prisma/client";
import type { MpesaEnvironment, Role } from "../../../prisma/generated/prisma/enums";
import { type AuditEntry, appendAuditLog } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { can } from "../../permissions";
import type { PaymentsDeps } from "../deps";
import { DEFAULT_MAX_AMOUNT_KES } from "../money";
import { getPayoutPolicy, type PayoutPolicy } from "./get-payout-policy";
import { checkPayoutFields, type PayoutDraft, type PayoutFields } from "./payout-input";
import { payoutAuditFields } from "./payout-resource";
import { sealRecipientPhone } from "./recipient-phone";

/** Who asks for money to leave: a signed-in person (tenant.actor) or an API key. */
export type PayoutRequester =
  | { type: "user"; id: string; label: string; role: Role; ip?: string | null }
  | { type: "api_key"; id: string; label: string };

/** What requesting payouts needs from the host: the keyring seals phones; maxAmount caps M-Pesa's limit. */
export type PayoutsDeps = Pick<PaymentsDeps, "keyring" | "maxAmount">;

export interface RequestPayoutInput extends PayoutFields {
  merchantId: string;
  requester: PayoutRequester;
  idempotencyKey?: string | null;
}

/**
 * A person needs payouts:request (for reversals too: both send money out); an API key always may
 * request (never approve).
 */
export function assertMayRequest(
  requester: PayoutRequester,
  subject: "payouts" | "reversals" = "payouts",
): void {
  if (requester.type === "user" && !can(requester.role, "payouts:request"))
    throw new AppError("forbidden", `Your role does not allow requesting ${subject}.`, {
      internal: `role ${requester.role} lacks payouts:request`,
    });
}

/** What a new payout is checked against: the policy, M-Pesa's maximum and the live environment. */
export async function payoutRequestContext(
  db: DbClient,
  deps: PayoutsDeps,
  merchantId: string,
): Promise<{ policy: PayoutPolicy; maxAmount: number; environment: MpesaEnvironment }> {
  const [policy, merchant] = await Promise.all([
    getPayoutPolicy(db, { merchantId }),
    db.merchant.findUniqueOrThrow({ where: { id: merchantId }, select: { environment: true } }),
  ]);
  const maxAmount = Math.min(policy.maxPerPayout, deps.maxAmount ?? DEFAULT_MAX_AMOUNT_KES);
  return { policy, maxAmount, environment: merchant.environment };
}

/** Same body → same hash: what makes an Idempotency-Key replay recognisable. */
export function payoutRequestHash(draft: PayoutDraft): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        draft.kind,
        draft.command,
        draft.amount,
        draft.phone,
        draft.shortcode,
        draft.accountReference,
        draft.remarks,
        draft.occasion,
      ]),
    )
    .digest("hex");
}

/**
 * The stored columns of a checked payout: the phone sealed, hashed and masked as payers' are;
 * two approvers when the policy's threshold is set and the amount is above it.
 */
export function payoutRowData(
  deps: PayoutsDeps,
  options: {
    merchantId: string;
    draft: PayoutDraft;
    policy: PayoutPolicy;
    environment: MpesaEnvironment;
    requester: PayoutRequester;
  },
) {
  const { draft, policy, requester } = options;
  return {
    merchantId: options.merchantId,
    kind: draft.kind,
    command: draft.command,
    amount: draft.amount,
    ...(draft.phone
      ? sealRecipientPhone(deps.keyring, options.merchantId, draft.phone)
      : { recipientPhoneSealed: null, recipientPhoneHash: null, recipientPhoneMasked: null }),
    recipientShortcode: draft.shortcode,
    accountReference: draft.accountReference,
    remarks: draft.remarks,
    occasion: draft.occasion,
    environment: options.environment,
    requestedById: requester.type === "user" ? requester.id : null,
    requestedByApiKeyId: requester.type === "api_key" ? requester.id : null,
    requesterLabel: requester.label,
    approvalsRequired: policy.dualApprovalAbove !== null && draft.amount > policy.dualApprovalAbove ? 2 : 1,
  } satisfies Prisma.PayoutUncheckedCreateInput;
}

/** An earlier request under the same Idempotency-Key: the same body gets it back, another a 409. */
export function sameRequestOrConflict<T extends { requestHash: string | null }>(
  existing: T,
  requestHash: string,
): T {
  if (existing.requestHash !== requestHash)
    throw new AppError("conflict", "This Idempotency-Key was already used with a different request.");
  return existing;
}

/** The audit actor for a requester. */
export function requesterActor(requester: PayoutRequester): AuditEntry["actor"] {
  return requester.type === "user"
    ? { type: "user", id: requester.id, label: requester.label, ip: requester.ip }
    : { type: "api_key", id: requester.id, label: requester.label };
}

/**
 * Requests one payout; it waits for approval (nothing is sent to M-Pesa here). Checked against
 * M-Pesa's rules and the merchant's policy, in the merchant's current environment. With an
 * idempotency key the same request returns the same payout, a different one is refused (409),
 * and of two racing requests one creates it and the other answers with it.
 */
export async function requestPayout(
  db: DbClient,
  deps: PayoutsDeps,
  input: RequestPayoutInput,
): Promise<Payout> {
  assertMayRequest(input.requester);
  const context = await payoutRequestContext(db, deps, input.merchantId);
  const checked = checkPayoutFields(input, { maxAmount: context.maxAmount });
  if (!checked.ok) {
    const first = checked.errors[0];
    throw new AppError(
      "validation_failed",
      first ? `${first.field}: ${first.message}` : "Check the payout.",
      {
        field: first?.field,
        errors: checked.errors,
      },
    );
  }
  const { draft } = checked;
  const requestHash = payoutRequestHash(draft);
  if (input.idempotencyKey) {
    const existing = await db.payout.findUnique({
      where: {
        merchantId_idempotencyKey: { merchantId: input.merchantId, idempotencyKey: input.idempotencyKey },
      },
    });
    if (existing) return sameRequestOrConflict(existing, requestHash);
  }
  try {
    return await inTransaction(db, async (tx) => {
      const payout = await tx.payout.create({
        data: {
          ...payoutRowData(deps, {
            ...context,
            merchantId: input.merchantId,
            draft,
            requester: input.requester,
          }),
          idempotencyKey: input.idempotencyKey ?? null,
          requestHash,
        },
      });
      await appendAuditLog(tx, {
        merchantId: input.merchantId,
        actor: requesterActor(input.requester),
        action: "payout.requested",
        target: { type: "payout", id: payout.id },
        metadata: {
          kind: payout.kind,
          ...payoutAuditFields(payout),
          accountReference: payout.accountReference,
          approvalsRequired: payout.approvalsRequired,
          environment: payout.environment,
        },
      });
      return payout;
    });
  } catch (error) {
    // Two requests with one idempotency key raced: the loser answers with the winner's payout.
    if (input.idempotencyKey && (error as { code?: string }).code === "P2002")
      return requestPayout(db, deps, input);
    throw error;
  }
}
