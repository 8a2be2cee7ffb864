import type { CallbackInbox, CallbackKind } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";

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

/**
 * Stores a callback body exactly as received, before anything else looks at it. PostgreSQL text
 * cannot hold NUL, so a body with NUL bytes is kept with each one written as the six characters
 * `\u0000` and `bodyEscaped` set: processing sends it to review, never to settlement. (Stored
 * unescaped it would fail like an unavailable database, and be spooled and retried forever.)
 */
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
  const bodyEscaped = input.body.includes("\u0000");
  const body = bodyEscaped ? input.body.replaceAll("\u0000", "\\u0000") : input.body;
  const externalId = externalIdOf(input.kind, body);
  return db.callbackInbox.create({
    data: {
      merchantId: input.merchantId,
      kind: input.kind,
      body,
      bodyEscaped,
      sourceIp: input.sourceIp,
      headers: input.headers,
      // A JSON-escaped NUL (`\u0000` in the text) decodes to one: such an id is not kept.
      externalId: externalId?.includes("\u0000") ? null : externalId,
    },
  });
}
