// Everything the simulator remembers. Money is kept in cents so balances behave exactly.
import { z } from "zod";

export type Api = "stk" | "b2c" | "b2b" | "reversal" | "status" | "balance";

export interface Org {
  shortcode: string;
  utilityCents: number;
  workingCents: number;
  chargesCents: number;
  c2b?: {
    validationUrl: string;
    confirmationUrl: string;
    responseType: "Completed" | "Cancelled";
    version: "v1" | "v2";
  };
}

export interface Phone {
  msisdn: string;
  balanceCents: number;
  pin: string;
  name: string;
  /** False for a number not registered on M-Pesa: B2C still pays it (result flag "N"). */
  registered: boolean;
}

export interface Prompt {
  checkoutRequestId: string;
  merchantRequestId: string;
  msisdn: string;
  amount: number;
  shortcode: string;
  partyB: string;
  accountReference: string;
  description: string;
  callbackUrl: string;
  createdAt: Date;
  state: "waiting" | "done";
  resultCode?: string;
  resultDesc?: string;
  receipt?: string;
  /** Set when Daraja accepts the push but will fail it (wrong PartyB): the callback's code. */
  failWith?: string;
  /** What a developer should know about this request (e.g. a UTC timestamp). */
  warnings?: string[];
}

export interface Transaction {
  receipt: string;
  kind: "stk" | "c2b" | "b2c" | "b2b" | "reversal";
  amount: number;
  shortcode: string;
  msisdn?: string;
  /** B2B: the shortcode that received the money (`shortcode` paid it). STK Buy Goods: the till. */
  receiver?: string;
  originatorConversationId?: string;
  conversationId?: string;
  reference?: string;
  status: "Completed" | "Reversed";
  /** Whole KES sent back by the one reversal a transaction allows (it may be partial). */
  reversedAmount?: number;
  /** When the request came in; Transaction Status reports it as InitiatedTime. */
  initiatedAt: Date;
  completedAt: Date;
}

export const outcomeRuleSchema = z.object({
  api: z.enum(["stk", "b2c", "b2b", "reversal", "status", "balance"]).optional(),
  phone: z.string().optional(),
  amount: z.number().int().optional(),
  resultCode: z.union([z.string(), z.number()]).transform(String),
  /** How long the "customer" takes, in ms. */
  delayMs: z.number().int().min(0).max(600_000).optional(),
  /** Applies to this many requests, then disappears (default: until cleared). */
  times: z.number().int().min(1).optional(),
});
export type OutcomeRule = z.infer<typeof outcomeRuleSchema>;

export const faultsSchema = z.object({
  /** Deliver each callback this many extra times. */
  duplicates: z.number().int().min(0).max(50).optional(),
  /** Send the duplicates all at once instead of one after another. */
  concurrent: z.boolean().optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
  drop: z.boolean().optional(),
  /** Drop this share (0-1) of callbacks, picked at random, instead of all of them. */
  dropShare: z.number().min(0).max(1).optional(),
  /** Hold a callback until the next one is sent, then send it (flushed after 2 s at most). */
  outOfOrder: z.boolean().optional(),
  /** Report this amount in the callback instead of the real one. */
  amount: z.number().int().optional(),
  /** Deliver the STK callback before answering the STK Push request itself. */
  beforeResponse: z.boolean().optional(),
  /** Answer this many API calls with a spike-arrest error (500.003.02). */
  throttle: z.number().int().min(0).optional(),
  /**
   * Send queue-timeout notices instead of results (B2C, B2B, status, balance, reversal):
   * `true` or "processed" = timed out after the request was carried out (money moved);
   * "not_processed" = timed out before it was (nothing happened, Transaction Status finds nothing).
   */
  queueTimeout: z.union([z.boolean(), z.enum(["processed", "not_processed"])]).optional(),
  /** B2C only: this share (0-1) of Results, picked at random, is carried out but never delivered. */
  b2cResultLoss: z.number().min(0).max(1).optional(),
  /**
   * B2C only: this share (0-1) of Results, picked at random (apart from the lost ones), becomes a
   * queue-timeout notice after the payment was carried out: only Transaction Status can tell.
   */
  b2cResultTimeout: z.number().min(0).max(1).optional(),
  /** Faults apply to this many callbacks, then clear (default: until cleared). */
  times: z.number().int().min(1).optional(),
});
export type Faults = z.infer<typeof faultsSchema>;

/** Something a developer should fix although Daraja accepted it (listed in /sim/state). */
export interface Warning {
  at: Date;
  api: string;
  /** The request it concerns: a CheckoutRequestID, a receipt or an OriginatorConversationID. */
  ref?: string;
  message: string;
}

export interface Delivery {
  id: number;
  kind: string;
  url: string;
  status: number | null;
  error: string | null;
  at: Date;
  body: unknown;
}

export interface SimulatorSettings {
  consumerKey?: string;
  consumerSecret?: string;
  /** STK shortcodes and their passkeys. */
  stkShortcodes: Record<string, string>;
  /** Buy Goods: the till registered under each STK shortcode (store or head-office number). */
  stkTills: Record<string, string>;
  initiatorName: string;
  initiatorPassword: string;
  tokenTtlSeconds: number;
  /** An unanswered prompt times out (1037) after this long. */
  promptTimeoutMs: number;
  /**
   * How long C2B waits for the validation answer before the registered ResponseType applies
   * (about 8 s at M-Pesa, docs/daraja.md §7.3).
   */
  c2bValidationWindowMs: number;
  /** Default delay before an automatic outcome (magic phone or rule) is delivered. */
  autoAnswerMs: number;
  defaultPhoneBalanceCents: number;
  defaultOrgUtilityCents: number;
  /** Largest amount per transaction, whole KES (docs/daraja.md §16): STK, B2C and B2B. */
  maxAmountKes: number;
  /** Smallest B2C payment, whole KES (docs/daraja.md §9): below it the Result is 2. */
  b2cMinAmountKes: number;
}

export function createState() {
  return {
    orgs: new Map<string, Org>(),
    phones: new Map<string, Phone>(),
    prompts: new Map<string, Prompt>(),
    transactions: new Map<string, Transaction>(),
    tokens: new Map<string, number>(),
    originatorIds: new Set<string>(),
    /** B2C requests received per OriginatorConversationID, refused duplicates included. */
    b2cRequests: new Map<string, number>(),
    rules: [] as OutcomeRule[],
    faults: {} as Faults,
    faultUses: 0,
    deliveries: [] as Delivery[],
    warnings: [] as Warning[],
    stats: { oauthCalls: 0, apiCalls: 0 },
  };
}

export type SimState = ReturnType<typeof createState>;
