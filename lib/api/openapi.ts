// The OpenAPI 3.1 document of the REST API, built from the zod schemas the routes parse with and
// the resource schemas their answers are checked against (lib/api/contracts/*), with zod's own
// JSON Schema output (draft 2020-12, the dialect of OpenAPI 3.1). Nothing here is written twice:
// a field added to a contract shows up in /api/v1/openapi.json and on /docs/api.
import { z } from "zod";
import { API_SCOPES, type ApiScope } from "../security/api-scopes";
import { EVENT_ID_HEADER, SIGNATURE_HEADER } from "../webhooks/webhook-signature";
import { checkoutSessionResourceSchema, createCheckoutSessionSchema } from "./contracts/checkout-sessions";
import {
  eventListQuerySchema,
  eventListSchema,
  eventResourceSchema,
  webhookPayloadSchema,
} from "./contracts/events";
import {
  createPaymentSchema,
  paymentListQuerySchema,
  paymentListSchema,
  paymentResourceSchema,
} from "./contracts/payments";
import { createPayoutBatchSchema, payoutBatchResourceSchema } from "./contracts/payout-batches";
import {
  createPayoutSchema,
  payoutListQuerySchema,
  payoutListSchema,
  payoutResourceSchema,
} from "./contracts/payouts";
import { pullWindowSchema, reconciliationPullSchema } from "./contracts/reconciliation";
import {
  createReversalSchema,
  reversalListQuerySchema,
  reversalListSchema,
  reversalResourceSchema,
} from "./contracts/reversals";
import { errorEnvelopeSchema, fieldErrorSchema } from "./contracts/shared";
import {
  createWebhookEndpointSchema,
  updateWebhookEndpointSchema,
  webhookEndpointListSchema,
  webhookEndpointResourceSchema,
  webhookEndpointWithSecretSchema,
} from "./contracts/webhook-endpoints";
import { webhookPayloadByType } from "./contracts/webhook-payloads";

type JsonSchema = Record<string, unknown>;
type Method = "get" | "post" | "put" | "patch" | "delete";

/** The component describing the body a webhook endpoint receives for one event type. */
export function webhookComponent(type: string): string {
  return `WebhookPayload.${type}`;
}

/** Request bodies, documented as clients send them (before defaults and coercion). */
const requestSchemas: Record<string, z.ZodType> = {
  CreatePayment: createPaymentSchema,
  CreateCheckoutSession: createCheckoutSessionSchema,
  CreatePayout: createPayoutSchema,
  CreatePayoutBatch: createPayoutBatchSchema,
  CreateReversal: createReversalSchema,
  ReconciliationPullWindow: pullWindowSchema,
  CreateWebhookEndpoint: createWebhookEndpointSchema,
  UpdateWebhookEndpoint: updateWebhookEndpointSchema,
};

/** Answers, documented as the API writes them. */
const responseSchemas: Record<string, z.ZodType> = {
  Payment: paymentResourceSchema,
  PaymentList: paymentListSchema,
  CheckoutSession: checkoutSessionResourceSchema,
  Payout: payoutResourceSchema,
  PayoutList: payoutListSchema,
  PayoutBatch: payoutBatchResourceSchema,
  Reversal: reversalResourceSchema,
  ReversalList: reversalListSchema,
  ReconciliationPull: reconciliationPullSchema,
  Event: eventResourceSchema,
  EventList: eventListSchema,
  WebhookEndpoint: webhookEndpointResourceSchema,
  WebhookEndpointWithSecret: webhookEndpointWithSecretSchema,
  WebhookEndpointList: webhookEndpointListSchema,
  WebhookPayload: webhookPayloadSchema,
  ...Object.fromEntries(
    Object.entries(webhookPayloadByType).map(([type, schema]) => [webhookComponent(type), schema]),
  ),
  Error: errorEnvelopeSchema,
  FieldError: fieldErrorSchema,
};

