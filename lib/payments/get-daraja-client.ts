import type { DbClient } from "../db-types";
import { getMpesaCredentialOrThrow } from "../merchants/mpesa-credentials";
import { createDarajaClient, type DarajaClient } from "./daraja/client";
import { dbTokenStore } from "./daraja/db-token-store";
import type { DarajaCallRecord } from "./daraja/transport";
import type { PaymentsDeps } from "./deps";
import { reportDarajaCall } from "./observer";

/** Writes a Daraja call record; recording must never break the call it records. */
function recorder(db: DbClient, merchantId: string) {
  return async (call: DarajaCallRecord) => {
    reportDarajaCall(call);
    await db.darajaCall
      .create({
        data: {
          merchantId,
          method: call.method,
          path: call.path.split("?")[0] ?? call.path,
          status: call.status,
          latencyMs: call.latencyMs,
          externalId:
            call.ids.checkoutRequestId ??
            call.ids.originatorConversationId ??
            call.ids.conversationId ??
            null,
          requestBody: (call.requestBody ?? {}) as object,
          responseBody: (call.responseBody ?? {}) as object,
          error: call.error,
          startedAt: call.startedAt,
        },
      })
      .catch(() => {});
  };
}

/**
 * A Daraja client for the merchant's current environment: its own credentials, tokens shared
 * through the database, every call recorded (redacted) in daraja_calls.
 */
export async function getDarajaClient(
  db: DbClient,
  deps: PaymentsDeps,
  options: { merchantId: string },
): Promise<DarajaClient> {
  const credential = await getMpesaCredentialOrThrow(db, deps.keyring, options.merchantId);
  return createDarajaClient(
    {
      environment: credential.environment,
      baseUrl: deps.darajaBaseUrl(credential.environment),
      consumerKey: credential.consumerKey,
      consumerSecret: credential.consumerSecret,
      stk: {
        shortcode: credential.stkShortcode,
        passkey: credential.passkey,
        tillNumber: credential.tillNumber ?? undefined,
      },
      shortcode: credential.shortcode,
      initiator: credential.initiator ?? undefined,
      c2bVersion: credential.c2bVersion,
      maxAmount: deps.maxAmount,
    },
    {
      tokenStore: dbTokenStore(db, deps.keyring),
      tokenKey: `${options.merchantId}:${credential.environment}`,
      fetch: deps.fetch,
      record: recorder(db, options.merchantId),
      now: deps.now,
    },
  );
}
