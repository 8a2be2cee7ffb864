// zod schemas for everything Daraja POSTs to us: STK callbacks, C2B validation/confirmation,
// and the `Result` envelope of B2C, B2B, transaction status, balance, reversal and queue
// timeouts. They accept the variations seen in the field (docs/daraja.md §18, fixtures in
// tests/fixtures/daraja) and never throw: a bad body comes back as a typed failure to store.
import { z } from "zod";
import { codeSchema } from "./wire";

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

type Scalar = string | number | null;

function safe<T>(fn: () => Parsed<T>): Parsed<T> {
  try {
    return fn();
  } catch (error) {
    return { ok: false, error: `unparseable body: ${(error as Error).message}` };
  }
}

function fail(error: z.ZodError): { ok: false; error: string } {
  return {
    ok: false,
    error: error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "),
  };
}

/** `[{Name|Key, Value?}]` (or a single object, or a bare array) → map; keys lose their spaces. */
function keyValues(input: unknown): Record<string, Scalar> {
  const list = Array.isArray(input) ? input : input && typeof input === "object" ? [input] : [];
  const out: Record<string, Scalar> = {};
  for (const item of list) {
    if (!item || typeof item !== "object") continue;
    const entry = item as Record<string, unknown>;
    const key = entry.Name ?? entry.Key;
    if (typeof key !== "string") continue;
    const value = entry.Value;
    out[key.replace(/\s+/g, "")] =
      typeof value === "string" || typeof value === "number"
        ? value
        : value === undefined
          ? null
          : String(value);
  }
  return out;
}

// ---- STK Push callback ---------------------------------------------------------------------

export const stkCallbackSchema = z.object({
  Body: z.object({
    stkCallback: z.object({
      MerchantRequestID: z.string(),
      CheckoutRequestID: z.string().min(1),
      ResultCode: codeSchema,
      ResultDesc: z.string().default(""),
      CallbackMetadata: z.object({ Item: z.unknown() }).nullish(),
    }),
  }),
});

export interface StkCallback {
  merchantRequestId: string;
  checkoutRequestId: string;
  resultCode: string;
  resultDesc: string;
  /** Whole KES when present (success only). */
  amount: number | null;
  receipt: string | null;
  /** As sent: usually `YYYYMMDDHHmmss` in Kenyan time, sometimes formatted text. */
  transactionDate: string | null;
  /** The payer's MSISDN as M-Pesa reports it. */
  phone: string | null;
}

export function parseStkCallback(body: unknown): Parsed<StkCallback> {
  return safe(() => {
    const result = stkCallbackSchema.safeParse(body);
    if (!result.success) return fail(result.error);
    const cb = result.data.Body.stkCallback;
    const items = keyValues(cb.CallbackMetadata?.Item);
    const str = (v: Scalar | undefined) => (v === null || v === undefined || v === "" ? null : String(v));
    const amountValue = items.Amount;
    return {
      ok: true,
      value: {
        merchantRequestId: cb.MerchantRequestID,
        checkoutRequestId: cb.CheckoutRequestID,
        resultCode: cb.ResultCode,
        resultDesc: cb.ResultDesc,
        amount: amountValue === null || amountValue === undefined ? null : Number(amountValue),
        receipt: str(items.MpesaReceiptNumber),
        transactionDate: str(items.TransactionDate),
        phone: str(items.PhoneNumber),
      },
    };
  });
}

// ---- C2B validation and confirmation ---------------------------------------------------------

const text = z.union([z.string(), z.number()]).transform(String);

export const c2bNotificationSchema = z.object({
  TransactionType: z.string().default(""),
  TransID: z.string().min(1),
  TransTime: text.default(""),
  TransAmount: text,
  BusinessShortCode: text,
  BillRefNumber: text.nullish(),
  InvoiceNumber: text.nullish(),
  OrgAccountBalance: text.nullish(),
  ThirdPartyTransID: text.nullish(),
  MSISDN: text.nullish(),
  FirstName: z.string().nullish(),
  MiddleName: z.string().nullish(),
  LastName: z.string().nullish(),
});

/** C2B's MSISDN is plain in old payloads, masked (`2547 ***** 126`) or a SHA-256 hash today. */
export type C2bPayer =
  | { kind: "msisdn"; msisdn: string }
  | { kind: "masked"; masked: string }
  | { kind: "hashed"; hash: string }
  | { kind: "unknown"; raw: string | null };

export interface C2bNotification {
  transactionType: string;
  transId: string;
  /** `YYYYMMDDHHmmss` (or ISO text from some gateways), as sent. */
  transTime: string;
  /** Whole KES; null when the amount has cents, which M-Pesa should never send. */
  amount: number | null;
  amountRaw: string;
  shortcode: string;
  billRefNumber: string;
  invoiceNumber: string;
  orgAccountBalance: string;
  thirdPartyTransId: string;
  payer: C2bPayer;
  payerName: string;
}

