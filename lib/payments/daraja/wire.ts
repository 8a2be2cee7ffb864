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
