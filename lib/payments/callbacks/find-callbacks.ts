import type { DbClient } from "../../db-types";
import { maskPhonesInText } from "../../redact";

/**
 * What the Callbacks page lists: the latest inbound callbacks, raw body included, and the latest
 * calls to Daraja. Every phone number in them is masked, inside ids too (a CheckoutRequestID
 * carries the payer's number), whatever the role: a full number is shown only through the
 * audited reveal on the payment's page. The stored body stays exact.
 */
export async function findCallbacks(db: DbClient, options: { merchantId: string }) {
  const maskOrNull = (text: string | null) => (text === null ? null : maskPhonesInText(text));
  const [inbox, calls] = await Promise.all([
    db.callbackInbox.findMany({
      where: { merchantId: options.merchantId },
      orderBy: { receivedAt: "desc" },
      take: 50,
      select: {
        id: true,
        kind: true,
        state: true,
        receivedAt: true,
        sourceIp: true,
        attempts: true,
        externalId: true,
        lastError: true,
        body: true,
        bodyEscaped: true,
      },
    }),
    db.darajaCall.findMany({
      where: { merchantId: options.merchantId },
      orderBy: { startedAt: "desc" },
      take: 20,
      select: {
        id: true,
        method: true,
        path: true,
        status: true,
        latencyMs: true,
        startedAt: true,
        externalId: true,
        error: true,
      },
    }),
  ]);
  return {
    inbox: inbox.map((entry) => ({
      ...entry,
      body: maskPhonesInText(entry.body),
      externalId: maskOrNull(entry.externalId),
      lastError: maskOrNull(entry.lastError),
    })),
    calls: calls.map((call) => ({
      ...call,
      externalId: maskOrNull(call.externalId),
      error: maskOrNull(call.error),
    })),
  };
}