export function classifyC2bMsisdn(raw: string | null | undefined): C2bPayer {
  const value = (raw ?? "").trim();
  if (/^254[17]\d{8}$/.test(value)) return { kind: "msisdn", msisdn: value };
  if (/^[a-f0-9]{64}$/i.test(value)) return { kind: "hashed", hash: value.toLowerCase() };
  if (/\*/.test(value)) return { kind: "masked", masked: value };
  return { kind: "unknown", raw: value || null };
}

export function parseC2bNotification(body: unknown): Parsed<C2bNotification> {
  return safe(() => {
    const result = c2bNotificationSchema.safeParse(body);
    if (!result.success) return fail(result.error);
    const c = result.data;
    const numeric = Number(c.TransAmount);
    if (!Number.isFinite(numeric) || numeric <= 0)
      return { ok: false, error: `TransAmount: not an amount (${c.TransAmount})` };
    return {
      ok: true,
      value: {
        transactionType: c.TransactionType,
        transId: c.TransID,
        transTime: c.TransTime,
        amount: Number.isInteger(numeric) ? numeric : null,
        amountRaw: c.TransAmount,
        shortcode: c.BusinessShortCode,
        billRefNumber: (c.BillRefNumber ?? "").trim(),
        invoiceNumber: c.InvoiceNumber ?? "",
        orgAccountBalance: c.OrgAccountBalance ?? "",
        thirdPartyTransId: c.ThirdPartyTransID ?? "",
        payer: classifyC2bMsisdn(c.MSISDN),
        payerName: [c.FirstName, c.MiddleName, c.LastName].filter(Boolean).join(" "),
      },
    };
  });
}

// ---- Result envelope (B2C, B2B, status, balance, reversal, queue timeout) -----------------

export const resultSchema = z.object({
  Result: z.object({
    ResultType: codeSchema.optional(),
    ResultCode: codeSchema,
    ResultDesc: z.string().default(""),
    OriginatorConversationID: z.string().optional(),
    OriginatorCoversationID: z.string().optional(),
    ConversationID: z.string().optional(),
    TransactionID: z.string().optional(),
    ResultParameters: z.unknown().optional(),
    ReferenceData: z.unknown().optional(),
  }),
});

export interface DarajaResult {
  /** 0 = completed; 1 = waiting for further messages (queue timeouts use 1 as well). */
  resultType: string | null;
  resultCode: string;
  resultDesc: string;
  originatorConversationId: string | null;
  conversationId: string | null;
  transactionId: string | null;
  /** Result parameters by key (spaces removed), values as sent; a key without value maps to null. */
  parameters: Record<string, Scalar>;
  reference: Record<string, Scalar>;
}

export function parseResult(body: unknown): Parsed<DarajaResult> {
  return safe(() => {
    const result = resultSchema.safeParse(body);
    if (!result.success) return fail(result.error);
    const r = result.data.Result;
    const params = r.ResultParameters;
    const paramList =
      params && typeof params === "object" && !Array.isArray(params) && "ResultParameter" in params
        ? (params as { ResultParameter: unknown }).ResultParameter
        : params;
    const ref = r.ReferenceData;
    const refList =
      ref && typeof ref === "object" && "ReferenceItem" in ref
        ? (ref as { ReferenceItem: unknown }).ReferenceItem
        : ref;
    return {
      ok: true,
      value: {
        resultType: r.ResultType ?? null,
        resultCode: r.ResultCode,
        resultDesc: r.ResultDesc,
        originatorConversationId: r.OriginatorConversationID ?? r.OriginatorCoversationID ?? null,
        conversationId: r.ConversationID ?? null,
        transactionId: r.TransactionID ?? null,
        parameters: keyValues(paramList),
        reference: keyValues(refList),
      },
    };
  });
}

// ---- Account balance string -----------------------------------------------------------------

export interface AccountBalance {
  name: string;
  currency: string;
  /** Amounts in cents: balances, unlike payments, carry cents. */
  currentCents: number;
  availableCents: number;
  reservedCents: number;
  unclearedCents: number;
}

function toCents(value: string | undefined): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?\d*$/.exec((value ?? "").trim());
  if (!match) return Number.NaN;
  const cents = Number(match[2]) * 100 + Number((match[3] ?? "0").padEnd(2, "0"));
  return match[1] === "-" ? -cents : cents;
}

/** `Working Account|KES|700000.00|700000.00|0.00|0.00&Utility Account|KES|…` → typed balances. */
export function parseAccountBalances(value: string): AccountBalance[] {
  return value
    .split("&")
    .map((part) => part.split("|"))
    .filter((f) => f.length >= 3 && f[0])
    .map(([name = "", currency = "", current, available, reserved, uncleared]) => ({
      name: name.trim(),
      currency: currency.trim(),
      currentCents: toCents(current),
      availableCents: toCents(available ?? current),
      reservedCents: toCents(reserved ?? "0"),
      unclearedCents: toCents(uncleared ?? "0"),
    }))
    .filter((b) => Number.isFinite(b.currentCents));
}