export interface ApiOperation {
  method: Method;
  /** OpenAPI path template: `/api/v1/payments/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** The query string's schema (an object), as the route parses it. */
  query?: z.ZodObject;
  /** A component name from `requestSchemas`, with an example request that must parse. */
  body?: { schema: keyof typeof requestSchemas & string; example: unknown; optional?: boolean };
  /** Success status and the component name answered (null: a document that is not a component). */
  success: { status: number; description: string; schema: string | null };
  /** Takes an Idempotency-Key header (the same key and body answer the first result). */
  idempotent?: boolean;
  /**
   * The API key scope the route declares (its `apiRoute(scope, …)`; tests/unit/openapi.test.ts
   * checks they agree); null: no API key needed (the document itself).
   */
  scope: ApiScope | null;
}

const ID = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };

/** Every operation of app/api/v1/**; tests/unit/openapi.test.ts checks this against the route files. */
export const API_OPERATIONS: ApiOperation[] = [
  {
    method: "post",
    path: "/api/v1/payments",
    scope: "payments:write",
    tag: "Payments",
    summary: "Prompt a customer to pay (STK Push)",
    description: "Answers 201 with the payment, status `pending`; the result arrives by callback.",
    body: { schema: "CreatePayment", example: { amount: 100, phone: "0712345678", reference: "INV-1001" } },
    success: { status: 201, description: "The payment, waiting for the customer.", schema: "Payment" },
    idempotent: true,
  },
  {
    method: "get",
    path: "/api/v1/payments",
    scope: "payments:read",
    tag: "Payments",
    summary: "List payments, newest first",
    query: paymentListQuerySchema,
    success: { status: 200, description: "A page of payments.", schema: "PaymentList" },
  },
  {
    method: "get",
    path: "/api/v1/payments/{id}",
    scope: "payments:read",
    tag: "Payments",
    summary: "One payment",
    success: { status: 200, description: "The payment.", schema: "Payment" },
  },
  {
    method: "post",
    path: "/api/v1/checkout-sessions",
    scope: "checkout:write",
    tag: "Checkout sessions",
    summary: "Create a hosted checkout page",
    body: {
      schema: "CreateCheckoutSession",
      example: { amount: 250, reference: "ORDER-42", description: "Two mandazi", expiresInMinutes: 30 },
    },
    success: {
      status: 201,
      description: "The checkout session and its page's url.",
      schema: "CheckoutSession",
    },
  },
  {
    method: "get",
    path: "/api/v1/checkout-sessions/{id}",
    scope: "payments:read",
    tag: "Checkout sessions",
    summary: "One checkout session",
    success: { status: 200, description: "The checkout session.", schema: "CheckoutSession" },
  },
  {
    method: "post",
    path: "/api/v1/payouts",
    scope: "payouts:write",
    tag: "Payouts",
    summary: "Request a payout (B2C or B2B)",
    description:
      "It waits for a person to approve it; API keys never approve. A 422 names every refused field.",
    body: {
      schema: "CreatePayout",
      example: { command: "BusinessPayment", amount: 1500, phone: "0712345678", remarks: "March commission" },
    },
    success: { status: 201, description: "The payout, pending approval.", schema: "Payout" },
    idempotent: true,
  },
  {
    method: "get",
    path: "/api/v1/payouts",
    scope: "payouts:read",
    tag: "Payouts",
    summary: "List payouts, newest first",
    query: payoutListQuerySchema,
    success: { status: 200, description: "A page of payouts.", schema: "PayoutList" },
  },
  {
    method: "get",
    path: "/api/v1/payouts/{id}",
    scope: "payouts:read",
    tag: "Payouts",
    summary: "One payout",
    success: { status: 200, description: "The payout.", schema: "Payout" },
  },
  {
    method: "post",
    path: "/api/v1/payout-batches",
    scope: "payouts:write",
    tag: "Payout batches",
    summary: "Request up to 10,000 payouts at once",
    description:
      "All or nothing: a 422 lists every bad row in `error.errors[]` as `{index, field, message}`.",
    body: {
      schema: "CreatePayoutBatch",
      example: {
        name: "March payroll",
        payouts: [
          { command: "SalaryPayment", amount: 20000, phone: "0712345678", remarks: "March salary" },
          {
            command: "BusinessPayBill",
            amount: 5000,
            shortcode: "888880",
            accountReference: "ACC-7",
            remarks: "Rent",
          },
        ],
      },
    },
    success: {
      status: 201,
      description: "The batch with counts and totals by status.",
      schema: "PayoutBatch",
    },
    idempotent: true,
  },
  {
    method: "get",
    path: "/api/v1/payout-batches/{id}",
    scope: "payouts:read",
    tag: "Payout batches",
    summary: "One payout batch",
    success: {
      status: 200,
      description: "The batch with counts and totals by status.",
      schema: "PayoutBatch",
    },
  },
  {
    method: "post",
    path: "/api/v1/payments/{id}/reversal",
    scope: "payouts:write",
    tag: "Reversals",
    summary: "Ask for a paid payment's money to go back",
    description:
      "A reversal waits for a person other than the key's creator to approve it in the dashboard; API keys never approve.",
    body: { schema: "CreateReversal", example: { reason: "Customer returned the goods", amount: 50 } },
    success: { status: 201, description: "The reversal, pending approval.", schema: "Reversal" },
    idempotent: true,
  },
  {
    method: "get",
    path: "/api/v1/reversals",
    scope: "payouts:read",
    tag: "Reversals",
    summary: "List reversals, newest first",
    query: reversalListQuerySchema,
    success: { status: 200, description: "A page of reversals.", schema: "ReversalList" },
  },
  {
    method: "get",
    path: "/api/v1/reversals/{id}",
    scope: "payouts:read",
    tag: "Reversals",
    summary: "One reversal",
    success: { status: 200, description: "The reversal.", schema: "Reversal" },
  },
  {
    method: "post",
    path: "/api/v1/reconciliation/pull",
    scope: "reconciliation:write",
    tag: "Reconciliation",
    summary: "Read M-Pesa's record for a window and match it",
    description:
      "Pull Transactions for a window of the last 48 hours (`from`, `to`; both optional, an empty body is the whole window).",
    body: {
      schema: "ReconciliationPullWindow",
      example: { from: "2026-12-01T06:00:00+03:00", to: "2026-12-01T18:00:00+03:00" },
      optional: true,
    },
    success: {
      status: 200,
      description: "What was read, matched and opened for review.",
      schema: "ReconciliationPull",
    },
  },
  {
    method: "get",
    path: "/api/v1/events",
    scope: "events:read",
    tag: "Events",
    summary: "List events, newest first",
    description: "Every money event, with the object as it was then; filter by `type`.",
    query: eventListQuerySchema,
    success: { status: 200, description: "A page of events.", schema: "EventList" },
  },
  {
    method: "get",
    path: "/api/v1/events/{id}",
    scope: "events:read",
    tag: "Events",
    summary: "One event",
    success: { status: 200, description: "The event.", schema: "Event" },
  },
  {
    method: "get",
    path: "/api/v1/webhook-endpoints",
    scope: "webhooks:manage",
    tag: "Webhook endpoints",
    summary: "List webhook endpoints",
    success: {
      status: 200,
      description: "Every webhook endpoint of the merchant.",
      schema: "WebhookEndpointList",
    },
  },
  {
    method: "post",
    path: "/api/v1/webhook-endpoints",
    scope: "webhooks:manage",
    tag: "Webhook endpoints",
    summary: "Add a webhook endpoint",
    description: "The answer carries the signing secret, this once. An empty `eventTypes` takes every type.",
    body: {
      schema: "CreateWebhookEndpoint",
      example: { url: "https://shop.example/hooks/malipo", eventTypes: ["payment.paid", "payout.paid"] },
    },
    success: {
      status: 201,
      description: "The endpoint and its secret.",
      schema: "WebhookEndpointWithSecret",
    },
  },
  {
    method: "get",
    path: "/api/v1/webhook-endpoints/{id}",
    scope: "webhooks:manage",
    tag: "Webhook endpoints",
    summary: "One webhook endpoint",
    success: { status: 200, description: "The endpoint (never its secret).", schema: "WebhookEndpoint" },
  },
  {
    method: "patch",
    path: "/api/v1/webhook-endpoints/{id}",
    scope: "webhooks:manage",
    tag: "Webhook endpoints",
    summary: "Change a webhook endpoint",
    description: "Change `url`, `description`, `eventTypes` or `enabled`; absent fields stay as they are.",
    body: { schema: "UpdateWebhookEndpoint", example: { enabled: false } },
    success: { status: 200, description: "The endpoint as changed.", schema: "WebhookEndpoint" },
  },
  {
    method: "delete",
    path: "/api/v1/webhook-endpoints/{id}",
    scope: "webhooks:manage",
    tag: "Webhook endpoints",
    summary: "Remove a webhook endpoint with its delivery log",
    success: { status: 204, description: "Removed.", schema: null },
  },
  {
    method: "post",
    path: "/api/v1/webhook-endpoints/{id}/rotate-secret",
    scope: "webhooks:manage",
    tag: "Webhook endpoints",
    summary: "Rotate the signing secret",
    description:
      "A new secret, shown once; the previous one keeps signing too until `previousSecretExpiresAt`.",
    success: {
      status: 200,
      description: "The endpoint and its new secret.",
      schema: "WebhookEndpointWithSecret",
    },
  },
  {
    method: "get",
    path: "/api/v1/openapi.json",
    tag: "Reference",
    summary: "This document",
    success: { status: 200, description: "The OpenAPI 3.1 document of this API.", schema: null },
    scope: null,
  },
];

