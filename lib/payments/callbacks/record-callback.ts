import type { CallbackKind } from "../../../prisma/generated/prisma/client";
import type { DbClient, SqlClient } from "../../db-types";
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

const INSERT_CALLBACK = `
  INSERT INTO callback_inbox (id, merchant_id, kind, body, body_escaped, source_ip, headers, external_id)
  VALUES ($1::uuid, $2::uuid, $3::"CallbackKind", $4, $5, $6, $7::jsonb, $8)
  RETURNING id::text`;

/**
 * Stores a callback body exactly as received, before anything else looks at it. PostgreSQL text
 * cannot hold NUL, so a body with NUL bytes is kept with each one written as the six characters
 * `\u0000` and `bodyEscaped` set: processing sends it to review, never to settlement. (Stored
 * unescaped it would fail like an unavailable database, and be spooled and retried forever.)
 * One plain INSERT rather than Prisma's `create`, because this is on the acknowledgement's path:
 * measured, `create` cost about three times the CPU of the same INSERT issued raw through Prisma,
 * and that about three times the CPU of the INSERT issued through pg, which the callback endpoint
 * passes as `db` (lib/http/mpesa-callback.ts).
 */
export async function recordCallback(
  db: DbClient | SqlClient,
  input: Parameters<typeof inboxRowFor>[0],
): Promise<{ id: string }> {
  const row = inboxRowFor(input);
  const values = [
    uuidV7(),
    row.merchantId,
    row.kind,
    row.body,
    row.bodyEscaped,
    row.sourceIp,
    JSON.stringify(row.headers),
    row.externalId,
  ];
  const rows =
    "$queryRawUnsafe" in db
      ? await db.$queryRawUnsafe<unknown[]>(INSERT_CALLBACK, ...values)
      : (await db.query(INSERT_CALLBACK, values)).rows;
  const [stored] = rows as { id: string }[];
  if (!stored) throw new Error("the callback was not stored");
  return stored;
}
