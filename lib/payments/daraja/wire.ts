// zod schemas for what Daraja answers synchronously. Codes arrive as numbers or strings
// (docs/daraja.md §18): every code is normalised to a string, compare with "0".
import { z } from "zod";

export const codeSchema = z.union([z.string(), z.number()]).transform((v) => String(v).trim());

export const errorEnvelopeSchema = z.object({
  requestId: z.string().optional(),
  errorCode: z.string(),
  errorMessage: z.string().optional(),
});

export const oauthResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.union([z.string(), z.number()]).transform(Number).pipe(z.number().positive()),
});

export const stkPushResponseSchema = z.object({
  MerchantRequestID: z.string(),
  CheckoutRequestID: z.string(),
  ResponseCode: codeSchema,
  ResponseDescription: z.string().optional(),
  CustomerMessage: z.string().optional(),
});

export const stkQueryResponseSchema = z.object({
  ResponseCode: codeSchema,
  ResponseDescription: z.string().optional(),
  MerchantRequestID: z.string().optional(),
  CheckoutRequestID: z.string().optional(),
  ResultCode: codeSchema,
  ResultDesc: z.string().optional(),
});

/** B2C/B2B/status/balance/reversal/C2B acknowledgements. Safaricom spells it "Coversation" on C2B. */
export const acceptedResponseSchema = z
  .object({
    OriginatorConversationID: z.string().optional(),
    OriginatorCoversationID: z.string().optional(),
    ConversationID: z.string().optional(),
    ResponseCode: codeSchema.optional(),
    ResponseDescription: z.string().optional(),
  })
  .transform((r) => ({
    originatorConversationId: r.OriginatorConversationID ?? r.OriginatorCoversationID ?? null,
    conversationId: r.ConversationID ?? null,
    responseCode: r.ResponseCode ?? "0",
    description: r.ResponseDescription ?? "",
  }));

export type AcceptedResponse = z.infer<typeof acceptedResponseSchema>;

// ---- Pull Transactions (docs/daraja.md, "Pull Transactions") --------------------------------

/** Register answers ResponseStatus 1000 (registered) or 1001 (already registered); some send ResponseCode. */
export const pullRegisterResponseSchema = z
  .object({
    ResponseRefID: z.string().optional(),
    ResponseStatus: codeSchema.optional(),
    ResponseCode: codeSchema.optional(),
    ResponseDescription: z.string().optional(),
    ResponseMessage: z.string().optional(),
  })
  .transform((r) => ({
    refId: r.ResponseRefID ?? null,
    code: r.ResponseStatus ?? r.ResponseCode ?? "",
    description: r.ResponseDescription ?? r.ResponseMessage ?? "",
  }));

/** Whole shillings with up to two decimals, as text or a number ("2697.0", 100, "1,250.50") → cents. */
export const pullAmountSchema = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).replace(/,/g, "").trim())
  .pipe(z.string().regex(/^\d+(\.\d{1,2})?$/, "not an amount"))
  .transform((v) => {
    const [whole = "0", fraction = ""] = v.split(".");
    return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
  });

/**
 * A transaction time: ISO with an offset (`2025-01-24T10:56:11+03:00`), or Nairobi wall time as
 * `YYYY-MM-DD HH:mm:ss` or `YYYYMMDDHHmmss`.
 */
export const pullDateSchema = z.string().transform((v, ctx) => {
  const text = v.trim();
  const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  const iso = compact
    ? `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}+03:00`
    : /[zZ]|[+-]\d{2}:?\d{2}$/.test(text)
      ? text.replace(" ", "T")
      : `${text.replace(" ", "T")}+03:00`;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: "custom", message: `not a date (${text})` });
    return z.NEVER;
  }
  return date;
});

const pullRowSchema = z.object({
  transactionId: z.string().min(1),
  trxDate: pullDateSchema,
  msisdn: z.union([z.string(), z.number()]).nullish(),
  sender: z.string().nullish(),
  transactiontype: z.string().nullish(),
  billreference: z.string().nullish(),
  amount: pullAmountSchema,
  organizationname: z.string().nullish(),
});

/** `Response` is a list of pages of rows (`[[{…}]]`), sometimes flat, and "[[]]" as text when empty. */
const pullRowsSchema = z.preprocess(
  (v) => {
    if (typeof v === "string") {
      try {
        return JSON.parse(v);
      } catch {
        return [];
      }
    }
    return v ?? [];
  },
  z.array(z.union([z.array(pullRowSchema), pullRowSchema])).transform((rows) => rows.flat()),
);

export const pullQueryResponseSchema = z.object({
  ResponseRefID: z.string().optional(),
  ResponseCode: codeSchema,
  ResponseMessage: z.string().optional(),
  Response: pullRowsSchema,
});
