import type { CallbackKind } from "../../prisma/generated/prisma/enums";
import type { DbClient } from "../db-types";
import { type CallbackRequest, receiveCallback } from "./receive-callback";
import { C2B_ACCEPT, type C2bValidationAnswer, validateC2bPayment } from "./validate-c2b-payment";

export const CALLBACK_PATHS: Record<string, CallbackKind> = {
  stk: "stk",
  "c2b-validation": "c2b_validation",
  "c2b-confirmation": "c2b_confirmation",
  "b2c-result": "b2c_result",
  "b2c-timeout": "b2c_timeout",
};

/** M-Pesa waits about 8 s for a validation answer; answer well within it. */
export const C2B_VALIDATION_BUDGET_MS = 3_000;

function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([
    promise.catch(() => fallback),
    new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref()),
  ]);
}

/**
 * Everything a Daraja callback request needs before its response: route it by kind, authenticate
 * and store it, and for C2B validation decide accept or reject. If the database is too slow to
 * decide in time, the payment is accepted: refusing a customer's money over our own slowness is
 * worse, and the confirmation then lands in review if it matches no checkout.
 */
export async function handleCallbackRequest(
  db: DbClient,
  options: CallbackRequest & { path: string },
): Promise<{ status: number; body: object; inboxId: string | null; kind: CallbackKind | null }> {
  const kind = CALLBACK_PATHS[options.path];
  if (!kind)
    return {
      status: 404,
      body: { ResultCode: 1, ResultDesc: "Unknown callback" },
      inboxId: null,
      kind: null,
    };
  const received = await receiveCallback(db, { ...options, kind });
  if (!received.accepted)
    return { status: 403, body: { ResultCode: 1, ResultDesc: "Forbidden" }, inboxId: null, kind };
  if (kind !== "c2b_validation") return { status: 200, body: received.ack, inboxId: received.inboxId, kind };
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
  return { status: 200, body: answer, inboxId: received.inboxId, kind };
}
