// One payout as a person or an integration describes it (API body, batch row, dashboard form,
// CSV line), checked field by field so a batch can list every bad row with the field named.
import { z } from "zod";
import type { PayoutCommand, PayoutKind } from "../../../prisma/generated/prisma/enums";
import type { FieldError } from "../../errors";
import { formatKes } from "../../format";
import { text } from "../../validation/text";
import { validateAmount } from "../money";
import { normalizeKenyanPhone } from "../phone";

/**
 * The smallest payout, whole KES. M-Pesa's B2C tariff starts at KES 10 (below it Daraja answers
 * with a limit rule, result 2); one floor for B2B too keeps the rule simple.
 */
export const MIN_PAYOUT_KES = 10;

export const B2C_COMMANDS = ["BusinessPayment", "SalaryPayment", "PromotionPayment"] as const;
export const B2B_COMMANDS = ["BusinessPayBill", "BusinessBuyGoods"] as const;
const COMMANDS = [...B2C_COMMANDS, ...B2B_COMMANDS] as const;

/** What a caller sends for one payout; every value is unchecked. */
export interface PayoutFields {
  /** b2c or b2b; inferred from the command when absent. */
  kind?: unknown;
  command?: unknown;
  /** Whole KES (a number, or digits from a CSV). */
  amount?: unknown;
  /** B2C: a Kenyan mobile number. */
  phone?: unknown;
  /** B2B: the paybill or till (5-7 digits). */
  shortcode?: unknown;
  /** B2B paybill: the account at the paybill. */
  accountReference?: unknown;
  remarks?: unknown;
  occasion?: unknown;
}

/** The keys a payout may have, for entry points to keep only these from a body (values unchecked). */
export const payoutFieldsSchema = z.object(
  {
    kind: z.unknown().optional(),
    command: z.unknown().optional(),
    amount: z.unknown().optional(),
    phone: z.unknown().optional(),
    shortcode: z.unknown().optional(),
    accountReference: z.unknown().optional(),
    remarks: z.unknown().optional(),
    occasion: z.unknown().optional(),
  },
  { error: "The body must be a JSON object describing the payout." },
);

/** A payout ready to store: `phone` is the normalised MSISDN (2547…), never shown as is. */
export interface PayoutDraft {
  kind: PayoutKind;
  command: PayoutCommand;
  /** Whole KES. */
  amount: number;
  phone: string | null;
  shortcode: string | null;
  accountReference: string | null;
  remarks: string;
  occasion: string | null;
}

export type PayoutCheck = { ok: true; draft: PayoutDraft } | { ok: false; errors: FieldError[] };

const commandSchema = z.enum(COMMANDS, {
  error: `Use one of ${COMMANDS.join(", ")}.`,
});
const remarksSchema = text({ error: "Remarks are required (2-100 characters)." })
  .trim()
  .min(2, "Remarks must be 2-100 characters.")
  .max(100, "Remarks must be 2-100 characters.");
const occasionSchema = text({ error: "Occasion must be text." })
  .trim()
  .max(100, "Occasion must be at most 100 characters.");
// Daraja's AccountReference is at most 12 characters (docs/daraja.md §16): refused, never cut.
const accountReferenceSchema = text({ error: "The account reference must be text." })
  .trim()
  .min(1, "Paying a paybill needs the account reference (1-12 characters).")
  .max(12, "The account reference must be at most 12 characters.");
const shortcodeSchema = z
  .union([z.string(), z.number()], { error: "Enter the paybill or till number (5-7 digits)." })
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^\d{5,7}$/, "A paybill or till number is 5-7 digits."));

const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

/**
 * Checks one payout against M-Pesa's rules and the merchant's per-payout maximum (`maxAmount`,
 * the smaller of the policy's and the platform's). Returns every refused field, not just the first.
 */
export function checkPayoutFields(row: unknown, limits: { maxAmount: number }): PayoutCheck {
  if (!row || typeof row !== "object" || Array.isArray(row))
    return { ok: false, errors: [{ field: "payout", message: "Each payout must be a JSON object." }] };
  const fields = row as PayoutFields;
  const errors: FieldError[] = [];
  const refuse = (field: string, message: string) => errors.push({ field, message });
  const take = <T>(field: string, schema: z.ZodType<T>, value: unknown): T | null => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    refuse(field, parsed.error.issues[0]?.message ?? `Check ${field}.`);
    return null;
  };

  const command = take("command", commandSchema, fields.command);
  const kind: PayoutKind | null = command
    ? (B2C_COMMANDS as readonly string[]).includes(command)
      ? "b2c"
      : "b2b"
    : null;
  if (!blank(fields.kind) && kind && fields.kind !== kind)
    refuse("kind", `${command} is a ${kind.toUpperCase()} command: send kind "${kind}" or leave it out.`);

  let amount: number | null = null;
  const checked = validateAmount(fields.amount, limits.maxAmount);
  if (!checked.ok) {
    refuse(
      "amount",
      checked.message.startsWith("The largest")
        ? `The largest payout allowed is ${formatKes(limits.maxAmount)}.`
        : checked.message.startsWith("The smallest")
          ? `The smallest payout is ${formatKes(MIN_PAYOUT_KES)}.`
          : checked.message,
    );
  } else if (checked.amount < MIN_PAYOUT_KES) {
    refuse("amount", `The smallest payout is ${formatKes(MIN_PAYOUT_KES)}.`);
  } else amount = checked.amount;

  let phone: string | null = null;
  let shortcode: string | null = null;
  let accountReference: string | null = null;
  if (kind === "b2c") {
    if (typeof fields.phone !== "string" && typeof fields.phone !== "number") {
      refuse("phone", "Enter the recipient's phone number.");
    } else {
      const normalised = normalizeKenyanPhone(String(fields.phone));
      if (normalised.ok) phone = normalised.msisdn;
      else refuse("phone", normalised.message);
    }
    if (!blank(fields.shortcode)) refuse("shortcode", "A payout to a phone has no shortcode.");
    if (!blank(fields.accountReference))
      refuse("accountReference", "A payout to a phone has no account reference.");
  } else if (kind === "b2b") {
    shortcode = take("shortcode", shortcodeSchema, fields.shortcode);
    if (command === "BusinessPayBill" || !blank(fields.accountReference))
      accountReference = take("accountReference", accountReferenceSchema, fields.accountReference ?? "");
    if (!blank(fields.phone)) refuse("phone", "A payout to a business has no phone number: use shortcode.");
  }

  const remarks = take("remarks", remarksSchema, fields.remarks);
  const occasion = blank(fields.occasion) ? "" : take("occasion", occasionSchema, fields.occasion);

  if (errors.length > 0 || !command || !kind || amount === null || remarks === null || occasion === null)
    return { ok: false, errors };
  return {
    ok: true,
    draft: { kind, command, amount, phone, shortcode, accountReference, remarks, occasion: occasion || null },
  };
}