/** The schemas of a registry of named zod schemas, with refs between them as component refs. */
function components(schemas: Record<string, z.ZodType>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, {
    io,
    target: "draft-2020-12",
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  // Each component lives inside the document: no $schema or $id of its own.
  return Object.fromEntries(
    Object.entries(out).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]),
  );
}

function queryParameters(query: z.ZodObject) {
  const schema = z.toJSONSchema(query, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: schema.required?.includes(name) ?? false,
    schema: property,
  }));
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

function operationObject(op: ApiOperation) {
  const parameters: unknown[] = [];
  if (op.path.includes("{id}")) parameters.push(ID);
  if (op.query) parameters.push(...queryParameters(op.query));
  if (op.idempotent) parameters.push({ $ref: "#/components/parameters/IdempotencyKey" });
  const responses: Record<string, unknown> = {
    [op.success.status]:
      op.success.status === 204
        ? { description: op.success.description }
        : {
            description: op.success.description,
            content: {
              "application/json": {
                schema: op.success.schema
                  ? { $ref: `#/components/schemas/${op.success.schema}` }
                  : { type: "object" },
              },
            },
          },
  };
  if (op.scope) {
    if (op.body || op.idempotent) responses[400] = { $ref: "#/components/responses/BadRequest" };
    responses[401] = { $ref: "#/components/responses/Unauthenticated" };
    responses[403] = { $ref: "#/components/responses/Forbidden" };
    if (op.path.includes("{id}")) responses[404] = { $ref: "#/components/responses/NotFound" };
    if (op.idempotent) responses[409] = { $ref: "#/components/responses/Conflict" };
    if (op.body || op.query) responses[422] = { $ref: "#/components/responses/ValidationFailed" };
    responses[429] = { $ref: "#/components/responses/RateLimited" };
    responses[500] = { $ref: "#/components/responses/Internal" };
  }
  const scopeNote = op.scope
    ? `Scope: \`${op.scope}\` (${API_SCOPES[op.scope].label}); a key without it is answered 403.`
    : null;
  return {
    operationId: `${op.method}${op.path
      .replace(/^\/api\/v1/, "")
      .replace(/[{}]/g, "")
      .replace(/[/.-](\w)/g, (_, c: string) => c.toUpperCase())}`,
    tags: [op.tag],
    summary: op.summary,
    ...(scopeNote || op.description
      ? { description: [op.description, scopeNote].filter(Boolean).join("\n\n") }
      : {}),
    // OpenAPI 3.1 lets a non-OAuth requirement list the roles it needs: here, the key's scope.
    security: op.scope ? [{ apiKey: [op.scope] }] : [],
    ...(op.scope ? { "x-malipo-scope": op.scope } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: !op.body.optional,
            content: {
              "application/json": {
                schema: { $ref: `#/components/schemas/${op.body.schema}` },
                example: op.body.example,
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** What Malipo POSTs to a webhook endpoint for one event type (OpenAPI 3.1's top-level `webhooks`). */
function webhookObject(type: string) {
  return {
    post: {
      operationId: `webhook${type.replace(/(^|[._])(\w)/g, (_m: string, _sep: string, c: string) => c.toUpperCase())}`,
      tags: ["Webhooks"],
      summary: `The ${type} event`,
      description:
        "Signed with HMAC-SHA256 over `<timestamp>.<body>`; delivered at least once and in no guaranteed order, so de-duplicate on the event id. Answer 2xx within the timeout, or it is retried with back-off for up to three days.",
      parameters: [
        {
          name: SIGNATURE_HEADER,
          in: "header",
          required: true,
          description:
            '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (one v1 per secret during a rotation).',
          schema: { type: "string" },
        },
        {
          name: EVENT_ID_HEADER,
          in: "header",
          required: true,
          description: "The event's id, as in the body.",
          schema: { type: "string", format: "uuid" },
        },
      ],
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: { $ref: `#/components/schemas/${webhookComponent(type)}` } },
        },
      },
      responses: { "2XX": { description: "Received; any other answer (or none in time) is retried." } },
    },
  };
}

export interface BuildOptions {
  /** The server the document names (the app's own URL). */
  serverUrl?: string;
  version?: string;
}

/** The whole OpenAPI 3.1 document. */
export function buildOpenApiDocument({ serverUrl = "/", version = "1.0.0" }: BuildOptions = {}) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of API_OPERATIONS) {
    paths[op.path] ??= {};
    (paths[op.path] as Record<string, unknown>)[op.method] = operationObject(op);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Malipo REST API",
      version,
      summary: "M-Pesa collections, payouts, reversals and reconciliation for one merchant per API key.",
      description:
        "Amounts are whole KES. Phone numbers in answers are masked. Another merchant's ids answer 404. " +
        "Lists are newest first with a keyset cursor: pass `nextCursor` back as `cursor`. Limits: 300 requests a minute per API key.",
      license: { name: "MIT", identifier: "MIT" },
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    tags: [...new Set(API_OPERATIONS.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    webhooks: Object.fromEntries(
      Object.keys(webhookPayloadByType).map((type) => [type, webhookObject(type)]),
    ),
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description:
            "An API key from Settings → API keys: `Authorization: Bearer <key>`. Each key has scopes, chosen when it is made; an operation needs the one it names (403 without it).",
        },
      },
      parameters: {
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description:
            "Retry safely: the same key with the same body answers the first result; with a different body, 409.",
          schema: { type: "string", pattern: "^[\\w.:-]{1,100}$" },
        },
      },
      responses: {
        BadRequest: errorResponse(
          "The body is not JSON, or a header (Idempotency-Key) or cursor is malformed.",
        ),
        Unauthenticated: errorResponse("No API key, or one that is unknown or revoked."),
        Forbidden: errorResponse(
          "The API key lacks the scope this operation needs (`error.code` is `forbidden`; the message names the scope).",
        ),
        NotFound: errorResponse("No such object for this merchant."),
        Conflict: errorResponse("The Idempotency-Key was used with a different request."),
        ValidationFailed: errorResponse(
          "A field is refused; `error.field` names it (`error.errors[]` lists every one).",
        ),
        RateLimited: {
          ...errorResponse("Too many requests for this API key."),
          headers: { "Retry-After": { description: "Seconds to wait.", schema: { type: "integer" } } },
        },
        Internal: errorResponse("Something went wrong on our side; nothing internal is disclosed."),
      },
      schemas: { ...components(requestSchemas, "input"), ...components(responseSchemas, "output") },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

/** Whether `example` parses with the request schema named `name` (used by the document's test). */
export function requestSchema(name: string): z.ZodType | undefined {
  return requestSchemas[name];
}
