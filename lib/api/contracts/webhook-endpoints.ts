// The REST API's webhook endpoints (/api/v1/webhook-endpoints…) as the routes parse and answer them.
import { z } from "zod";
import { EVENT_TYPES } from "../../events/event-types";
import {
  createWebhookEndpointSchema,
  updateWebhookEndpointSchema,
} from "../../webhooks/webhook-endpoint-input";
import type {
  toWebhookAttemptResource,
  toWebhookDeliveryResource,
  toWebhookEndpointResource,
} from "../../webhooks/webhook-endpoint-resource";
import { type Assert, type Conforms, instantSchema } from "./shared";

export { createWebhookEndpointSchema, updateWebhookEndpointSchema };

export const webhookEndpointResourceSchema = z.object({
  id: z.uuid(),
  object: z.literal("webhook_endpoint"),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()).meta({
    description: `Types delivered (${EVENT_TYPES.join(", ")}); empty means all.`,
  }),
  enabled: z.boolean(),
  disabledAt: instantSchema.nullable(),
  disabledReason: z.string().nullable().meta({ description: "Why it was disabled (a person, or failing)." }),
  failureStreak: z.number().int().meta({ description: "Deliveries in a row given up; reset by a success." }),
  previousSecretExpiresAt: instantSchema
    .nullable()
    .meta({ description: "After a rotation, until when the previous secret also signs." }),
  createdAt: instantSchema,
});

/** The create and rotate answers: the endpoint and its secret, shown this once. */
export const webhookEndpointWithSecretSchema = webhookEndpointResourceSchema.extend({
  secret: z.string().meta({ description: "whsec_…: shown once; store it now." }),
});

export const webhookEndpointListSchema = z.object({
  object: z.literal("list"),
  data: z.array(webhookEndpointResourceSchema),
});

export const webhookAttemptResourceSchema = z.object({
  id: z.uuid(),
  attemptedAt: instantSchema,
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable().meta({ description: "The first 1 KiB of the answer." }),
  manual: z.boolean(),
});

export const webhookDeliveryResourceSchema = z.object({
  id: z.uuid(),
  object: z.literal("webhook_delivery"),
  endpointId: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string().nullable(),
  state: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  nextAttemptAt: instantSchema.nullable(),
  deliveredAt: instantSchema.nullable(),
  createdAt: instantSchema,
  attemptLog: z.array(webhookAttemptResourceSchema),
});

export type WebhookEndpointResourceCheck = Assert<
  Conforms<ReturnType<typeof toWebhookEndpointResource>, z.output<typeof webhookEndpointResourceSchema>>
>;
export type WebhookAttemptResourceCheck = Assert<
  Conforms<ReturnType<typeof toWebhookAttemptResource>, z.output<typeof webhookAttemptResourceSchema>>
>;
export type WebhookDeliveryResourceCheck = Assert<
  Conforms<ReturnType<typeof toWebhookDeliveryResource>, z.output<typeof webhookDeliveryResourceSchema>>
>;
