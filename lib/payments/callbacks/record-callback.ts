import type { CallbackInbox, CallbackKind } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { uuidV7 } from "../../ids";

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

/** What a callback is stored as: the row's fields, NUL bytes escaped (see recordCallback). */
export function inboxRowFor(input: {
  merchantId: string | null;
  kind: CallbackKind;
  body: string;
  sourceIp: string | null;
  headers: Record<string, string>;
}) {
  const bodyEscaped = input.body.includes("\u0000");
  const body = bodyEscaped ? input.body.replaceAll("\u0000", "\\u0000") : input.body;
  const found = externalIdOf(input.kind, body);
  return {
    merchantId: input.merchantId,
    kind: input.kind,
    body,
    bodyEscaped,
    sourceIp: input.sourceIp,
    headers: input.headers,
    // A JSON-escaped NUL (`\u0000` in the text) decodes to one: such an id is not kept.
    externalId: found?.includes("\u0000") ? null : found,
  };
}

/**
 * Stores a callback body exactly as received, before anything else looks at it. PostgreSQL text
 * cannot hold NUL, so a body with NUL bytes is kept with each one written as the six characters
 * `\u0000` and `bodyEscaped` set: processing sends it to review, never to settlement. (Stored
 * unescaped it would fail like an unavailable database, and be spooled and retried forever.)
 * One plain INSERT rather than Prisma's `create`, because this is on the acknowledgement's path:
 * measured, `create` cost about three times the CPU of the same INSERT issued raw.
 */
export async function recordCallback(
  db: DbClient,
  input: Parameters<typeof inboxRowFor>[0],
): Promise<CallbackInbox> {
  const row = inboxRowFor(input);
  const [stored] = await db.$queryRaw<CallbackInbox[]>`
    INSERT INTO callback_inbox (id, merchant_id, kind, body, body_escaped, source_ip, headers, external_id)
    VALUES (${uuidV7()}::uuid, ${row.merchantId}::uuid, ${row.kind}::"CallbackKind", ${row.body},
            ${row.bodyEscaped}, ${row.sourceIp}, ${JSON.stringify(row.headers)}::jsonb, ${row.externalId})
    RETURNING id, merchant_id AS "merchantId", kind, body, source_ip AS "sourceIp", headers,
              external_id AS "externalId", state, attempts, last_error AS "lastError",
              received_at AS "receivedAt", processed_at AS "processedAt", body_escaped AS "bodyEscaped"`;
  if (!stored) throw new Error("the callback was not stored");
  return stored;
}
