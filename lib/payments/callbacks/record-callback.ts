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

/** Whatever is known of a callback when it arrives: what recordCallback stores. */
export type CallbackArrival = Parameters<typeof inboxRowFor>[0];

// One statement for any number of callbacks: a column array each, so the text never changes.
const INSERT_CALLBACKS = `
  INSERT INTO callback_inbox (id, merchant_id, kind, body, body_escaped, source_ip, headers, external_id)
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::"CallbackKind"[], $4::text[], $5::boolean[], $6::text[], $7::jsonb[], $8::text[])
  RETURNING id::text`;

/**
 * Stores callback bodies exactly as received, before anything else looks at them, in one INSERT
 * (one commit) however many there are; returns their ids in the same order. PostgreSQL text
 * cannot hold NUL, so a body with NUL bytes is kept with each one written as the six characters
 * `\u0000` and `bodyEscaped` set: processing sends it to review, never to settlement. (Stored
 * unescaped it would fail like an unavailable database, and be spooled and retried forever.)
 * A plain INSERT rather than Prisma's `create`, because this is on the acknowledgement's path:
 * measured, `create` cost about three times the CPU of the same INSERT issued raw through Prisma,
 * and that about three times the CPU of the INSERT issued through pg, which the callback endpoint
 * uses (group-callback-writes.ts).
 */
export async function recordCallbacks(
  db: DbClient | SqlClient,
  inputs: readonly CallbackArrival[],
): Promise<{ id: string }[]> {
  if (inputs.length === 0) return [];
  const columns: unknown[][] = [[], [], [], [], [], [], [], []];
  const ids: { id: string }[] = [];
  for (const input of inputs) {
    const row = inboxRowFor(input);
    const id = uuidV7();
    ids.push({ id });
    const values = [
      id,
      row.merchantId,
      row.kind,
      row.body,
      row.bodyEscaped,
      row.sourceIp,
      JSON.stringify(row.headers),
      row.externalId,
    ];
    values.forEach((value, i) => {
      columns[i]?.push(value);
    });
  }
  const rows =
    "$queryRawUnsafe" in db
      ? await db.$queryRawUnsafe<unknown[]>(INSERT_CALLBACKS, ...columns)
      : (await db.query(INSERT_CALLBACKS, columns)).rows;
  if (rows.length !== inputs.length) throw new Error("the callbacks were not stored");
  return ids;
}

/** Stores one callback as received (recordCallbacks). */
export async function recordCallback(
  db: DbClient | SqlClient,
  input: CallbackArrival,
): Promise<{ id: string }> {
  const [stored] = await recordCallbacks(db, [input]);
  if (!stored) throw new Error("the callback was not stored");
  return stored;
}
