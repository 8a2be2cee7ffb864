// One row of an M-Pesa statement's table → one M-Pesa record line, checked with zod.
import { z } from "zod";
import type { MpesaRecordLine } from "../record-mpesa-records";
import { cellText, parseAmountCents, parseStatementTime, type StatementCell } from "./statement-cells";
import type { ColumnMap, StatementColumn } from "./statement-header";

/** M-Pesa receipts are 10 letters and digits today; older and partner ones differ a little. */
const RECEIPT = /^[A-Z0-9]{6,20}$/;
const MAX_TEXT = 300;

const optionalText = z
  .string()
  .transform((text) => (text === "" ? null : text.slice(0, MAX_TEXT)))
  .nullable();
const cell = z.custom<StatementCell>(() => true);

/** A row's cells by meaning, as read from the file (before any checking). */
const statementRowSchema = z
  .object({
    receipt: z
      .string()
      .transform((r) => r.toUpperCase())
      .pipe(z.string().min(1, "no receipt").regex(RECEIPT, "the receipt is not an M-Pesa receipt")),
    completedAt: cell,
    paidIn: cell,
    withdrawn: cell,
    amount: cell,
    balance: cell,
    status: optionalText,
    details: optionalText,
    reasonType: optionalText,
    otherParty: optionalText,
    accountReference: optionalText,
    linkedReceipt: z
      .string()
      .transform((r) => r.toUpperCase())
      .refine((r) => r === "" || RECEIPT.test(r), "the linked transaction is not an M-Pesa receipt")
      .transform((r) => r || null),
    currency: z
      .string()
      .refine((c) => c === "" || /^(KES|KSH|KSHS)$/i.test(c), "only KES statements are imported"),
  })
  .transform((row, ctx): MpesaRecordLine => {
    const time = parseStatementTime(row.completedAt);
    if (!time)
      ctx.addIssue({ code: "custom", path: ["completedAt"], message: "the completion time is not a date" });
    let unreadable = false;
    const money = (column: "paidIn" | "withdrawn" | "amount" | "balance", label: string) => {
      const value = parseAmountCents(row[column]);
      if (value === undefined) {
        unreadable = true;
        ctx.addIssue({ code: "custom", path: [column], message: `${label} is not an amount` });
      }
      return value ?? null;
    };
    const paidIn = money("paidIn", "Paid In");
    // Withdrawn is negative in current exports and positive in older ones: its column says "out".
    const withdrawn = money("withdrawn", "Withdrawn");
    const amount = money("amount", "Amount");
    const balanceCents = money("balance", "Balance");
    let signed: bigint | null = null;
    if (paidIn && withdrawn) {
      ctx.addIssue({ code: "custom", path: ["paidIn"], message: "both Paid In and Withdrawn are filled in" });
    } else if (paidIn) signed = paidIn;
    else if (withdrawn) signed = withdrawn < 0n ? withdrawn : -withdrawn;
    else if (amount) signed = amount;
    else if (!unreadable)
      ctx.addIssue({
        code: "custom",
        path: ["paidIn"],
        message: "no amount (Paid In and Withdrawn are empty or 0)",
      });
    if (!time || signed === null) return z.NEVER;
    return {
      receipt: row.receipt,
      // The fee M-Pesa takes on a payout or transfer is a line of its own on the same receipt.
      entry: /charge/i.test(row.reasonType ?? row.details ?? "") ? "charge" : "principal",
      direction: signed > 0n ? "in" : "out",
      amountCents: signed > 0n ? signed : -signed,
      balanceCents,
      completedAt: time.instant,
      otherParty: row.otherParty,
      accountReference: row.accountReference,
      details: row.details,
      transactionType: row.reasonType,
      transactionStatus: row.status,
      linkedReceipt: row.linkedReceipt,
    };
  });

/** Columns read as text; the rest (time and amounts) keep the cell as the reader gave it. */
const TEXT_COLUMNS: StatementColumn[] = [
  "receipt",
  "status",
  "details",
  "reasonType",
  "otherParty",
  "accountReference",
  "linkedReceipt",
  "currency",
];
const VALUE_COLUMNS: StatementColumn[] = ["completedAt", "paidIn", "withdrawn", "amount", "balance"];
const LABELS: Partial<Record<string, string>> = {
  receipt: "Receipt No.",
  completedAt: "Completion Time",
  paidIn: "Paid In",
  withdrawn: "Withdrawn",
  amount: "Amount",
  balance: "Balance",
  linkedReceipt: "Linked Transaction ID",
  currency: "Currency",
};

export type StatementRowResult =
  | { kind: "line"; line: MpesaRecordLine }
  /** A row that is not a transaction: blank, a repeated header, a total, or not completed. */
  | { kind: "skipped"; reason: "blank" | "not_completed" }
  | { kind: "refused"; receipt?: string; reason: string };

/**
 * Reads one table row. Rows without a receipt or a completion time (blank lines, totals, page
 * footers) are skipped; rows whose status is not Completed (Failed, Cancelled, Declined…) moved no
 * money and are skipped too; anything else that does not check out is refused with the reason.
 */
export function readStatementLine(cells: StatementCell[], columns: ColumnMap): StatementRowResult {
  const raw: Record<string, StatementCell> = {};
  const at = (column: StatementColumn) => {
    const index = columns[column];
    return index === undefined ? undefined : cells[index];
  };
  for (const column of TEXT_COLUMNS) raw[column] = cellText(at(column));
  for (const column of VALUE_COLUMNS) {
    const value = at(column);
    raw[column] = typeof value === "string" ? value.trim() : value;
  }
  const receipt = raw.receipt as string;
  const completed = raw.completedAt;
  if (receipt === "" && (completed === "" || completed === undefined || completed === null))
    return { kind: "skipped", reason: "blank" };
  const status = raw.status as string;
  if (status !== "" && !/^completed?$/i.test(status)) return { kind: "skipped", reason: "not_completed" };
  const parsed = statementRowSchema.safeParse(raw);
  if (parsed.success) return { kind: "line", line: parsed.data };
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? "");
  const label = LABELS[field];
  const message = issue?.message ?? "not a statement line";
  return {
    kind: "refused",
    ...(RECEIPT.test(receipt.toUpperCase()) ? { receipt: receipt.toUpperCase() } : {}),
    reason: label && !message.includes(label) ? `${label}: ${message}` : message,
  };
}
