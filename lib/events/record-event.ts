import type { DbClient } from "../db-types";
import { currentTraceparent } from "../observability/tracing";
import type { EventType } from "./event-types";

/** An event as stored (the Event row's fields). */
export interface RecordedEvent {
  id: string;
  merchantId: string;
  type: string;
  objectId: string | null;
  data: unknown;
  createdAt: Date;
  traceContext: string | null;
}

/** An event to store: `data` is the object as the API shows it now. */
export interface NewEvent {
  merchantId: string;
  type: EventType;
  /** The id of the payment, payout, review item or day it is about. */
  objectId: string | null;
  /** The object as the API shows it now. */
  data: Record<string, unknown>;
}

/**
 * Stores one event and owes it to every enabled webhook endpoint of the merchant that takes its
 * type (an endpoint with no types takes all). Call it with the transaction that makes the change
 * the event reports (an outbox): the event exists exactly when the change committed, and the
 * deliveries wait, pending and due now, for lib/webhooks/deliver-due-webhooks.ts. The active
 * trace is stored with it, so its webhook deliveries join the trace of the change it reports.
 */
export async function recordEvent(tx: DbClient, options: NewEvent & { now?: Date }): Promise<RecordedEvent> {
  const [event] = await recordEvents(tx, [options], { now: options.now });
  if (!event) throw new Error("recordEvent: the event was not stored");
  return event;
}

/**
 * Stores any number of events as recordEvent stores one, in one statement (the events, then
 * their deliveries from the endpoints that take them) rather than Prisma's create, findMany and
 * createMany: it is on every settlement's path (issue 14, scripts/bench-settlement.ts), and a
 * batch of settlements writes all its events at once. Returns them in no particular order. Ids
 * are version 7 UUIDs, as Prisma's `@default(uuid(7))` makes them, built in SQL (no uuidv7()
 * before PostgreSQL 18) from the event time: its milliseconds over a random v4 UUID, version
 * bits set to 7.
 */
export async function recordEvents(
  tx: DbClient,
  events: readonly NewEvent[],
  options: { now?: Date } = {},
): Promise<RecordedEvent[]> {
  if (events.length === 0) return [];
  const now = options.now ?? new Date();
  const traceContext = currentTraceparent();
  const column = <K extends keyof NewEvent>(name: K) => events.map((event) => event[name]);
  const data = events.map((event) => JSON.stringify(event.data));
  return tx.$queryRaw<RecordedEvent[]>`
    WITH event AS (
      INSERT INTO events (id, merchant_id, type, object_id, data, created_at, trace_context)
      SELECT
        encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
          PLACING substring(int8send((extract(epoch FROM ${now}::timestamptz) * 1000)::bigint) FROM 3)
          FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid,
        input.merchant_id, input.type, input.object_id, input.data::jsonb, ${now}::timestamptz, ${traceContext}
      FROM unnest(${column("merchantId")}::uuid[], ${column("type")}::text[], ${column("objectId")}::text[],
        ${data}::text[]) AS input(merchant_id, type, object_id, data)
      RETURNING id, merchant_id, type, object_id, data, created_at, trace_context
    ), deliveries AS (
      INSERT INTO webhook_deliveries (id, merchant_id, endpoint_id, event_id, state, next_attempt_at, created_at)
      SELECT
        encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
          PLACING substring(int8send((extract(epoch FROM event.created_at) * 1000)::bigint) FROM 3)
          FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid,
        event.merchant_id, endpoint.id, event.id, 'pending', event.created_at, event.created_at
      FROM event
      JOIN webhook_endpoints endpoint ON endpoint.merchant_id = event.merchant_id
      WHERE endpoint.enabled
        AND (COALESCE(cardinality(endpoint.event_types), 0) = 0 OR event.type = ANY(endpoint.event_types))
      ON CONFLICT (endpoint_id, event_id) DO NOTHING
    )
    SELECT id::text, merchant_id::text AS "merchantId", type, object_id AS "objectId", data,
      created_at AS "createdAt", trace_context AS "traceContext"
    FROM event`;
}
