import type { CallbackKind } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import {
  C2B_ACCEPT,
  type C2bValidationAnswer,
  validateC2bPayment,
} from "../collections/validate-c2b-payment";
import type { CoreLog } from "../deps";
import { CALLBACK_TOO_LARGE } from "./read-callback-body";
import { type CallbackRequest, receiveCallback } from "./receive-callback";
import { type RefusalReason, recordRefusedCallback } from "./record-refused-callback";

export const CALLBACK_PATHS: Record<string, CallbackKind> = {
  stk: "stk",
  "c2b-validation": "c2b_validation",
  "c2b-confirmation": "c2b_confirmation",
  "b2c-result": "b2c_result",
  "b2c-timeout": "b2c_timeout",
  "b2b-result": "b2b_result",
  "b2b-timeout": "b2b_timeout",
  "status-result": "status_result",
  "status-timeout": "status_timeout",
  "balance-result": "balance_result",
  "balance-timeout": "balance_timeout",
  "reversal-result": "reversal_result",
  "reversal-timeout": "reversal_timeout",
};

/** M-Pesa waits about 8 s for a validation answer; answer well within it. */
export const C2B_VALIDATION_BUDGET_MS = 3_000;

function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([
    promise.catch(() => fallback),
    new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref()),
  ]);
}

export interface CallbackAnswer {
  status: number;
  body: object;
  inboxId: string | null;
  kind: CallbackKind | null;
  /** Why it was refused (recorded in refused_callbacks), or null. */
  refused: RefusalReason | null;
}

/**
 * Everything a Daraja callback request needs before its response: route it by kind, refuse a body
 * over the size cap, authenticate and store it, and for C2B validation decide accept or reject.
 * A refusal is recorded without the answer waiting for it. If the database is too slow to decide
 * a validation in time, the payment is accepted: refusing a customer's money over our own slowness
 * is worse, and the confirmation then lands in review if it matches no checkout.
 */
export async function handleCallbackRequest(
  db: DbClient,
  options: Omit<CallbackRequest, "body"> & {
    path: string;
    /** As read by readCallbackBody; null when it was over the size cap and not read. */
    body: string | null;
    /** Bytes declared or read; defaults to the body's length. */
    size?: number;
    log?: CoreLog;
  },
): Promise<CallbackAnswer> {
  const refuse = (status: number, body: object, kind: CallbackKind | null, reason: RefusalReason) => {
    const refusal = {
      merchantId: options.merchantId,
      path: options.path,
      sourceIp: options.sourceIp,
      size: options.size ?? Buffer.byteLength(options.body ?? ""),
      reason,
    };
    recordRefusedCallback(db, refusal, { log: options.log }).catch((error: unknown) =>
      options.log?.error({ err: error, reason }, "could not record a refused callback"),
    );
    return { status, body, inboxId: null, kind, refused: reason };
  };
  const kind = CALLBACK_PATHS[options.path];
  if (!kind) return refuse(404, { ResultCode: 1, ResultDesc: "Unknown callback" }, null, "unknown_kind");
  if (options.body === null) return refuse(413, CALLBACK_TOO_LARGE, kind, "too_large");
  const received = await receiveCallback(db, { ...options, body: options.body, kind });
  if (!received.accepted)
    return refuse(403, { ResultCode: 1, ResultDesc: "Forbidden" }, kind, received.reason);
  const accepted = { status: 200, inboxId: received.inboxId, kind, refused: null };
  if (kind !== "c2b_validation") return { ...accepted, body: received.ack };
  let parsed: unknown;
  try {
    parsed = JSON.parse(options.body);
  } catch {
    parsed = null;
  }
  const answer = await within<C2bValidationAnswer>(
    validateC2bPayment(db, { merchantId: options.merchantId, body: parsed }),
    C2B_VALIDATION_BUDGET_MS,
    C2B_ACCEPT,
  );
  return { ...accepted, body: answer };
}
