import type { CallbackInbox, CallbackKind } from "../../prisma/generated/prisma/client";
import type { DbClient } from "../db-types";

/** Picks the id that ties a callback to our records, if the body is readable at all. */
function externalIdOf(kind: CallbackKind, raw: string): string | null {
  try {
    const body = JSON.parse(raw) as Record<string, unknown>;
    if (kind === "stk") {
      const cb = (body.Body as { stkCallback?: { CheckoutRequestID?: unknown } } | undefined)?.stkCallback;
      return typeof cb?.CheckoutRequestID === "string" ? cb.CheckoutRequestID : null;
    }
    if (kind === "c2b_validation" || kind === "c2b_confirmation")
      return typeof body.TransID === "string" ? body.TransID : null;
    const result = body.Result as Record<string, unknown> | undefined;
    const id = result?.OriginatorConversationID ?? result?.ConversationID;
    return typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

/** Stores a callback body exactly as received, before anything else looks at it. */
export function recordCallback(
  db: DbClient,
  input: {
    merchantId: string | null;
    kind: CallbackKind;
    body: string;
    sourceIp: string | null;
    headers: Record<string, string>;
  },
): Promise<CallbackInbox> {
  return db.callbackInbox.create({
    data: {
      merchantId: input.merchantId,
      kind: input.kind,
      body: input.body,
      sourceIp: input.sourceIp,
      headers: input.headers,
      externalId: externalIdOf(input.kind, input.body),
    },
  });
}
