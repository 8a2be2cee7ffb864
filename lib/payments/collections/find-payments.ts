import { z } from "zod";
import type { Prisma } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import { isUuid } from "../../validation/id";
import { PAYMENT_RESOURCE_FIELDS, type PaymentResourceSource } from "./payment-resource";

export const paymentListQuerySchema = z.object({
  status: z
    .enum(["pending", "paid", "failed", "cancelled", "timed_out", "needs_review", "reversed"])
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});

/** The position a `nextCursor` names; shared by every (createdAt, id) keyset list. */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso = "", id = ""] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime()) || !isUuid(id)) {
    throw new AppError("bad_request", "The cursor is not valid: use nextCursor from the previous page.", {
      field: "cursor",
    });
  }
  return { createdAt, id };
}

export function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString("base64url");
}

/**
 * Rows strictly after `position` in newest-first (createdAt, id) order: the keyset condition.
 * Untyped by model, so any model keyed on (createdAt, id) can use it as a `where`.
 */
export function olderThan(position: { createdAt: Date; id: string }) {
  return {
    // Implied by the OR, but an OR is no index range: this bound starts the scan at the cursor
    // instead of reading (and discarding) every newer row, so a deep page costs what page 1 does.
    createdAt: { lte: position.createdAt },
    OR: [
      { createdAt: { lt: position.createdAt } },
      { createdAt: position.createdAt, id: { lt: position.id } },
    ],
  };
}

/**
 * Newest first, keyset-paginated on (createdAt, id): page N costs the same as page 1. Reads the
 * columns a payment resource shows (PAYMENT_RESOURCE_FIELDS), not whole rows.
 */
export async function findPayments(
  db: DbClient,
  options: { merchantId: string; where?: Prisma.PaymentWhereInput } & z.infer<typeof paymentListQuerySchema>,
): Promise<{ data: PaymentResourceSource[]; nextCursor: string | null }> {
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const rows = await db.payment.findMany({
    where: {
      ...options.where,
      merchantId: options.merchantId,
      ...(options.status ? { status: options.status } : {}),
      ...(after ? { AND: [olderThan(after)] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: options.limit + 1,
    select: PAYMENT_RESOURCE_FIELDS,
  });
  const data = rows.slice(0, options.limit);
  const last = data[data.length - 1];
  const nextCursor = rows.length > options.limit && last ? encodeCursor(last) : null;
  return { data, nextCursor };
}
