// Which Kenyan day a review item belongs to: the day of what it is about (the M-Pesa record line,
// the payment attempt, the payout or reversal's completion, the C2B money), else the day it was
// opened. A statement imported on the 5th that finds a difference on the 2nd is an open item of
// the 2nd, the day an accountant signs off.
import { Prisma } from "../../../prisma/generated/prisma/client";

/** FROM review_items r with what it points at; select REVIEW_ITEM_DAY from it. */
export const REVIEW_ITEM_SOURCES = Prisma.sql`
  review_items r
  LEFT JOIN mpesa_records m ON m.id = r.mpesa_record_id
  LEFT JOIN payments p ON p.id = r.payment_id
  LEFT JOIN payouts po ON po.id = r.payout_id
  LEFT JOIN reversals rv ON rv.id = r.reversal_id
  LEFT JOIN c2b_transactions c ON c.id = r.c2b_transaction_id`;

/**
 * The day as `YYYY-MM-DD` text. C2B money is placed by M-Pesa's own TransTime (Kenyan
 * `YYYYMMDDHHmmss`): one recovered from a statement days later was still paid on its day. Read as
 * text, so a malformed time never fails the query (it matches no day instead).
 */
export const REVIEW_ITEM_DAY = Prisma.sql`(CASE
  WHEN m.id IS NULL AND p.id IS NULL AND po.id IS NULL AND rv.id IS NULL AND c.trans_time ~ '^[0-9]{14}$'
    THEN substr(c.trans_time, 1, 4) || '-' || substr(c.trans_time, 5, 2) || '-' || substr(c.trans_time, 7, 2)
  ELSE to_char(coalesce(
    m.completed_at, p.created_at, po.completed_at, po.settled_at, po.created_at,
    rv.completed_at, rv.settled_at, rv.created_at, c.created_at, r.created_at
  ) AT TIME ZONE 'Africa/Nairobi', 'YYYY-MM-DD')
END)`;
