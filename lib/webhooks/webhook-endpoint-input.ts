// What a person or an API client may send to create or change a webhook endpoint.
import { z } from "zod";
import { EVENT_TYPES } from "../events/event-types";

const eventTypesSchema = z
  .array(z.enum(EVENT_TYPES, { error: `each event type must be one of ${EVENT_TYPES.join(", ")}` }))
  .max(EVENT_TYPES.length)
  .transform((types) => [...new Set(types)]);

export const createWebhookEndpointSchema = z.object({
  url: z.string().trim().min(1, "Enter the URL.").max(2000),
  description: z.string().trim().max(200).nullish(),
  /** Empty or absent: every type. */
  eventTypes: eventTypesSchema.default([]),
});
export type CreateWebhookEndpointInput = z.input<typeof createWebhookEndpointSchema>;

export const updateWebhookEndpointSchema = z.object({
  url: z.string().trim().min(1).max(2000).optional(),
  description: z.string().trim().max(200).nullish(),
  eventTypes: eventTypesSchema.optional(),
  enabled: z.boolean().optional(),
});
export type UpdateWebhookEndpointInput = z.input<typeof updateWebhookEndpointSchema>;

/** Endpoints one merchant may have. */
export const MAX_WEBHOOK_ENDPOINTS = 16;
